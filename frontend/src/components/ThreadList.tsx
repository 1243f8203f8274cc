import type { Thread } from "../api/types";
import { formatDateTime } from "./format";

interface ThreadListProps {
  threads: Thread[];
  total: number;
  loading: boolean;
  error: string | null;
  activeThreadId: string | null;
  onSelect: (threadId: string) => void;
  onNewChat: () => void;
  onRetry: () => void;
  onShowMore: () => void;
}

export function ThreadList(props: ThreadListProps) {
  const { threads, total, loading, error, activeThreadId } = props;

  return (
    <nav className="panel threads" aria-labelledby="threads-heading">
      <div className="panel-heading">
        <h2 id="threads-heading" tabIndex={-1}>
          Conversations
        </h2>
        <button type="button" className="primary" onClick={props.onNewChat}>
          New chat
        </button>
      </div>

      {error && (
        <div className="notice notice-error" role="alert">
          <p>The conversations could not be loaded: {error}</p>
          <button type="button" onClick={props.onRetry}>
            Try again
          </button>
        </div>
      )}
      {loading && threads.length === 0 && !error && <p role="status">Loading conversations…</p>}
      {!loading && !error && threads.length === 0 && <p className="empty">No conversations yet.</p>}

      {threads.length > 0 && (
        <ul className="thread-list">
          {threads.map((thread) => {
            const active = thread.thread_id === activeThreadId;
            return (
              <li key={thread.thread_id}>
                <button
                  type="button"
                  className="thread-button"
                  aria-current={active ? "page" : undefined}
                  onClick={() => props.onSelect(thread.thread_id)}
                >
                  <span className="thread-title">{thread.title?.trim() || "Untitled conversation"}</span>
                  <span className="thread-date">{formatDateTime(thread.updated_at)}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {threads.length < total && (
        <button type="button" onClick={props.onShowMore} disabled={loading}>
          Show more conversations
        </button>
      )}
    </nav>
  );
}
