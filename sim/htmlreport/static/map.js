// Shared by the run and sweep reports: SVG helpers, the map's static layers, line charts.
"use strict";
const SVGNS = "http://www.w3.org/2000/svg";
const NEUTRAL = "#bdbdbd";

function el(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function html(tag, attrs, parent, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

function fmtNum(v) {
  return (Math.round(v) || 0).toLocaleString("en-US");
}

function fmtDate(iso) {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const [y, m, d] = iso.split("-").map(Number);
  return d + " " + months[m - 1] + " " + y;
}

// The date label as wide as the widest it will show, so that the slider beside it keeps its
// width (and place) from day to day.
function steadyWidth(label, texts) {
  label.style.minWidth = "";
  let widest = 0;
  for (const t of texts) { label.textContent = t; widest = Math.max(widest, label.getBoundingClientRect().width); }
  label.style.minWidth = Math.ceil(widest) + "px";
}

function dayLabel(dates, d) {
  return fmtDate(dates[d]) + " (day " + d + " of " + (dates.length - 1) + ")";
}

// A map of the document's towns in one view (main or close-up): returns its handles.
function buildMap(svg, doc, view) {
  const [ax, bx, ay, by, w, h] = view.tf;
  const P = (lat, lon) => [ax * lon + bx, ay * lat + by];
  svg.setAttribute("viewBox", "0 0 " + w + " " + h);
  svg.dataset.view = view.id;
  el("rect", {x: 0, y: 0, width: w, height: h, fill: "#fcfcf8"}, svg);
  const gFeat = el("g", {}, svg);
  for (const f of doc.features) {
    const pts = f.points.map(p => P(p[0], p[1]).map(v => v.toFixed(1)).join(",")).join(" ");
    const line = el("polyline", {points: pts, class: f.kind === "river" ? "river" : "border"}, gFeat);
    el("title", {}, line).textContent = f.name;
  }
  const xy = doc.towns.map(t => P(t.lat, t.lon));
  const gRoads = el("g", {}, svg);
  const roads = doc.roads.map(([u, v, name, terrain]) => {
    const line = el("line", {x1: xy[u][0].toFixed(1), y1: xy[u][1].toFixed(1),
      x2: xy[v][0].toFixed(1), y2: xy[v][1].toFixed(1),
      class: "road" + (terrain === "river" ? " crossing" : "")}, gRoads);
    el("title", {}, line).textContent = (name || "highway") + ": " + doc.towns[u].name +
      " - " + doc.towns[v].name + (terrain === "river" ? " (river crossing)" : "");
    return line;
  });
  const gUnder = el("g", {}, svg);  // siege rings, battle marks
  const gTowns = el("g", {}, svg);
  const towns = doc.towns.map((t, i) => {
    const c = el("circle", {cx: xy[i][0].toFixed(1), cy: xy[i][1].toFixed(1), r: view.r[i],
      class: "town", fill: NEUTRAL, "data-town": t.id}, gTowns);
    el("title", {}, c).textContent = t.name;
    return c;
  });
  const gLabels = el("g", {}, svg);
  const labelBoxes = [];
  doc.towns.forEach((t, i) => {
    const at = view.labels[i];
    if (!at) return;
    const name = view.short ? t.name.split(" - ").slice(-1)[0] : t.name;
    const text = el("text", {x: at[0], y: at[1], class: "town-label", "dominant-baseline": "central",
      "data-town": t.id, "font-size": view.font}, gLabels);
    text.textContent = name;
    if (at[3]) {  // placed away from its town: a leader line to the nearest point of the label
      const lx = Math.max(at[0], Math.min(xy[i][0], at[0] + at[2]));
      const ly = Math.max(at[1] - 0.5 * view.font, Math.min(xy[i][1], at[1] + 0.5 * view.font));
      el("line", {x1: xy[i][0], y1: xy[i][1], x2: lx, y2: ly, class: "leader"}, gLabels);
    }
    labelBoxes.push([at[0], at[1] - 0.6 * view.font, at[0] + at[2], at[1] + 0.6 * view.font]);
  });
  const gTop = el("g", {}, svg);  // units
  if (view.id === "main" && doc.views.length > 1 && doc.views[1].box) {
    const b = doc.views[1].box;
    el("rect", {x: b[0], y: b[1], width: b[2] - b[0], height: b[3] - b[1], class: "zoombox"}, svg);
  }
  return {svg, view, P, xy, roads, towns, gUnder, gTop, labelBoxes};
}

// River crossings and closed highways, in both reports. state: "open" (a white square on the
// crossing's dashed blue line), "closed" (a cross; the line dashed grey) or, in a sweep,
// "some" (closed in some runs, open in others: the square crossed out, the line dotted grey).
function crossingMark(parent, x, y, state, s) {
  s = s || 5.5;  // half the symbol's size
  const cross = a => "M" + (x - a) + "," + (y - a) + "L" + (x + a) + "," + (y + a) +
    "M" + (x + a) + "," + (y - a) + "L" + (x - a) + "," + (y + a);
  if (state === "closed") {
    const g = el("g", {class: "xmark closed"}, parent);
    el("path", {d: cross(s), class: "halo"}, g);
    el("path", {d: cross(s)}, g);
    return g;
  }
  if (state === "some") {
    const g = el("g", {class: "xmark some"}, parent);
    el("rect", {x: x - 0.8 * s, y: y - 0.8 * s, width: 1.6 * s, height: 1.6 * s}, g);
    el("path", {d: cross(0.8 * s)}, g);
    return g;
  }
  return el("rect", {x: x - 0.8 * s, y: y - 0.8 * s, width: 1.6 * s, height: 1.6 * s, class: "xmark open"}, parent);
}

// Legend entries for crossingMark: [[state, text], ...]
function crossingLegend(legend, entries) {
  const lineClass = {open: "road crossing", closed: "road closed", some: "road some"};
  for (const [state, text] of entries) {
    const s = html("span", {"data-legend": "crossing-" + state}, legend);
    const sym = el("svg", {width: 22, height: 12, viewBox: "0 0 22 12", class: "legend-mark"}, s);
    el("line", {x1: 1, y1: 6, x2: 21, y2: 6, class: lineClass[state]}, sym);
    crossingMark(sym, 11, 6, state, 4);
    s.appendChild(document.createTextNode(text));
  }
}

// The marks of one day on a map built by buildMap: states[k] is null (no mark) or a state
// of crossingMark; title(k) the mark's tooltip. Over the roads, under the towns.
function drawCrossingMarks(m, roads, states, title) {
  if (!m.gMarks) {
    m.gMarks = el("g", {class: "crossing-marks"});
    m.gUnder.parentNode.insertBefore(m.gMarks, m.gUnder);
  }
  while (m.gMarks.firstChild) m.gMarks.removeChild(m.gMarks.firstChild);
  roads.forEach(([u, v], k) => {
    if (!states[k]) return;
    const g = crossingMark(m.gMarks, (m.xy[u][0] + m.xy[v][0]) / 2, (m.xy[u][1] + m.xy[v][1]) / 2, states[k]);
    g.dataset.road = k;
    g.dataset.state = states[k];
    el("title", {}, g).textContent = title(k);
  });
}

function niceTicks(lo, hi, n, integer) {
  const span = hi - lo || 1;
  const step0 = span / n;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  let step = [1, 2, 2.5, 5, 10].map(s => s * mag).find(s => span / s <= n) || 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
  return out;
}

function shortNum(v) {
  if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(v % 1e6 ? 1 : 0) + "M";
  if (Math.abs(v) >= 1e4) return (v / 1e3).toFixed(0) + "k";
  return fmtNum(v);
}

// A line chart of one value per faction by day; setDay moves its marker.
function lineChart(parent, title, lines, dates, yLabel) {
  const W = 420, H = 240, L = 52, R = 24, T = 36, B = 34;
  const box = html("div", {class: "chart"}, parent);
  const svg = el("svg", {viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title}, box);
  el("text", {x: L, y: 15, class: "title"}, svg).textContent = title;
  const n = dates.length;
  let hi = 0;
  for (const l of lines) for (const v of l.values) if (v > hi) hi = v;
  hi = hi || 1;
  const X = d => L + (W - L - R) * (n > 1 ? d / (n - 1) : 0);
  const Y = v => H - B - (H - T - B) * v / hi;
  for (const t of niceTicks(0, hi, 4, true)) {
    el("line", {x1: L, x2: W - R, y1: Y(t), y2: Y(t), stroke: "#eee"}, svg);
    el("text", {x: L - 4, y: Y(t) + 4, "text-anchor": "end"}, svg).textContent = shortNum(t);
  }
  const step = Math.max(1, Math.round((n - 1) / 4));
  for (let d = 0; d < n; d += step) {
    el("line", {x1: X(d), x2: X(d), y1: H - B, y2: H - B + 4, stroke: "#666"}, svg);
    el("text", {x: X(d), y: H - B + 16, "text-anchor": "middle"}, svg).textContent =
      fmtDate(dates[d]).replace(/ \d{4}$/, "");
  }
  el("line", {x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#666"}, svg);
  if (yLabel) el("text", {x: 12, y: T + (H - T - B) / 2, "text-anchor": "middle",
    transform: "rotate(-90 12 " + (T + (H - T - B) / 2) + ")"}, svg).textContent = yLabel;
  for (const l of lines) {
    if (l.band) {
      const up = l.band[1].map((v, d) => X(d).toFixed(1) + "," + Y(v).toFixed(1));
      const down = l.band[0].map((v, d) => X(d).toFixed(1) + "," + Y(v).toFixed(1)).reverse();
      el("polygon", {points: up.concat(down).join(" "), fill: l.colour, opacity: 0.18}, svg);
    }
    el("polyline", {points: l.values.map((v, d) => X(d).toFixed(1) + "," + Y(v).toFixed(1)).join(" "),
      fill: "none", stroke: l.colour, "stroke-width": 2}, svg);
  }
  const marker = el("line", {y1: T, y2: H - B, stroke: "#222", "stroke-width": 1.2,
    "stroke-dasharray": "3 2", class: "day-marker"}, svg);
  const readout = el("text", {x: L, y: 29, class: "readout"}, svg);
  return {
    setDay(d) {
      marker.setAttribute("x1", X(d)); marker.setAttribute("x2", X(d));
      readout.textContent = fmtDate(dates[d]) + ":  " + lines.map(l => l.short + " " + shortNum(l.values[Math.min(d, l.values.length - 1)])).join("  ");
    },
  };
}
