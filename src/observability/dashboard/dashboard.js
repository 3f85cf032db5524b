// The live dashboard's page logic: follows the coordinator's event stream (/api/stream) and draws
// the cluster with the DOM for the few nodes and with one canvas for the many partitions (1024
// partitions are 1024 rectangles on one canvas, redrawn only when placement or liveness changes,
// not 1024 elements). Charts are SVG polylines drawn here: nothing is fetched from elsewhere.

import { bytes, duration } from "./units.js";

const SERIES_SECONDS = 300;
/** No message for this long (the server sends one a second): say the view is stale. */
const STALE_MS = 4000;
const NODE_COLORS = ["#58a6ff", "#d2a8ff", "#7ee787", "#ffa657", "#ff7b72", "#79c0ff", "#f2cc60", "#a5d6ff", "#56d4dd", "#e3b341"];
/** By the partition conditions the server sends: 0 full, 1 under-replicated, 2 unwritable, 3 unavailable. */
const CONDITION_COLORS = ["#3fb950", "#d29922", "#db6d28", "#f85149"];
const CONDITION_NAMES = ["fully replicated", "fewer live replicas", "cannot take writes", "no live replica"];
const EMPTY_COLOR = "#2a3540";

const state = { status: null, partitions: null, problems: [], series: [], lastMessageMs: 0 };
let drawScheduled = false;
const dirty = new Set();

const $ = (id) => document.getElementById(id);

function connect() {
  const stream = new EventSource("/api/stream");
  stream.addEventListener("hello", (event) => {
    const data = JSON.parse(event.data);
    state.series = data.series ?? [];
    merge(data);
    markLive("live");
    schedule("status", "partitions", "problems", "series");
  });
  stream.addEventListener("update", (event) => {
    const data = JSON.parse(event.data);
    if (data.point) {
      state.series.push(data.point);
      if (state.series.length > SERIES_SECONDS) state.series.splice(0, state.series.length - SERIES_SECONDS);
      schedule("series");
    }
    merge(data);
    markLive("live");
  });
  // EventSource reconnects by itself (the server asks for a retry after 1 s).
  stream.onerror = () => markLive("reconnecting");
}

function merge(data) {
  state.lastMessageMs = Date.now();
  if (data.status) {
    state.status = data.status;
    schedule("status", "partitions");
  }
  if (data.partitions) {
    state.partitions = data.partitions;
    schedule("partitions");
  }
  if (data.problems) {
    state.problems = data.problems;
    schedule("problems");
  }
}

function markLive(live) {
  const element = $("live");
  element.dataset.live = live;
  element.textContent = { live: "live", reconnecting: "reconnecting…", stale: "no news from the coordinator" }[live] ?? live;
}

setInterval(() => {
  if (state.lastMessageMs > 0 && Date.now() - state.lastMessageMs > STALE_MS && $("live").dataset.live === "live") markLive("stale");
}, 1000);

function schedule(...parts) {
  for (const part of parts) dirty.add(part);
  if (drawScheduled) return;
  drawScheduled = true;
  requestAnimationFrame(() => {
    drawScheduled = false;
    if (dirty.has("status")) drawStatus();
    if (dirty.has("partitions")) drawPartitions();
    if (dirty.has("series")) drawCharts();
    if (dirty.has("problems")) drawProblems();
    dirty.clear();
  });
}

// ------------------------------------------------------------------ status and nodes

function drawStatus() {
  const status = state.status;
  if (!status) return;
  const badge = $("health");
  badge.dataset.health = status.health;
  badge.textContent = status.health;
  $("coordinator").textContent = `coordinator ${status.coordinator.address} · epoch ${status.epoch} · `
    + `${status.placement.replicas} replicas · ${status.placement.partitions} partitions · v${status.coordinator.version} · up ${duration(status.coordinator.uptimeSeconds)}`;
  $("reasons").hidden = status.reasons.length === 0;
  fillList($("reason-list"), status.reasons);
  fillList($("action-list"), status.actions);
  drawNodes(status.nodes);
  drawMoves(status);
}

