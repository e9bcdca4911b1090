// A small app on @odin/client: starts a device, prints the seq of each notification on its own line, and
// stops after the given number of seconds.
//
//   node dist/main.js <serverUrl> <domain> <deviceId> <deviceSecret> <driveId> <seconds> [hubUrl]
//
// Any argument left out (or given as "") is read from ODIN_SERVER_URL, ODIN_DOMAIN, ODIN_DEVICE_ID,
// ODIN_DEVICE_SECRET, ODIN_DRIVE_ID, ODIN_SECONDS, ODIN_HUB_URL. Log lines go to stderr.
import http from "node:http";
import https from "node:https";
import { OdinDevice, OdinRefusedError, type StopReason } from "@odin/client";

const names = ["ODIN_SERVER_URL", "ODIN_DOMAIN", "ODIN_DEVICE_ID", "ODIN_DEVICE_SECRET", "ODIN_DRIVE_ID", "ODIN_SECONDS", "ODIN_HUB_URL"];
const [serverUrl, domain, deviceId, deviceSecret, driveId, secondsText, hubUrl] = names.map(
  (name, i) => process.argv[2 + i] || process.env[name] || "",
);
if (!serverUrl || !domain || !deviceId || !deviceSecret || !driveId || !secondsText) {
  console.error("usage: node dist/main.js <serverUrl> <domain> <deviceId> <deviceSecret> <driveId> <seconds> [hubUrl] (or the ODIN_* variables)");
  process.exit(2);
}

const seconds = Number(secondsText);

/**
 * Node's fetch does not send a Host header it is given, and Odin picks the identity by Host: when the
 * server is reached by another name (an IP address, a load balancer) the app passes a fetch that does.
 */
function hostFetch(host: string): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers: Record<string, string> = { host };
      new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
      const body = init?.body == null ? undefined : Buffer.from(String(init.body));
      if (body) headers["content-length"] = String(body.length);
      const request = (url.protocol === "https:" ? https : http).request(url, { method: init?.method ?? "GET", headers, signal: init?.signal ?? undefined }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(", ") : value);
          }
          resolve(new Response([204, 205, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      });
      request.on("error", reject);
      request.end(body);
    });
}

const sameHost = new URL(serverUrl).hostname.toLowerCase() === domain.toLowerCase();
const device = new OdinDevice({
  domain,
  deviceId,
  deviceSecret,
  drives: [driveId],
  serverUrl,
  hubUrl: hubUrl || undefined,
  fetch: sameHost ? undefined : hostFetch(domain),
  logger: (level, message) => {
    if (level !== "debug") console.error(`${level}: ${message}`);
  },
});

device.onNotification(({ envelope }) => {
  console.log(envelope.seq);
});
device.onStateChanged((state) => console.error(`state: ${state}`));
device.onStopped((reason: StopReason) => console.error(`stopped (${reason.kind}): ${reason.message}`));

const timer = setTimeout(async () => {
  await device.stop();
  process.exit(0);
}, seconds * 1000);

try {
  await device.start();
  console.error(`live at seq ${device.position?.seq} for ${seconds} s`);
} catch (error) {
  clearTimeout(timer);
  console.error(error instanceof OdinRefusedError ? `refused (${error.kind}): ${error.message}` : String(error));
  process.exit(1);
}
