// Starts Swagger UI (vendored in /static/vendor/swagger-ui) on the OpenAPI document named by
// the page's JSON block; no validator (it would send the document to validator.swagger.io).
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("docs-config").textContent);
  window.SwaggerUIBundle({
    url: config.openapi_url,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
