// Draws the dashboard from the JSON the page carries; a click opens the matching ledger rows.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var charts = [];

  function mount(id, option, bars) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    // Tooltips drawn on the canvas: ECharts' HTML tooltips carry style attributes, which the
    // Content-Security-Policy (style-src 'self', bot/security_headers.py) refuses.
    if (option.tooltip) { option.tooltip.renderMode = "richText"; }
    chart.setOption(option);
    chart.on("click", function (params) {
      var list = params.data && params.data.url ? null : (bars[params.seriesIndex] || bars[0]);
      var url = params.data && params.data.url ? params.data.url : (list && list[params.dataIndex] && list[params.dataIndex].url);
      if (url) { window.location.href = url; }
    });
    charts.push(chart);
    el.setAttribute("data-drawn", "1");
  }

  function labels(bars) { return bars.map(function (b) { return b.label; }); }
  function points(bars) { return bars.map(function (b) { return { value: b.value, url: b.url }; }); }
  function empty(bars) { return bars.length === 0; }
  var grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };
  var noData = { text: "暂无数据", left: "center", top: "middle", textStyle: { color: "#99a", fontSize: 14 } };

  mount("chart-weekly", {
    tooltip: { trigger: "axis" }, legend: { data: ["发现", "销号"] }, grid: grid,
    xAxis: { type: "category", data: labels(data.weekly_found) }, yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "发现", type: "bar", data: points(data.weekly_found), itemStyle: { color: "#12467a" } },
      { name: "销号", type: "line", data: points(data.weekly_closed), itemStyle: { color: "#2e9e5b" } }
    ]
  }, [data.weekly_found, data.weekly_closed]);

  var major = data.major_by_county;
  mount("chart-major", {
    title: empty(major) ? noData : undefined,
    tooltip: { trigger: "axis" }, legend: { data: ["未销号", "已销号"] }, grid: grid,
    xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: labels(major), inverse: true },
    series: [
      { name: "未销号", type: "bar", stack: "m", data: points(major), itemStyle: { color: "#c0392b" } },
      { name: "已销号", type: "bar", stack: "m", itemStyle: { color: "#9fd8b4" },
        data: major.map(function (b) { return { value: b.extra.closed, url: b.url.replace("state=open", "state=closed") }; }) }
    ]
  }, [major, major]);

  var overdue = data.overdue_by_enterprise;
  mount("chart-overdue", {
    title: empty(overdue) ? noData : undefined,
    tooltip: { trigger: "axis" }, grid: grid,
    xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: labels(overdue), inverse: true },
    series: [{ name: "逾期", type: "bar", data: points(overdue), itemStyle: { color: "#e67e22" } }]
  }, [overdue]);

  if (document.getElementById("chart-sources")) {
    var src = data.sources;
    mount("chart-sources", {
      title: empty(src) ? noData : undefined,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" }, legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
                 data: src.map(function (b) { return { name: b.label, value: b.value, url: b.url }; }) }]
    }, [src]);
  }

  var rate = data.rate_by_level;
  mount("chart-rate", {
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } }, grid: grid,
    xAxis: { type: "category", data: labels(rate) }, yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "bar", data: points(rate), label: { show: true, position: "top", formatter: "{c}%" },
               itemStyle: { color: "#2e9e5b" } }]
  }, [rate]);

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
