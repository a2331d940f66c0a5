// zhen: progressive enhancements only; every page works without this file.
(function () {
  "use strict";

  // Facets: open beside the hits on wide screens, collapsed above them on phones.
  function foldFacets() {
    var box = document.querySelector("details.facets");
    if (box && window.matchMedia("(max-width: 50rem)").matches) {
      box.open = false;
    }
  }

  // Document page: number the marks and step through them.
  function matchNavigation() {
    var link = document.querySelector(".next-match");
    if (!link) { return; }
    var marks = Array.prototype.slice.call(document.querySelectorAll(".document mark"));
    marks.forEach(function (mark, i) { mark.id = "match-" + (i + 1); });
    var current = -1;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (!marks.length) { return; }
      if (current >= 0) { marks[current].classList.remove("current"); }
      current = (current + 1) % marks.length;
      var mark = marks[current];
      mark.classList.add("current");
      mark.scrollIntoView({ block: "center" });
      link.textContent = link.textContent.replace(/\s*\(\d+\/\d+\)$/, "") +
        " (" + (current + 1) + "/" + marks.length + ")";
    });
  }

  // Search box: titles from /api/suggest as the user types.
  function suggestions() {
    var input = document.querySelector("input[data-suggest]");
    var list = document.getElementById("suggestions");
    if (!input || !list || !window.fetch) { return; }
    var timer = null, asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value.trim();
        if (!text || text === asked) { return; }
        asked = text;
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(text))
          .then(function (r) { return r.ok ? r.json() : [text, []]; })
          .then(function (data) {
            if (data[0] !== asked) { return; }
            list.textContent = "";
            data[1].forEach(function (title) {
              var option = document.createElement("option");
              option.value = title;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 150);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    foldFacets();
    matchNavigation();
    suggestions();
  });
})();
