// Small enhancements on top of pages that work without JavaScript.
"use strict";

// A form with data-confirm asks before it is submitted (destructive actions).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
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
