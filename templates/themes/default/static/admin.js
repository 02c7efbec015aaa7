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
