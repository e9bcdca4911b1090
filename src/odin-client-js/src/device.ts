import { HttpTransportType, HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel, type ILogger } from "@microsoft/signalr";
import { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";
import { reconnectDelayMs, type ReconnectCause } from "./backoff.js";
import { resyncChanges } from "./changes.js";
import { OdinHttpError, OdinRefusedError } from "./errors.js";
import { InMemoryPositionStore, type PositionStore } from "./position.js";
import { holdToken, type HeldToken } from "./token.js";
import {
  DeviceHubEvents,
  DeviceHubMethods,
  DeviceHubPath,
  NilGuid,
  normalizeEnvelope,
  normalizeSubscribeResult,
  type ChangesPage,
  type DeviceState,
  type DeviceToken,
  type Logger,
  type LogLevelName,
  type Notification,
  type NotificationEnvelope,
  type Position,
  type StopReason,
  type SubscribeRequest,
  type SubscribeResult,
} from "./types.js";

/** Options of {@link OdinDevice}. */
export interface OdinDeviceOptions {
  /** The identity (e.g. "frodo.example"): the Host of every REST call, where the fetch allows setting it. */
  domain: string;
  /** The device's id and secret (from `POST /api/v1/owner/devices`); or give `tokenProvider` instead. */
  deviceId?: string;
  deviceSecret?: string;
  /** Supplies device tokens instead of the SDK calling the token endpoint; throw {@link OdinRefusedError} to stop for good. */
  tokenProvider?: () => Promise<DeviceToken>;
  /** Drives to subscribe to ([]: identity-wide events only). */
  drives: string[];
  /** Where REST calls go. Default `https://{domain}`. */
  serverUrl?: string;
  /** The hub's URL. Default: the `hubUrl` the token endpoint answers. */
  hubUrl?: string;
  /** Hub protocol. Default "json". */
  protocol?: "json" | "messagepack";
  /** Keeps the position across restarts. Default: in memory. */
  positionStore?: PositionStore;
  /** After a drop, or `Reconnect` with `retryAfterMs` 0: wait uniform 0..this. Default 5000. */
  reconnectJitterMs?: number;
  /** Failed attempt n: wait uniform 0..min(this, 1000·2^n). Default 30000. */
  maxBackoffMs?: number;
  /** Renew the token this long before it expires and move the connection onto it. Default 60000. */
  tokenRefreshMarginMs?: number;
  /** Used for every REST call. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Receives the SDK's (and SignalR's) log lines. Default: none. */
  logger?: Logger;
}

export type NotificationHandler = (notification: Notification) => void | Promise<void>;
export type PresenceHandler = (envelope: NotificationEnvelope) => void | Promise<void>;
export type StateHandler = (state: DeviceState) => void;
export type StoppedHandler = (reason: StopReason) => void;

/** How long one REST call may take before it counts as failed. */
const RequestTimeoutMs = 30_000;
/** Largest delay setTimeout takes. */
const MaxTimerMs = 2_147_483_647;

class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  settled = false;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = (value) => {
        this.settled = true;
        resolve(value);
      };
      this.reject = (error) => {
        this.settled = true;
        reject(error);
      };
    });
  }
}

/**
 * Runs work one item at a time in the order it was queued. The SignalR client does not await async
 * handlers, so without this a slow handler would overlap the next notification's.
 */
class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Queues work; false when more than {@link InboxCapacity} items already wait (nothing is queued then). */
  enqueue(work: () => Promise<void>): boolean {
    if (this.waiting >= InboxCapacity) return false;
    this.waiting++;
    this.tail = this.tail
      .then(() => {
        this.waiting--;
        return work();
      })
      .catch((error: unknown) => this.onError(error));
    return true;
  }

  /** Resolves once everything queued so far, and whatever that queued, has run. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.tail;
      await seen;
    } while (seen !== this.tail);
  }
}

/**
 * Notifications waiting for the app's handler on one connection, at most: room for a whole replay (the history's
 * default cap is 1000) and a full gateway send queue (1000). The SignalR client reads the socket whatever the
 * handlers do, so beyond this an app slower than its notifications gets the connection closed and resumes from its
 * position (as the gateway asks a slow reader to), instead of memory growing without bound.
 */
