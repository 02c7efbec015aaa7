// visnyk workspace: optional improvements only; every form works without this file.
// Dropping photos on the upload form fills its file input.
(function () {
  'use strict';
  var form = document.getElementById('upload-form');
  if (!form) return;
  var input = form.querySelector('input[type=file]');
  ['dragenter', 'dragover'].forEach(function (t) {
    form.addEventListener(t, function (e) { e.preventDefault(); form.classList.add('dragging'); });
  });
  ['dragleave', 'drop'].forEach(function (t) {
    form.addEventListener(t, function () { form.classList.remove('dragging'); });
  });
  form.addEventListener('drop', function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
  });
})();

// The publish button says «Запланувати» while the date field holds a time still to come,
// as the server names it when it draws the page.
(function () {
  'use strict';
  var button = document.getElementById('publish-button');
  var date = document.getElementById('date');
  if (!button || !date) return;
  function label() {
    var t = date.value ? new Date(date.value).getTime() : NaN;
    button.textContent = !isNaN(t) && t > Date.now() ? button.dataset.later : button.dataset.now;
  }
  date.addEventListener('input', label);
  date.addEventListener('change', label);
})();

// Autosave: while the article form changes, it goes to the server every ~30 s, and once
// more when the page is left or hidden (sendBeacon, which outlives the page), as a text
// kept beside the article: never a revision, never what readers see. Reopening the
// article offers to restore it. Leaving with changes not saved as the article asks first.
(function () {
  'use strict';
  var form = document.getElementById('article-form');
  if (!form || !form.dataset.autosave || !window.URLSearchParams || !window.fetch) return;
  var url = form.dataset.autosave;
  var status = document.getElementById('autosave-status');
  var INTERVAL_MS = 30000;
  var changed = false, pending = false, submitting = false, timer = null;

  function data() {
    var p = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { if (typeof v === 'string') p.append(k, v); });
    return p;
  }
  function saved() {
    if (!status) return;
    var d = new Date();
    status.textContent = form.dataset.saved + ' ' + String(d.getHours()).padStart(2, '0') +
      ':' + String(d.getMinutes()).padStart(2, '0');
  }
  function save(leaving) {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!pending || submitting) return;
    pending = false;
    if (leaving && navigator.sendBeacon && navigator.sendBeacon(url, data())) return;
    fetch(url, { method: 'POST', body: data(), credentials: 'same-origin', keepalive: true })
      .then(function (r) { if (r.status === 204) saved(); else pending = true; })
      .catch(function () { pending = true; });
  }
  form.addEventListener('input', function () {
    changed = pending = true;
    if (!timer) timer = setTimeout(function () { save(false); }, INTERVAL_MS);
  });
  form.addEventListener('change', function () {
    changed = pending = true;
    if (!timer) timer = setTimeout(function () { save(false); }, INTERVAL_MS);
  });
  form.addEventListener('submit', function () { submitting = true; });
  window.addEventListener('pagehide', function () { save(true); });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') save(true);
  });
  window.addEventListener('beforeunload', function (e) {
    if (!changed || submitting) return;
    e.preventDefault();
    e.returnValue = form.dataset.leave;
    return form.dataset.leave;
  });
})();

// Presence: while the edit page is open and visible, a heartbeat every ~30 s keeps the
// others' «… редагує з 09:41» notice alive; when someone takes the article over, the
// answer says who, and the page says it too.
(function () {
  'use strict';
  var form = document.getElementById('article-form');
  var status = document.getElementById('presence-status');
  if (!form || !form.dataset.presence || !status || !window.fetch) return;
  var csrf = form.querySelector('input[name=csrf]');
  function beat() {
    if (document.visibilityState === 'hidden') return;
    var p = new URLSearchParams();
    p.append('csrf', csrf ? csrf.value : '');
    fetch(form.dataset.presence, { method: 'POST', body: p, credentials: 'same-origin' })
      .then(function (r) {
        if (r.status !== 409) return;
        return r.text().then(function (t) { status.textContent = t; status.hidden = false; });
      })
      .catch(function () {});
  }
  setInterval(beat, 30000);
  document.addEventListener('visibilitychange', beat);
})();
