// A device app built on the TypeScript SDK (src/odin-client-js), run by the cluster tests (tests/Odin.Testing/JsDevice.cs):
// one JSON line per event on stdout, log lines on stderr, a clean stop when stdin ends.
//
// Needs the SDK built first: (cd src/odin-client-js && npm ci && npm run build). It is imported from its
// build output, so @microsoft/signalr resolves from src/odin-client-js/node_modules.
//
// Usage: node device.mjs <serverUrl> <domain> <deviceId> <deviceSecret> <driveId> [hubUrl]
//   serverUrl  where REST calls go (e.g. http://127.0.0.1:8080), with the Host header set to <domain>
//   driveId    "-" (or "") subscribes to no drive: identity-wide events only
//   hubUrl     the hub to connect to; default: the hubUrl the token endpoint answers
// Environment: ODIN_PROTOCOL=messagepack for MessagePack; ODIN_LOG=debug for the SDK's debug lines on stderr;
// ODIN_POSITION_FILE=path keeps the device's position in that file, so a device started again resumes from it.
import { readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { OdinDevice } from "../../src/odin-client-js/dist/index.js";

const [serverUrl, domain, deviceId, deviceSecret, driveId, hubUrl] = process.argv.slice(2);
if (!serverUrl || !domain || !deviceId || !deviceSecret || driveId === undefined) {
  process.stderr.write("usage: node device.mjs <serverUrl> <domain> <deviceId> <deviceSecret> <driveId> [hubUrl]\n");
  process.exit(2);
}

const say = (event) => process.stdout.write(JSON.stringify(event) + "\n");
const debug = process.env.ODIN_LOG === "debug";

/**
 * A fetch that sends the Host header it is given (Node's own fetch drops it): REST calls go to serverUrl,
 * and Odin picks the identity by Host. Enough of fetch for the SDK: method, headers, string body, signal.
 */
function hostFetch(defaultHost) {
  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const url = new URL(typeof input === "string" ? input : input.url);
      const headers = Object.fromEntries(new Headers(init.headers ?? {}).entries());
      headers.host ??= defaultHost;
      const body = init.body === undefined || init.body === null ? undefined : Buffer.from(String(init.body));
      if (body) headers["content-length"] = String(body.length);
      const signal = init.signal;
      if (signal?.aborted) {
        reject(new DOMException("The operation was aborted.", "AbortError"));
        return;
      }

      const request = (url.protocol === "https:" ? https : http).request(
        url,
        { method: init.method ?? "GET", headers, servername: domain },
        (response) => {
          const chunks = [];
          response.on("data", (chunk) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            signal?.removeEventListener("abort", onAbort);
            const status = response.statusCode ?? 0;
            const noBody = status === 204 || status === 205 || status === 304;
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(", ") : value);
            }
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: response.statusMessage, headers: responseHeaders }));
          });
        },
      );
      const onAbort = () => request.destroy(new DOMException("The operation was aborted.", "AbortError"));
      signal?.addEventListener("abort", onAbort, { once: true });
      request.on("error", (error) => {
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      });
      request.end(body);
    });
}

/** The position in a JSON file, as an app that outlives its process keeps it. */
const positionFile = process.env.ODIN_POSITION_FILE;
const filePositionStore = positionFile && {
  load: async () => {
    try {
      return JSON.parse(await readFile(positionFile, "utf8"));
    } catch (error) {
      if (error.code === "ENOENT") return null;
      throw error;
    }
  },
  save: (position) => writeFile(positionFile, JSON.stringify(position)),
};

const device = new OdinDevice({
  domain,
  deviceId,
  deviceSecret,
  drives: driveId && driveId !== "-" ? [driveId] : [],
  serverUrl,
  hubUrl: hubUrl || undefined,
  protocol: process.env.ODIN_PROTOCOL === "messagepack" ? "messagepack" : "json",
  reconnectJitterMs: 1000,
  ...(filePositionStore ? { positionStore: filePositionStore } : {}),
  fetch: hostFetch(domain),
  logger: (level, message) => {
    if (debug || level !== "debug") process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
  },
});

device.onNotification(({ envelope, fromChanges }) => {
  say({ event: "notification", seq: envelope.seq, type: envelope.type, tenantId: envelope.tenantId, driveId: envelope.driveId ?? null, fileId: envelope.fileId ?? null, fromChanges });
});
device.onPresence((envelope) => say({ event: "presence", type: envelope.type }));
device.onStateChanged((state) => say({ event: "state", state }));
device.onStopped((reason) => say({ event: "stopped", kind: reason.kind, message: reason.message }));

let stdinEnded = false;
process.stdin.on("end", async () => {
  stdinEnded = true;
  await device.stop();
  process.exit(0);
});
process.stdin.resume();

try {
  await device.start();
  say({ event: "live", position: device.position });
} catch (error) {
  // A terminal refusal (or stop() first): the "stopped" line says which. Keep running until stdin ends.
  if (!stdinEnded) say({ event: "start-failed", message: error instanceof Error ? error.message : String(error) });
}
