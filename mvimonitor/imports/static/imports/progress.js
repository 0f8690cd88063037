// Polls the run's progress (a small JSON document) every two seconds and updates the counts in the live region;
// reloads the page once the run is finished, so the report appears. Without JavaScript the page has a reload link.
(function () {
  "use strict";
  var box = document.getElementById("mvim-run-progress");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  function poll() {
    fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        box.querySelectorAll("[data-field]").forEach(function (element) {
          var value = data[element.dataset.field];
          if (value !== undefined && String(value) !== element.textContent) {
            element.textContent = value;
          }
        });
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
