import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import { createSessionStore } from "./auth/sessionStore";
import { writePendingJob, writeThreadIdToHash } from "./state/location";
import "./styles.css";

const root = document.getElementById("root");
if (!root) {
  throw new Error('index.html has no element with id "root".');
}

const sessions = createSessionStore(localStorage, {
  // The next user must not reopen this user's conversation or reply.
  onSignOut: () => {
    writePendingJob(sessionStorage, null);
    writeThreadIdToHash(null, false);
  },
});

createRoot(root).render(
  <StrictMode>
    <App sessions={sessions} />
  </StrictMode>,
);