const InboxCapacity = 4096;
/** Most notifications a new device holds while it waits for its first Subscribe answer (normally a handful). */
const BeforeStartCapacity = 4096;

/** Why the SDK ended a connection itself. */
type SessionEnd = "stopped" | "refresh" | "failed";

/** One connection attempt: its HubConnection, the token it used, and its handler queue. */
class Session {
  readonly abort = new AbortController();
  readonly queue: SerialQueue;
  readonly subscribed = new Deferred<SubscribeResult>();
  readonly closed = new Deferred<void>();
  /** Its work is skipped from now on (the device stopped, or a gap could not be re-read). */
  dead = false;
  /** The Subscribe answer arrived. */
  answered = false;
  /** The Subscribe answer was taken: the connection is live. */
  live = false;
  /** The connection has closed (its queue may still hold work). */
  isClosed = false;
  end: SessionEnd | null = null;
  reconnect: { reason: string; retryAfterMs: number } | null = null;
  refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly connection: HubConnection,
    readonly token: HeldToken,
    onError: (error: unknown) => void,
  ) {
    this.queue = new SerialQueue(onError);
    this.subscribed.promise.catch(() => undefined); // awaited only by a Resync
  }

  kill(): void {
    this.dead = true;
    this.abort.abort();
  }
}

/** What ended an attempt, for the wait before the next one. */
type AttemptOutcome =
  | { kind: "stopped" }
  | { kind: "failed" }
  | { kind: "dropped" }
  | { kind: "refresh" }
  | { kind: "retry-after"; retryAfterMs: number };

class StoppedSignal extends Error {
  constructor() {
    super("the device was stopped");
    this.name = "StoppedSignal";
  }
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const refusalKinds: readonly string[] = ["revoked", "identity-disabled", "identity-unknown"];

/** An OdinRefusedError, also one made by another copy of this package (a tokenProvider's). */
function isRefusal(error: unknown): error is OdinRefusedError {
  if (error instanceof OdinRefusedError) return true;
  const candidate = error as { name?: unknown; kind?: unknown } | null;
  return !!candidate && candidate.name === "OdinRefusedError" && typeof candidate.kind === "string" && refusalKinds.includes(candidate.kind);
}

/**
 * A device of an Odin identity: holds one hub connection (reconnecting, resuming and re-reading as
 * docs/api.md says) and hands the app each notification once, in seq order.
 */
export class OdinDevice {
  private readonly domain: string;
  private readonly drives: string[];
  private readonly serverUrl: string;
  private readonly sendHost: boolean;
  private readonly fetchImpl: typeof fetch;
  private readonly store: PositionStore;
  private readonly backoff: { reconnectJitterMs: number; maxBackoffMs: number };
  private readonly refreshMarginMs: number;
  private readonly logger: Logger | undefined;
  private readonly signalRLogger: ILogger | LogLevel;

  private readonly notificationHandlers: NotificationHandler[] = [];
  private readonly presenceHandlers: PresenceHandler[] = [];
  private readonly stateHandlers: StateHandler[] = [];
  private readonly stoppedHandlers: StoppedHandler[] = [];
  private readonly stopWaiters = new Set<() => void>();

  private current: Position | null = null;
  /** A new device's highest seq raised before its first Subscribe answer gave it a position. */
  /** A new device's notifications that came before its first Subscribe answer said where it starts. */
  private beforeStart: NotificationEnvelope[] = [];
  private token: HeldToken | null = null;
  private tokenFetch: Promise<HeldToken> | null = null;
  private stateValue: DeviceState = "stopped";
  private session: Session | null = null;
  private started = false;
  private stopping = false;
  private terminal: StopReason | null = null;
  private loop: Promise<void> | null = null;
  private firstLive: Deferred<void> | null = null;

