/* The unit's record (档案): the tiers of the units below by year, a stacked bar chart drawn with the locally served
   ECharts from <script type="application/json" id="record-data">; the same figures are in the table beside it. */
(function () {
  "use strict";
  var source = document.getElementById("record-data");
  var node = document.getElementById("chart-tiers");
  if (!source || !node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colors = { advanced: "#198754", middle: "#ffc107", lagging: "#dc3545" };
  // canvas renderer and rich-text tooltips: the CSP refuses the style attributes of the SVG renderer (dashboard.js)
  var chart = echarts.init(node, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    title: data.years.length === 0 ? { text: "—", left: "center", top: "middle" } : undefined,
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    xAxis: { type: "category", data: data.years },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "tiers", data: s.data, color: colors[s.tier] };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
