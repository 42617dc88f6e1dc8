// Starts Swagger UI on the API's own OpenAPI document (a file, not an inline script: the
// pages' Content-Security-Policy allows scripts from this site only).
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    persistAuthorization: false,
  });
})();
