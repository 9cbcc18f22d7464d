// The console works without this file; it only adds a "select all" box
// to the versions table.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input.select-all").forEach(function (all) {
    var table = all.closest("table");
    all.hidden = false;
    all.addEventListener("change", function () {
      table.querySelectorAll("tbody input[type=checkbox]").forEach(function (b) { b.checked = all.checked; });
    });
  });
});
