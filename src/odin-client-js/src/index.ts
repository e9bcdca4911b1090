export { OdinDevice } from "./device.js";
export type { OdinDeviceOptions, NotificationHandler, PresenceHandler, StateHandler, StoppedHandler } from "./device.js";
export { OdinRefusedError, OdinHttpError } from "./errors.js";
export type { RefusalKind } from "./errors.js";
export { InMemoryPositionStore } from "./position.js";
export type { PositionStore } from "./position.js";
export {
  DeviceHubMethods,
  DeviceHubEvents,
  DeviceHubPath,
  NilGuid,
  NotificationTypes,
  normalizeEnvelope,
  normalizeSubscribeResult,
} from "./types.js";
export type {
  NotificationEnvelope,
  SubscribeRequest,
  SubscribeResult,
  DeviceToken,
  ChangeEntry,
  ChangesPage,
  Position,
  Notification,
  DeviceState,
  StopKind,
  StopReason,
  Logger,
  LogLevelName,
} from "./types.js";
export { reconnectDelayMs, droppedDelayMs, retryAfterDelayMs, failedDelayMs, uniformMs } from "./backoff.js";
export type { ReconnectCause, BackoffOptions, RandomSource } from "./backoff.js";
export { resyncChanges, highestChangeSeq, mergeChanges, readDriveChanges } from "./changes.js";
export type { ChangesPageReader, DriveChange } from "./changes.js";
