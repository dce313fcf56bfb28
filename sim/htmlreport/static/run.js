// The run report: a timeline over the map, the event log, the narrative and the charts.
"use strict";
(function () {
  const doc = JSON.parse(document.getElementById("report-data").textContent);
  const nDays = doc.days;
  const colour = doc.factions.map(f => f.colour);
  const KIND_NAMES = {capture: "captures", battle: "battles", siege_start: "sieges formed",
    siege_lifted: "sieges lifted", conscription: "conscription", retreat: "retreats",
    surrender: "surrenders", destroyed: "units destroyed"};

  // --- the state of every day, rebuilt from the changes
  function byDay(first, changes) {
    const out = [first.slice()];
    let k = 0;
    for (let d = 1; d <= nDays; d++) {
      const row = out[d - 1].slice();
      while (k < changes.length && changes[k][0] === d) { row[changes[k][1]] = changes[k][2]; k++; }
      out.push(row);
    }
    return out;
  }
  const control = byDay(doc.control0, doc.controlChanges);
  const crossings = doc.crossings || {};
  const closed0 = doc.roads.map(() => 0);
  for (const [d, k, v] of doc.closed) if (d === 0) closed0[k] = v;
  const closedRoads = byDay(closed0, doc.closed.filter(c => c[0] > 0));  // 1: closed that day
  const sieges = byDay(doc.sieges0, doc.siegeChanges);
  const eventsOf = Array.from({length: nDays + 1}, () => []);
  doc.events.forEach((e, i) => eventsOf[e.day].push(i));
  const townIndex = {};
  doc.towns.forEach((t, i) => { townIndex[t.id] = i; });

  // --- header and run info
  document.getElementById("title").textContent = doc.info.scenario || "frontline run";
  document.getElementById("subtitle").textContent = "seed " + doc.info.seed + ", " + nDays +
    " days from " + fmtDate(doc.dates[0]) + " to " + fmtDate(doc.dates[nDays]) +
    (Object.keys(doc.info.overrides || {}).length ? ", with overrides (see the end of the page)" : "");
  const info = document.getElementById("info");
  const rows = [["scenario", doc.info.scenario], ["scenario file", doc.info.scenario_file],
    ["seed", String(doc.info.seed)], ["days", nDays + " (" + doc.info.start_date + " to " + doc.info.end_date + ")"],
    ["overrides", Object.entries(doc.info.overrides || {}).map(([k, v]) => k + " = " + JSON.stringify(v)).join("\n") || "none"],
    ["versions", Object.entries(doc.info.versions || {}).map(([k, v]) => k + " " + v).join(", ")]];
  for (const [k, v] of rows) {
    const tr = html("tr", {}, info);
    html("th", {}, tr, k);
    const td = html("td", {}, tr, v);
    td.style.whiteSpace = "pre-wrap";
  }

  // --- the maps
  const maps = doc.views.length ? [buildMap(document.getElementById("map-main"), doc, doc.views[0])] : [];
  if (!maps.length) {
    const svg = document.getElementById("map-main");
    svg.setAttribute("viewBox", "0 0 1000 60");
    el("text", {x: 20, y: 35}, svg).textContent = "This map has too many towns (" + doc.towns.length +
      ") to draw here: see map.png, fronts.png and the GIS layers in gis/.";
  }
  if (doc.views.length > 1) {
    document.getElementById("zoomwrap").hidden = false;
    maps.push(buildMap(document.getElementById("map-zoom"), doc, doc.views[1]));
  }
  const legend = document.getElementById("legend");
  for (const f of doc.factions) {
    const s = html("span", {}, legend);
    html("span", {class: "sw"}, s).style.background = f.colour;
    s.appendChild(document.createTextNode(f.name));
  }
  const extra = [["#d62728", "besieged (dashed ring)"], ["#ff7f0e", "front line"],
    ["#3b7fc4", "river crossing (dashed)"], ["#f5c400", "taken this day"], ["#b00000", "battle this day"],
    ["#555", "unit: fighters"]];
  for (const [c, t] of extra) {
    const s = html("span", {}, legend);
    const sym = html("span", {class: "sym"}, s);
    sym.style.borderBottom = "3px solid " + c;
    s.appendChild(document.createTextNode(t));
  }
  const crossingKinds = Array.from(new Set(Object.values(crossings))).sort();
  if (crossingKinds.length || doc.closed.length) {
    const entries = [];
    if (crossingKinds.length) entries.push(["open", "open crossing (" + crossingKinds.join(", ") + ")"]);
    entries.push(["closed", "closed crossing or highway"]);
    crossingLegend(legend, entries);
  }

  const unitMarks = maps.map(() => ({}));
  function triangle(size) {
    const s = size;
    return "M0," + (-s) + " L" + (0.9 * s) + "," + (0.65 * s) + " L" + (-0.9 * s) + "," + (0.65 * s) + " Z";
  }
  const free = (box, boxes) => boxes.every(b => box[2] <= b[0] || b[2] <= box[0] || box[3] <= b[1] || b[3] <= box[1]);

  function drawUnits(m, mi, day) {
    const list = (doc.units.days[day] || []);
    const seen = new Set();
    const taken = m.labelBoxes.slice();
    m.xy.forEach((p, i) => { const r = m.view.r[i]; taken.push([p[0] - r, p[1] - r, p[0] + r, p[1] + r]); });
    const [, , , , w, h] = m.view.tf;
    const stack = {};
    for (const [ui, lat, lon, fighters, order] of list) {
      const u = doc.units.list[ui];
      let [x, y] = m.P(lat, lon);
      const key = x.toFixed(0) + "," + y.toFixed(0);
      const k = stack[key] = (stack[key] || 0) + 1;
      x += (k - 1) * 9; // units in the same place side by side
      seen.add(ui);
      let mark = unitMarks[mi][ui];
      const size = 6 + Math.min(6, Math.sqrt(fighters) / 9);
      if (!mark) {
        const g = el("path", {class: "unit", fill: colour[u.faction], "data-unit": u.key}, m.gTop);
        el("title", {}, g);
        const t = el("text", {class: "unit-label", fill: colour[u.faction], "dominant-baseline": "central",
          "font-size": m.view.font - 2}, m.gTop);
        mark = unitMarks[mi][ui] = {g, t};
      }
      mark.g.setAttribute("d", triangle(size));
      mark.g.style.transform = "translate(" + x.toFixed(1) + "px," + y.toFixed(1) + "px)";
      mark.g.style.display = "";
      mark.g.firstChild.textContent = u.name + ": " + fmtNum(fighters) + " fighters, " + order;
      const label = fmtNum(fighters);
      const fs = m.view.font - 2, tw = 0.66 * fs * label.length, th = 1.1 * fs;
      taken.push([x - size, y - size, x + size, y + size * 0.65]);
      const cands = [[x + size + 2, y], [x - size - 2 - tw, y], [x - tw / 2, y + size + 8],
        [x - tw / 2, y - size - 8], [x + size + 2, y + 12], [x - size - 2 - tw, y - 12]];
      let at = cands[0];
      for (const c of cands) {
        const box = [c[0], c[1] - th / 2, c[0] + tw, c[1] + th / 2];
        if (box[0] >= 0 && box[2] <= w && box[1] >= 0 && box[3] <= h && free(box, taken)) { at = c; break; }
      }
      taken.push([at[0], at[1] - th / 2, at[0] + tw, at[1] + th / 2]);
      mark.t.textContent = doc.towns.length > 150 ? "" : label;  // big maps: on hover only
      mark.t.style.transform = "translate(" + at[0].toFixed(1) + "px," + at[1].toFixed(1) + "px)";
      mark.t.style.display = "";
    }
    for (const ui in unitMarks[mi]) {
      if (!seen.has(Number(ui))) { unitMarks[mi][ui].g.style.display = "none"; unitMarks[mi][ui].t.style.display = "none"; }
    }
  }

  let focusTown = -1;  // the town of the event last clicked, ringed on the map
  function drawDay(day) {
    const ctrl = control[day], sg = sieges[day];
    const takenToday = new Set(), battles = new Set();
    for (const i of eventsOf[day]) {
      const e = doc.events[i];
      if (e.kind === "capture") takenToday.add(townIndex[e.town]);
      if (e.kind === "battle") battles.add(townIndex[e.town]);
    }
    maps.forEach((m, mi) => {
      m.towns.forEach((c, i) => {
        const f = ctrl[i];
        c.setAttribute("fill", f >= 0 ? colour[f] : NEUTRAL);
        c.setAttribute("class", "town" + (takenToday.has(i) ? " taken" : ""));
        c.dataset.holder = f >= 0 ? doc.factions[f].id : "";
        c.dataset.besieged = sg[i] ? "1" : "0";
        c.firstChild.textContent = doc.towns[i].name + ": " + (f >= 0 ? doc.factions[f].name : "nobody") +
          (sg[i] ? ", besieged" : "") + ", population " + fmtNum(doc.towns[i].pop) +
          (doc.towns[i].objective ? " (an objective)" : "");
      });
      const shut = closedRoads[day];
      m.roads.forEach((line, k) => {
        const [u, v, , terrain] = doc.roads[k];
        const a = ctrl[u], b = ctrl[v];
        const front = a >= 0 && b >= 0 && doc.hostile[a][b];
        const crossing = terrain === "river" || String(k) in crossings;
        line.setAttribute("class", "road" + (crossing ? " crossing" : "") + (front ? " front" : "") +
          (shut[k] ? " closed" : ""));
        line.dataset.closed = shut[k] ? "1" : "0";
      });
      drawCrossingMarks(m, doc.roads, doc.roads.map((r, k) =>
        shut[k] ? "closed" : String(k) in crossings ? "open" : null), k =>
        (doc.roads[k][2] || "highway") + (crossings[String(k)] ? " (" + crossings[String(k)] + ")" : "") +
          ": " + (shut[k] ? "closed" : "open"));
      while (m.gUnder.firstChild) m.gUnder.removeChild(m.gUnder.firstChild);
      sg.forEach((b, i) => {
        if (b) el("circle", {cx: m.xy[i][0], cy: m.xy[i][1], r: m.view.r[i] + 5, class: "siege", "data-town": doc.towns[i].id}, m.gUnder);
      });
      for (const i of battles) {
        const [x, y] = m.xy[i], r = m.view.r[i] + 9;
        el("path", {d: "M" + (x - r) + "," + (y - r) + " l5,5 M" + (x + r) + "," + (y - r) + " l-5,5 M" +
          (x - r) + "," + (y + r) + " l5,-5 M" + (x + r) + "," + (y + r) + " l-5,-5", class: "battle"}, m.gUnder);
      }
      if (focusTown >= 0) {
        el("circle", {cx: m.xy[focusTown][0], cy: m.xy[focusTown][1], r: m.view.r[focusTown] + 11,
          class: "focus", "data-town": doc.towns[focusTown].id}, m.gUnder);
      }
      drawUnits(m, mi, day);
    });
    const sum = document.getElementById("day-summary");
    sum.textContent = "";
    doc.factions.forEach((f, fi) => {
      const s = html("span", {class: "fac"}, sum);
      const towns = ctrl.filter(c => c === fi).length;
      const bes = ctrl.filter((c, i) => c === fi && sg[i]).length;
      s.textContent = f.name + ": " + towns + " towns" + (bes ? " (" + bes + " besieged)" : "");
    });
  }

  // --- event log and filters
  const kinds = Array.from(new Set(doc.events.map(e => e.kind)));
  const shown = {};
  const filters = document.getElementById("filters");
  for (const k of kinds) {
    shown[k] = k !== "battle";
    const lab = html("label", {}, filters);
    const box = html("input", {type: "checkbox", "data-kind": k}, lab);
    box.checked = shown[k];
    lab.appendChild(document.createTextNode(" " + (KIND_NAMES[k] || k) + " (" + doc.events.filter(e => e.kind === k).length + ")"));
    box.addEventListener("change", () => { shown[k] = box.checked; applyFilter(); });
  }
  const log = document.getElementById("log");
  const rowsEv = doc.events.map((e, i) => {
    const row = html("div", {class: "ev " + e.kind, "data-day": e.day, "data-index": i, role: "button"}, log);
    html("span", {class: "d"}, row, doc.dates[e.day].slice(5));
    html("span", {class: "k"}, row, e.kind.replace("_", " "));
    html("span", {class: "t"}, row, e.text);
    row.addEventListener("click", () => { stop(); focusTown = e.town ? townIndex[e.town] : -1; setDay(e.day, false); });
    return row;
  });
  function applyFilter() {
    let n = 0;
    rowsEv.forEach((r, i) => { const on = shown[doc.events[i].kind]; r.hidden = !on; if (on) n++; });
    document.getElementById("log-count").textContent = "(" + n + " of " + doc.events.length + " shown)";
  }
  applyFilter();

  // --- narrative
  const nar = document.getElementById("narrative");
  for (const s of doc.narrative) {
    const p = html("p", {}, nar);
    if (s.day === null || s.day === undefined) { p.textContent = s.text; continue; }
    const a = html("a", {href: "#day-" + s.day, "data-day": s.day}, p, s.text);
    a.addEventListener("click", ev => { ev.preventDefault(); stop(); focusTown = -1; setDay(s.day, true); });
  }

  // --- charts
  const charts = document.getElementById("charts");
  const chartDefs = [["towns", "towns held", "towns"], ["population", "population held", "people"],
    ["fighters", "fighters (units + garrisons)", "fighters"]];
  const chartObjs = chartDefs.map(([key, title, unit]) => lineChart(charts, title,
    doc.factions.map((f, i) => ({colour: f.colour, values: doc.series[key][i], short: f.id})), doc.dates, unit));

  // --- the timeline
  const slider = document.getElementById("day");
  slider.max = nDays;
  steadyWidth(document.getElementById("date-label"), doc.dates.map((_, d) => dayLabel(doc.dates, d)));
  const jump = document.getElementById("jump");
  jump.min = doc.dates[0]; jump.max = doc.dates[nDays];
  let current = -1;
  function setDay(d, scrollLog) {
    d = Math.max(0, Math.min(nDays, d | 0));
    current = d;
    slider.value = d;
    jump.value = doc.dates[d];
    document.getElementById("date-label").textContent = dayLabel(doc.dates, d);
    document.body.dataset.day = d;
    drawDay(d);
    chartObjs.forEach(c => c.setDay(d));
    let last = null;
    rowsEv.forEach((r, i) => {
      const ed = doc.events[i].day;
      r.classList.toggle("today", ed === d);
      r.classList.toggle("future", ed > d);
      if (ed <= d && !r.hidden) last = r;
    });
    if (scrollLog && last) log.scrollTop = Math.max(0, last.offsetTop - log.offsetTop - log.clientHeight / 2);
  }
  slider.addEventListener("input", () => { focusTown = -1; setDay(Number(slider.value), true); });
  jump.addEventListener("change", () => {
    if (!jump.value) return;
    const i = doc.dates.indexOf(jump.value);
    if (i >= 0) { stop(); focusTown = -1; setDay(i, true); }
  });
  let timer = null;
  const play = document.getElementById("play");
  // body[data-playing]: "0" once the timer is cleared (no frame can come after it)
  function stop() { if (timer) clearInterval(timer); timer = null; play.innerHTML = "&#9654; play"; document.body.dataset.playing = "0"; }
  function start() {
    if (current >= nDays) setDay(0, true);
    play.innerHTML = "&#10074;&#10074; pause";
    document.body.dataset.playing = "1";
    timer = setInterval(() => { if (current >= nDays) stop(); else setDay(current + 1, true); },
      Number(document.getElementById("speed").value));
  }
  play.addEventListener("click", () => (timer ? stop() : start()));
  document.getElementById("prev").addEventListener("click", () => { stop(); setDay(current - 1, true); });
  document.getElementById("next").addEventListener("click", () => { stop(); setDay(current + 1, true); });
  document.addEventListener("keydown", ev => {
    if (["INPUT", "SELECT", "BUTTON"].includes(ev.target.tagName)) return;
    if (ev.key === "ArrowRight") { stop(); setDay(current + 1, true); ev.preventDefault(); }
    if (ev.key === "ArrowLeft") { stop(); setDay(current - 1, true); ev.preventDefault(); }
    if (ev.key === " ") { timer ? stop() : start(); ev.preventDefault(); }
  });
  const fromHash = /^#day-(\d+)$/.exec(location.hash);
  setDay(fromHash ? Number(fromHash[1]) : 0, false);
  document.body.dataset.ready = "1";
})();
