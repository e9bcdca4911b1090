// Odin devices over the SignalR JSON protocol with k6/websockets: each virtual user is one device that
// connects (skip-negotiation), subscribes to its drives and counts and times every notification.
//
//   k6 run -e HUB=http://127.0.0.1:8080/hubs/device -e TOKENS=tokens.json loadtests/k6/devices.js
//
// TOKENS is a JSON file: [{ "token": "...", "drives": ["<driveId>", ...] }, ...], one entry per device, each token
// from the device-token endpoint (docs/api.md). Presence events (deviceConnected/deviceDisconnected: seq 0, live
// only) are counted apart from drive notifications, and only drive notifications are checked for order.
import { check } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { handshake, invocation, MessageType, parse, webSocketUrl } from './signalr.js';

const hub = __ENV.HUB || 'http://127.0.0.1:8080/hubs/device';
const holdSeconds = Number(__ENV.HOLD_SECONDS || 60);

/** @type {Array<{token: string, drives: string[]}>} */
const devices = new SharedArray('devices', () => JSON.parse(open(__ENV.TOKENS || 'tokens.json')));

const notifications = new Counter('odin_notifications');
const presence = new Counter('odin_presence_events');
const outOfOrder = new Counter('odin_out_of_order');
const latency = new Trend('odin_publish_to_device_ms', true);
const subscribeRejected = new Counter('odin_subscribe_rejected');

export const options = {
  scenarios: {
    devices: { executor: 'per-vu-iterations', vus: Number(__ENV.DEVICES || 100), iterations: 1, maxDuration: `${holdSeconds + 60}s` },
  },
  thresholds: {
    odin_publish_to_device_ms: ['p(99)<1000'],
    odin_out_of_order: ['count==0'],
    odin_subscribe_rejected: ['count==0'],
    checks: ['rate>0.99'],
  },
};

export default function () {
  const device = devices[(exec.vu.idInTest - 1) % devices.length];
  const socket = new WebSocket(webSocketUrl(hub, device.token));
  let lastSeq = 0;

  socket.onopen = () => {
    socket.send(handshake());
    socket.send(invocation('1', 'Subscribe', [{ driveIds: device.drives }]));
  };

  socket.onmessage = (event) => {
    if (!event || typeof event.data !== 'string') {
      return;
    }
    for (const message of parse(event.data)) {
      if (message.type === MessageType.Completion && message.invocationId === '1') {
        check(message, { 'subscribed': (m) => !m.error && m.result.rejected.length === 0 });
        if (message.result && message.result.rejected.length > 0) {
          subscribeRejected.add(message.result.rejected.length);
        }
      } else if (message.type === MessageType.Invocation && message.target === 'Notification' && message.arguments) {
        const envelope = message.arguments[0];
        if (envelope.seq === 0) {
          presence.add(1); // live only, outside the seq order
          continue;
        }
        notifications.add(1);
        latency.add(Date.now() - envelope.at);
        if (envelope.seq <= lastSeq) {
          outOfOrder.add(1);
        }
        lastSeq = envelope.seq;
      } else if (message.type === MessageType.Close) {
        check(message, { 'not closed by the server': () => false });
      }
    }
  };

  socket.onerror = (event) => {
    check(event, { 'no socket error': () => false });
  };

  // Hold the connection, then leave cleanly.
  setTimeout(() => socket.close(), holdSeconds * 1000);
}
