/* The who-reported chart (定期报告报送情况): one stacked bar per period, drawn with the locally served ECharts from
   <script type="application/json" id="periodic-data">. The same figures are in the table beside it. */
(function () {
  "use strict";
  var source = document.getElementById("periodic-data");
  var node = document.getElementById("chart-periodic");
  if (!source || !node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = { accepted: "#198754", submitted: "#0d6efd", returned: "#ffc107", draft: "#6c757d", none: "#dc3545" };
  // Canvas renderer and rich-text tooltips: the CSP refuses the style attributes the SVG renderer writes.
  var chart = echarts.init(node, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    // A few quarters: every label, wrapped; many months: ECharts leaves out those that would overlap.
    xAxis: { type: "category", data: data.periods,
             axisLabel: data.periods.length <= 6 ? { interval: 0, width: 56, overflow: "break" } : {} },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "reports", data: s.data, color: colours[s.state] };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