function fillList(list, items) {
  list.replaceChildren(...items.map((item) => element("li", {}, item)));
}

function drawNodes(nodes) {
  const body = $("nodes").tBodies[0];
  $("nodes-empty").hidden = nodes.length > 0;
  const rows = new Map([...body.rows].map((row) => [row.dataset.node, row]));
  const wanted = nodes.map((node, index) => {
    const row = rows.get(node.id) ?? element("tr", { "data-node": node.id });
    row.dataset.state = node.state;
    const cells = [
      [swatch(NODE_COLORS[index % NODE_COLORS.length]), node.id],
      [element("span", { class: "state", "data-state": node.state }, node.state)],
      [node.role],
      [node.address],
      [`${node.ownsPercent.toFixed(1)}%`, "num"],
      [String(node.primaryPartitions), "num"],
      [orDash(node.keys, (keys) => keys.toLocaleString()), "num"],
      [orDash(node.dataBytes, bytes), "num"],
      [node.learningPartitions > 0 ? `${node.inSyncPartitions} (+${node.learningPartitions} learning)` : String(node.inSyncPartitions), "num"],
      [orDash(node.version, String)],
      [orDash(node.uptimeSeconds, duration), "num"],
    ];
    row.replaceChildren(...cells.map((cell) => {
      const last = cell[cell.length - 1];
      const numeric = cell.length > 1 && last === "num";
      return element("td", numeric ? { class: "num" } : {}, ...(numeric ? cell.slice(0, -1) : cell));
    }));
    return row;
  });
  body.replaceChildren(...wanted);
}

function drawMoves(status) {
  const container = $("moves");
  const items = [];
  const move = status.move;
  if (move) {
    const what = [move.joining.length > 0 ? `adding ${move.joining.join(", ")}` : "", move.leaving.length > 0 ? `removing ${move.leaving.join(", ")}` : ""]
      .filter((part) => part !== "").join(" and ") || "rebalancing";
    const copied = `${move.keysCopied.toLocaleString()} keys (${bytes(move.bytesCopied)}) copied`;
    const figures = move.state === "cleanup"
      ? `new replicas in sync; switching the ring${move.cleanup.length > 0 ? `, dropping moved data on ${move.cleanup.join(", ")}` : ""} — ${copied}`
      : `${move.partitionsDone} of ${move.partitions} partitions in sync — ${copied}`;
    items.push(progressLine(`Membership change: ${what} — ${figures}`, move.partitionsDone, move.partitions));
  }
  for (const catchUp of status.catchUps) {
    const figures = `${catchUp.streamedPartitions} of ${catchUp.partitions} partitions streamed, ${catchUp.keys.toLocaleString()} keys, ${bytes(catchUp.bytes)}`;
    items.push(progressLine(`${catchUp.node} catching up — ${figures}`, catchUp.streamedPartitions, catchUp.partitions));
  }
  container.replaceChildren(...(items.length > 0 ? items : [element("p", { class: "muted" }, "None in progress.")]));
}

function progressLine(label, done, total) {
  // Without a total the bar runs without a value (indeterminate).
  const bar = element("progress", total ? { max: String(total), value: String(done) } : {});
  return element("div", { class: "move" }, label, bar);
}

// ------------------------------------------------------------------ ring and partitions

