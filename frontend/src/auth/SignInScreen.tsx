import { type FormEvent, useCallback, useState } from "react";

import type { ApiClient } from "../api/client";
import type { AuthConfig } from "../api/types";
import { useRemoteData } from "../state/useRemoteData";
import { DEV_USER_PATTERN, type Session } from "./session";

interface SignInScreenProps {
  api: ApiClient;
  /** Reason the user was signed out, shown above the form. */
  notice: string | null;
  onSignedIn: (session: Session) => void;
}

/**
 * Chooses the sign-in method from `GET /auth/config`. Each method ends by
 * calling `onSignedIn` with a Session, so an OIDC method can be added here
 * without changing the rest of the UI.
 */
export function SignInScreen({ api, notice, onSignedIn }: SignInScreenProps) {
  const fetchConfig = useCallback((signal: AbortSignal) => api.getAuthConfig(signal), [api]);
  const config = useRemoteData<AuthConfig>(fetchConfig);

  return (
    <main className="sign-in" aria-labelledby="sign-in-heading">
      <div className="sign-in-card">
        <h1 id="sign-in-heading">To-do assistant</h1>
        {notice && (
          <p className="notice notice-warning" role="alert">
            {notice}
          </p>
        )}
        {config.data === null && config.loading && <p role="status">Loading sign-in options…</p>}
        {config.data === null && config.error && (
          <div className="notice notice-error" role="alert">
            <p>The sign-in options could not be loaded: {config.error}</p>
            <button type="button" onClick={config.reload}>
              Try again
            </button>
          </div>
        )}
        {config.data && <SignInMethod api={api} config={config.data} onSignedIn={onSignedIn} />}
      </div>
    </main>
  );
}

function SignInMethod({ api, config, onSignedIn }: { api: ApiClient; config: AuthConfig; onSignedIn: (session: Session) => void }) {
  switch (config.mode) {
    case "dev":
      return <DevSignInForm api={api} onSignedIn={onSignedIn} />;
    case "oidc":
      return <OidcNotAvailable config={config} />;
    default:
      return (
        <p className="notice notice-error" role="alert">
          The server reports the sign-in mode “{String(config.mode)}”, which this UI does not know.
        </p>
      );
  }
}

function DevSignInForm({ api, onSignedIn }: { api: ApiClient; onSignedIn: (session: Session) => void }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const user = name.trim();
    if (!DEV_USER_PATTERN.test(user)) {
      setError("Use 1 to 64 letters, digits or the characters . _ @ - (no spaces).");
      return;
    }
    setPending(true);
    setError(null);
    try {
      const token = await api.createDevToken(user);
      onSignedIn({
        user,
        accessToken: token.access_token,
        expiresAt: Number.isFinite(token.expires_in) ? Date.now() + token.expires_in * 1000 : null,
        mode: "dev",
      });
    } catch (failure) {
      setError(`Sign-in failed: ${failure instanceof Error ? failure.message : String(failure)}`);
      setPending(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <p>Development sign-in: any name works, and each name has its own to-dos and conversations.</p>
      <label htmlFor="sign-in-name">Name</label>
      <input
        id="sign-in-name"
        name="user"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={64}
        value={name}
        onChange={(event) => setName(event.target.value)}
        aria-invalid={error !== null}
        aria-describedby={error ? "sign-in-error" : undefined}
        required
      />
      {error && (
        <p id="sign-in-error" className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

function OidcNotAvailable({ config }: { config: AuthConfig }) {
  // TODO: add the OIDC authorization code flow with PKCE against
  // `config.issuer`, producing a Session with mode "oidc".
  return (
    <div className="notice notice-info" role="status">
      <p>
        <strong>OIDC sign-in is configured on this server, but this UI does not support it yet.</strong>
      </p>
      <p>
        Issuer: {config.issuer ?? "not given"}. Ask the operator for a development deployment, or use a client that supports
        OIDC.
      </p>
    </div>
  );
}
