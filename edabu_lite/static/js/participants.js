/* Participant list: "select all on this page" toggles every row checkbox. */
(function () {
  "use strict";
  var all = document.getElementById("select-page");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll(".row-select").forEach(function (box) { box.checked = all.checked; });
  });
})();
