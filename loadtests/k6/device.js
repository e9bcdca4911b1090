// One Odin device over the SignalR JSON protocol with k6's websockets: it connects (skip-negotiation), subscribes
// to its drives, and counts and times every notification. Presence events (deviceConnected/deviceDisconnected:
// seq 0, live only) are counted apart from drive notifications, and only drive notifications are checked for
// order and repeats. Used by devices.js (devices alone) and scenario.js (devices and writers together).
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/experimental/timers';
import { WebSocket } from 'k6/experimental/websockets';
import { handshake, invocation, MessageType, parse, webSocketUrl } from './signalr.js';

export const metrics = {
  notifications: new Counter('odin_notifications'),
  presence: new Counter('odin_presence_events'),
  outOfOrder: new Counter('odin_out_of_order'),
  repeated: new Counter('odin_repeated'),
  latency: new Trend('odin_publish_to_device_ms', true),
  subscribeRejected: new Counter('odin_subscribe_rejected'),
  closedByServer: new Counter('odin_closed_by_server'),
};

/**
 * What one device saw: its cursor when it subscribed (the identity's newest seq then) and each drive notification's
 * file id after it. A notification at or before that cursor may still arrive just after Subscribe (the device hears
 * the identity from before the head is read, so none is lost between the two); it is covered by the cursor and
 * is neither a repeat nor a step back.
 * @typedef {{ subscribed: boolean, subscribedAt: number, files: Map<string, number> }} DeviceLog
 */

/**
 * Connects one device and holds it for `holdMs`; then closes and calls `done` with what it saw.
 * @param {string} hubUrl
 * @param {{ token: string, drives: string[] }} device
 * @param {number} holdMs
 * @param {(log: DeviceLog) => void} [done]
 */
export function holdDevice(hubUrl, device, holdMs, done) {
  const socket = new WebSocket(webSocketUrl(hubUrl, device.token));
  /** @type {DeviceLog} */
  const log = { subscribed: false, subscribedAt: 0, files: new Map() };
  /** @type {Set<number>} */
  const seqs = new Set();
  /** Notifications that arrived before Subscribe's answer: judged once the cursor it answers is known. */
  /** @type {Array<{seq: number, fileId?: string}>} */
  const early = [];
  let answered = false;
  let lastSeq = 0;

  /** @param {{seq: number, fileId?: string}} envelope */
  const processed = (envelope) => {
    if (envelope.seq <= log.subscribedAt) {
      return; // at or before the cursor Subscribe answered: the device's own state already covers it
    }
    if (seqs.has(envelope.seq)) {
      metrics.repeated.add(1);
      return;
    }
    if (envelope.seq < lastSeq) {
      metrics.outOfOrder.add(1);
    }
    seqs.add(envelope.seq);
    lastSeq = Math.max(lastSeq, envelope.seq);
    if (envelope.fileId) {
      log.files.set(envelope.fileId, (log.files.get(envelope.fileId) || 0) + 1);
    }
  };

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
        const ok = check(message, { 'subscribed': (m) => !m.error && m.result.rejected.length === 0 });
        if (message.result && message.result.rejected.length > 0) {
          metrics.subscribeRejected.add(message.result.rejected.length);
        }
        log.subscribed = ok;
        log.subscribedAt = message.result ? message.result.lastSeq : 0;
        answered = true;
        early.splice(0).forEach(processed);
      } else if (message.type === MessageType.Invocation && message.target === 'Notification' && message.arguments) {
        const envelope = message.arguments[0];
        if (envelope.seq === 0) {
          metrics.presence.add(1); // live only, outside the seq order
          continue;
        }
        metrics.notifications.add(1);
        metrics.latency.add(Date.now() - envelope.at);
        if (answered) {
          processed(envelope);
        } else {
          early.push(envelope);
        }
      } else if (message.type === MessageType.Close) {
        metrics.closedByServer.add(1);
        check(message, { 'not closed by the server': () => false });
      }
    }
  };

  socket.onerror = (event) => {
    check(event, { 'no socket error': () => false });
  };

  setTimeout(() => {
    socket.close();
    if (done) {
      done(log);
    }
  }, holdMs);
}
