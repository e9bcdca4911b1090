import type { DeviceToken } from "./types.js";

/** A device token as the SDK holds it. */
export interface HeldToken {
  accessToken: string;
  /** Unix ms. */
  expiresAtMs: number;
  /** Unix ms: from here on the token is renewed (and the connection moved onto the new one). */
  refreshAtMs: number;
  hubUrl: string;
  /** The token's `odin_tid` claim ("" when it cannot be read). */
  tenantId: string;
}

/** `expiresAt` as Unix ms: ISO 8601 text or a number of ms. NaN when neither. */
export function parseExpiresAt(expiresAt: string | number | Date): number {
  if (typeof expiresAt === "number") return expiresAt;
  if (expiresAt instanceof Date) return expiresAt.getTime();
  const text = String(expiresAt).trim();
  return /^\d+$/.test(text) ? Number(text) : Date.parse(text);
}

/** The claims of a JWT, read without checking its signature (the server checks it); null when unreadable. */
export function readJwtClaims(jwt: string): Record<string, unknown> | null {
  try {
    const part = jwt.split(".")[1];
    if (!part) return null;
    const base64 = part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4);
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims !== null && typeof claims === "object" ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A token is never renewed sooner than this after it arrived (a clock far ahead of the server's cannot spin). */
export const MinTokenRefreshDelayMs = 5_000;

/**
 * Holds a fetched token. It is renewed `refreshMarginMs` before it expires, or halfway through its life when
 * that is shorter (a token that lives less than twice the margin is not renewed the moment it arrives), and
 * never sooner than {@link MinTokenRefreshDelayMs} after it arrived.
 */
export function holdToken(token: DeviceToken, refreshMarginMs: number, now: number): HeldToken {
  if (!token || typeof token.accessToken !== "string" || token.accessToken.length === 0) {
    throw new Error("the device token has no accessToken");
  }

  let expiresAtMs = parseExpiresAt(token.expiresAt);
  if (!Number.isFinite(expiresAtMs)) {
    expiresAtMs = now + 10 * 60_000; // unreadable: assume the server's default lifetime
  }

  const life = Math.max(0, expiresAtMs - now);
  const margin = Math.min(refreshMarginMs, life / 2);
  const claims = readJwtClaims(token.accessToken);
  const tenantId = claims && typeof claims.odin_tid === "string" ? claims.odin_tid : "";
  return { accessToken: token.accessToken, expiresAtMs, refreshAtMs: Math.max(expiresAtMs - margin, now + MinTokenRefreshDelayMs), hubUrl: String(token.hubUrl ?? ""), tenantId };
}
