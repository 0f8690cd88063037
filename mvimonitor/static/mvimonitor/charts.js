// Render the Vega-Lite charts of a dashboard. Each chart's spec is in a <script type="application/json"> next to it
// (not executed). Expressions are interpreted (vega-interpreter), not compiled with new Function, so the strict
// content security policy needs no 'unsafe-eval'; the canvas renderer and defaultStyle: false add no inline styles.
(function () {
  "use strict";
  if (!window.vegaEmbed || !window.vegaInterpreter) {
    return;
  }
  document.querySelectorAll("[data-mvim-chart]").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-mvim-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    window
      .vegaEmbed(element, spec, {
        renderer: "canvas",
        actions: false,
        ast: true,
        expr: window.vegaInterpreter.expressionInterpreter,
        defaultStyle: false,
        tooltip: false,
      })
      .catch(function (error) {
        element.textContent = "";
        element.setAttribute("data-mvim-chart-error", String(error));
      });
  });
})();
