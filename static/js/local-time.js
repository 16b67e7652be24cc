// Shows a UTC moment in the reader's own time zone (the page already gives event time and UTC without it).
document.querySelectorAll(".local-time[data-utc]").forEach(function (node) {
  var moment = new Date(node.dataset.utc.endsWith("Z") || node.dataset.utc.includes("+") ? node.dataset.utc : node.dataset.utc + "Z");
  if (isNaN(moment)) { return; }
  var text = moment.toLocaleString(document.documentElement.lang || undefined, {dateStyle: "full", timeStyle: "short"});
  node.textContent = (node.dataset.label || "Your time: ") + text;
});
