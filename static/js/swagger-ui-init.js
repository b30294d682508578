// Starts Swagger UI on /api/v1/docs/ with the settings drf-spectacular put in the
// page's data attributes (no inline script: the site's Content-Security-Policy).
"use strict";

(function () {
  const element = document.getElementById("swagger-ui");
  const data = element.dataset;
  const settings = JSON.parse(data.settings || "{}");

  // Writes from the "Try it out" buttons of a logged-in session carry the CSRF token.
  const requestInterceptor = (request) => {
    if (!["GET", undefined].includes(request.method) && request.credentials === "same-origin") {
      request.headers[data.csrfHeader] = data.csrfToken;
    }
    return request;
  };

  window.ui = SwaggerUIBundle({
    url: data.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor,
    ...settings,
  });
})();
