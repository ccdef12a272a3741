/* The branch workflow's pages: small enhancements only; every form works without this file. */
(function () {
  "use strict";

  // A measure that is "立行立改、长期坚持" has no deadline: disable the date while the box is ticked.
  function syncOngoing() {
    var box = document.getElementById("id_is_ongoing");
    var date = document.getElementById("id_deadline");
    if (!box || !date) { return; }
    date.disabled = box.checked;
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_is_ongoing") { syncOngoing(); }
  });
  document.addEventListener("DOMContentLoaded", syncOngoing);

  // A dropped connection must be visible: the answer being typed is not saved yet.
  function markUnsaved(event) {
    var form = event.detail && event.detail.elt;
    var status = form && form.querySelector ? form.querySelector(".sc-status") : null;
    if (status) {
      status.textContent = status.dataset.offline || "网络中断，本条尚未保存；恢复后会再次保存。";
      status.className = "sc-status small text-danger";
      form.classList.add("sc-unsaved");
    }
  }
  document.addEventListener("htmx:sendError", markUnsaved);
  document.addEventListener("htmx:responseError", markUnsaved);
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.classList && event.detail.successful) { form.classList.remove("sc-unsaved"); }
  });
  // When the connection comes back, save again every answer that did not get through.
  window.addEventListener("online", function () {
    document.querySelectorAll("form.sc-unsaved").forEach(function (form) {
      if (window.htmx) { window.htmx.trigger(form, "change"); }
    });
  });
})();
