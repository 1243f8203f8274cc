import { useMemo, useSyncExternalStore } from "react";

import { createApiClient } from "./api/client";
import { SignInScreen } from "./auth/SignInScreen";
import type { SessionStore } from "./auth/sessionStore";
import { Workspace } from "./components/Workspace";

export function App({ sessions }: { sessions: SessionStore }) {
  const { session, notice } = useSyncExternalStore(sessions.subscribe, sessions.getSnapshot);

  const api = useMemo(
    () =>
      createApiClient({
        getToken: () => sessions.getSnapshot().session?.accessToken ?? null,
        onUnauthorized: (message) => {
          if (sessions.getSnapshot().session) {
            sessions.signOut(message);
          }
        },
      }),
    [sessions],
  );

  if (!session) {
    return <SignInScreen api={api} notice={notice} onSignedIn={sessions.signIn} />;
  }
  // The key remounts the workspace per user, so nothing of one user's state reaches the next.
  return <Workspace key={session.user} api={api} session={session} onSignOut={() => sessions.signOut(null)} />;
}
