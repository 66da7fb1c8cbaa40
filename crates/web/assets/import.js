// The import page: uploads the chosen file as the request body, then polls the import's
// progress until it is done, rejected (the error report: row, column, value, reason) or failed.
(function () {
  var form = document.getElementById('import-form');
  var box = document.getElementById('import-status');
  if (!form || !box) return;
  var title = document.getElementById('import-title');
  var bar = document.getElementById('import-bar');
  var count = document.getElementById('import-count');
  var message = document.getElementById('import-message');
  var errors = document.getElementById('import-errors');
  var say = box.dataset;

  function show(job) {
    var done = job.state !== 'running';
    title.textContent = say[job.state] || job.state;
    bar.max = Math.max(job.rows_estimate, job.rows_read, 1);
    bar.value = done ? bar.max : job.rows_read;
    count.textContent = job.rows !== null && job.rows !== undefined
      ? say.rowsImported + ': ' + job.rows
      : say.rowsRead + ': ' + job.rows_read;
    message.textContent = job.error || '';
    var body = errors.tBodies[0];
    body.textContent = '';
    errors.hidden = !job.report;
    if (job.report) {
      message.textContent = say.errorsTotal + ': ' + job.report.total;
      job.report.errors.forEach(function (e) {
        var tr = body.insertRow();
        [e.row, e.column, e.value, e.reason].forEach(function (v) {
          tr.insertCell().textContent = v;
        });
      });
    }
    return done;
  }

  function poll(id) {
    fetch('/api/import/' + id, { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.state === undefined) { title.textContent = say.failed; message.textContent = job.error || ''; return; }
        if (!show(job)) setTimeout(function () { poll(id); }, 500);
      });
  }

  var resumed = new URLSearchParams(location.search).get('job');
  if (resumed) {
    box.hidden = false;
    title.textContent = say.running;
    poll(resumed);
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var file = form.elements.file.files[0];
    if (!file) return;
    var kind = form.elements.kind.value;
    box.hidden = false;
    errors.hidden = true;
    title.textContent = say.running;
    message.textContent = '';
    var url = '/api/import?kind=' + encodeURIComponent(kind) + '&name=' + encodeURIComponent(file.name);
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': form.dataset.csrf },
      body: file
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.error || r.statusText);
        // The job's address survives a reload: the page picks it up again from the server.
        history.replaceState(null, '', '/import?job=' + j.job);
        poll(j.job);
      });
    }).catch(function (e) {
      title.textContent = say.failed;
      message.textContent = e.message;
    });
  });
})();
