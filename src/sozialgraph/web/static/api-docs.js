// Starts the vendored Swagger UI on /docs (no inline script, so the page keeps a strict CSP).
// Loaded before swagger-ui-bundle.js (both deferred, so they run in order).
"use strict";

// Swagger UI's smooth scrolling (zenscroll) takes over in-page links and would keep the skip
// link from moving the keyboard's focus to the main content.
window.noZensmooth = true;

// The page's own heading and introduction stand for Swagger UI's (one h1, in the page's language).
const withoutInfo = () => ({ components: { InfoContainer: () => null } });

document.addEventListener("DOMContentLoaded", () => {
  const holder = document.getElementById("swagger-ui");
  if (!holder || !window.SwaggerUIBundle) return;
  window.ui = window.SwaggerUIBundle({
    url: holder.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    // deep links would put a link inside each operation's button (nested controls, WCAG 4.1.2)
    deepLinking: false,
    showExtensions: true,
    showCommonExtensions: true,
    // no badge fetched from validator.swagger.io
    validatorUrl: null,
    // its colour themes miss AA contrast; plain text reads as well
    syntaxHighlight: false,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
    plugins: [withoutInfo],
  });
});
