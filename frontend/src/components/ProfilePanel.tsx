import type { Instructions, Profile } from "../api/types";
import { formatDateTime } from "./format";

interface ProfilePanelProps {
  profile: Profile | null;
  instructions: Instructions | null;
  loading: boolean;
  error: string | null;
  onRetry: () => void;
}

const UNKNOWN = "Not known yet";

function listOrUnknown(values: string[] | null | undefined): string {
  return values && values.length > 0 ? values.join(", ") : UNKNOWN;
}

export function ProfilePanel({ profile, instructions, loading, error, onRetry }: ProfilePanelProps) {
  return (
    <section className="panel profile" aria-labelledby="profile-heading">
      <h2 id="profile-heading" tabIndex={-1}>
        Profile
      </h2>
      <p className="hint">What the assistant has learned about you from your conversations.</p>

      {error && (
        <div className="notice notice-error" role="alert">
          <p>The profile could not be loaded: {error}</p>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      )}
      {loading && !profile && !error && <p role="status">Loading the profile…</p>}

      {profile && (
        <dl className="profile-fields">
          <dt>Name</dt>
          <dd>{profile.name || UNKNOWN}</dd>
          <dt>Location</dt>
          <dd>{profile.location || UNKNOWN}</dd>
          <dt>Job</dt>
          <dd>{profile.job || UNKNOWN}</dd>
          <dt>Connections</dt>
          <dd>{listOrUnknown(profile.connections)}</dd>
          <dt>Interests</dt>
          <dd>{listOrUnknown(profile.interests)}</dd>
          <dt>How you want to-dos written</dt>
          <dd>{instructions?.text || "No preferences yet"}</dd>
          {profile.updated_at && (
            <>
              <dt>Last updated</dt>
              <dd>
                <time dateTime={profile.updated_at}>{formatDateTime(profile.updated_at)}</time>
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
