/* The campaign form's "添加阶段": one more blank phase row per click, as many as the scheme needs.
   Without this file the page still offers enough blank rows for a whole scheme (see BasePhaseFormSet). */
(function () {
  "use strict";

  function addPhase(form) {
    var total = form.querySelector("input[name='phases-TOTAL_FORMS']");
    var empty = document.getElementById("phases-empty");
    var rows = document.getElementById("phase-rows");
    if (!total || !empty || !rows) { return; }
    var index = parseInt(total.value, 10);
    // Django's empty form names its fields "phases-__prefix__-…": give them the next free index.
    var html = empty.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    rows.appendChild(row);
    total.value = String(index + 1);
    var name = row.querySelector("input[name$='-name']");
    if (name) { name.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-add-phase]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { addPhase(button.form); });
    });
  });
})();