  constructor(private readonly options: OdinDeviceOptions) {
    if (!options || typeof options.domain !== "string" || options.domain.length === 0) {
      throw new TypeError("OdinDevice needs a domain");
    }
    if (!options.tokenProvider && (!options.deviceId || !options.deviceSecret)) {
      throw new TypeError("OdinDevice needs deviceId and deviceSecret, or a tokenProvider");
    }
    if (!Array.isArray(options.drives)) {
      throw new TypeError("OdinDevice needs drives (an array of drive ids; [] for identity-wide events only)");
    }

    this.domain = options.domain;
    this.drives = [...new Set(options.drives.map(String))];
    this.serverUrl = (options.serverUrl ?? `https://${options.domain}`).replace(/\/+$/, "");
    this.sendHost = new URL(this.serverUrl).hostname.toLowerCase() !== options.domain.toLowerCase();
    const given = options.fetch;
    this.fetchImpl = given ?? ((input, init) => globalThis.fetch(input, init));
    this.store = options.positionStore ?? new InMemoryPositionStore();
    this.backoff = {
      reconnectJitterMs: Math.max(0, options.reconnectJitterMs ?? 5000),
      maxBackoffMs: Math.max(0, options.maxBackoffMs ?? 30000),
    };
    this.refreshMarginMs = Math.max(0, options.tokenRefreshMarginMs ?? 60000);
    this.logger = options.logger;
    const logger = this.logger;
    this.signalRLogger = logger
      ? {
          log: (level: LogLevel, message: string) => {
            if (level === LogLevel.Trace || level === LogLevel.None) return;
            const name: LogLevelName =
              level === LogLevel.Debug ? "debug" : level === LogLevel.Information ? "info" : level === LogLevel.Warning ? "warn" : "error";
            logger(name, `signalr: ${message}`);
          },
        }
      : LogLevel.None;
  }

  /** The position the device resumes from (null until it has one). */
  get position(): Position | null {
    return this.current ? { ...this.current } : null;
  }

  get state(): DeviceState {
    return this.stateValue;
  }

  /** Each notification with seq > 0, once, in seq order; the next waits until the returned promise settles. */
  onNotification(handler: NotificationHandler): () => void {
    return this.add(this.notificationHandlers, handler);
  }

  /** Presence events (seq 0: deviceConnected, deviceDisconnected): live only, outside the seq order. */
  onPresence(handler: PresenceHandler): () => void {
    return this.add(this.presenceHandlers, handler);
  }

  onStateChanged(handler: StateHandler): () => void {
    return this.add(this.stateHandlers, handler);
  }

  /** Once, when the device has stopped for good: stop() was called, or the server refused it. */
  onStopped(handler: StoppedHandler): () => void {
    return this.add(this.stoppedHandlers, handler);
  }

  /**
   * Connects and subscribes. Resolves once the device is live the first time; rejects with
   * {@link OdinRefusedError} (and stops) when the device is revoked or its identity disabled or unknown, or
   * with an Error when stop() came first. Connection failures are retried, not thrown.
   */
  async start(): Promise<void> {
    if (this.started) {
      throw new Error("OdinDevice.start() can be called once; make a new OdinDevice to start again");
    }

    this.started = true;
    const firstLive = (this.firstLive = new Deferred<void>());
    this.setState("connecting");
    try {
      const saved = await this.store.load();
      if (saved && !this.current) {
        this.current = { epoch: String(saved.epoch), seq: Number(saved.seq) };
        this.log("debug", `resuming from seq ${this.current.seq} of epoch ${this.current.epoch}`);
      }
    } catch (error) {
      this.stopping = true;
      this.setState("stopped");
      throw new Error(`the position store could not load the position: ${errorText(error)}`);
    }

    if (this.stopping) {
      this.loop = Promise.resolve();
      this.finish();
    } else {
      this.loop = this.run();
    }

    return firstLive.promise;
  }

  /** Stops the device: no handler runs after this resolves. Do not await it inside a handler (call it, and return). */
  async stop(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.stopping = true;
      this.finish();
      return;
    }

    this.requestStop();
    await this.loop;
  }

  // ---- the connection loop ----

