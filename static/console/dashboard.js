// Draws the dashboard from the JSON the page carries; a click opens the matching ledger rows.
// Every category label is drawn at every width: category axes show every label (interval 0,
// nothing hidden for overlap); long names wrap, and a chart with many categories grows tall
// enough for them; narrow weekly labels turn; the source donut aligns its labels to the edges
// and wraps them, so none is cut at phone width. Options are rebuilt for the width on resize.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var charts = [];

  function narrow(el) { return el.clientWidth < 520; }

  function mount(id, build, bars) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    function draw() {
      var option = build(el);
      // Tooltips drawn on the canvas: ECharts' HTML tooltips carry style attributes, which the
      // Content-Security-Policy (style-src 'self', bot/security_headers.py) refuses.
      if (option.tooltip) { option.tooltip.renderMode = "richText"; }
      if (option.height) { el.style.height = option.height + "px"; delete option.height; chart.resize(); }
      chart.setOption(option, true);
    }
    draw();
    chart.on("click", function (params) {
      var list = params.data && params.data.url ? null : (bars[params.seriesIndex] || bars[0]);
      var url = params.data && params.data.url ? params.data.url : (list && list[params.dataIndex] && list[params.dataIndex].url);
      if (url) { window.location.href = url; }
    });
    charts.push({ chart: chart, draw: draw });
    el.setAttribute("data-drawn", "1");
  }

  function labels(bars) { return bars.map(function (b) { return b.label; }); }
  function points(bars) { return bars.map(function (b) { return { value: b.value, url: b.url }; }); }
  function empty(bars) { return bars.length === 0; }
  var grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };
  var noData = { text: "暂无数据", left: "center", top: "middle", textStyle: { color: "#99a", fontSize: 14 } };

  // A category axis along the bottom: every label; turned when they would not fit side by side.
  function bottomLabels(el, count) {
    var room = (el.clientWidth - 60) / Math.max(count, 1);
    return { interval: 0, hideOverlap: false, rotate: room < 44 ? 60 : 0, fontSize: 12 };
  }
  // A category axis down the side (counties, enterprises): every label, long names wrapped.
  function sideLabels(el) {
    return { interval: 0, hideOverlap: false, overflow: "break", width: narrow(el) ? 84 : 170,
             lineHeight: 14, fontSize: 12 };
  }
  // Tall enough for every category (two lines each when names wrap).
  function sideHeight(el, count) { return Math.max(320, count * (narrow(el) ? 36 : 26) + 90); }

  mount("chart-weekly", function (el) {
    return {
      tooltip: { trigger: "axis" }, legend: { data: ["发现", "销号"] }, grid: grid,
      xAxis: { type: "category", data: labels(data.weekly_found),
               axisLabel: bottomLabels(el, data.weekly_found.length) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "发现", type: "bar", data: points(data.weekly_found), itemStyle: { color: "#12467a" } },
        { name: "销号", type: "line", data: points(data.weekly_closed), itemStyle: { color: "#2e9e5b" } }
      ]
    };
  }, [data.weekly_found, data.weekly_closed]);

  var major = data.major_by_county;
  mount("chart-major", function (el) {
    return {
      height: sideHeight(el, major.length),
      title: empty(major) ? noData : undefined,
      tooltip: { trigger: "axis" }, legend: { data: ["未销号", "已销号"] }, grid: grid,
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: labels(major), inverse: true, axisLabel: sideLabels(el) },
      series: [
        { name: "未销号", type: "bar", stack: "m", data: points(major), itemStyle: { color: "#c0392b" } },
        { name: "已销号", type: "bar", stack: "m", itemStyle: { color: "#9fd8b4" },
          data: major.map(function (b) { return { value: b.extra.closed, url: b.url.replace("state=open", "state=closed") }; }) }
      ]
    };
  }, [major, major]);

  var overdue = data.overdue_by_enterprise;
  mount("chart-overdue", function (el) {
    return {
      height: sideHeight(el, overdue.length),
      title: empty(overdue) ? noData : undefined,
      tooltip: { trigger: "axis" }, grid: grid,
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: labels(overdue), inverse: true, axisLabel: sideLabels(el) },
      series: [{ name: "逾期", type: "bar", data: points(overdue), itemStyle: { color: "#e67e22" } }]
    };
  }, [overdue]);

  var src = data.sources;
  mount("chart-sources", function (el) {
    var small = narrow(el);
    return {
      title: empty(src) ? noData : undefined,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" }, legend: { bottom: 0 },
      series: [{
        type: "pie", radius: small ? ["22%", "42%"] : ["35%", "65%"], center: ["50%", "45%"],
        avoidLabelOverlap: true,
        // Labels at the chart's edges, wrapped within the room there: never cut by the edge.
        label: { alignTo: "edge", edgeDistance: 6, overflow: "break", width: small ? 84 : 150,
                 formatter: "{b}\n{c}", lineHeight: 14, fontSize: 12 },
        labelLine: { length: small ? 6 : 12, length2: 0 },
        data: src.map(function (b) { return { name: b.label, value: b.value, url: b.url }; })
      }]
    };
  }, [src]);

  var rate = data.rate_by_level;
  mount("chart-rate", function (el) {
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } }, grid: grid,
      xAxis: { type: "category", data: labels(rate), axisLabel: bottomLabels(el, rate.length) },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ type: "bar", data: points(rate), label: { show: true, position: "top", formatter: "{c}%" },
                 itemStyle: { color: "#2e9e5b" } }]
    };
  }, [rate]);

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.chart.resize(); c.draw(); });
  });
})();
