// Small enhancements for the query page; the page works without them.
document.addEventListener("DOMContentLoaded", () => {
  const editor = document.getElementById("query");
  const form = editor && editor.form;
  if (!editor || !form) return;
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
});
