/* 督查 ducha — bar charts of an indicator per unit against its task (Apache ECharts, served locally).
 *
 * A chart is a <div class="chart" data-chart="ID"> whose data sits in <script type="application/json" id="ID">
 * (Django's json_script): {name, unit_label, is_count, categories, values, targets, met, total}.
 * Charts are (re)drawn on page load and after every htmx swap.
 */
(function () {
  "use strict";

  var COLORS = { met: "#2e8b57", missed: "#d9534f", none: "#5b8ac9", target: "#1f2937", total: "#b7791f" };

  function fmt(value, isCount) {
    if (value === null || value === undefined) { return "—"; }
    return isCount ? String(Math.round(value)) : Number(value).toFixed(2);
  }

  function barColor(met) {
    if (met === true) { return COLORS.met; }
    if (met === false) { return COLORS.missed; }
    return COLORS.none;
  }

  function option(spec, horizontal) {
    var unit = spec.is_count ? "人" : spec.unit_label;
    var bars = spec.values.map(function (v, i) {
      return { value: v, itemStyle: { color: barColor(spec.met[i]) } };
    });
    var targetSymbol = horizontal ? "rect" : "rect";
    var targetSize = horizontal ? [3, 22] : [26, 3];
    var valueAxis = { type: "value", name: unit, axisLabel: { fontSize: 11 }, splitLine: { lineStyle: { color: "#eceff4" } } };
    var categoryAxis = {
      type: "category", data: spec.categories, inverse: horizontal,
      axisLabel: { interval: 0, rotate: horizontal || spec.categories.length <= 6 ? 0 : 35, fontSize: 11 },
      axisTick: { alignWithLabel: true }
    };
    var series = [
      {
        name: spec.name, type: "bar", data: bars, barMaxWidth: 36,
        label: { show: spec.categories.length <= 20, position: horizontal ? "insideLeft" : "top", fontSize: 10,
          color: horizontal ? "#fff" : "#374151", formatter: function (p) { return fmt(p.value, spec.is_count); } },
        markLine: spec.total === null ? undefined : {
          silent: true, symbol: "none", lineStyle: { color: COLORS.total, type: "dashed", width: 1.5 },
          label: { formatter: "合计 " + fmt(spec.total, spec.is_count), position: horizontal ? "start" : "insideEndTop",
            color: COLORS.total },
          data: [horizontal ? { xAxis: spec.total } : { yAxis: spec.total }]
        }
      },
      {
        name: "任务", type: "scatter", data: spec.targets, symbol: targetSymbol, symbolSize: targetSize,
        itemStyle: { color: COLORS.target }, z: 5
      }
    ];
    return {
      animation: false,
      textStyle: { fontFamily: "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif" },
      grid: { left: 8, right: horizontal ? 48 : 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, data: [spec.name, "任务"], itemWidth: 14, itemHeight: 10 },
      tooltip: {
        // drawn on the canvas: the HTML tooltip writes style="" attributes, which the CSP refuses
        trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText",
        valueFormatter: function (v) { return fmt(v, spec.is_count); }
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series
    };
  }

  function draw(root) {
    if (typeof window.echarts === "undefined") { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      var horizontal = el.clientWidth < 560;
      if (horizontal) { el.style.height = Math.max(240, 34 * spec.categories.length + 70) + "px"; }
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(spec, horizontal), true);
    });
  }

  function resizeAll() {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:beforeSwap", function (evt) {
    if (!window.echarts) { return; }
    evt.detail.target.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) { chart.dispose(); }
    });
  });
  // with hx-swap="outerHTML" the event's target is the element that was replaced: redraw the page
  document.addEventListener("htmx:afterSettle", function () { draw(document); });
  window.addEventListener("resize", resizeAll);
})();
