/* The collection's one script (offline, no library): point values on hover or tap, filter boxes, copy buttons,
   scroll cues for wide tables and charts, and the contents menu open on a wide screen. */
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }
  ready(function () {
    // Values of chart points: every point of an inline chart carries a <title>; show it on hover, focus or tap.
    var tip = document.createElement("div"); tip.className = "re-tip"; tip.setAttribute("role", "status"); tip.hidden = true;
    document.body.appendChild(tip);
    function show(pt, x, y) {
      var t = pt.querySelector("title"); if (!t) return;
      tip.textContent = t.textContent; tip.hidden = false;
      var left = Math.min(x + window.scrollX + 12, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 4);
      tip.style.left = Math.max(window.scrollX + 4, left) + "px"; tip.style.top = (y + window.scrollY + 14) + "px";
    }
    document.querySelectorAll("svg .re-pt").forEach(function (pt) {
      pt.addEventListener("mouseenter", function (e) { show(pt, e.clientX, e.clientY); });
      pt.addEventListener("mouseleave", function () { tip.hidden = true; });
      pt.addEventListener("click", function (e) { show(pt, e.clientX, e.clientY); e.stopPropagation(); });
      pt.addEventListener("focus", function () { var r = pt.getBoundingClientRect(); show(pt, r.right, r.bottom); });
      pt.addEventListener("blur", function () { tip.hidden = true; });
    });
    document.addEventListener("click", function () { tip.hidden = true; });
    // Scroll cues: a box whose content is wider than itself gets a shadow at its edge and a hint.
    function cues() {
      document.querySelectorAll(".re-table-wrap, .re-chart-box").forEach(function (box) {
        box.classList.toggle("re-overflows", box.scrollWidth > box.clientWidth + 1 && box.scrollLeft + box.clientWidth < box.scrollWidth - 1);
      });
    }
    document.querySelectorAll(".re-table-wrap, .re-chart-box").forEach(function (box) { box.addEventListener("scroll", cues); });
    window.addEventListener("resize", cues); cues();
    // Filter boxes: text (every word must appear), and optional selects matched against data-* attributes.
    document.querySelectorAll("form.re-filter").forEach(function (form) {
      var items = document.querySelectorAll(form.getAttribute("data-items"));
      var out = form.querySelector("output");
      function apply() {
        var words = (form.querySelector("input[type=search]").value || "").toLowerCase().split(/\s+/).filter(Boolean);
        var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
        var shown = 0;
        items.forEach(function (item) {
          var text = item.textContent.toLowerCase();
          var ok = words.every(function (w) { return text.indexOf(w) >= 0; }) && selects.every(function (s) {
            return !s.value || item.getAttribute("data-" + s.name) === s.value; });
          item.hidden = !ok; if (ok) shown++;
        });
        document.querySelectorAll(form.getAttribute("data-groups") || "none").forEach(function (g) {
          g.hidden = !g.querySelector(form.getAttribute("data-items") + ":not([hidden])");
          if (words.length || selects.some(function (s) { return s.value; })) g.open = true;
        });
        if (out) out.textContent = shown + " of " + items.length + " shown";
      }
      form.addEventListener("input", apply); form.addEventListener("submit", function (e) { e.preventDefault(); }); apply();
    });
    // Copy buttons (cite this): the text of the element named by data-copy.
    document.querySelectorAll("button[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () {
        var text = document.getElementById(b.getAttribute("data-copy")).textContent;
        function done() { b.textContent = "Copied"; setTimeout(function () { b.textContent = b.getAttribute("data-label"); }, 2000); }
        if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, fallback); } else { fallback(); }
        function fallback() {
          var area = document.createElement("textarea"); area.value = text; document.body.appendChild(area); area.select();
          try { document.execCommand("copy"); done(); } finally { area.remove(); }
        }
      });
    });
    // Contents: open as a sidebar on a wide screen, a closed menu on a phone.
    var toc = document.querySelector("details.re-toc");
    if (toc && window.matchMedia("(min-width: 84rem)").matches) toc.open = true;
  });
})();
