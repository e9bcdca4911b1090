// How long a device waits before its next connection attempt (docs/api.md, "Back-off with jitter").
// Pure functions of their arguments and a random source, so they can be checked without a server.

/** A random number in [0, 1). */
export type RandomSource = () => number;

/** Why the device is about to connect again. */
export type ReconnectCause =
  /** The first attempt, or a token refresh moving the connection onto a new token: no wait. */
  | { kind: "immediate" }
  /** The connection dropped (not closed by the app), or `Reconnect` with `retryAfterMs` 0. */
  | { kind: "dropped" }
  /** `Reconnect(reason, retryAfterMs)` with `retryAfterMs` > 0. */
  | { kind: "retry-after"; retryAfterMs: number }
  /** Attempt `attempt` (1 for the first in a row) failed: no answer, 5xx, a refused socket, a failed re-read. */
  | { kind: "failed"; attempt: number };

export interface BackoffOptions {
  /** Upper bound of the random wait after a drop. */
  reconnectJitterMs: number;
  /** Cap of the exponential back-off after failed attempts. */
  maxBackoffMs: number;
}

/** Uniform in [0, upTo). */
export function uniformMs(upTo: number, random: RandomSource = Math.random): number {
  return upTo > 0 ? Math.floor(random() * upTo) : 0;
}

/** After a drop or `Reconnect` with `retryAfterMs` 0: uniform between 0 and `reconnectJitterMs`. */
export function droppedDelayMs(reconnectJitterMs: number, random: RandomSource = Math.random): number {
  return uniformMs(reconnectJitterMs, random);
}

/** After `Reconnect` with `retryAfterMs` > 0: `retryAfterMs` plus uniform between 0 and `retryAfterMs`. */
export function retryAfterDelayMs(retryAfterMs: number, random: RandomSource = Math.random): number {
  return retryAfterMs + uniformMs(retryAfterMs, random);
}

/** After failed attempt `attempt` (1, 2, ...): uniform between 0 and min(maxBackoffMs, 1000 * 2^attempt) ("full jitter"). */
export function failedDelayMs(attempt: number, maxBackoffMs: number, random: RandomSource = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  return uniformMs(Math.min(maxBackoffMs, 1000 * 2 ** exponent), random);
}

/** The wait before the next attempt, for any cause. */
export function reconnectDelayMs(cause: ReconnectCause, options: BackoffOptions, random: RandomSource = Math.random): number {
  switch (cause.kind) {
    case "immediate":
      return 0;
    case "dropped":
      return droppedDelayMs(options.reconnectJitterMs, random);
    case "retry-after":
      return cause.retryAfterMs > 0
        ? retryAfterDelayMs(cause.retryAfterMs, random)
        : droppedDelayMs(options.reconnectJitterMs, random);
    case "failed":
      return failedDelayMs(cause.attempt, options.maxBackoffMs, random);
  }
}
