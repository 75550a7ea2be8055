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

// Suggestions as you type: the search box becomes an ARIA 1.2 combobox over a listbox of
// /api/suggest's answers. Requests are debounced and the stale ones aborted, so typing is
// never held up; the arrow keys move through the list, Enter searches the chosen suggestion,
// Escape closes the list. Without this script the box is a plain search box.
(() => {
  const DEBOUNCE_MS = 150;
  const KINDS = { title: "عنوان" };

  function arabicNumber(count) {
    return new Intl.NumberFormat("ar-EG").format(count);
  }

  function enhance(input) {
    const list = document.getElementById("q-suggestions");
    const status = document.getElementById("q-status");
    if (!list || !input.dataset.suggest) return;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    let timer = null;
    let pending = null;
    let active = -1;

    function options() {
      return Array.from(list.querySelectorAll('[role="option"]'));
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
      for (const option of options()) option.setAttribute("aria-selected", "false");
    }

    function open() {
      if (!options().length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      const all = options();
      active = index;
      all.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(option) {
      input.value = option.dataset.text;
      close();
      input.form.requestSubmit();
    }

    function render(suggestions) {
      list.replaceChildren();
      suggestions.forEach((suggestion, i) => {
        const option = document.createElement("li");
        option.id = `q-suggestion-${i}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.text = suggestion.text;
        option.className = suggestion.kind;
        const text = document.createElement("bdi");
        text.className = "text";
        text.textContent = suggestion.text;
        option.append(text);
        if (KINDS[suggestion.kind]) {
          const kind = document.createElement("span");
          kind.className = "kind";
          kind.textContent = KINDS[suggestion.kind];
          option.append(kind);
        }
        list.append(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (suggestions.length) {
        open();
        status.textContent = `${arabicNumber(suggestions.length)} اقتراحات؛ استخدم الأسهم للتنقل`;
      } else {
        close();
        status.textContent = "";
      }
    }

    async function fetchSuggestions(text) {
      if (pending) pending.abort();
      pending = new AbortController();
      try {
        const url = `${input.dataset.suggest}?${new URLSearchParams({ q: text })}`;
        const response = await fetch(url, { signal: pending.signal });
        if (!response.ok || input.value !== text) return;
        render((await response.json()).suggestions);
      } catch (error) {
        if (error.name !== "AbortError") close(); // suggestions are a help, never a blocker
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      const text = input.value;
      if (!text.trim()) {
        if (pending) pending.abort();
        render([]);
        return;
      }
      timer = setTimeout(() => fetchSuggestions(text), DEBOUNCE_MS);
    });

    input.addEventListener("keydown", (event) => {
      const all = options();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!all.length) return;
        event.preventDefault();
        if (list.hidden) {
          open();
          highlight(event.key === "ArrowDown" ? 0 : all.length - 1);
          return;
        }
        const step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + all.length) % all.length); // wraps round
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(all[active]);
        } else {
          close();
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault(); // the list closes; the text stays
          close();
        }
      }
    });

    input.addEventListener("blur", () => close());
    // A pointer press on a suggestion keeps the focus in the box until the click chooses it.
    list.addEventListener("mousedown", (event) => event.preventDefault());
    list.addEventListener("click", (event) => {
      const option = event.target.closest('[role="option"]');
      if (option) choose(option);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const input = document.getElementById("q");
    if (input) enhance(input);
  });
})();
