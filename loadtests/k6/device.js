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
 * file id after it.
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
        const ok = check(message, { 'subscribed': (m) => !m.error && m.result.rejected.length === 0 });
        if (message.result && message.result.rejected.length > 0) {
          metrics.subscribeRejected.add(message.result.rejected.length);
        }
        log.subscribed = ok;
        log.subscribedAt = message.result ? message.result.lastSeq : 0;
        lastSeq = Math.max(lastSeq, log.subscribedAt);
      } else if (message.type === MessageType.Invocation && message.target === 'Notification' && message.arguments) {
        const envelope = message.arguments[0];
        if (envelope.seq === 0) {
          metrics.presence.add(1); // live only, outside the seq order
          continue;
        }
        metrics.notifications.add(1);
        metrics.latency.add(Date.now() - envelope.at);
        if (envelope.seq === lastSeq || (envelope.fileId && log.files.has(envelope.fileId))) {
          metrics.repeated.add(1);
        } else if (envelope.seq < lastSeq) {
          metrics.outOfOrder.add(1);
        }
        lastSeq = Math.max(lastSeq, envelope.seq);
        if (envelope.fileId) {
          log.files.set(envelope.fileId, (log.files.get(envelope.fileId) || 0) + 1);
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
