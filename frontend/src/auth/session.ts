/**
 * The signed-in session, kept in localStorage so a reload keeps the user
 * signed in. Each sign-in method (dev token now, OIDC later) produces the same
 * Session, and the rest of the UI reads only this.
 */
import type { AuthMode } from "../api/types";

export interface Session {
  /** Name to show. For dev tokens it is the name the user typed. */
  user: string;
  accessToken: string;
  /** Expiry in milliseconds since the epoch, or null when unknown. */
  expiresAt: number | null;
  /** Sign-in method that issued the token. */
  mode: AuthMode;
}

export const SESSION_STORAGE_KEY = "todo-assistant.session";

/** Characters and length that `POST /auth/dev-token` accepts for `user`. */
export const DEV_USER_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

function isSession(value: unknown): value is Session {
  const candidate = value as Partial<Session> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.user === "string" &&
    typeof candidate.accessToken === "string" &&
    candidate.accessToken !== "" &&
    (candidate.expiresAt === null || typeof candidate.expiresAt === "number") &&
    (candidate.mode === "dev" || candidate.mode === "oidc")
  );
}

export type LoadedSession =
  | { kind: "none" }
  | { kind: "expired" }
  | { kind: "valid"; session: Session };

/** Reads the stored session and removes an expired or malformed one. */
export function loadSession(storage: Storage, now = Date.now()): LoadedSession {
  let parsed: unknown;
  try {
    const raw = storage.getItem(SESSION_STORAGE_KEY);
    if (raw === null) {
      return { kind: "none" };
    }
    parsed = JSON.parse(raw);
  } catch {
    storage.removeItem(SESSION_STORAGE_KEY);
    return { kind: "none" };
  }
  if (!isSession(parsed)) {
    storage.removeItem(SESSION_STORAGE_KEY);
    return { kind: "none" };
  }
  if (parsed.expiresAt !== null && parsed.expiresAt <= now) {
    storage.removeItem(SESSION_STORAGE_KEY);
    return { kind: "expired" };
  }
  return { kind: "valid", session: parsed };
}

export function saveSession(storage: Storage, session: Session): void {
  storage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(storage: Storage): void {
  storage.removeItem(SESSION_STORAGE_KEY);
}
