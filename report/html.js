/* plateau report: interactive charts, drawn with uPlot (MIT license,
   (c) Leon Sorokin, embedded above) from the JSON in #chart-data, over the
   static SVG charts, which stay for readers without script and for
   printing. Drag to zoom, Ctrl+wheel to zoom, Shift+drag to pan,
   double-click to reset; click a legend entry to hide its series; hover
   for a point's value and source. Zooming one chart zooms all: they share
   the step axis. Every string from the log is set as text, never as
   markup. */
(function () {
  "use strict";
  var dataEl = document.getElementById("chart-data");
  var tip = document.getElementById("tip");
  if (!dataEl || !tip || typeof uPlot !== "function") { return; }
  var page = JSON.parse(dataEl.textContent);
  var charts = {};
  // The charts by id, for whoever wants to drive them (the browser test).
  window.plateauCharts = charts;
  var LANE_H = 13, LANE_GAP = 2, TOP_LABELS = 14, PLOT_H = 240;
  var syncing = false;

  function source(k, n) {
    if (k == null || k < 0) { return ""; }
    var p = page.src[k];
    return n < 0 ? p[0] + p[1] : p[0] + n + p[1];
  }

  function fmt(v) {
    if (v == null || !isFinite(v)) { return String(v); }
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) { return v.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e"); }
    return String(Number(v.toPrecision(4)));
  }

  function fmtTick(v) {
    if (v == null) { return ""; }
    var a = Math.abs(v);
    if (a >= 1e6 && a % 1e5 === 0) { return (v / 1e6) + "M"; }
    if (a >= 1e4 && a % 100 === 0) { return (v / 1e3) + "k"; }
    return fmt(v);
  }

  // Colours come from the chart style sheet's variables (light, dark or
  // print), read on the static SVG.
  function palette(svg) {
    var cs = getComputedStyle(svg);
    var get = function (name) { return cs.getPropertyValue("--" + name).trim() || "#888"; };
    var p = {};
    ["bg", "fg", "muted", "grid", "c0", "c1", "c2", "c3", "c4", "c5", "band-a", "band-b", "range", "over",
      "lane-a", "lane-b", "lane-over", "bad", "good"].forEach(function (n) { p[n] = get(n); });
    return p;
  }

  function alpha(color, a) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
    if (!m) { return color; }
    return "rgba(" + parseInt(m[1], 16) + "," + parseInt(m[2], 16) + "," + parseInt(m[3], 16) + "," + a + ")";
  }

  function classes(cls) { return (cls || "").split(/\s+/); }

  function seriesColor(pal, cls) {
    var c = classes(cls).filter(function (k) { return /^c[0-5]$/.test(k); })[0];
    return pal[c || "c0"];
  }

  // align joins the series on one x axis: undefined where a series has
  // no point at a step (uPlot joins and hovers across those), null where
  // its value cannot be drawn (<= 0 on a log axis).
  function align(spec, log) {
    var seen = new Map();
    spec.series.forEach(function (s) { s.x.forEach(function (x) { seen.set(x, true); }); });
    var xs = Array.from(seen.keys()).sort(function (a, b) { return a - b; });
    var at = new Map();
    xs.forEach(function (x, i) { at.set(x, i); });
    var data = [xs], back = [null];
    spec.series.forEach(function (s) {
      var ys = new Array(xs.length), idx = new Array(xs.length);
      for (var i = 0; i < s.x.length; i++) {
        var j = at.get(s.x[i]), y = s.y[i];
        ys[j] = (y == null || (log && y <= 0)) ? null : y;
        idx[j] = i;
      }
      data.push(ys);
      back.push(idx);
    });
    return { data: data, back: back };
  }

  function positive(spec) {
    return spec.series.every(function (s) { return s.y.every(function (y) { return y == null || y > 0; }); });
  }

  function lanes(spec) {
    var n = 0;
    (spec.bands || []).forEach(function (b) { n = Math.max(n, (b.row || 0) + 1); });
    return n;
  }

  function hasTop(spec) {
    return !!spec.topLabel || (spec.lines || []).some(function (l) { return l.top && l.label; });
  }

  function topPad(spec) { return 10 + (hasTop(spec) ? TOP_LABELS : 0) + lanes(spec) * (LANE_H + LANE_GAP); }

  // logLabels keeps, of a log axis' splits, the labels of the powers of
  // ten, and of 2 and 5 times them when the axis spans under three
  // decades; the other splits keep their grid line.
  function logLabels(u, vals) {
    var sc = u.scales.y, fine = Math.log10(sc.max / sc.min) < 3;
    return vals.map(function (v) {
      if (!(v > 0)) { return ""; }
      var m = Math.round(v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9)));
      return (m === 1 || (fine && (m === 2 || m === 5))) ? fmtTick(v) : "";
    });
  }

  // Drawing of the annotations, in canvas pixels.
  function clipPlot(u, ctx) {
    var b = u.bbox;
    ctx.beginPath();
    ctx.rect(b.left, b.top, b.width, b.height);
    ctx.clip();
  }

  function xPos(u, v) { return u.valToPos(v, "x", true); }

  function drawUnder(st) {
    return function (u) {
      var ctx = u.ctx, b = u.bbox, pr = uPlot.pxRatio, pal = st.pal, spec = st.spec;
      ctx.save();
      clipPlot(u, ctx);
      (spec.bands || []).forEach(function (band) {
        if (!band.shade) { return; }
        var a = xPos(u, band.from), z = xPos(u, band.to);
        ctx.fillStyle = band.cls === "b" ? pal["band-b"] : band.cls === "overfit" ? pal.over : pal["band-a"];
        ctx.fillRect(a, b.top, z - a, b.height);
      });
      (spec.ybands || []).forEach(function (band) {
        if (st.log && (band.from <= 0 || band.to <= 0)) { return; }
        var y0 = u.valToPos(band.from, "y", true), y1 = u.valToPos(band.to, "y", true);
        ctx.fillStyle = pal.range;
        ctx.fillRect(b.left, Math.min(y0, y1), b.width, Math.abs(y1 - y0));
      });
      (spec.lines || []).forEach(function (l) {
        var x = Math.round(xPos(u, l.x)) + 0.5;
        ctx.beginPath();
        ctx.lineWidth = (l.cls === "recommended" ? 1.2 : 0.8) * pr;
        ctx.strokeStyle = l.cls === "recommended" ? pal.good : pal.muted;
        ctx.setLineDash(l.cls === "recommended" ? [] : [3 * pr, 3 * pr]);
        ctx.moveTo(x, b.top);
        ctx.lineTo(x, b.top + b.height);
        ctx.stroke();
      });
      ctx.restore();
    };
  }

  function laneFill(pal, cls) {
    return cls === "overfit" ? pal["lane-over"] : cls === "b" ? pal["lane-b"] : pal["lane-a"];
  }

  function drawOver(st) {
    return function (u) {
      var ctx = u.ctx, b = u.bbox, pr = uPlot.pxRatio, pal = st.pal, spec = st.spec;
      ctx.save();
      ctx.font = (10 * pr) + "px system-ui, sans-serif";
      ctx.textBaseline = "alphabetic";
      // Lanes above the plot, clipped to the plot's width.
      (spec.bands || []).forEach(function (band) {
        var a = Math.max(xPos(u, band.from), b.left), z = Math.min(xPos(u, band.to), b.left + b.width);
        if (z <= a) { return; }
        var y = b.top - ((band.row || 0) + 1) * (LANE_H + LANE_GAP) * pr;
        ctx.fillStyle = laneFill(pal, band.cls);
        ctx.fillRect(a, y, Math.max(z - a, pr), LANE_H * pr);
        if (ctx.measureText(band.label).width <= z - a - 6 * pr) {
          ctx.fillStyle = pal.fg;
          ctx.textAlign = "left";
          ctx.fillText(band.label, a + 3 * pr, y + (LANE_H - 3) * pr);
        }
      });
      // Top labels (epochs) above the lanes, skipping those that would
      // overlap.
      var ty = b.top - (lanes(spec) * (LANE_H + LANE_GAP) + 10) * pr, last = -Infinity;
      ctx.fillStyle = pal.muted;
      ctx.textAlign = "center";
      if (spec.topLabel) {
        ctx.textAlign = "right";
        ctx.fillText(spec.topLabel, b.left - 4 * pr, ty);
        last = b.left;
        ctx.textAlign = "center";
      }
      (spec.lines || []).forEach(function (l) {
        if (!l.top || !l.label) { return; }
        var x = xPos(u, l.x), w = ctx.measureText(l.label).width;
        if (x < b.left - 1 || x > b.left + b.width + 1 || x - w / 2 < last + 6 * pr) { return; }
        ctx.fillText(l.label, x, ty);
        last = x + w / 2;
      });
      ctx.save();
      clipPlot(u, ctx);
      // Bottom labels of lines (end of warmup).
      ctx.textAlign = "left";
      (spec.lines || []).forEach(function (l) {
        if (l.top || !l.label) { return; }
        var x = xPos(u, l.x), w = ctx.measureText(l.label).width;
        var right = x + 3 * pr + w <= b.left + b.width - 2 * pr;
        ctx.textAlign = right ? "left" : "right";
        ctx.fillText(l.label, right ? x + 3 * pr : x - 3 * pr, b.top + b.height - 4 * pr);
      });
      ctx.restore();
      // Markers, over the series; those that cannot be placed (NaN, or
      // <= 0 on a log axis) along the top of the plot.
      ctx.save();
      clipPlot(u, ctx);
      (spec.markers || []).forEach(function (m) {
        var x = xPos(u, m.x);
        var y = (m.y == null || (st.log && m.y <= 0)) ? b.top + 6 * pr : u.valToPos(m.y, "y", true);
        shape(ctx, m, x, y, pr, pal);
      });
      ctx.restore();
      ctx.restore();
    };
  }

  function markerStyle(pal, cls) {
    switch (cls) {
      case "spike": case "nonfinite": return { fill: pal.bad, stroke: pal.bg };
      case "epochdrop": return { stroke: pal.muted, width: 1.6 };
      case "ckpt": return { fill: pal.muted, stroke: pal.bg };
      case "recommended": return { fill: pal.good, stroke: pal.fg };
      case "best": return { stroke: pal.c1, width: 2 };
    }
    return { fill: pal.fg };
  }

  // shape draws a marker as the SVG does (see svgplot.shapePath).
  function shape(ctx, m, x, y, pr, pal) {
    var pts = {
      "triangle": [[0, -12], [5, -4], [-5, -4]],
      "triangle-down": [[0, 12], [5, 4], [-5, 4]],
      "chevron": [[-5, 6], [0, 11], [5, 6]],
      "diamond": [[0, -6], [5, 0], [0, 6], [-5, 0]],
      "cross": [[-4, -4], [0, -1], [4, -4], [1, 0], [4, 4], [0, 1], [-4, 4], [-1, 0]]
    }[m.shape];
    var st = markerStyle(pal, m.cls);
    ctx.beginPath();
    if (pts) {
      pts.forEach(function (p, i) {
        if (i === 0) { ctx.moveTo(x + p[0] * pr, y + p[1] * pr); } else { ctx.lineTo(x + p[0] * pr, y + p[1] * pr); }
      });
      if (m.shape !== "chevron") { ctx.closePath(); }
    } else {
      ctx.arc(x, y, 6 * pr, 0, 2 * Math.PI);
    }
    if (st.fill) { ctx.fillStyle = st.fill; ctx.fill(); }
    if (st.stroke) {
      ctx.lineWidth = (st.width || 1) * pr;
      ctx.lineJoin = "round";
      ctx.lineCap = "round";
      ctx.strokeStyle = st.stroke;
      ctx.stroke();
    }
  }

  // The tooltip: per visible series, its point nearest the cursor's step
  // (within 40 pixels), with its step ("~N" when estimated), epoch and
  // source; then the markers within 9 pixels.
  function line(text, cls) {
    var d = document.createElement("div");
    d.textContent = text;
    if (cls) { d.className = cls; }
    tip.appendChild(d);
  }

  function showTip(st, u) {
    var c = u.cursor;
    if (c.left == null || c.left < 0 || !st.hover) { tip.hidden = true; return; }
    var rows = 0;
    tip.textContent = "";
    st.spec.series.forEach(function (s, k) {
      var i = k + 1, j = c.idxs ? c.idxs[i] : null;
      if (!u.series[i].show || j == null) { return; }
      var x = u.data[0][j], y = u.data[i][j];
      if (y == null || Math.abs(u.valToPos(x, "x") - c.left) > 40) { return; }
      var p = st.back[i][j];
      var head = s.name + " = " + fmt(s.y[p]) + " \u00b7 step " + (s.es && s.es[p] ? "~" : "") + String(x);
      if (s.e && s.e[p] != null) { head += " \u00b7 epoch " + Number(s.e[p].toFixed(3)); }
      line(head);
      if (s.sk) {
        line(source(s.sk[p], s.sn[p]) || "source unknown", "src");
      } else {
        line("smoothed for the eye; not a logged value", "src");
      }
      rows++;
    });
    (st.spec.markers || []).forEach(function (m) {
      var mx = u.valToPos(m.x, "x");
      var my = (m.y == null || (st.log && m.y <= 0)) ? 6 : u.valToPos(m.y, "y");
      if (Math.abs(mx - c.left) > 9 || Math.abs(my - c.top) > 14) { return; }
      line(m.label, "mk");
      line("step " + (m.est ? "~" : "") + String(m.x) + " \u00b7 value " + m.v);
      if (m.src) { line(m.src, "src"); }
      rows++;
    });
    if (rows) {
      (st.spec.bands || []).forEach(function (band) {
        if (c.left >= u.valToPos(band.from, "x") - 2 && c.left <= u.valToPos(band.to, "x") + 2) { line(band.label + " (steps " + String(band.from) + "\u2013" + String(band.to) + ")", "band"); }
      });
    }
    if (!rows) { tip.hidden = true; return; }
    tip.hidden = false;
    var r = u.over.getBoundingClientRect();
    var px = r.left + c.left, py = r.top + c.top;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = px + 14, top = py + 14;
    if (left + w > window.innerWidth - 4) { left = Math.max(4, px - w - 14); }
    if (top + h > window.innerHeight - 4) { top = Math.max(4, py - h - 14); }
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }

  // Ctrl+wheel (or a pinch) zooms around the cursor; Shift+wheel pans.
  // A plain wheel scrolls the page.
  function wheel(st) {
    return function (e) {
      var u = st.u;
      if (!(e.ctrlKey || e.metaKey || e.shiftKey)) { return; }
      e.preventDefault();
      var sc = u.scales.x, span = sc.max - sc.min, min, max;
      if (e.shiftKey && !e.ctrlKey && !e.metaKey) {
        var d = (e.deltaX || e.deltaY) > 0 ? 0.1 * span : -0.1 * span;
        min = sc.min + d;
        max = sc.max + d;
      } else {
        var r = u.over.getBoundingClientRect();
        var at = u.posToVal(e.clientX - r.left, "x");
        var f = e.deltaY < 0 ? 0.75 : 1 / 0.75;
        min = at - (at - sc.min) * f;
        max = at + (sc.max - at) * f;
      }
      setX(st, min, max);
    };
  }

  // setX zooms to [min, max] within the data's steps.
  function setX(st, min, max) {
    var lo = st.full[0], hi = st.full[1], span = max - min;
    if (span >= hi - lo) { min = lo; max = hi; }
    if (min < lo) { max += lo - min; min = lo; }
    if (max > hi) { min -= max - hi; max = hi; }
    if (max - min < 2) { return; }
    st.u.setScale("x", { min: min, max: max });
  }

  // Shift+drag pans; a plain drag is uPlot's zoom to the selection.
  function bindMousedown(st) {
    return function (u, targ, handler) {
      return function (e) {
        if (e.button !== 0) { return null; }
        if (!e.shiftKey) { return handler(e); }
        var x0 = e.clientX, min0 = u.scales.x.min, max0 = u.scales.x.max;
        var move = function (ev) {
          var dv = (ev.clientX - x0) * (max0 - min0) / u.over.clientWidth;
          setX(st, min0 - dv, max0 - dv);
        };
        var up = function () {
          window.removeEventListener("mousemove", move);
          window.removeEventListener("mouseup", up);
        };
        window.addEventListener("mousemove", move);
        window.addEventListener("mouseup", up);
        return null;
      };
    };
  }

  function onScale(st) {
    return function (u, key) {
      if (key !== "x" || syncing) { return; }
      st.range = [u.scales.x.min, u.scales.x.max];
      var zoomed = st.range[0] > st.full[0] || st.range[1] < st.full[1];
      st.reset.disabled = !zoomed;
      syncing = true;
      Object.keys(charts).forEach(function (id) {
        var o = charts[id];
        if (o === st || !o.u) { return; }
        o.range = zoomed ? st.range.slice() : null;
        o.reset.disabled = !zoomed;
        o.u.setScale("x", zoomed ? { min: st.range[0], max: st.range[1] } : { min: o.full[0], max: o.full[1] });
      });
      syncing = false;
    };
  }

  function options(st, width) {
    var spec = st.spec, pal = st.pal, font = "11px system-ui, sans-serif";
    var axis = {
      stroke: pal.muted, font: font, labelFont: font,
      grid: { stroke: pal.grid, width: 1 }, ticks: { stroke: pal.grid, width: 1, size: 4 },
      values: function (u, vals) { return vals.map(fmtTick); }
    };
    var series = [{ label: spec.xLabel }];
    spec.series.forEach(function (s, k) {
      var cl = classes(s.cls), col = seriesColor(pal, s.cls), raw = cl.indexOf("raw") >= 0;
      var o = {
        label: s.name, show: st.shown[k + 1] !== false, spanGaps: false,
        stroke: raw ? alpha(col, 0.55) : col,
        width: s.line ? (cl.indexOf("thin") >= 0 ? 1.2 : 1.8) : 0,
        value: function (u, v) { return v == null ? "\u2013" : fmt(v); },
        points: { show: false }
      };
      if (!s.line) { o.paths = function () { return null; }; }
      if (s.dots && cl.indexOf("hover-only") < 0) {
        o.points = { show: true, size: raw ? 4.4 : 5, width: 0, fill: raw ? alpha(col, 0.45) : col, stroke: raw ? alpha(col, 0.45) : col };
      }
      series.push(o);
    });
    return {
      width: width, height: PLOT_H + topPad(spec),
      padding: [topPad(spec), 14, 0, 0],
      scales: { x: { time: false }, y: st.log ? { distr: 3, log: 10 } : {} },
      axes: [
        Object.assign({}, axis, { label: spec.xLabel, size: 30, labelSize: 16, labelGap: 0 }),
        Object.assign({}, axis, { label: spec.yLabel, size: 62 }, st.log ? { values: logLabels, filter: function (u, splits) { return splits; } } : {})
      ],
      series: series,
      legend: {
        live: false,
        markers: {
          width: 2,
          stroke: function (u, i) { return seriesColor(pal, spec.series[i - 1].cls); },
          fill: function (u, i) { return spec.series[i - 1].line ? "transparent" : alpha(seriesColor(pal, spec.series[i - 1].cls), 0.5); }
        }
      },
      cursor: {
        drag: { x: true, y: false, setScale: true },
        bind: { mousedown: bindMousedown(st) },
        points: { size: 7 }
      },
      hooks: {
        drawAxes: [drawUnder(st)],
        draw: [drawOver(st)],
        setScale: [onScale(st)],
        setCursor: [function (u) { showTip(st, u); }],
        setSeries: [function (u, i) { if (i != null) { st.shown[i] = u.series[i].show; } }]
      }
    };
  }

  // build draws (or redraws, after a switch of scale or of colours) the
  // chart of st, keeping its zoom and hidden series.
  function build(st) {
    if (st.u) { st.u.destroy(); }
    st.pal = palette(st.svg);
    var a = align(st.spec, st.log);
    st.back = a.back;
    var xs = a.data[0];
    st.full = [xs[0], xs[xs.length - 1]];
    var u = new uPlot(options(st, Math.max(st.box.clientWidth, 300)), a.data, st.plot);
    st.u = u;
    u.over.addEventListener("wheel", wheel(st), { passive: false });
    u.over.addEventListener("mouseenter", function () { st.hover = true; });
    u.over.addEventListener("mouseleave", function () { st.hover = false; tip.hidden = true; });
    if (st.range) { u.setScale("x", { min: st.range[0], max: st.range[1] }); }
  }

  function button(text, title) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.title = title;
    return b;
  }

  function setup(spec) {
    var fig = document.getElementById("fig-" + spec.id);
    var svg = fig && fig.querySelector("svg.plot");
    if (!svg || !spec.series.length) { return; }
    var box = document.createElement("div");
    box.className = "ichart";
    var tools = document.createElement("div");
    tools.className = "chart-tools";
    var title = document.createElement("span");
    title.className = "chart-title";
    title.textContent = spec.title.replace(/ \(log scale\)$/, "");
    tools.appendChild(title);
    var st = { spec: spec, svg: svg, box: box, log: spec.log, shown: {}, range: null, hover: false };
    var logBox = document.createElement("label");
    logBox.className = "log-switch";
    var check = document.createElement("input");
    check.type = "checkbox";
    check.checked = spec.log;
    logBox.appendChild(check);
    logBox.appendChild(document.createTextNode(" log scale"));
    if (!positive(spec)) {
      check.disabled = true;
      logBox.title = "some values are <= 0: they cannot be drawn on a log scale";
    }
    check.addEventListener("change", function () { st.log = check.checked; build(st); });
    tools.appendChild(logBox);
    st.reset = button("reset zoom", "show every step (or double-click the chart)");
    st.reset.disabled = true;
    st.reset.addEventListener("click", function () { setX(st, st.full[0], st.full[1]); });
    tools.appendChild(st.reset);
    var hint = document.createElement("span");
    hint.className = "hint";
    hint.textContent = "drag to zoom \u00b7 Ctrl+wheel zoom \u00b7 Shift+drag pan \u00b7 double-click reset \u00b7 click a legend entry to hide it";
    tools.appendChild(hint);
    box.appendChild(tools);
    st.plot = document.createElement("div");
    box.appendChild(st.plot);
    var key = document.createElement("div");
    key.className = "chart-key";
    box.appendChild(key);
    fig.insertBefore(box, svg);
    fig.classList.add("js");
    legendKey(spec, key);
    charts[spec.id] = st;
    build(st);
  }

  // legendKey lists the kinds of annotation drawn, as the SVG legend does.
  function legendKey(spec, key) {
    var glyph = { "triangle": "\u25b2", "triangle-down": "\u25bc", "chevron": "\u2228", "diamond": "\u25c6", "ring": "\u25cb", "cross": "\u00d7", "band": "\u25ac" };
    (spec.legend || []).forEach(function (it) {
      var s = document.createElement("span");
      s.className = "k k-" + it.cls;
      var g = document.createElement("b");
      g.textContent = glyph[it.shape] || "\u25a0";
      s.appendChild(g);
      s.appendChild(document.createTextNode(" " + it.label));
      key.appendChild(s);
    });
  }

  page.charts.forEach(setup);

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      Object.keys(charts).forEach(function (id) {
        var st = charts[id];
        st.u.setSize({ width: Math.max(st.box.clientWidth, 300), height: st.u.height });
      });
    }, 100);
  });
  if (window.matchMedia) {
    var dark = window.matchMedia("(prefers-color-scheme: dark)");
    var rebuild = function () { Object.keys(charts).forEach(function (id) { build(charts[id]); }); };
    if (dark.addEventListener) { dark.addEventListener("change", rebuild); }
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { tip.hidden = true; }
  });
}());
