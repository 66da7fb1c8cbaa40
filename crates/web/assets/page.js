// Behaviour shared by the pages, kept in a file because the content security policy allows no
// inline script: a <select data-goto="/records/"> opens the chosen page, a
// <button data-print> prints.
document.addEventListener('change', function (e) {
  var prefix = e.target.getAttribute && e.target.getAttribute('data-goto');
  if (prefix !== null && prefix !== undefined) {
    location.href = prefix + encodeURIComponent(e.target.value);
  }
});
document.addEventListener('click', function (e) {
  if (e.target.closest && e.target.closest('[data-print]')) {
    window.print();
  }
});