  private async run(): Promise<void> {
    let cause: ReconnectCause = { kind: "immediate" };
    let failures = 0;
    let previous: Session | null = null;
    try {
      while (!this.stopping) {
        const delay = reconnectDelayMs(cause, this.backoff);
        if (delay > 0) {
          this.setState("reconnecting");
          this.log("info", `connecting again in ${delay} ms`);
        }

        // The last connection's handlers finish before the next connection's start (one at a time, in order).
        await Promise.all([this.sleep(delay), previous ? previous.queue.idle() : undefined]);
        if (this.stopping) break;

        this.setState("connecting");
        const session = await this.attempt();
        if (session) previous = session;
        const outcome = session ? await this.awaitEnd(session) : this.stopping ? { kind: "stopped" as const } : { kind: "failed" as const };
        if (this.stopping || outcome.kind === "stopped") break;

        switch (outcome.kind) {
          case "failed":
            failures++;
            cause = { kind: "failed", attempt: failures };
            break;
          case "retry-after":
            cause = { kind: "retry-after", retryAfterMs: outcome.retryAfterMs };
            break;
          case "refresh":
            failures = 0;
            cause = { kind: "immediate" };
            break;
          case "dropped":
            failures = 0;
            cause = { kind: "dropped" };
            break;
        }
      }
    } catch (error) {
      const message = `the connection loop failed: ${errorText(error)}`;
      this.log("error", message);
      this.terminal ??= { kind: "stopped", message };
    } finally {
      const last = this.session ?? previous;
      if (last) {
        last.kill();
        await last.queue.idle();
      }

      if (previous && previous !== last) await previous.queue.idle();
      this.finish();
    }
  }

  /** One connection attempt up to Subscribe; null when it failed before it had a connection. */
  private async attempt(): Promise<Session | null> {
    let token: HeldToken;
    try {
      token = await this.untilStopped(this.getToken(false));
    } catch (error) {
      if (isRefusal(error)) this.refuse(error);
      else if (!(error instanceof StoppedSignal)) this.log("warn", `no device token: ${errorText(error)}`);
      return null;
    }

    let session: Session;
    try {
      session = this.openSession(token);
    } catch (error) {
      this.log("error", `the hub connection could not be built: ${errorText(error)}`);
      return null;
    }

    this.session = session;
    try {
      await session.connection.start();
    } catch (error) {
      this.session = null;
      session.kill();
      if (!this.stopping) {
        this.log("warn", `connecting to the hub failed: ${errorText(error)}`);
        this.noteConnectFailure(token);
      }

      return null;
    }

    if (this.stopping) {
      this.endSession(session, "stopped");
      return session;
    }

    const position = this.current;
    const request: SubscribeRequest = position
      ? { driveIds: [...this.drives], resumeFrom: position.seq, epoch: position.epoch }
      : { driveIds: [...this.drives] };
    if (!position) this.beforeStart = []; // held by a connection that ended before its answer: the new answer starts anew
    this.log("debug", position ? `subscribing, resuming after seq ${position.seq}` : "subscribing as a new device");
    session.connection.invoke(DeviceHubMethods.Subscribe, request).then(
      (raw: unknown) => {
        const result = normalizeSubscribeResult(raw);
        session.answered = true;
        session.subscribed.resolve(result);
        // After what arrived before the answer (the replay): the answer's cursor comes after it.
        session.queue.enqueue(() => this.takeSubscribed(session, result));
      },
      (error: unknown) => {
        session.subscribed.reject(error);
        // A hub error on a connection still open; a closed connection is judged by awaitEnd.
        if (!session.end && !session.dead && !this.stopping && session.connection.state === HubConnectionState.Connected) {
          this.log("warn", `Subscribe failed: ${errorText(error)}`);
          this.endSession(session, "failed");
        }
      },
    );
    return session;
  }

  /** Waits for the connection to close and says why it did. */
  private async awaitEnd(session: Session): Promise<AttemptOutcome> {
    await session.closed.promise;
    clearTimeout(session.refreshTimer);
    if (this.session === session) this.session = null;
    if (session.end === "stopped" || this.stopping) return { kind: "stopped" };
    if (session.end === "failed") {
      this.noteConnectFailure(session.token);
      return { kind: "failed" };
    }
    if (session.reconnect) {
      this.log("info", `the server asked to reconnect: ${session.reconnect.reason}`);
      return { kind: "retry-after", retryAfterMs: session.reconnect.retryAfterMs };
    }
    if (session.end === "refresh") return { kind: "refresh" };
    if (!session.answered) {
      this.log("warn", "the connection closed before Subscribe answered");
      this.noteConnectFailure(session.token);
      return { kind: "failed" };
    }
    this.log("info", "the connection dropped");
    return { kind: "dropped" };
  }

