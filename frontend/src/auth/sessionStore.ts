/**
 * Holds the signed-in session outside React, so the API client can read the
 * token at request time and sign the user out on a 401 from any call.
 * Components subscribe with `useSyncExternalStore`.
 */
import { type Session, clearSession, loadSession, saveSession } from "./session";

export interface SessionState {
  session: Session | null;
  /** Reason the user was signed out, shown on the sign-in screen. */
  notice: string | null;
}

export const SESSION_EXPIRED_MESSAGE = "Your session expired. Sign in again to continue.";

export interface SessionStore {
  getSnapshot: () => SessionState;
  subscribe: (listener: () => void) => () => void;
  signIn: (session: Session) => void;
  /** Signs out. `notice` is the reason shown to the user, or null for a sign-out they chose. */
  signOut: (notice: string | null) => void;
}

export function createSessionStore(storage: Storage, options: { onSignOut?: () => void } = {}): SessionStore {
  const loaded = loadSession(storage);
  let state: SessionState =
    loaded.kind === "valid"
      ? { session: loaded.session, notice: null }
      : { session: null, notice: loaded.kind === "expired" ? SESSION_EXPIRED_MESSAGE : null };
  const listeners = new Set<() => void>();

  function update(next: SessionState) {
    state = next;
    for (const listener of listeners) {
      listener();
    }
  }

  return {
    getSnapshot: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    signIn(session) {
      saveSession(storage, session);
      update({ session, notice: null });
    },
    signOut(notice) {
      clearSession(storage);
      options.onSignOut?.();
      update({ session: null, notice });
    },
  };
}
