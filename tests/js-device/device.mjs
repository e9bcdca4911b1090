// A device written the way an app developer would, with the official @microsoft/signalr client: it subscribes
// to one drive, keeps the history epoch and the last seq it processed, drops repeats, resumes after every
// reconnect (automatic, or after the server closed it) and re-reads nothing itself: it reports a Resync.
// One JSON line per event on stdout, for the test that runs it. Usage: node device.mjs <hubUrl> <token> <driveId>
import * as signalR from "@microsoft/signalr";

const [hubUrl, token, driveId] = process.argv.slice(2);
const say = (event) => process.stdout.write(JSON.stringify(event) + "\n");
let lastSeq = 0;
let epoch = null;
let stopping = false;

const connection = new signalR.HubConnectionBuilder()
  .withUrl(hubUrl, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true, accessTokenFactory: () => token })
  .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => Math.min(2000, [0, 200, 500, 1000][context.previousRetryCount] ?? 2000) })
  .configureLogging(signalR.LogLevel.None)
  .build();

connection.on("Notification", (n) => {
  if (n.seq === 0) {
    say({ event: "presence", type: n.type });
  } else if (n.seq > lastSeq) {
    lastSeq = n.seq;
    say({ event: "notification", seq: n.seq, tenantId: n.tenantId, driveId: n.driveId });
  }
});
connection.on("Resync", (reason) => say({ event: "resync", reason }));
connection.on("Reconnect", (reason) => say({ event: "reconnect-requested", reason }));

async function subscribe(resume) {
  const request = resume ? { driveIds: [driveId], resumeFrom: lastSeq, epoch } : { driveIds: [driveId] };
  const result = await connection.invoke("Subscribe", request);
  epoch = result.epoch;
  if (!resume) lastSeq = Math.max(lastSeq, result.lastSeq);
  say({ event: resume ? "resumed" : "subscribed", recovered: result.recovered, lastSeq: result.lastSeq });
}

connection.onreconnected(() => subscribe(true).catch((e) => say({ event: "error", message: String(e) })));
connection.onclose(async () => {
  // Closed by the server (a draining gateway) or out of retries: come back, as an app does.
  while (!stopping) {
    try {
      await new Promise((r) => setTimeout(r, 200));
      await connection.start();
      await subscribe(true);
      return;
    } catch (e) {
      say({ event: "retry", message: String(e) });
    }
  }
});

process.stdin.on("end", async () => {
  stopping = true;
  await connection.stop();
  process.exit(0);
});
process.stdin.resume();

await connection.start();
await subscribe(false);
