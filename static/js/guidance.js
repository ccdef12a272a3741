/* What the checklist template says, where a branch answers and plans: small enhancements only. Without this
   file the guidance stays folded (a <details> opens by hand) and 采用 reloads the form with ?suggestion=<n>. */
(function () {
  "use strict";

  // Beside a form on a wide screen there is room for the category's target and requirements: open them.
  function openWhereThereIsRoom() {
    if (!window.matchMedia("(min-width: 992px)").matches) { return; }
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) { details.open = true; });
  }
  document.addEventListener("DOMContentLoaded", openWhereThereIsRoom);

  // 采用: copy the suggested measure into the measure field, where the person edits it and saves as usual.
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("[data-adopt]") : null;
    if (!link) { return; }
    var source = document.getElementById(link.getAttribute("data-adopt"));
    var field = document.getElementById("id_measure");
    if (!source || !field) { return; }
    event.preventDefault();
    field.value = source.textContent.trim();
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
    field.scrollIntoView({ block: "center" });
  });
})();