function drawPartitions() {
  const table = state.partitions;
  const status = state.status;
  if (!table || !status) return;
  // Partitions with a replica catching up (a move's new replica, or a returning node) are outlined.
  const moving = new Set(table.learners.flatMap((learners, partition) => (learners.length > 0 ? [partition] : [])));
  const colorOf = (partition) => (table.replicas[partition].length === 0 ? EMPTY_COLOR : CONDITION_COLORS[table.conditions[partition]]);
  const count = table.replicas.length;
  const s = status.partitions;
  $("partition-summary").textContent = `· ${s.underReplicated} under-replicated, ${s.unavailable} unavailable of ${s.total}`;

  // The grid: one cell per partition.
  const grid = $("partitions");
  const columns = Math.ceil(Math.sqrt(count));
  const cell = Math.max(2, Math.floor(320 / columns));
  grid.width = columns * cell;
  grid.height = Math.ceil(count / columns) * cell;
  const context = grid.getContext("2d");
  context.clearRect(0, 0, grid.width, grid.height);
  for (let partition = 0; partition < count; partition++) {
    const x = (partition % columns) * cell;
    const y = Math.floor(partition / columns) * cell;
    context.fillStyle = colorOf(partition);
    context.fillRect(x, y, cell - 1, cell - 1);
    if (moving.has(partition)) {
      context.strokeStyle = "#58a6ff";
      context.strokeRect(x + 0.5, y + 0.5, cell - 2, cell - 2);
    }
  }
  grid.dataset.partitions = String(count);
  grid.onmousemove = (event) => {
    const bounds = grid.getBoundingClientRect();
    const column = Math.floor(((event.clientX - bounds.left) * grid.width) / bounds.width / cell);
    const row = Math.floor(((event.clientY - bounds.top) * grid.height) / bounds.height / cell);
    const partition = row * columns + column;
    if (column >= 0 && column < columns && partition >= 0 && partition < count) showPartition(partition);
  };

  // The ring: each partition's arc in its primary's colour; inside, its health.
  const ring = $("ring");
  const ringContext = ring.getContext("2d");
  const center = ring.width / 2;
  ringContext.clearRect(0, 0, ring.width, ring.height);
  for (let partition = 0; partition < count; partition++) {
    const start = (partition / count) * 2 * Math.PI - Math.PI / 2;
    const end = ((partition + 1) / count) * 2 * Math.PI - Math.PI / 2;
    const primary = table.replicas[partition][0];
    arc(ringContext, center, center - 4, 22, start, end, primary === undefined ? EMPTY_COLOR : NODE_COLORS[primary % NODE_COLORS.length]);
    arc(ringContext, center, center - 30, 8, start, end, colorOf(partition));
  }
  ringContext.fillStyle = "#8b98a5";
  ringContext.font = "12px system-ui";
  ringContext.textAlign = "center";
  ringContext.fillText(`${count} partitions`, center, center + 4);

  const legend = $("legend");
  legend.replaceChildren(...CONDITION_NAMES.map((name, condition) => {
    const count = table.conditions.filter((c) => c === condition).length;
    return element("span", { "data-condition": String(condition) }, swatch(CONDITION_COLORS[condition]), `${name}: ${count}`);
  }));
}

function arc(context, center, outer, width, start, end, color) {
  context.beginPath();
  context.arc(center, center, outer, start, end);
  context.arc(center, center, outer - width, end, start, true);
  context.closePath();
  context.fillStyle = color;
  context.fill();
}

function showPartition(partition) {
  const table = state.partitions;
  const nodes = state.status.nodes;
  const inSync = new Set(table.inSync[partition]);
  const replicas = table.replicas[partition].map((index, rank) => {
    const node = nodes[index];
    const role = rank === 0 ? "primary" : `replica ${rank}`;
    const sync = inSync.has(index) ? ", in sync" : ", NOT in sync";
    return node ? `${node.id} (${role}, ${node.state}${sync})` : `? (${role})`;
  });
  const learners = table.learners[partition].map((index) => nodes[index]?.id ?? "?");
  const learning = learners.length > 0 ? `; catching up: ${learners.join(", ")}` : "";
  $("partition-info").textContent = `partition ${partition} (${CONDITION_NAMES[table.conditions[partition]]}): ${replicas.join(", ") || "no replicas"}${learning}`;
}