  private openSession(token: HeldToken): Session {
    const builder = new HubConnectionBuilder().withUrl(this.hubUrl(token), {
      transport: HttpTransportType.WebSockets,
      skipNegotiation: true,
      accessTokenFactory: () => token.accessToken,
    });
    if (this.options.protocol === "messagepack") {
      builder.withHubProtocol(new MessagePackHubProtocol());
    }
    builder.configureLogging(this.signalRLogger);
    const connection = builder.build();
    const session = new Session(connection, token, (error) => this.log("error", `a handler failed: ${errorText(error)}`));
    const take = (work: () => Promise<void>) => {
      if (!session.queue.enqueue(work) && !session.end) {
        this.log("warn", `more than ${InboxCapacity} notifications wait for the handler: closing the connection, to resume from the last one taken`);
        this.endSession(session, "failed");
      }
    };
    connection.on(DeviceHubEvents.Notification, (raw: unknown) => take(() => this.takeNotification(session, raw)));
    connection.on(DeviceHubEvents.Resync, (reason: unknown) => take(() => this.takeResync(session, String(reason ?? ""))));
    connection.on(DeviceHubEvents.Reconnect, (reason: unknown, retryAfterMs: unknown) => {
      const wait = Number(retryAfterMs ?? 0);
      session.reconnect = { reason: String(reason ?? ""), retryAfterMs: Number.isFinite(wait) && wait > 0 ? wait : 0 };
    });
    connection.onclose((error?: Error) => {
      if (error && !session.end && !this.stopping) this.log("info", `the connection closed: ${errorText(error)}`);
      session.isClosed = true;
      if (!session.subscribed.settled) session.subscribed.reject(new Error("the connection closed before Subscribe answered"));
      session.closed.resolve();
    });
    return session;
  }

  /** Ends a connection from this side. "failed" and "stopped" skip whatever it still has queued. */
  private endSession(session: Session, end: SessionEnd): void {
    if (!session.end) session.end = end;
    if (end !== "refresh") session.kill();
    clearTimeout(session.refreshTimer);
    session.connection.stop().catch(() => undefined);
  }

  // ---- what a connection receives (run one at a time, in arrival order) ----

  private async takeSubscribed(session: Session, result: SubscribeResult): Promise<void> {
    if (session.dead || this.stopping) return;
    const known = this.current;
    await this.takeStart(session, result);
    if (session.dead || this.stopping || session.isClosed || session.end) return; // the position counts; the connection is gone
    if (result.rejected.length > 0) {
      this.log("warn", `Subscribe rejected drives ${result.rejected.join(", ")} (not granted to this device, or over the limit)`);
    }

    this.log("info", `live: ${result.recovered ? "recovered" : known ? "not recovered" : "new"}, cursor ${this.current?.seq}`);
    session.live = true;
    this.setState("live");
    this.scheduleRefresh(session, session.token.refreshAtMs - Date.now());
    this.firstLive?.resolve();
  }

  /**
   * Takes a Subscribe answer's epoch; a new device starts at its `lastSeq` (the identity's newest seq), and what it
   * held from before the answer is taken now, above that start, in order.
   */
  private async takeStart(session: Session, result: SubscribeResult): Promise<void> {
    if (this.current) {
      this.current = { epoch: result.epoch, seq: this.current.seq };
      await this.savePosition();
      return;
    }

    this.current = { epoch: result.epoch, seq: result.lastSeq };
    await this.savePosition();
    const held = this.beforeStart.sort((a, b) => a.seq - b.seq);
    this.beforeStart = [];
    for (const envelope of held) {
      if (envelope.seq > this.current.seq) await this.raise(session, { envelope, fromChanges: false });
    }
  }

  private async takeNotification(session: Session, raw: unknown): Promise<void> {
    if (session.dead || this.stopping) return;
    const envelope = normalizeEnvelope(raw);
    if (envelope.seq === 0) {
      for (const handler of [...this.presenceHandlers]) {
        if (session.dead || this.stopping) return;
        try {
          await handler(envelope);
        } catch (error) {
          this.log("error", `the presence handler threw: ${errorText(error)}`);
        }
      }

      return;
    }

    if (!this.current) {
      // The gateway may send what it hears before it reads the head it answers with: held until the answer says where
      // this device starts, so that it neither takes what came before its start nor skips what follows.
      if (this.beforeStart.length >= BeforeStartCapacity) {
        // The answer is that late: rather than hold without bound, start again on a new connection (and a new answer).
        this.log("warn", `more than ${BeforeStartCapacity} notifications arrived before the Subscribe answer: closing the connection to start again`);
        this.endSession(session, "failed");
        return;
      }

      this.beforeStart.push(envelope);
      return;
    }

    const cursor = this.current.seq;
    if (envelope.seq <= cursor) {
      this.log("debug", `seq ${envelope.seq} dropped: at or before the cursor ${cursor}`);
      return;
    }

    await this.raise(session, { envelope, fromChanges: false });
  }

