import { describe, expect, it } from "vitest";

import { SESSION_STORAGE_KEY, type Session, clearSession, loadSession, saveSession } from "../src/auth/session";
import { SESSION_EXPIRED_MESSAGE, createSessionStore } from "../src/auth/sessionStore";

/** In-memory Storage, since Node has no localStorage. */
class MemoryStorage implements Storage {
  private readonly values = new Map<string, string>();
  get length() {
    return this.values.size;
  }
  clear() {
    this.values.clear();
  }
  getItem(key: string) {
    return this.values.get(key) ?? null;
  }
  key(index: number) {
    return [...this.values.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.values.delete(key);
  }
  setItem(key: string, value: string) {
    this.values.set(key, value);
  }
}

const SESSION: Session = { user: "alice", accessToken: "a.b.c", expiresAt: 2_000, mode: "dev" };

describe("session storage", () => {
  it("round-trips a session", () => {
    const storage = new MemoryStorage();
    saveSession(storage, SESSION);

    expect(loadSession(storage, 1_000)).toEqual({ kind: "valid", session: SESSION });
  });

  it("drops an expired session", () => {
    const storage = new MemoryStorage();
    saveSession(storage, SESSION);

    expect(loadSession(storage, 2_000)).toEqual({ kind: "expired" });
    expect(storage.getItem(SESSION_STORAGE_KEY)).toBeNull();
  });

  it("keeps a session without expiry", () => {
    const storage = new MemoryStorage();
    saveSession(storage, { ...SESSION, expiresAt: null });

    expect(loadSession(storage, Number.MAX_SAFE_INTEGER).kind).toBe("valid");
  });

  it("drops malformed entries", () => {
    for (const raw of ["not json", "null", '{"user":"a"}', '{"user":"a","accessToken":"","expiresAt":null,"mode":"dev"}']) {
      const storage = new MemoryStorage();
      storage.setItem(SESSION_STORAGE_KEY, raw);

      expect(loadSession(storage), raw).toEqual({ kind: "none" });
      expect(storage.getItem(SESSION_STORAGE_KEY), raw).toBeNull();
    }
  });

  it("clears the session", () => {
    const storage = new MemoryStorage();
    saveSession(storage, SESSION);
    clearSession(storage);

    expect(loadSession(storage)).toEqual({ kind: "none" });
  });
});

describe("createSessionStore", () => {
  it("starts signed in from storage", () => {
    const storage = new MemoryStorage();
    saveSession(storage, { ...SESSION, expiresAt: null });

    expect(createSessionStore(storage).getSnapshot()).toEqual({ session: { ...SESSION, expiresAt: null }, notice: null });
  });

  it("starts signed out with a notice for an expired session", () => {
    const storage = new MemoryStorage();
    saveSession(storage, { ...SESSION, expiresAt: 1 });

    expect(createSessionStore(storage).getSnapshot()).toEqual({ session: null, notice: SESSION_EXPIRED_MESSAGE });
  });

  it("signs in and out, notifying subscribers", () => {
    const storage = new MemoryStorage();
    let signOuts = 0;
    let notifications = 0;
    const store = createSessionStore(storage, { onSignOut: () => signOuts++ });
    store.subscribe(() => notifications++);

    store.signIn(SESSION);
    expect(store.getSnapshot().session).toEqual(SESSION);
    expect(storage.getItem(SESSION_STORAGE_KEY)).not.toBeNull();

    store.signOut("Your session has ended.");
    expect(store.getSnapshot()).toEqual({ session: null, notice: "Your session has ended." });
    expect(storage.getItem(SESSION_STORAGE_KEY)).toBeNull();
    expect(signOuts).toBe(1);
    expect(notifications).toBe(2);
  });
});
