/* Participant list: "select all on this page" toggles every row checkbox; the sticky
   action bar counts the ticked people and opens at the first tick. */
(function () {
  "use strict";
  var all = document.getElementById("select-page");
  var count = document.getElementById("selected-count");
  var boxes = document.querySelectorAll(".row-select");
  function update() {
    var ticked = document.querySelectorAll(".row-select:checked").length;
    if (count) {
      count.textContent = count.getAttribute("data-template").replace("__N__", String(ticked));
    }
    if (ticked && count) {
      count.closest("details").open = true;
    }
  }
  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
})();