// ------------------------------------------------------------------ charts

function drawCharts() {
  const points = state.series;
  drawChart($("throughput"), $("throughput-legend"), points, [
    ["reads", "#58a6ff", (p) => p.reads],
    ["writes", "#7ee787", (p) => p.writes],
    ["other", "#8b98a5", (p) => p.other],
    ["errors", "#f85149", (p) => p.errors],
  ], "/s");
  drawChart($("latency"), $("latency-legend"), points, [
    ["read p50", "#79c0ff", (p) => p.readP50],
    ["read p99", "#58a6ff", (p) => p.readP99],
    ["write p50", "#a5e8a0", (p) => p.writeP50],
    ["write p99", "#3fb950", (p) => p.writeP99],
  ], " ms");
}

function drawChart(svg, legend, points, lines, unit) {
  const width = 480;
  const height = 160;
  const top = 10;
  const bottom = 16;
  const now = points.length > 0 ? points[points.length - 1].t : Date.now();
  const from = now - SERIES_SECONDS * 1000;
  let max = 0;
  for (const point of points) for (const [, , value] of lines) max = Math.max(max, value(point) ?? 0);
  max = niceCeiling(max);
  const x = (t) => ((t - from) / (SERIES_SECONDS * 1000)) * width;
  const y = (value) => top + (1 - value / max) * (height - top - bottom);
  const children = [];
  for (const fraction of [0, 0.5, 1]) {
    const value = max * fraction;
    children.push(svgElement("line", { class: "grid", x1: 0, x2: width, y1: y(value), y2: y(value) }));
    children.push(svgElement("text", { x: 2, y: y(value) - 2 }, `${formatNumber(value)}${unit}`));
  }
  children.push(svgElement("text", { x: width - 2, y: height - 3, "text-anchor": "end" }, "now"));
  children.push(svgElement("text", { x: 2, y: height - 3 }, "−5 min"));
  for (const [, color, value] of lines) {
    // A second without such commands breaks the line rather than drawing a zero latency.
    let run = [];
    const flush = () => {
      if (run.length > 0) children.push(svgElement("polyline", { stroke: color, points: run.join(" ") }));
      run = [];
    };
    for (const point of points) {
      const v = value(point);
      if (v === null || v === undefined) flush();
      else run.push(`${x(point.t).toFixed(1)},${y(v).toFixed(1)}`);
    }
    flush();
  }
  svg.replaceChildren(...children);
  const last = points[points.length - 1];
  legend.replaceChildren(...lines.map(([name, color, value]) => {
    const current = last ? value(last) : null;
    return element("span", {}, swatch(color),
      `${name} ${current === null || current === undefined ? "–" : formatNumber(current) + unit}`);
  }));
}

function niceCeiling(value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

// ------------------------------------------------------------------ problems

function drawProblems() {
  const list = $("problems");
  if (state.problems.length === 0) {
    list.replaceChildren(element("li", { class: "muted" }, "None so far."));
    return;
  }
  list.replaceChildren(...state.problems.map((problem) => element("li", {},
    element("span", { class: "when" }, new Date(problem.lastAtMs).toLocaleTimeString()),
    element("span", { class: "level", "data-level": problem.level }, problem.level),
    problem.message,
    problem.count > 1 ? element("span", { class: "muted" }, ` ×${problem.count}`) : "",
  )));
}

// ------------------------------------------------------------------ helpers

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A colour square; coloured through the CSSOM, which the page's CSP allows (style attributes it does not). */
function swatch(color) {
  const node = element("span", { class: "swatch" });
  node.style.background = color;
  return node;
}

function svgElement(tag, attributes, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function orDash(value, format) {
  return value === null || value === undefined ? "–" : format(value);
}

function formatNumber(value) {
  if (value >= 100) return Math.round(value).toLocaleString();
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(value === 0 ? 0 : 2);
}

connect();
