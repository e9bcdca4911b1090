import type { StopKind } from "./types.js";

/** The kinds of refusal that end a device for good. */
export type RefusalKind = Exclude<StopKind, "stopped">;

/**
 * A terminal refusal: the device was revoked, its identity disabled or unknown. The SDK throws it from
 * `start()` and a `tokenProvider` throws it to say the device must stop (any other error is retried).
 */
export class OdinRefusedError extends Error {
  readonly kind: RefusalKind;

  constructor(kind: RefusalKind, message: string) {
    super(message);
    this.name = "OdinRefusedError";
    this.kind = kind;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** A REST call answered with a status the caller did not want (retried unless it is a refusal). */
export class OdinHttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "OdinHttpError";
    this.status = status;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
