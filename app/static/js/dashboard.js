/* The dashboard's charts (Chart.js, served from vendor/): the weekly trends and the median
   days per stage, read from the JSON the container's data-src names. Each chart has a table
   of the same numbers beside it, so nothing depends on this script. */
(function () {
  "use strict";

  var COLOURS = { opened: "#2f6db5", closed: "#3a9b5c", overdue: "#c2412d", stages: "#7a5bb5" };

  function shortWeek(iso) { return iso.slice(5); }

  function series(type, canvas, labels, sets) {
    return new window.Chart(canvas, {
      type: type,
      data: { labels: labels.map(shortWeek), datasets: sets.map(function (set) {
        return { label: set.label, data: set.data, borderColor: COLOURS[set.key],
                 backgroundColor: COLOURS[set.key], pointRadius: 0, borderWidth: 2, tension: 0 };
      }) },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 interaction: { mode: "index", intersect: false },
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } },
                           x: { ticks: { maxTicksLimit: 12 } } } }
    });
  }

  function draw(container, data) {
    series("bar", document.getElementById("chart-cases"), data.weeks, [
      { key: "opened", label: "Opened", data: data.opened },
      { key: "closed", label: "Closed", data: data.closed }]);
    series("line", document.getElementById("chart-overdue"), data.weeks, [
      { key: "overdue", label: "Overdue tasks", data: data.overdue }]);
    new window.Chart(document.getElementById("chart-stages"), {
      type: "bar",
      data: { labels: data.stages, datasets: [{ label: "Median days", data: data.median_days,
                                                backgroundColor: COLOURS.stages }] },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { display: false } },
                 scales: { x: { beginAtZero: true }, y: { ticks: { autoSkip: false } } } }
    });
    container.dataset.rendered = "charts";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("trends");
    if (!container || !window.Chart) { return; }
    fetch(container.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("the trends could not be loaded (" + response.status + ")"); }
        return response.json();
      })
      .then(function (data) { draw(container, data); })
      .catch(function (err) { container.dataset.rendered = "error"; console.error(err); });
  });
})();
