(function () {
  "use strict";
  var tip = document.getElementById("tip");
  if (!tip) { return; }
  function line(text, cls) {
    var d = document.createElement("div");
    d.textContent = text;
    if (cls) { d.className = cls; }
    tip.appendChild(d);
  }
  function show(el, x, y) {
    var named = el.closest("[data-name]");
    var name = named ? named.getAttribute("data-name") : "";
    var epoch = el.getAttribute("data-e");
    tip.textContent = "";
    line(name + " = " + el.getAttribute("data-v"));
    line("step " + el.getAttribute("data-s") + (epoch ? " \u00b7 epoch " + epoch : ""));
    line(el.getAttribute("data-loc") || "source unknown", "src");
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = x + 14, top = y + 14;
    if (left + w > window.innerWidth - 4) { left = Math.max(4, x - w - 14); }
    if (top + h > window.innerHeight - 4) { top = Math.max(4, y - h - 14); }
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }
  function target(e) {
    return e.target && e.target.closest ? e.target.closest("[data-s]") : null;
  }
  document.addEventListener("mouseover", function (e) {
    var el = target(e);
    if (el) { show(el, e.clientX, e.clientY); } else { tip.hidden = true; }
  });
  document.addEventListener("click", function (e) {
    var el = target(e);
    if (el) { show(el, e.clientX, e.clientY); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { tip.hidden = true; }
  });
}());
