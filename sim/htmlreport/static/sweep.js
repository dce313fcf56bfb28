// The sweep report: probability of control on the map by date, fan charts, sensitivity tables.
"use strict";
(function () {
  const doc = JSON.parse(document.getElementById("report-data").textContent);
  const nDays = doc.days;
  const nF = doc.factions.length;
  const colours = doc.factions.map(f => f.colour).concat([NEUTRAL]);
  const names = doc.factions.map(f => f.name).concat(["nobody"]);

  document.getElementById("title").textContent = doc.meta.name || "frontline sweep";
  document.getElementById("subtitle").textContent = doc.ok + " of " + doc.runs + " runs finished; scenario " +
    doc.meta.scenario + ", " + nDays + " days from " + fmtDate(doc.dates[0]) + "; " + doc.meta.design +
    " design, " + doc.meta.points + " points x " + doc.meta.replicates + " replicates, seed " + doc.meta.seed;
  const info = document.getElementById("info");
  for (const [k, v] of [["description", doc.meta.description || ""], ["scenario file", doc.meta.scenario_file],
    ["parameters", doc.parameters.join("\n") || "none (seeds only)"],
    ["constants (set)", Object.entries(doc.meta.set || {}).map(([a, b]) => a + " = " + JSON.stringify(b)).join("\n") || "none"]]) {
    const tr = html("tr", {}, info);
    html("th", {}, tr, k);
    html("td", {}, tr, v).style.whiteSpace = "pre-wrap";
  }

  // probabilities of day d for town t: the last change at or before d
  function probAt(t, d) {
    const rows = doc.prob[t];
    let lo = 0;
    for (let i = 0; i < rows.length && rows[i][0] <= d; i++) lo = i;
    return rows[lo].slice(1);
  }
  const legend = document.getElementById("legend");
  doc.factions.forEach(f => {
    const s = html("span", {}, legend);
    html("span", {class: "sw"}, s).style.background = f.colour;
    s.appendChild(document.createTextNode(f.name));
  });
  legend.appendChild(document.createTextNode("  each town is a pie of the share of runs in which each faction holds it"));

  // river crossings and highways closed by the timeline: in how many runs each is closed on
  // the day shown (the runs' `closed` column); results without it show the scenario's start
  const mapDoc = doc.map || {roads: [], crossings: {}};
  const crossings = mapDoc.crossings || {};
  const recorded = mapDoc.closedRuns;  // null: these results do not record closures
  const nRuns = recorded ? recorded.runs : 1;
  const closedRows = recorded ? recorded.closed : {};
  if (!recorded) for (const k of mapDoc.closedAtStart || []) closedRows[k] = [[0, 1]];
  function closedIn(k, d) {  // runs in which highway k is closed on day d
    const rows = closedRows[k];
    if (!rows) return 0;
    let n = 0;
    for (let i = 0; i < rows.length && rows[i][0] <= d; i++) n = rows[i][1];
    return n;
  }
  function roadState(k, d) {
    const n = closedIn(k, d);
    return n >= nRuns ? "closed" : n > 0 ? "some" : String(k) in crossings ? "open" : null;
  }
  const marked = mapDoc.roads.map((r, k) => k).filter(k => String(k) in crossings || k in closedRows);
  const someEver = recorded && marked.some(k => closedRows[k] && closedRows[k].some(r => r[1] > 0 && r[1] < nRuns));
  const allEver = marked.some(k => closedRows[k] && closedRows[k].some(r => r[1] >= nRuns));
  const kinds = Array.from(new Set(Object.values(crossings).map(c => c.kind))).sort();
  const entries = [];
  const every = recorded ? " in every run" : "";
  if (kinds.length) entries.push(["open", "crossing open" + every + " (" + kinds.join(", ") + ")"]);
  if (allEver) entries.push(["closed", "crossing or highway closed" + every]);
  if (someEver) entries.push(["some", "closed in some runs only (the share: hover, or the table beside)"]);
  if (doc.map) crossingLegend(legend, entries);
  if (doc.map && marked.length && !recorded) {
    html("span", {class: "muted", "data-legend": "crossing-unrecorded"}, legend,
      "crossings as the scenario declares them at the start: these results do not record when runs opened or closed them");
  }
  function roadName(k) {
    const [u, v, name] = mapDoc.roads[k], c = crossings[String(k)];
    const ends = mapDoc.towns[u].name + " - " + mapDoc.towns[v].name;
    return c ? c.name + " (" + c.kind + ", " + ends + ")" : (name || "highway") + " (" + ends + ")";
  }
  function roadStateText(k, d) {
    const n = closedIn(k, d);
    if (!recorded) return n ? "closed at the start" : "open at the start";
    return n >= nRuns ? "closed in all " + nRuns + " runs" : n === 0 ? "open in all " + nRuns + " runs" :
      "closed in " + n + " of " + nRuns + " runs (" + pct(n / nRuns) + ")";
  }

  const maps = [];
  if (doc.map) {
    maps.push(buildMap(document.getElementById("map-main"), doc.map, doc.map.views[0]));
    if (doc.map.views.length > 1) {
      document.getElementById("zoomwrap").hidden = false;
      maps.push(buildMap(document.getElementById("map-zoom"), doc.map, doc.map.views[1]));
    }
  } else {
    document.getElementById("map-main").style.display = "none";
    document.getElementById("doubt-title").textContent = "Every town on this date";
    document.getElementById("nomap").hidden = false;
  }
  function wedge(cx, cy, r, a0, a1) {
    const x0 = cx + r * Math.sin(a0), y0 = cy - r * Math.cos(a0);
    const x1 = cx + r * Math.sin(a1), y1 = cy - r * Math.cos(a1);
    return "M" + cx + "," + cy + " L" + x0.toFixed(2) + "," + y0.toFixed(2) + " A" + r + "," + r + " 0 " +
      (a1 - a0 > Math.PI ? 1 : 0) + " 1 " + x1.toFixed(2) + "," + y1.toFixed(2) + " Z";
  }
  const pies = maps.map(m => m.towns.map((c, i) => {
    const g = el("g", {class: "pie", "data-town": doc.map.towns[i].id}, m.gTop);
    el("title", {}, g);
    return g;
  }));
  // observed events (frontline report --observed): rings on the map while their date window
  // is on screen, ticks on the timeline, lines on the fan charts of the metrics they date
  const observed = doc.observed || [];
  const facColour = id => { const f = doc.factions.find(x => x.id === id); return f ? f.colour : "#222"; };
  const rings = maps.map(m => observed.map(o => {
    if (o.townIndex < 0) return null;
    const [cx, cy] = m.xy[o.townIndex];
    const g = el("circle", {cx, cy, r: m.view.r[o.townIndex] + 5, class: "obs-ring", stroke: facColour(o.faction),
      "data-obs": o.id}, m.gTop);
    el("title", {}, g).textContent = "observed " + fmtDate(o.date) + ": " + o.text + (o.uncertainty ? " (+-" + o.uncertainty + " days)" : "");
    g.style.display = "none";
    return g;
  }));
  function pct(p) { return p >= 0.995 ? "100%" : p < 0.005 && p > 0 ? "<1%" : Math.round(100 * p) + "%"; }

  function drawCrossings(d) {
    const states = mapDoc.roads.map((r, k) => roadState(k, d));
    maps.forEach(m => {
      m.roads.forEach((line, k) => {
        const terrain = mapDoc.roads[k][3];
        line.setAttribute("class", "road" + (terrain === "river" || String(k) in crossings ? " crossing" : "") +
          (states[k] === "closed" ? " closed" : states[k] === "some" ? " some" : ""));
      });
      drawCrossingMarks(m, mapDoc.roads, states, k => roadName(k) + ": " + roadStateText(k, d));
    });
    const table = document.getElementById("crossings");
    table.textContent = "";
    document.getElementById("crossings-section").hidden = !marked.length;
    marked.forEach(k => {
      const tr = html("tr", {"data-road": k, "data-state": states[k] || "open"}, table);
      html("td", {}, tr, roadName(k));
      html("td", {}, tr, roadStateText(k, d));
    });
  }

  function drawDay(d) {
    drawCrossings(d);
    maps.forEach((m, mi) => {
      m.towns.forEach((c, i) => {
        const p = probAt(i, d), g = pies[mi][i];
        while (g.childNodes.length > 1) g.removeChild(g.lastChild);
        const [cx, cy] = m.xy[i], r = m.view.r[i] + 1;
        let a = 0, top = 0;
        p.forEach((v, k) => {
          if (v <= 0) return;
          if (v > p[top]) top = k;
          if (v >= 0.999) el("circle", {cx, cy, r, fill: colours[k], stroke: "#fff", "stroke-width": 1}, g);
          else el("path", {d: wedge(cx, cy, r, a, a + 2 * Math.PI * v), fill: colours[k], stroke: "#fff", "stroke-width": 0.8}, g);
          a += 2 * Math.PI * v;
        });
        g.dataset.top = top < nF ? doc.factions[top].id : "";
        g.dataset.p = p.join(",");
        g.firstChild.textContent = doc.map.towns[i].name + ": " + p.map((v, k) => v > 0 ? names[k] + " " + pct(v) : null).filter(Boolean).join(", ");
      });
    });
    observed.forEach((o, k) => {
      const on = Math.abs(d - o.day) <= o.uncertainty;
      rings.forEach(r => { if (r[k]) r[k].style.display = on ? "" : "none"; });
      const row = document.querySelector('#observed tr[data-obs="' + o.id + '"]');
      if (row) row.classList.toggle("now", on);
    });
    const table = document.getElementById("doubt");
    table.textContent = "";
    const head = html("tr", {}, table);
    html("th", {}, head, "town");
    names.forEach((n, k) => { if (k < nF || doc.prob.some(rows => rows.some(r => r[k + 1] > 0))) html("th", {}, head, n); });
    let count = 0;
    doc.townNames.forEach((name, t) => {
      const p = probAt(t, d);
      if (Math.max(...p) > 0.95 && doc.map) return;
      count++;
      const tr = html("tr", {"data-town": t}, table);
      html("td", {}, tr, name);
      p.forEach((v, k) => { if (k < nF || doc.prob.some(rows => rows.some(r => r[k + 1] > 0))) {
        const td = html("td", {class: "num"}, tr, v > 0 ? pct(v) : "");
        if (v > 0) td.style.borderLeft = "4px solid " + colours[k];
      }});
    });
    if (!count) table.textContent = "";  // no header row over nothing
    document.getElementById("doubt-count").textContent = "(" + count + " of " + doc.townNames.length +
      (doc.map ? " with no faction above 95 %)" : ")");
  }

  // fan charts: one per metric, against the chosen parameter
  const fanBox = document.getElementById("fans");
  const select = document.getElementById("fan-param");
  const params = doc.fans.length ? doc.fans[0].by.map(b => b[0]) : [];
  params.forEach(p => html("option", {value: p}, select, p || "all runs"));
  function fanChart(parent, f, param) {
    const levels = (f.by.find(b => b[0] === param) || [null, []])[1];
    const W = 420, H = 266, L = 56, R = 12, T = 56, B = 52;
    const box = html("div", {class: "chart", "data-metric": f.column}, parent);
    const svg = el("svg", {viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": f.column}, box);
    el("text", {x: L, y: 15, class: "title"}, svg).textContent = f.column;
    el("text", {x: L, y: 30}, svg).textContent = f.kind === "day" ? "day it happens (0 = " + fmtDate(doc.dates[0]) +
      "); top: % of runs where never" : f.metric + " at the end of the run";
    const isDay = f.kind === "day";
    let hi = 0, lo = isDay ? 0 : Infinity;
    for (const l of levels) for (const v of l.q) { if (v !== null) { hi = Math.max(hi, v); lo = Math.min(lo, v); } }
    if (isDay) hi = nDays + Math.max(3, 0.12 * nDays);  // "never" sits above the last day
    if (!isFinite(lo)) lo = 0;
    if (hi === lo) hi = lo + 1;
    const pad = isDay ? 0 : (hi - lo) * 0.08;
    lo -= pad; hi += pad;
    const n = levels.length;
    const X = i => L + 28 + (W - L - R - 56) * (n > 1 ? i / (n - 1) : 0.5);
    const Y = v => H - B - (H - T - B) * ((v === null ? hi : v) - lo) / (hi - lo);
    for (const t of niceTicks(lo, isDay ? nDays : hi, 4, f.kind !== "amount")) {
      el("line", {x1: L, x2: W - R, y1: Y(t), y2: Y(t), stroke: "#eee"}, svg);
      el("text", {x: L - 4, y: Y(t) + 4, "text-anchor": "end"}, svg).textContent = shortNum(t);
    }
    if (isDay) el("text", {x: L - 4, y: Y(hi) + 4, "text-anchor": "end"}, svg).textContent = "never";
    levels.forEach((l, i) => l.label.split(" to ").forEach((part, j, parts) => {
      el("text", {x: X(i), y: H - B + 14 + 12 * j, "text-anchor": "middle"}, svg).textContent =
        part + (j < parts.length - 1 ? " to" : "");
    }));
    el("text", {x: L + (W - L - R) / 2, y: H - 4, "text-anchor": "middle"}, svg).textContent = param || "";
    const band = (a, b, op) => {
      const up = levels.map((l, i) => X(i).toFixed(1) + "," + Y(l.q[b]).toFixed(1));
      const down = levels.map((l, i) => X(i).toFixed(1) + "," + Y(l.q[a]).toFixed(1)).reverse();
      if (n === 1) {
        el("rect", {x: X(0) - 20, width: 40, y: Y(levels[0].q[b]), height: Math.max(1, Y(levels[0].q[a]) - Y(levels[0].q[b])), fill: "#2b6cb0", opacity: op}, svg);
      } else el("polygon", {points: up.concat(down).join(" "), fill: "#2b6cb0", opacity: op}, svg);
    };
    if (n) {
      band(0, 4, 0.18); band(1, 3, 0.3);
      el("polyline", {points: levels.map((l, i) => X(i).toFixed(1) + "," + Y(l.q[2]).toFixed(1)).join(" "),
        fill: "none", stroke: "#1a365d", "stroke-width": 2, class: "median"}, svg);
      if (isDay) observedLines(svg, f, Y, L, W, R, levels.map((l, i) => [X(i), Y(l.q[2])]));
      levels.forEach((l, i) => {
        el("circle", {cx: X(i), cy: Y(l.q[2]), r: 3, fill: "#1a365d"}, svg);
        if (isDay) el("text", {x: X(i), y: T - 8, "text-anchor": "middle", class: "never"}, svg).textContent =
          Math.round(100 * l.never) + "%";
      });
    }
  }
  // the median line's y at x (its points: [x, y] in order of x)
  function lineAt(points, x) {
    if (!points.length) return null;
    if (x <= points[0][0]) return points[0][1];
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1], [x1, y1] = points[i];
      if (x <= x1) return y0 + (y1 - y0) * (x - x0) / Math.max(1e-9, x1 - x0);
    }
    return points[points.length - 1][1];
  }
  function observedLines(svg, f, Y, L, W, R, median) {
    // one line and one label for the events observed on the same day (e.g. the two halves of
    // an enclave relieved on 5 Sep), their texts in the tooltip
    const groups = [];
    observed.filter(o => o.metrics.includes(f.column)).forEach(o => {
      const label = "observed " + fmtDate(o.date) + (o.event === "held" ? " (held by then)" : "");
      const same = groups.find(g => g.day === o.day && g.label === label && g.uncertainty === o.uncertainty);
      if (same) same.items.push(o);
      else groups.push({day: o.day, label, uncertainty: o.uncertainty, items: [o]});
    });
    groups.forEach((grp, j) => {
      const o = grp.items[0];
      const g = el("g", {class: "observed", "data-obs": grp.items.map(x => x.id).join(" ")}, svg);
      if (grp.uncertainty) {
        const y0 = Y(Math.min(nDays, grp.day + grp.uncertainty)), y1 = Y(Math.max(0, grp.day - grp.uncertainty));
        el("rect", {x: L, width: W - R - L, y: y0, height: Math.max(1, y1 - y0), fill: "#dd6b20", opacity: 0.12}, g);
      }
      el("line", {x1: L, x2: W - R, y1: Y(grp.day), y2: Y(grp.day), stroke: "#dd6b20", "stroke-width": 1.5,
        "stroke-dasharray": o.metrics.length && o.exact[o.metrics.indexOf(f.column)] ? "6 3" : "2 3"}, g);
      const text = grp.label + (grp.items.length > 1 ? " (" + grp.items.length + " events)" : "");
      // above the line, else below, else further off: where the median line does not run
      const right = W - R - 2, left = right - 5.6 * text.length;
      const clear = y => { for (let x = left; x <= right; x += 3) {
        const m = lineAt(median, x);
        if (m !== null && m > y - 12 && m < y + 4) return false;
      } return true; };
      const y0 = Y(grp.day);
      const y = [y0 - 3 - 11 * j, y0 + 11 + 11 * j, y0 - 16 - 11 * j, y0 + 24 + 11 * j].find(clear);
      el("text", {x: right, y: y === undefined ? y0 - 3 - 11 * j : y, "text-anchor": "end"}, g).textContent = text;
      el("title", {}, g).textContent = grp.items.map(x => x.text + ": " + x.source).join("\n");
    });
  }
  function drawFans() {
    fanBox.textContent = "";
    for (const f of doc.fans) fanChart(fanBox, f, select.value);
  }
  select.addEventListener("change", drawFans);
  drawFans();

  // series fans over time
  const seriesCharts = [];
  if (doc.series.length) {
    document.getElementById("series-section").hidden = false;
    const box = document.getElementById("series");
    const byName = {};
    doc.series.forEach(s => { (byName[s.series] = byName[s.series] || []).push(s); });
    for (const name in byName) {
      seriesCharts.push(lineChart(box, name + " by day", byName[name].map(s => ({colour: s.colour, short: s.faction,
        values: s.q50, band: [s.q10, s.q90]})), doc.dates, name));
    }
  }

  // tables
  const tables = document.getElementById("tables");
  for (const t of doc.tables) {
    html("h2", {}, tables, t.title);
    const table = html("table", {class: "data", "data-file": t.file}, tables);
    const head = html("tr", {}, table);
    t.columns.forEach(c => html("th", {}, head, c));
    t.rows.forEach(r => {
      const tr = html("tr", {}, table);
      r.forEach((v, i) => {
        const num = v !== "" && !isNaN(Number(v));
        const td = html("td", num ? {class: "num"} : {}, tr, num && i > 0 ? (Math.abs(Number(v)) < 1000 ? Number(v).toPrecision(3) : shortNum(Number(v))) : v);
        if (num && t.columns[i].startsWith("rho ")) {
          const x = Number(v);
          td.style.background = x > 0 ? "rgba(43,108,176," + Math.abs(x) * 0.6 + ")" : "rgba(197,48,48," + Math.abs(x) * 0.6 + ")";
        }
      });
    });
    if (t.more) html("p", {class: "muted"}, tables, t.more + " more rows in " + t.file);
  }

  // timeline
  const slider = document.getElementById("day");
  slider.max = nDays;
  steadyWidth(document.getElementById("date-label"), doc.dates.map((_, d) => dayLabel(doc.dates, d)));
  const jump = document.getElementById("jump");
  jump.min = doc.dates[0]; jump.max = doc.dates[nDays];
  let current = 0, timer = null;
  function setDay(d) {
    current = d = Math.max(0, Math.min(nDays, d | 0));
    slider.value = d; jump.value = doc.dates[d];
    document.getElementById("date-label").textContent = dayLabel(doc.dates, d);
    document.body.dataset.day = d;
    drawDay(d);
    seriesCharts.forEach(c => c.setDay(d));
  }
  slider.addEventListener("input", () => setDay(Number(slider.value)));
  jump.addEventListener("change", () => { const i = doc.dates.indexOf(jump.value); if (i >= 0) setDay(i); });
  const play = document.getElementById("play");
  function stop() { clearInterval(timer); timer = null; play.innerHTML = "&#9654; play"; }
  play.addEventListener("click", () => {
    if (timer) return stop();
    if (current >= nDays) setDay(0);
    play.innerHTML = "&#10074;&#10074; pause";
    timer = setInterval(() => (current >= nDays ? stop() : setDay(current + 1)), 250);
  });
  if (observed.length) {
    // In CSS pixels of the strip, which spans the slider's thumb centre from day 0 to the last
    // (report.css, .track): redrawn when the page's width changes.
    const strip = document.getElementById("obs-strip");
    strip.removeAttribute("hidden");
    function drawStrip() {
      const w = strip.getBoundingClientRect().width;
      if (!w) return;
      while (strip.firstChild) strip.removeChild(strip.firstChild);
      strip.setAttribute("viewBox", "0 0 " + w + " 22");
      const X = d => w * d / Math.max(1, nDays);
      el("line", {x1: 0, x2: w, y1: 11, y2: 11, stroke: "#ccc"}, strip);
      observed.forEach(o => {
        const g = el("g", {class: "tick", "data-obs": o.id, "data-day": o.day}, strip);
        if (o.uncertainty) {
          const a = X(Math.max(0, o.day - o.uncertainty)), b = X(Math.min(nDays, o.day + o.uncertainty));
          el("rect", {x: a, y: 7, width: Math.max(2, b - a), height: 8, fill: facColour(o.faction), opacity: 0.25}, g);
        }
        el("rect", {x: X(o.day) - 2, y: 2, width: 4, height: 18, fill: facColour(o.faction), stroke: "#000",
          "stroke-width": 0.5, class: "mark"}, g);
        el("title", {}, g).textContent = fmtDate(o.date) + ": " + o.text;
        g.addEventListener("click", () => setDay(o.day));
      });
    }
    drawStrip();
    if (window.ResizeObserver) new ResizeObserver(drawStrip).observe(strip);
    document.getElementById("obs-section").hidden = false;
    document.getElementById("obs-file").textContent = "(" + observed.length + ")";
    const t = document.getElementById("observed");
    const head = html("tr", {}, t);
    ["date", "observed", "share of runs"].forEach(c => html("th", {}, head, c));
    observed.forEach(o => {
      const tr = html("tr", {"data-obs": o.id, "data-day": o.day}, t);
      html("td", {}, tr, fmtDate(o.date) + (o.uncertainty ? " +-" + o.uncertainty : ""));
      html("td", {title: o.source}, tr, o.text).style.borderLeft = "4px solid " + facColour(o.faction);
      html("td", {class: "num"}, tr, o.share === null ? "" : pct(o.share));
      tr.addEventListener("click", () => setDay(o.day));
    });
  }
  setDay(nDays);
  document.body.dataset.ready = "1";
})();
