// The query page's enhancements; the plain form works without them.
//
// With YASGUI loaded (/static/vendor/yasgui, served by this app) the form gives way to its
// editor: syntax highlighting, the project's prefixes as completions, one tab per example,
// results as a sortable table. Everything it asks goes to this server's /sparql: no prefix
// service, no vocabulary look-up (the class and property completers ask
// lov.linkeddata.es), no CORS proxy, nothing kept in the browser's storage.
"use strict";

function plainEnhancements(editor, form) {
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  for (const link of document.querySelectorAll("[data-query]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      editor.value = link.dataset.query;
      editor.focus();
      window.scrollTo({ top: 0 });
    });
  }
}

// YASGUI leaves its editor's text area, the endpoint field and the page-size choice of the
// result table without a name: give them one, in every tab, also in tabs drawn later.
function labelControls(holder) {
  const names = JSON.parse(holder.dataset.labels);
  const name = (selector, label) => {
    for (const element of holder.querySelectorAll(selector)) {
      if (!element.hasAttribute("aria-label")) element.setAttribute("aria-label", label);
    }
  };
  name(".CodeMirror textarea", names.editor);
  name("input.autocomplete", names.endpoint);
  name("select.tableSizer", names.pageSize);
}

function startYasgui(Yasgui, holder, editor, form) {
  const prefixes = JSON.parse(holder.dataset.prefixes);
  const endpoint = new URL(holder.dataset.endpoint, window.location.href).href;
  const Yasqe = Yasgui.Yasqe;
  Yasqe.forkAutocompleter(
    "prefixes",
    {
      name: "sozialgraph-prefixes",
      get: () => Object.entries(prefixes).map(([prefix, iri]) => `${prefix}: <${iri}>`),
    },
    false,
  );
  Yasqe.defaults.autocompleters = ["sozialgraph-prefixes", "variables"];
  Yasqe.defaults.prefixCcApi = null;
  Yasgui.defaults.endpointCatalogueOptions.getData = () => [{ endpoint }];

  form.hidden = true;
  holder.hidden = false;
  Yasqe.defaults.viewportMargin = Infinity; // the editor grows with its query (sparql.css)
  const yasgui = new Yasgui(holder, {
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    corsProxy: undefined,
    tabName: holder.dataset.tabName,
    requestConfig: { endpoint, method: "POST" },
    yasqe: { value: editor.value, prefixCcApi: null, createShortLink: undefined },
    yasr: { prefixes },
  });
  labelControls(holder);
  new MutationObserver(() => labelControls(holder)).observe(holder, {
    childList: true,
    subtree: true,
  });
  // The page's own result (a query sent with the form) stands until YASGUI answers one.
  yasgui.on("query", () => {
    for (const section of document.querySelectorAll(".results, .error")) section.hidden = true;
  });
  for (const link of document.querySelectorAll("[data-query]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const tab = yasgui.addTab(
        true,
        { name: link.textContent.trim(), yasqe: { value: link.dataset.query } },
        { avoidDuplicateTabs: true },
      );
      holder.scrollIntoView();
      tab.getYasqe().focus();
    });
  }
  window.sozialgraphYasgui = yasgui;
}

document.addEventListener("DOMContentLoaded", () => {
  const editor = document.getElementById("query");
  const form = editor && editor.form;
  if (!editor || !form) return;
  const holder = document.getElementById("yasgui");
  if (holder && window.Yasgui) {
    startYasgui(window.Yasgui, holder, editor, form);
  } else {
    plainEnhancements(editor, form);
  }
});
