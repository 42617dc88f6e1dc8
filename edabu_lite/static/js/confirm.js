/* A button with data-confirm asks before its form is sent: the text says what will happen
   ("3 peserta akan berubah"). The server checks everything again; this only spares a slip. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = button && button.getAttribute("data-confirm");
    if (text && !window.confirm(text)) {
      event.preventDefault();
    }
  });
})();
