// Progressive enhancement only: the page works without this file.
// Changing a filter or the sort order submits the filter form at once.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector(".filters form");
  if (!form) return;
  form.addEventListener("change", () => form.requestSubmit());
  const apply = form.querySelector("button[type=submit]");
  if (apply) apply.hidden = true;
});
