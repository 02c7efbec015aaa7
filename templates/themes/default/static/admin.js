// visnyk workspace: optional improvements only; every form works without this file.
// Photos: each row of the upload form takes one file with its own caption and alt
// text. A «choose several» picker (and dropping files on the form) puts one file in each
// row, adding rows up to the form's maximum.
(function () {
  'use strict';
  var form = document.getElementById('upload-form');
  var rows = document.getElementById('photo-rows');
  if (!form || !rows || !window.DataTransfer) return;
  var max = parseInt(form.dataset.max, 10) || 20;
  function row(k) {
    var existing = document.getElementById('photo-row-' + k);
    if (existing) return existing;
    var r = document.getElementById('photo-row-1').cloneNode(true);
    r.id = 'photo-row-' + k;
    r.querySelector('legend').textContent = form.dataset.rowLabel + ' ' + k;
    r.querySelectorAll('[id],[for],[name]').forEach(function (el) {
      ['id', 'for', 'name'].forEach(function (a) {
        var v = el.getAttribute(a);
        if (v) el.setAttribute(a, v.replace(/(-|_)1(\b|-)/, '$1' + k + '$2'));
      });
      if (el.type === 'checkbox') el.checked = false;
      else if (el.type !== 'file' && el.tagName === 'INPUT') el.value = '';
      el.removeAttribute('aria-invalid');
      if (el.name && el.name.indexOf('alt_') === 0) el.setAttribute('aria-describedby', 'alt-hint');
    });
    r.querySelectorAll('.field-error').forEach(function (el) { el.remove(); });
    rows.appendChild(r);
    return r;
  }
  function place(files) {
    var n = Math.min(files.length, max);
    for (var i = 0; i < n; i++) {
      var dt = new DataTransfer();
      dt.items.add(files[i]);
      row(i + 1).querySelector('input[type=file]').files = dt.files;
    }
    var first = document.getElementById('up-alt-1');
    if (first) first.focus();
  }
  var p = document.createElement('p');
  var label = document.createElement('label');
  var pick = document.createElement('input');
  pick.type = 'file';
  pick.multiple = true;
  pick.id = 'photo-pick';
  pick.accept = 'image/jpeg,image/png,image/webp';
  label.htmlFor = 'photo-pick';
  label.textContent = form.dataset.pick;
  p.appendChild(label);
  p.appendChild(pick);
  rows.parentNode.insertBefore(p, rows);
  pick.addEventListener('change', function () { place(pick.files); });
  ['dragenter', 'dragover'].forEach(function (t) {
    form.addEventListener(t, function (e) { e.preventDefault(); form.classList.add('dragging'); });
  });
  ['dragleave', 'drop'].forEach(function (t) {
    form.addEventListener(t, function () { form.classList.remove('dragging'); });
  });
  form.addEventListener('drop', function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) place(e.dataTransfer.files);
  });
})();

// The gallery's order by dragging: a photo dropped on another takes its place; the
// order fields follow, and «Зберегти галерею» stores it (the «Вище»/«Нижче» buttons
// stay the keyboard's way).
(function () {
  'use strict';
  var form = document.getElementById('gallery-form');
  if (!form) return;
  var list = form.querySelector('ol.photos');
  var status = document.getElementById('gallery-status');
  var dragged = null;
  function renumber() {
    list.querySelectorAll('li.photo').forEach(function (li, i) {
      var order = li.querySelector('input[name^="order_"]');
      if (order) order.value = String(i + 1);
    });
    if (status) status.textContent = form.dataset.moved;
  }
  list.querySelectorAll('li.photo').forEach(function (li) {
    li.draggable = true;
    li.addEventListener('dragstart', function (e) {
      dragged = li;
      li.classList.add('dragging');
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', li.dataset.id || '');
    });
    li.addEventListener('dragend', function () { li.classList.remove('dragging'); dragged = null; });
    li.addEventListener('dragover', function (e) {
      if (dragged && dragged !== li) e.preventDefault();
    });
    li.addEventListener('drop', function (e) {
      if (!dragged || dragged === li) return;
      e.preventDefault();
      var items = Array.prototype.slice.call(list.children);
      var after = items.indexOf(dragged) < items.indexOf(li);
      list.insertBefore(dragged, after ? li.nextSibling : li);
      renumber();
    });
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
  var creating = false;
  var status = document.getElementById('autosave-status');
  var INTERVAL_MS = 30000;
  var changed = false, pending = false, submitting = false, timer = null;

  function data() {
    var p = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { if (typeof v === 'string') p.append(k, v); });
    if (form.dataset.create) { p.append('action', 'save'); p.append('autosave', '1'); }
    return p;
  }
  function saved(what) {
    if (!status) return;
    var d = new Date();
    status.textContent = what + ' ' + String(d.getHours()).padStart(2, '0') +
      ':' + String(d.getMinutes()).padStart(2, '0');
  }
  // A new article: the first autosave is the draft's first save (the server answers
  // with the draft's edit page), and the form becomes that draft's, as if it had been
  // opened from the list, so nothing typed into a tab closed before saving is lost.
  function created(r) {
    var m = /\/admin\/articles\/(\d+)(\?|$)/.exec(r.url);
    if (!r.ok || !m) { pending = true; creating = false; return; }
    return r.text().then(function (html) {
      var page = new DOMParser().parseFromString(html, 'text/html');
      var version = page.querySelector('#article-form input[name=version]');
      var id = m[1];
      // form.action would be the buttons named "action"
      form.setAttribute('action', '/admin/articles/' + id);
      form.querySelector('input[name=id]').value = id;
      if (version) form.querySelector('input[name=version]').value = version.value;
      url = '/admin/articles/' + id + '/autosave';
      delete form.dataset.create;
      creating = false;
      if (window.history && history.replaceState)
        history.replaceState(null, '', '/admin/articles/' + id);
      saved(form.dataset.created);
    });
  }
  function save(leaving) {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!pending || submitting) return;
    // the draft is being created: what follows goes to it once it exists (a second
    // create would make a second draft)
    if (creating) return;
    pending = false;
    if (form.dataset.create) {
      creating = true;
      // not a beacon: a page only hidden (another tab) lives on and must learn the
      // draft's address; keepalive lets the request outlive a closed page (≤ 64 KiB)
      var body = data();
      fetch(url, { method: 'POST', body: body, credentials: 'same-origin',
        keepalive: body.toString().length < 60000 })
        .then(created)
        .catch(function () { pending = true; creating = false; });
      return;
    }
    if (leaving && navigator.sendBeacon && navigator.sendBeacon(url, data())) return;
    fetch(url, { method: 'POST', body: data(), credentials: 'same-origin', keepalive: true })
      .then(function (r) { if (r.status === 204) saved(form.dataset.saved); else pending = true; })
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
