// Swagger UI for /openapi.json, from the app's own copy of swagger-ui (no inline script, nothing
// fetched from the internet: validatorUrl null turns off the online validator badge).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
