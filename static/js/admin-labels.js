/* Names for the admin's form fields that have no label of their own, so that a
   screen reader (and axe) can tell them apart: the fields in the rows of tabular
   inlines, which have only a column header above them, and the widgets select2
   draws for autocomplete fields in place of their labelled <select>. Loaded on
   every admin page (templates/admin/base_site.html); runs again
   whenever the page changes (a row added, a choice made). */
"use strict";
{
  const clean = (text) => text.replace(/\s+/g, " ").trim().replace(/:$/, "");

  const classAfter = (element, prefix) => {
    const found = [...element.classList].find((name) => name.startsWith(prefix));
    return found ? found.slice(prefix.length) : null;
  };

  // "Joined (3)": the column's header and the row's number.
  const nameInlineFields = () => {
    for (const table of document.querySelectorAll(".tabular table")) {
      const headers = {};
      for (const header of table.querySelectorAll("thead th")) {
        const column = classAfter(header, "column-");
        headers[column || "delete"] = clean(header.textContent);
      }
      const rows = table.querySelectorAll("tbody tr.form-row:not(.empty-form)");
      rows.forEach((row, index) => {
        for (const cell of row.querySelectorAll("td")) {
          const header = headers[classAfter(cell, "field-") || (cell.classList.contains("delete") ? "delete" : "")];
          if (!header) continue;
          for (const field of cell.querySelectorAll("input:not([type=hidden]), select, textarea")) {
            if (!field.labels || field.labels.length === 0) {
              field.setAttribute("aria-label", `${header} (${index + 1})`);
            }
          }
        }
      });
    }
  };

  // A select2 widget is named after the <select> it stands for.
  const nameSelect2Widgets = () => {
    for (const container of document.querySelectorAll("select + .select2-container")) {
      const select = container.previousElementSibling;
      const label = select.getAttribute("aria-label")
        || (select.labels && select.labels.length ? clean(select.labels[0].textContent) : "");
      if (!label) continue;
      for (const part of container.querySelectorAll("[role=combobox], [role=textbox], .select2-search__field")) {
        if (part.getAttribute("aria-label") !== label) part.setAttribute("aria-label", label);
      }
    }
    // The "×" that clears every choice is a mouse shortcut (the keyboard clears
    // with Backspace); select2 puts it inside the list of choices, where a
    // screen reader would read it as a stray item.
    for (const clear of document.querySelectorAll(".select2-selection__rendered > .select2-selection__clear")) {
      clear.setAttribute("aria-hidden", "true");
    }
  };

  const nameAll = () => {
    nameInlineFields();
    nameSelect2Widgets();
  };

  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      nameAll();
    });
  });
  document.addEventListener("DOMContentLoaded", () => {
    nameAll();
    observer.observe(document.body, { childList: true, subtree: true });
  });
  window.addEventListener("load", nameAll);
}
