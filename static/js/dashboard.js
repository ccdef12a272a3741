/* Dashboard charts (reviews): drawn with the locally served ECharts from the data the page passes in
   <script type="application/json" id="dashboard-data">. The same figures are in the tables beside them. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];

  // The Content-Security-Policy refuses style attributes (style-src 'self'). ECharts' SVG renderer writes one on
  // nearly every element and its HTML tooltip builds markup full of them; the canvas renderer and rich-text
  // tooltips draw on the canvas and style their elements through the CSSOM (el.style.x = …), which the policy
  // allows.
  var TOOLTIP = { renderMode: "richText" };

  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var chart = echarts.init(node, null, { renderer: "canvas" });
    option.tooltip = option.tooltip && Object.assign({}, option.tooltip, TOOLTIP);
    chart.setOption(Object.assign({ animation: false, grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true } }, option));
    charts.push(chart);
  }

  function emptyNote(values) {
    return values.length === 0 ? { text: "—", left: "center", top: "middle" } : undefined;
  }

  var labels = data.labels;
  draw("chart-progress", {
    title: emptyNote(data.units),
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.units, inverse: true, axisLabel: { width: 110, overflow: "truncate" } },
    series: [
      { name: labels.closed, type: "bar", stack: "items", data: data.closed },
      { name: labels.open, type: "bar", stack: "items", data: data.open },
      { name: labels.overdue, type: "bar", data: data.overdue, color: "#dc3545" }
    ]
  });
  draw("chart-categories", {
    title: emptyNote(data.categories),
    tooltip: { trigger: "axis" },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.categories, inverse: true, axisLabel: { width: 110, overflow: "truncate" } },
    series: [{ name: labels.problems, type: "bar", data: data.category_counts, color: "#b02a37" }]
  });
  draw("chart-natures", {
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.natures },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: labels.problems, type: "bar", data: data.nature_counts, color: "#0d6efd" }]
  });
  draw("chart-phases", {
    title: emptyNote(data.phases),
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.phases, inverse: true, axisLabel: { width: 110, overflow: "truncate" } },
    series: [
      { name: labels.closed, type: "bar", stack: "items", data: data.phase_closed },
      { name: labels.open, type: "bar", stack: "items", data: data.phase_open },
      { name: labels.overdue, type: "bar", data: data.phase_overdue, color: "#dc3545" }
    ]
  });
  draw("chart-weekly", {
    title: emptyNote(data.weeks),
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.weeks },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: labels.weekly, type: "line", data: data.weekly, areaStyle: {} }]
  });
  draw("chart-stars", {
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.stars },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: labels.stars, type: "bar", data: data.star_counts, color: "#ffc107" }]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
