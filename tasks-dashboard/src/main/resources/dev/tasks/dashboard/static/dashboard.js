// The dashboard's only script: refreshes live sections and helps with selections. Pages work without it.
(function () {
  'use strict';

  function refresh(section) {
    var url = section.getAttribute('data-live');
    var interval = parseInt(section.getAttribute('data-interval'), 10) || 2000;
    function tick() {
      fetch(url, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) {
          if (!r.ok) { throw new Error('HTTP ' + r.status); }
          return r.text();
        })
        .then(function (html) {
          // the server escapes every value in this fragment
          section.innerHTML = html;
          section.classList.remove('refresh-failed');
        })
        .catch(function () { section.classList.add('refresh-failed'); })
        .then(function () { setTimeout(tick, interval); });
    }
    setTimeout(tick, interval);
  }

  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('[data-live]'), refresh);
    var all = document.getElementById('select-all');
    if (all) {
      all.addEventListener('change', function () {
        Array.prototype.forEach.call(document.querySelectorAll('input.pick'), function (box) {
          box.checked = all.checked;
        });
      });
    }
  });
})();
