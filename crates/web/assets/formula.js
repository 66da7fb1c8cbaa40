// The formula editor: checks the formula as it is typed (a debounced POST to
// /api/formula/check) and shows the error's position and message, or, for a valid formula,
// its value for the chosen person and period (POST /api/formula/preview). Nothing is saved
// until the form is submitted.
(function () {
  var form = document.getElementById('formula-form');
  if (!form) return;
  var area = form.elements.formula;
  var status = document.getElementById('formula-status');
  var caret = document.getElementById('formula-caret');
  var out = document.getElementById('preview');
  var employee = document.getElementById('preview-employee');
  var period = document.getElementById('preview-period');
  var message = document.getElementById('preview-message');
  var shown = {
    value: document.getElementById('preview-value'),
    numerator: document.getElementById('preview-numerator'),
    denominator: document.getElementById('preview-denominator'),
    target: document.getElementById('preview-target'),
    working_days: document.getElementById('preview-working-days')
  };
  var say = status.dataset;
  var timer = null;
  var asked = 0;

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': form.dataset.csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    });
  }

  function number(v) {
    if (v === null || v === undefined) return '–';
    return (Math.round(v * 100) / 100).toLocaleString();
  }

  function clearPreview() {
    Object.keys(shown).forEach(function (k) { shown[k].textContent = '–'; });
    out.dataset.state = 'none';
  }

  function preview(mine) {
    if (!employee.value.trim() || !period.value.trim()) { clearPreview(); return; }
    out.dataset.state = 'loading';
    post('/api/formula/preview', {
      formula: area.value,
      employee: employee.value.trim().split(/\s+/)[0],
      period: period.value.trim(),
      indicator: form.dataset.indicator
    }).then(function (r) {
      if (mine !== asked) return;
      if (!r.ok) {
        clearPreview();
        message.textContent = r.body.error || '';
        out.dataset.state = 'error';
        return;
      }
      message.textContent = '';
      var p = r.body;
      shown.value.textContent = p.value === null ? out.dataset.na : number(p.value);
      shown.numerator.textContent = number(p.numerator);
      shown.denominator.textContent = number(p.denominator);
      shown.target.textContent = number(p.target);
      shown.working_days.textContent = p.working_days;
      out.dataset.state = 'done';
      out.dataset.value = p.value === null ? '' : String(p.value);
    });
  }

  function check() {
    var mine = ++asked;
    status.className = 'status';
    status.textContent = say.checking;
    post('/api/formula/check', { formula: area.value }).then(function (r) {
      if (mine !== asked) return;
      var j = r.body;
      if (!r.ok) {
        status.className = 'status error';
        status.textContent = j.error || '';
        caret.hidden = true;
        return;
      }
      if (j.ok) {
        status.className = 'status ok';
        status.textContent = say.ok;
        caret.hidden = true;
        area.removeAttribute('aria-invalid');
        preview(mine);
      } else {
        status.className = 'status error';
        status.textContent = j.line + ':' + j.column + ' ' + j.message;
        caret.textContent = j.caret;
        caret.hidden = false;
        area.setAttribute('aria-invalid', 'true');
        clearPreview();
        message.textContent = '';
      }
    }).catch(function (e) {
      if (mine !== asked) return;
      status.className = 'status error';
      status.textContent = e.message;
    });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  }

  area.addEventListener('input', soon);
  employee.addEventListener('change', soon);
  period.addEventListener('change', soon);
  check();
})();
