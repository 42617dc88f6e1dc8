/* Upload page: drag-and-drop onto the file input. Progress page: poll the job status and
   reload into the preview when it is ready. No inline scripts (the CSP forbids them). */
(function () {
  "use strict";

  var dropzone = document.getElementById("dropzone");
  if (dropzone) {
    var input = dropzone.querySelector("input[type=file]");
    var nameOut = document.getElementById("file-name");
    var showName = function () {
      if (input.files.length) { nameOut.textContent = input.files[0].name; }
    };
    input.addEventListener("change", showName);
    ["dragenter", "dragover"].forEach(function (type) {
      dropzone.addEventListener(type, function (event) {
        event.preventDefault();
        dropzone.classList.add("bg-success-subtle");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      dropzone.addEventListener(type, function (event) {
        event.preventDefault();
        dropzone.classList.remove("bg-success-subtle");
      });
    });
    dropzone.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showName();
      }
    });
  }

  var progress = document.getElementById("progress");
  if (progress) {
    var bar = document.getElementById("progress-bar");
    var wrap = document.getElementById("progress-bar-wrap");
    var text = document.getElementById("progress-text");
    var messages = document.getElementById("progress-messages").dataset;
    var format = function (template, values) {
      return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
    };
    var number = function (n) { return Number(n).toLocaleString("id-ID"); };
    var started = Date.now();
    var poll = function () {
      fetch(progress.dataset.statusUrl, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          if (job.finished) { window.location.assign(progress.dataset.doneUrl); return; }
          if (job.rows_expected) {
            var percent = Math.min(100, Math.round(100 * job.rows_validated / job.rows_expected));
            bar.style.width = percent + "%";
            wrap.setAttribute("aria-valuenow", percent);
            text.textContent = format(messages.reading,
              { read: number(job.rows_read), total: number(job.rows_expected) });
          } else if (job.rows_read) {
            text.textContent = format(messages.readingUnknown, { read: number(job.rows_read) });
          } else if (job.status === "queued" && Date.now() - started > 15000) {
            text.textContent = messages.stalled;  // no consumer has picked the job up yet
          }
          window.setTimeout(poll, 800);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    };
    poll();
  }
})();
