// Progressive enhancement only: every control on the page works without this file.
// With it, changing the sort order or a filter, or following a page link, reloads only the
// results (the same server-rendered HTML, fetched), keeps keyboard focus where it was and
// lets the aria-live summary announce the new count. Any failure falls back to navigation.
"use strict";

(() => {
  const SWAPPED = [".filters", "#hits"];

  function searchUrl(form) {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (value !== "") params.append(name, value);
    }
    return `${form.action.split("?")[0]}?${params}`;
  }

  function focusKey(element) {
    if (!element || !element.name) return null;
    const choice = element.type === "radio" || element.type === "checkbox";
    return { name: element.name, value: choice ? element.value : null };
  }

  function restoreFocus(key) {
    if (!key) return;
    const fields = document.querySelectorAll(".filters [name]");
    for (const field of fields) {
      if (field.name === key.name && (key.value === null || field.value === key.value)) {
        field.focus();
        return;
      }
    }
  }

  async function show(url, { push = true, fromPager = false } = {}) {
    const summary = document.getElementById("summary");
    const focused = focusKey(document.activeElement);
    document.body.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const freshSummary = fresh.getElementById("summary");
      if (!summary || !freshSummary || SWAPPED.some((s) => !fresh.querySelector(s))) {
        throw new Error("unexpected page");
      }
      for (const selector of SWAPPED) {
        document.querySelector(selector).replaceWith(fresh.querySelector(selector));
      }
      summary.textContent = freshSummary.textContent; // announced by aria-live
      document.title = fresh.title;
      if (push) history.pushState({ enhanced: true }, "", url);
      shown = new URL(url, window.location.href).search;
      enhanceFilters();
      if (fromPager) {
        summary.setAttribute("tabindex", "-1");
        summary.focus({ preventScroll: true });
        summary.scrollIntoView({ block: "start" });
      } else {
        restoreFocus(focused);
      }
    } catch (error) {
      window.location.assign(url);
    } finally {
      document.body.removeAttribute("aria-busy");
    }
  }

  function enhanceFilters() {
    const form = document.querySelector(".filters form");
    if (!form) return;
    const apply = form.querySelector(".apply");
    if (apply) apply.hidden = true; // changes apply at once
  }

  document.addEventListener("change", (event) => {
    const form = event.target.closest(".filters form");
    if (form) show(searchUrl(form));
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest(".filters form");
    if (!form) return;
    event.preventDefault();
    show(searchUrl(form));
  });

  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest(".pages a, .filters a.clear, .filters a.exclude");
    if (!link) return;
    event.preventDefault();
    show(link.href, { fromPager: Boolean(link.closest(".pages")) });
  });

  // Back and forward between searches this script loaded. A fragment link (the skip
  // link) also fires popstate, with the same search: that one is left alone.
  let shown = window.location.search;
  window.addEventListener("popstate", () => {
    if (window.location.search === shown) return;
    shown = window.location.search;
    if (document.getElementById("summary")) show(window.location.href, { push: false });
    else window.location.reload();
  });

  document.addEventListener("DOMContentLoaded", enhanceFilters);
})();
