// The library pages: follows the background build of new measures' roll-ups until it ends.
(function () {
  var box = document.getElementById('rollups');
  if (!box) return;
  var text = document.getElementById('rollups-text');
  var bar = document.getElementById('rollups-bar');
  var count = document.getElementById('rollups-count');
  var error = document.getElementById('rollups-error');
  var say = box.dataset;

  function show(b) {
    bar.max = Math.max(b.total, 1);
    bar.value = b.done;
    count.textContent = b.done + ' / ' + b.total;
    error.textContent = b.error || '';
    if (b.running || b.pending > 0 && !b.error) {
      text.textContent = say.building;
      box.dataset.state = 'building';
      return false;
    }
    text.textContent = b.error ? say.failed : say.ready;
    box.dataset.state = b.error ? 'failed' : 'ready';
    if (!b.error) bar.value = bar.max;
    return true;
  }

  function poll() {
    fetch('/api/rollups', { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (b) { if (!show(b)) setTimeout(poll, 700); })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
