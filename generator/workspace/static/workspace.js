// The workspace's own script: live reload, and keeping every form's file hash current.
// No build step: plain JavaScript beside htmx.min.js.
(function () {
  "use strict";
  const body = document.body;
  let seen = body.dataset.version;

  // A text typed but not saved yet: such a page never reloads by itself.
  function dirty() {
    return document.querySelector("form.dirty") !== null;
  }
  document.addEventListener("input", function (event) {
    const form = event.target.closest("form.editor, form.source-form");
    if (form) form.classList.add("dirty");
  });

  // After one of this page's own saves: the file's new hash goes to every form, so the
  // next save from this page is not taken for a conflict; other pages still are.
  body.addEventListener("campaignSaved", function (event) {
    const detail = event.detail || {};
    if (detail.sha) {
      document.querySelectorAll('input[name="sha"]').forEach(function (input) {
        input.value = detail.sha;
      });
    }
    if (detail.version) seen = detail.version;
    document.querySelectorAll("form.dirty").forEach(function (form) {
      if (!form.isConnected || !form.querySelector(".error, .conflict")) form.classList.remove("dirty");
    });
  });

  // Live reload: the campaign file, a template or an asset changed on disk.
  async function poll() {
    try {
      const response = await fetch("/changes", { cache: "no-store", credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        if (data.version !== seen) {
          if (dirty()) {
            document.getElementById("reload-banner").hidden = false;
          } else {
            window.location.reload();
            return;
          }
        }
      }
    } catch (error) {
      // the server is restarting: try again later
    }
    window.setTimeout(poll, 1500);
  }
  window.setTimeout(poll, 1500);
})();