  private async takeResync(session: Session, reason: string): Promise<void> {
    if (session.dead || this.stopping) return;
    if (!session.isClosed) this.setState("resyncing");
    this.log("info", `re-reading /changes: ${reason}`);
    try {
      const result = await session.subscribed.promise; // the drives this connection follows
      if (session.dead || this.stopping) return;
      if (!this.current) await this.takeStart(session, result); // a new device re-reads from its start
      if (session.dead || this.stopping || !this.current) return;
      const from = this.current.seq;
      const highest = await resyncChanges(
        result.accepted,
        from,
        (driveId, cursor) => this.readChangesPage(session, driveId, cursor),
        async ({ driveId, change }) => {
          if (session.dead || this.stopping) throw new StoppedSignal();
          const seq = Number(change.seq);
          if (this.current && seq <= this.current.seq) return;
          const envelope: NotificationEnvelope = {
            id: NilGuid,
            seq,
            type: change.deleted ? "fileDeleted" : "fileModified",
            tenantId: (this.token ?? session.token).tenantId,
            driveId,
            fileId: String(change.fileId),
            versionTag: String(change.versionTag),
            at: Number(change.modified),
          };
          await this.raise(session, { envelope, fromChanges: true });
        },
      );
      if (session.dead || this.stopping) return;
      if (this.current && highest > this.current.seq) {
        this.current = { ...this.current, seq: highest };
        await this.savePosition();
      }

      this.log("info", `re-read done, cursor ${this.current?.seq}`);
      if (session.live && !session.isClosed && !session.end) this.setState("live");
    } catch (error) {
      if (session.dead || this.stopping || error instanceof StoppedSignal) return;
      if (isRefusal(error)) {
        this.refuse(error);
        return;
      }

      // Not past the gap: drop this connection and everything it still holds; the resume asks again.
      this.log("warn", `re-reading /changes failed, reconnecting: ${errorText(error)}`);
      this.endSession(session, "failed");
    }
  }

  /** Hands one notification to the app, then moves the cursor to it. */
  private async raise(session: Session, notification: Notification): Promise<void> {
    const seq = notification.envelope.seq;
    for (const handler of [...this.notificationHandlers]) {
      if (session.dead || this.stopping) return;
      try {
        await handler(notification);
      } catch (error) {
        // At most once: the cursor moves on anyway, the handler owns its errors.
        this.log("error", `the notification handler threw for seq ${seq}: ${errorText(error)}`);
      }
    }

    if (this.current && seq > this.current.seq) {
      this.current = { ...this.current, seq };
      await this.savePosition();
    }
  }

  // ---- REST ----

  private async readChangesPage(session: Session, driveId: string, cursor: number): Promise<ChangesPage> {
    const token = await this.getToken(false);
    const path = `/api/v1/drives/${encodeURIComponent(driveId)}/changes?cursor=${cursor}&limit=1000`;
    const response = await this.rest("GET", path, { bearer: token.accessToken, signal: session.abort.signal });
    if (response.status === 200) {
      const page = (await response.json()) as ChangesPage;
      return { changes: Array.isArray(page.changes) ? page.changes : [], cursor: Number(page.cursor), hasMore: page.hasMore === true };
    }

    const detail = await problemDetail(response);
    if (response.status === 401 && this.token === token) {
      this.token = null; // expired or revoked: the next token fetch tells which
    }

    throw new OdinHttpError(response.status, `GET changes of drive ${driveId} answered ${response.status}${detail}`);
  }

