/* Unit pickers (branches/pickers.py). htmx lists the matches as the user types; this script only keeps what is
   chosen: a box ticked in the list moves up among the chosen ones, so the next search does not wipe it (a single
   choice replaces the one before). Enter in the search box searches instead of submitting the whole form.
   Without this script the page still works: the "查找" button posts the form back with the matches. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    var picker = box.closest && box.closest("[data-unit-picker]");
    if (!picker || !box.closest(".unit-picker-results") || !box.checked) { return; }
    var chosen = picker.querySelector("[data-picker-chosen]");
    var row = box.closest(".form-check");
    var browse = row.querySelector("[data-picker-browse]");
    if (browse) { browse.remove(); }
    if (picker.getAttribute("data-unit-picker") === "single") {
      chosen.querySelectorAll(".form-check").forEach(function (old) { old.remove(); });
    }
    var none = chosen.querySelector("[data-picker-none]");
    if (none) { none.remove(); }
    chosen.appendChild(row);
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("[data-unit-picker] input[type=search]")) { return; }
    event.preventDefault();
    if (window.htmx) { window.htmx.trigger(input, "search"); }
  });
})();
