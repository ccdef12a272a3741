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

  // --- the self-check: every row saves itself; one that did not save says why and what happens next ---------
  // Offline: saved again when the connection is back. Server error: retried after these pauses, then the person
  // decides (a 重试 button). Refusal (400, 409): the server's message, never retried (it would be refused again).
  var RETRY_PAUSES_MS = [2000, 4000, 8000, 16000];

  function texts() {
    var holder = document.getElementById("sc-texts");
    return holder ? holder.dataset : {};
  }

  // The row of an htmx event: afterRequest fires on the form itself, beforeSwap on its status (the target).
  function selfCheckRow(event) {
    var node = event.target;
    return node && node.closest ? node.closest("form.sc-row") : null;
  }

  function save(form) {
    clearTimeout(form.scRetryTimer);
    delete form.dataset.scWaiting;
    if (window.htmx) { window.htmx.trigger(form, "change"); }
  }

  function showUnsaved(form, text, withRetryButton) {
    var status = form.querySelector(".sc-status");
    form.classList.add("sc-unsaved");
    if (!status) { return; }
    if (text) { status.textContent = text; }
    status.className = "sc-status small text-danger";
    if (withRetryButton) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-outline-danger btn-sm ms-2 sc-retry";
      button.textContent = texts().retry;  // rendered with {% translate %} in self_check.html
      button.addEventListener("click", function () { form.scTries = 0; save(form); });
      status.appendChild(button);
    }
  }

  function saved(form) {
    clearTimeout(form.scRetryTimer);
    form.scTries = 0;
    delete form.dataset.scWaiting;
    form.classList.remove("sc-unsaved");
  }

  function offline(form) {
    showUnsaved(form, texts().offline, false);
    form.dataset.scWaiting = "online";
    // The browser may think it is online while the server cannot be reached: then retry like a server error.
    if (navigator.onLine !== false) { retryLater(form, texts().offline); }
  }

  function retryLater(form, text) {
    var tries = form.scTries || 0;
    if (tries >= RETRY_PAUSES_MS.length) {
      showUnsaved(form, text === texts().offline ? text : texts().serverFailed, true);
      return;
    }
    form.scTries = tries + 1;
    clearTimeout(form.scRetryTimer);
    form.scRetryTimer = setTimeout(function () { save(form); }, RETRY_PAUSES_MS[tries]);
  }

  function serverError(form) {
    var lastTry = (form.scTries || 0) >= RETRY_PAUSES_MS.length;
    showUnsaved(form, lastTry ? null : texts().serverRetrying, false);
    retryLater(form, texts().serverRetrying);
  }

  // Refusals carry the server's message as a fragment: show it (htmx does not swap 4xx answers by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    if (selfCheckRow(event) && (status === 400 || status === 409)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = selfCheckRow(event);
    if (!form) { return; }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 200 && status < 300) {
      saved(form);
    } else if (status === 0 || navigator.onLine === false) {
      offline(form);
    } else if (status >= 500) {
      serverError(form);
    } else {
      clearTimeout(form.scRetryTimer);
      showUnsaved(form, status === 400 || status === 409 ? null : texts().refused, false);
    }
  });

  // When the connection comes back, save again every answer that waits for it.
  window.addEventListener("online", function () {
    document.querySelectorAll("form.sc-row[data-sc-waiting='online']").forEach(function (form) {
      form.scTries = 0;
      save(form);
    });
  });
})();
