// The wire contracts of Odin's device hub and device REST calls (docs/api.md), as a device sees them.

/** One notification. `seq` increases per identity with no gaps; presence events carry `seq = 0`. */
export interface NotificationEnvelope {
  /** GUID: unique id of this notification (the nil GUID for a change re-read from `/changes`). */
  id: string;
  seq: number;
  /** One of {@link NotificationTypes} (or a newer type this SDK does not know yet). */
  type: string;
  /** GUID of the identity. */
  tenantId: string;
  driveId?: string;
  fileId?: string;
  versionTag?: string;
  /** When the change was committed, Unix milliseconds. */
  at: number;
  /** Optional JSON text with type-specific details. */
  data?: string;
}

/** Argument of `Subscribe`. `epoch` is required with `resumeFrom`. */
export interface SubscribeRequest {
  driveIds: string[];
  /** Exclusive: every notification with `seq > resumeFrom` is wanted. */
  resumeFrom?: number;
  epoch?: string;
}

/** Answer to `Subscribe`. */
export interface SubscribeResult {
  accepted: string[];
  rejected: string[];
  /** True when every notification after `resumeFrom` was replayed before this result. */
  recovered: boolean;
  /** The identity's newest seq now (0: none yet). */
  lastSeq: number;
  /** The history's epoch: send it back with `resumeFrom`. */
  epoch: string;
}

/** Answer of `POST /api/v1/device/token` (or what a `tokenProvider` returns). */
export interface DeviceToken {
  accessToken: string;
  /** ISO 8601 text, or Unix milliseconds. */
  expiresAt: string | number;
  hubUrl: string;
}

/** One entry of `GET /api/v1/drives/{driveId}/changes`: a file at its latest change. */
export interface ChangeEntry {
  fileId: string;
  versionTag: string;
  deleted: boolean;
  /** Unix milliseconds. */
  modified: number;
  seq: number;
}

/** One page of `GET /api/v1/drives/{driveId}/changes`. */
export interface ChangesPage {
  changes: ChangeEntry[];
  cursor: number;
  hasMore: boolean;
}

/** Where the device is in its identity's history: resume from here. */
export interface Position {
  epoch: string;
  seq: number;
}

/** What the app's notification handler receives. */
export interface Notification {
  envelope: NotificationEnvelope;
  /** True when the change was re-read from `/changes` after a `Resync` (its `id` is the nil GUID). */
  fromChanges: boolean;
}

export type DeviceState = "connecting" | "live" | "resyncing" | "reconnecting" | "stopped";

export type StopKind = "revoked" | "identity-disabled" | "identity-unknown" | "stopped";

export interface StopReason {
  kind: StopKind;
  message: string;
}

export type LogLevelName = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevelName, message: string) => void;

/** The hub methods a device calls (wire names). */
export const DeviceHubMethods = {
  Subscribe: "Subscribe",
  Unsubscribe: "Unsubscribe",
  Ping: "Ping",
} as const;

/** What the hub sends a device (wire names). */
export const DeviceHubEvents = {
  Notification: "Notification",
  Resync: "Resync",
  Reconnect: "Reconnect",
} as const;

/** Where the device hub is mapped. */
export const DeviceHubPath = "/hubs/device";

/** The nil GUID: the `id` of a notification re-read from `/changes`. */
export const NilGuid = "00000000-0000-0000-0000-000000000000";

/** The notification types Odin sends today. */
export const NotificationTypes = {
  FileAdded: "fileAdded",
  FileModified: "fileModified",
  FileDeleted: "fileDeleted",
  AppNotificationAdded: "appNotificationAdded",
  InboxItemReceived: "inboxItemReceived",
  ConnectionRequestReceived: "connectionRequestReceived",
  ConnectionRequestAccepted: "connectionRequestAccepted",
  DeviceConnected: "deviceConnected",
  DeviceDisconnected: "deviceDisconnected",
  NewFollower: "newFollower",
  ReactionContentAdded: "reactionContentAdded",
  ReactionContentDeleted: "reactionContentDeleted",
} as const;

const optionalString = (value: unknown): string | undefined =>
  value === null || value === undefined ? undefined : String(value);

/**
 * An envelope as either protocol delivers it (JSON may carry `null` for absent members, MessagePack may
 * decode a large integer as a bigint), in the shape of {@link NotificationEnvelope}.
 */
export function normalizeEnvelope(raw: unknown): NotificationEnvelope {
  const value = (raw ?? {}) as Record<string, unknown>;
  const envelope: NotificationEnvelope = {
    id: String(value.id ?? ""),
    seq: Number(value.seq ?? 0),
    type: String(value.type ?? ""),
    tenantId: String(value.tenantId ?? ""),
    at: Number(value.at ?? 0),
  };
  const driveId = optionalString(value.driveId);
  const fileId = optionalString(value.fileId);
  const versionTag = optionalString(value.versionTag);
  const data = optionalString(value.data);
  if (driveId !== undefined) envelope.driveId = driveId;
  if (fileId !== undefined) envelope.fileId = fileId;
  if (versionTag !== undefined) envelope.versionTag = versionTag;
  if (data !== undefined) envelope.data = data;
  return envelope;
}

/** A `Subscribe` answer as either protocol delivers it. */
export function normalizeSubscribeResult(raw: unknown): SubscribeResult {
  const value = (raw ?? {}) as Record<string, unknown>;
  const ids = (list: unknown): string[] => (Array.isArray(list) ? list.map((id) => String(id)) : []);
  return {
    accepted: ids(value.accepted),
    rejected: ids(value.rejected),
    recovered: value.recovered === true,
    lastSeq: Number(value.lastSeq ?? 0),
    epoch: String(value.epoch ?? ""),
  };
}
