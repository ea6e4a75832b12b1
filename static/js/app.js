// Small enhancements on top of pages that work without JavaScript.
"use strict";

// A form, or the button that submits it, with data-confirm asks before it is submitted
// (destructive actions). The capture phase runs before htmx's own listener on the form, so a
// cancelled confirmation sends nothing.
document.addEventListener(
  "submit",
  (event) => {
    const asker = [event.submitter, event.target].find((e) => e && e.dataset && e.dataset.confirm);
    const message = asker && asker.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);

// A dialog loaded by htmx (e.g. "Add new Account") opens as a modal.
document.addEventListener("htmx:load", (event) => {
  const root = event.detail.elt;
  if (!(root instanceof Element)) return;
  const dialogs = root.matches("dialog[data-modal]")
    ? [root]
    : Array.from(root.querySelectorAll("dialog[data-modal]"));
  for (const dialog of dialogs) {
    if (!dialog.open) {
      dialog.showModal();
      const first = dialog.querySelector("[aria-invalid=true], input, select, textarea");
      if (first) first.focus();
    }
  }
});

// An htmx request that fails shows the server's explanation instead of doing nothing.
document.addEventListener("htmx:responseError", (event) => {
  const flashes = document.getElementById("flashes");
  if (!flashes) return;
  // DOMParser never runs scripts or loads images from what it parses.
  const doc = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
  const text = doc.body.textContent.trim().replace(/\s+/g, " ") || "The request failed.";
  const p = document.createElement("p");
  p.className = "flash flash-error";
  p.setAttribute("role", "alert");
  p.textContent = text;
  flashes.replaceChildren(p);
});

// Copy buttons (e.g. the tenant ID on an account's overview): hidden without JavaScript, where
// the text stays selectable; the status next to the button says "Copied" for a moment. Set up on
// load and again in content htmx swaps in (the Overview tab loaded from another tab).
// A WeakSet, not an attribute: htmx's history snapshots keep attributes but not listeners.
const copyReady = new WeakSet();
function enableCopyButtons(root) {
  if (!navigator.clipboard || !(root instanceof Element || root instanceof Document)) return;
  for (const button of root.querySelectorAll("button[data-copy-target]")) {
    if (copyReady.has(button)) continue;
    copyReady.add(button);
    button.hidden = false;
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copyTarget);
      const status = button.parentElement.querySelector("[data-copy-status]");
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        if (status) status.textContent = "Copied";
      } catch (_) {
        if (status) status.textContent = "Copying failed: select the ID and copy it.";
      }
      if (status) setTimeout(() => { status.textContent = ""; }, 3000);
    });
  }
}
enableCopyButtons(document);
document.addEventListener("htmx:load", (event) => enableCopyButtons(event.detail.elt));