  private async fetchToken(): Promise<HeldToken> {
    const fetchedAt = Date.now();
    let token: DeviceToken;
    if (this.options.tokenProvider) {
      token = await this.options.tokenProvider();
    } else {
      const response = await this.rest("POST", "/api/v1/device/token", {
        body: JSON.stringify({ deviceId: this.options.deviceId, deviceSecret: this.options.deviceSecret }),
      });
      if (response.status !== 200) {
        const detail = await problemDetail(response);
        const message = `the token endpoint answered ${response.status}${detail}`;
        switch (response.status) {
          case 401:
            throw new OdinRefusedError("revoked", message);
          case 403:
            throw new OdinRefusedError("identity-disabled", message);
          case 404:
            throw new OdinRefusedError("identity-unknown", message);
          default:
            throw new OdinHttpError(response.status, message);
        }
      }

      token = (await response.json()) as DeviceToken;
    }

    const held = holdToken(token, this.refreshMarginMs, fetchedAt);
    this.log("debug", `new device token, renewed in ${Math.round((held.refreshAtMs - Date.now()) / 1000)} s`);
    return held;
  }

  /**
   * The token held, unless it is due for renewal (or `force`): then a new one (one fetch at a time). When
   * renewing fails for a passing reason, a held token that has not expired yet is still used (not when forced).
   */
  private async getToken(force: boolean): Promise<HeldToken> {
    const held = this.token;
    if (!force && held && Date.now() < held.refreshAtMs) {
      return held;
    }

    if (!this.tokenFetch) {
      const fetching = this.fetchToken().then((token) => {
        this.token = token;
        return token;
      });
      this.tokenFetch = fetching;
      const clear = () => {
        if (this.tokenFetch === fetching) this.tokenFetch = null;
      };
      fetching.then(clear, clear);
    }

    try {
      return await this.tokenFetch;
    } catch (error) {
      if (!force && !isRefusal(error) && held && this.token === held && Date.now() < held.expiresAtMs - 5000) {
        this.log("warn", `renewing the device token failed, the current one is used until it expires: ${errorText(error)}`);
        return held;
      }

      throw error;
    }
  }

  /**
   * A connection attempt failed. A gateway closes a revoked device's connection without a word, and a browser
   * cannot see a 401 on a WebSocket, so the token is dropped: the next attempt fetches a new one, and a revoked
   * device learns it from the token endpoint's 401.
   */
  private noteConnectFailure(token: HeldToken): void {
    if (this.token === token) this.token = null;
  }

  private scheduleRefresh(session: Session, delayMs: number): void {
    clearTimeout(session.refreshTimer);
    session.refreshTimer = setTimeout(() => void this.refreshSession(session), Math.min(Math.max(0, delayMs), MaxTimerMs));
  }

  /** The token is due: fetch a new one and move the connection onto it at once. */
  private async refreshSession(session: Session): Promise<void> {
    if (session.end || session.dead || this.stopping || this.session !== session) return;
    try {
      // A newer token may be held already (renewed for a REST call); else fetch one.
      const newer = this.token && this.token !== session.token && Date.now() < this.token.refreshAtMs;
      if (!newer) await this.getToken(true);
    } catch (error) {
      if (isRefusal(error)) {
        this.refuse(error);
        return;
      }

      // Keep this connection (it works until the token expires) and try again shortly.
      this.log("warn", `renewing the device token failed: ${errorText(error)}`);
      this.scheduleRefresh(session, Math.min(5000, Math.max(1000, (session.token.expiresAtMs - Date.now()) / 4)));
      return;
    }

    if (session.end || session.dead || this.stopping || this.session !== session) return;
    this.log("info", "moving the connection onto a new device token");
    this.endSession(session, "refresh");
  }

  private async rest(method: string, path: string, init: { body?: string; bearer?: string; signal?: AbortSignal }): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (init.body !== undefined) headers["Content-Type"] = "application/json";
    if (init.bearer) headers.Authorization = `Bearer ${init.bearer}`;
    if (this.sendHost) headers.Host = this.domain;

    // Give up after RequestTimeoutMs, or when the device (or the connection the call is for) stops.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), RequestTimeoutMs);
    const onAbort = () => abort.abort();
    init.signal?.addEventListener("abort", onAbort);
    this.stopWaiters.add(onAbort);
    try {
      if (init.signal?.aborted || this.stopping) abort.abort();
      const response = await this.fetchImpl(`${this.serverUrl}${path}`, { method, headers, body: init.body, signal: abort.signal });
      // The body is read here, under the same timeout and abort: a server that stalls mid-body cannot hold the device.
      const body = await response.arrayBuffer();
      const empty = body.byteLength === 0 || response.status === 204 || response.status === 205 || response.status === 304;
      return new Response(empty ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } finally {
      clearTimeout(timer);
      init.signal?.removeEventListener("abort", onAbort);
      this.stopWaiters.delete(onAbort);
    }
  }

