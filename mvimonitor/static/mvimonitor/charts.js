// Render the Vega-Lite charts of a dashboard. Each chart's spec is in a <script type="application/json"> next to it
// (not executed). Expressions are interpreted (vega-interpreter), not compiled with new Function, so the strict
// content security policy needs no 'unsafe-eval'; the canvas renderer and defaultStyle: false add no inline styles.
// A chart with more figures than it can show at once has a selector (hidden until the chart is drawn: without
// scripts the table under the chart has every number); it sets the chart's "group" parameter.
(function () {
  "use strict";
  if (!window.vegaEmbed || !window.vegaInterpreter) {
    return;
  }
  var DUTCH = {
    decimal: ",",
    thousands: ".",
    grouping: [3],
    currency: ["€ ", ""],
  };

  function connectControl(element, specId, view) {
    var control = document.querySelector('[data-mvim-chart-control="' + specId + '"]');
    if (!control) {
      return;
    }
    var select = control.querySelector("select");
    var label = element.getAttribute("data-mvim-chart-label") || "";
    function show() {
      view.signal("group", select.value).runAsync();
      element.setAttribute("aria-label", label + " \u2013 " + select.value);
    }
    select.addEventListener("change", show);
    control.hidden = false;
    show();
  }

  function draw(element, font) {
    var specId = element.getAttribute("data-mvim-chart");
    var source = document.getElementById(specId);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var options = {
      renderer: "canvas",
      actions: false,
      ast: true,
      expr: window.vegaInterpreter.expressionInterpreter,
      defaultStyle: false,
      tooltip: false,
      config: font ? { font: font } : {},
    };
    if ((document.documentElement.lang || "").slice(0, 2) === "nl") {
      options.formatLocale = DUTCH;
    }
    window
      .vegaEmbed(element, spec, options)
      .then(function (result) {
        element.mvimChartView = result.view;
        connectControl(element, specId, result.view);
        element.setAttribute("data-mvim-chart-drawn", "");
      })
      .catch(function (error) {
        element.textContent = "";
        element.setAttribute("data-mvim-chart-error", String(error));
      });
  }

  function drawAll() {
    document.querySelectorAll("[data-mvim-chart]").forEach(function (element) {
      // the page's own font, so the chart's text is measured and drawn in the font around it
      draw(element, window.getComputedStyle(element).fontFamily);
    });
  }

  // Text is measured when the chart is laid out: wait for the web font, or labels are measured in a fallback font.
  if (document.fonts && document.fonts.ready) {
    document.fonts.ready.then(drawAll, drawAll);
  } else {
    drawAll();
  }
})();
