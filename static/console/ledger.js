// At phone width the filter form folds away until asked for, unless filters are in use.
(function () {
  "use strict";
  var box = document.getElementById("filter-box");
  if (box && window.matchMedia("(max-width: 720px)").matches && window.location.search === "") {
    box.removeAttribute("open");
  }
})();