  /**
   * `hubUrl` if given; else the token's, moved to `serverUrl`'s origin when it names the identity's own domain
   * (a device that reaches the server by another name reaches the hub by it too).
   */
  private hubUrl(token: HeldToken): string {
    if (this.options.hubUrl) return new URL(this.options.hubUrl, `${this.serverUrl}/`).toString();
    const url = new URL(token.hubUrl || DeviceHubPath, `${this.serverUrl}/`);
    if (this.options.serverUrl && url.hostname.toLowerCase() === this.domain.toLowerCase()) {
      const server = new URL(this.serverUrl);
      url.protocol = server.protocol;
      url.hostname = server.hostname;
      url.port = server.port;
    }

    return url.toString();
  }

  // ---- stopping ----

  /** The server refused the device for good: stop, and say why. */
  private refuse(error: OdinRefusedError): void {
    if (this.terminal || this.stopping) return;
    this.terminal = { kind: error.kind, message: error.message };
    this.log("error", `stopping: ${error.message}`);
    this.requestStop();
  }

  private requestStop(): void {
    this.stopping = true;
    if (this.session) this.endSession(this.session, "stopped");
    for (const waiter of [...this.stopWaiters]) waiter();
  }

  private finished = false;

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.setState("stopped");
    const reason: StopReason = this.terminal ?? { kind: "stopped", message: "stopped by the app" };
    for (const handler of [...this.stoppedHandlers]) {
      try {
        handler(reason);
      } catch (error) {
        this.log("error", `the stopped handler threw: ${errorText(error)}`);
      }
    }

    const firstLive = this.firstLive;
    if (firstLive && !firstLive.settled) {
      const terminal = this.terminal;
      firstLive.reject(
        terminal && terminal.kind !== "stopped"
          ? new OdinRefusedError(terminal.kind, terminal.message)
          : new Error(terminal ? terminal.message : "the device was stopped before it was live"),
      );
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stopWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(ms, MaxTimerMs));
      this.stopWaiters.add(done);
    });
  }

  /** `promise`, or StoppedSignal as soon as the device stops. */
  private untilStopped<T>(promise: Promise<T>): Promise<T> {
    if (this.stopping) {
      promise.catch(() => undefined);
      return Promise.reject(new StoppedSignal());
    }

    return new Promise<T>((resolve, reject) => {
      const onStop = () => reject(new StoppedSignal());
      this.stopWaiters.add(onStop);
      promise.then(
        (value) => {
          this.stopWaiters.delete(onStop);
          resolve(value);
        },
        (error: unknown) => {
          this.stopWaiters.delete(onStop);
          reject(error);
        },
      );
    });
  }

  // ---- little helpers ----

  private async savePosition(): Promise<void> {
    if (!this.current) return;
    try {
      await this.store.save({ ...this.current });
    } catch (error) {
      this.log("warn", `the position store could not save seq ${this.current.seq}: ${errorText(error)}`);
    }
  }

  private setState(state: DeviceState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    for (const handler of [...this.stateHandlers]) {
      try {
        handler(state);
      } catch (error) {
        this.log("error", `the state handler threw: ${errorText(error)}`);
      }
    }
  }

  private add<T>(list: T[], handler: T): () => void {
    if (typeof handler !== "function") throw new TypeError("a handler must be a function");
    list.push(handler);
    return () => {
      const index = list.indexOf(handler);
      if (index >= 0) list.splice(index, 1);
    };
  }

  private log(level: LogLevelName, message: string): void {
    if (!this.logger) return;
    try {
      this.logger(level, message);
    } catch {
      // a logger that throws must not break the device
    }
  }
}

/** ": <detail>" of an RFC 7807 problem answer, or "" (never throws). */
async function problemDetail(response: Response): Promise<string> {
  try {
    const text = await response.text();
    try {
      const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
      const detail = problem.detail ?? problem.title;
      if (typeof detail === "string" && detail.length > 0) return `: ${detail}`;
    } catch {
      // not JSON
    }
    return text ? `: ${text.slice(0, 200)}` : "";
  } catch {
    return "";
  }
}
