// The SignalR JSON hub protocol, as far as an Odin device needs it: every message is JSON followed by the
// record separator 0x1E, and one WebSocket frame may carry several. Skip-negotiation: the WebSocket URL is
// the hub URL with ws(s):// and the token as access_token.

export const RECORD_SEPARATOR = '\u001e';

/** Message types of the hub protocol. */
export const MessageType = { Invocation: 1, Completion: 3, Ping: 6, Close: 7 };

/**
 * @param {string} hubUrl e.g. http://127.0.0.1:8080/hubs/device
 * @param {string} token a device access token
 * @returns {string}
 */
export function webSocketUrl(hubUrl, token) {
  return `${hubUrl.replace(/^http/, 'ws')}?access_token=${encodeURIComponent(token)}`;
}

/** @returns {string} the handshake a JSON client opens with */
export function handshake() {
  return JSON.stringify({ protocol: 'json', version: 1 }) + RECORD_SEPARATOR;
}

/**
 * @param {string} invocationId
 * @param {string} target
 * @param {unknown[]} args
 * @returns {string}
 */
export function invocation(invocationId, target, args) {
  return JSON.stringify({ type: MessageType.Invocation, invocationId, target, arguments: args }) + RECORD_SEPARATOR;
}

/**
 * Splits one WebSocket frame into hub messages.
 * @param {string} frame
 * @returns {Array<{type: number, target?: string, arguments?: any[], invocationId?: string, result?: any, error?: string}>}
 */
export function parse(frame) {
  return frame.split(RECORD_SEPARATOR).filter((part) => part.length > 0).map((part) => JSON.parse(part));
}
