// The cluster dashboard: asks for the admin key once (kept for this tab only), then reads /api/v1/admin/cluster every
// few seconds and draws it. Rates come from the difference of two reports of the same instance.
"use strict";

const RefreshMs = 3000;
const $ = (id) => document.getElementById(id);
let previous = new Map(); // instance -> its last report, for rates

function key() {
  return sessionStorage.getItem("odin-admin-key");
}

function showLogin(message) {
  $("cluster").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("odin-admin-key", $("key").value);
  $("login").hidden = true;
  refresh();
});

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(cells, instance) {
  const tr = document.createElement("tr");
  tr.dataset.instance = instance;
  cells.forEach((c) => tr.appendChild(c));
  return tr;
}

function rate(report, figure) {
  const before = previous.get(report.instance);
  if (!before || before.figures[figure] === undefined) return 0;
  const seconds = (Date.parse(report.reportedAt) - Date.parse(before.reportedAt)) / 1000;
  return seconds > 0 ? Math.max(0, (report.figures[figure] - before.figures[figure]) / seconds) : 0;
}

const ms = (seconds) => (seconds === undefined ? "–" : `${(seconds * 1000).toFixed(1)} ms`);
const checks = (report) => Object.entries(report.status).map(([name, state]) => `${name}: ${state}`).join("; ");
const ready = (report) => cell(report.ready ? "ready" : "not ready", report.ready ? "ok" : "bad");

function draw(cluster) {
  const gateways = cluster.instances.filter((r) => r.kind === "odin-gateway" || r.figures.devices !== undefined);
  const hosting = cluster.instances.filter((r) => r.kind === "odin-hosting");
  const gatewayRows = gateways.map((r) => {
    const f = r.figures;
    const refused = Object.keys(f).filter((k) => k.startsWith("refused.") && f[k] > 0).map((k) => `${k.slice(8)} ${f[k]}`).join(", ");
    return row([
      cell(r.instance), cell(r.version), ready(r), cell(String(f.devices ?? 0)), cell(String(f.identities ?? 0)),
      cell(rate(r, "delivered").toFixed(1)), cell(String(f.delivered ?? 0)), cell(`${ms(f.latencyP50)} / ${ms(f.latencyP99)}`),
      cell(String(f.slowConsumers ?? 0), f.slowConsumers > 0 ? "bad" : ""), cell(String(f.resyncs ?? 0)), cell(refused || "none"),
      cell(checks(r)),
    ], r.instance);
  });
  const hostingRows = hosting.map((r) => {
    const f = r.figures;
    return row([
      cell(r.instance), cell(r.version), ready(r), cell(f.leader ? `yes (${f.term})` : "no", f.leader ? "ok" : ""),
      cell(String(f.outboxDepth ?? 0)), cell(`${(f.outboxOldestSeconds ?? 0).toFixed(1)} s`, f.outboxOldestSeconds > 30 ? "bad" : ""),
      cell(String(f.shardsHeld ?? 0)), cell(checks(r)),
    ], r.instance);
  });
  $("gateways").replaceChildren(...gatewayRows);
  $("hosting").replaceChildren(...hostingRows);
  // Each instance's latest events (slow-consumer closes), newest first across the cluster.
  const events = cluster.instances
    .flatMap((r) => (r.events ?? []).map((e) => ({ ...e, instance: r.instance })))
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, 20)
    .map((e) => row([cell(new Date(e.at).toLocaleTimeString()), cell(e.instance), cell(e.kind, "bad"), cell(e.detail)], e.instance));
  $("events").replaceChildren(...(events.length ? events : [row([cell("none in the last reports"), cell(""), cell(""), cell("")], "")]));

  const leaders = hosting.filter((r) => r.figures.leader);
  $("hosting-count").textContent = String(hosting.length);
  $("gateway-count").textContent = String(gateways.length);
  $("device-count").textContent = String(gateways.reduce((sum, r) => sum + (r.figures.devices ?? 0), 0));
  $("delivery-rate").textContent = gateways.reduce((sum, r) => sum + rate(r, "delivered"), 0).toFixed(1);
  $("leader").textContent = leaders.length === 1 ? `${leaders[0].instance} (term ${leaders[0].figures.term})` : leaders.length === 0 ? "none" : "several";
  $("leader").className = leaders.length === 1 ? "" : "bad";
  const depth = hosting.length ? Math.max(...hosting.map((r) => r.figures.outboxDepth ?? 0)) : 0;
  const oldest = hosting.length ? Math.max(...hosting.map((r) => r.figures.outboxOldestSeconds ?? 0)) : 0;
  $("outbox").textContent = `${depth} waiting, oldest ${oldest.toFixed(1)} s`;
  $("updated").textContent = `updated ${new Date(cluster.at).toLocaleTimeString()}`;
  previous = new Map(cluster.instances.map((r) => [r.instance, r]));
}

async function refresh() {
  if (!key()) {
    showLogin();
    return;
  }

  try {
    const response = await fetch("/api/v1/admin/cluster", { headers: { Authorization: `Bearer ${key()}` }, cache: "no-store" });
    if (response.status === 401 || response.status === 403) {
      sessionStorage.removeItem("odin-admin-key");
      showLogin("That key was refused.");
      return;
    }

    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    $("cluster").hidden = false;
    draw(await response.json());
  } catch (error) {
    $("updated").textContent = `not updated: ${error.message}`;
  }

  setTimeout(refresh, RefreshMs);
}

refresh();
