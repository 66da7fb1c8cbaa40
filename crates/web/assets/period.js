// The close page: while an evaluation runs, polls its progress (schemes evaluated, scorecards
// stored) into the progress bar, then reloads the page so the counts show the new results.
(function () {
  var box = document.getElementById('evaluate-status');
  if (!box || !box.dataset.job) return;
  var say = box.dataset;
  var title = document.getElementById('evaluate-title');
  var bar = document.getElementById('evaluate-bar');
  var count = document.getElementById('evaluate-count');
  var message = document.getElementById('evaluate-message');

  function show(job) {
    title.textContent = say[job.state] || job.state;
    bar.max = Math.max(job.total, 1);
    bar.value = job.done;
    count.textContent = say.schemes + ': ' + job.done + ' / ' + job.total + ' · ' + say.cards + ': ' + job.scorecards;
    message.textContent = job.error || '';
  }

  function poll() {
    fetch('/api/evaluations/' + say.job, { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.state === undefined) { title.textContent = say.failed; message.textContent = job.error || ''; return; }
        show(job);
        if (job.state === 'running') { setTimeout(poll, 500); return; }
        if (job.state === 'done') {
          // Once: the page shows the new counts; the job stays in the address for its result.
          if (!sessionStorage.getItem('kaohe-eval-' + say.job)) {
            sessionStorage.setItem('kaohe-eval-' + say.job, '1');
            location.reload();
          }
        }
      });
  }
  if (box.querySelector('#evaluate-title').textContent.trim() !== say.done) poll();
})();
