/**
 * The open thread lives in the URL hash (`#thread=<id>`), so a reload, a
 * bookmark or the back button returns to the same conversation.
 */

const THREAD_PARAMETER = "thread";

export function readThreadIdFromHash(hash: string): string | null {
  const parameters = new URLSearchParams(hash.replace(/^#/, ""));
  const threadId = parameters.get(THREAD_PARAMETER);
  return threadId && threadId.trim() !== "" ? threadId : null;
}

export function hashForThread(threadId: string | null): string {
  return threadId ? `#${new URLSearchParams({ [THREAD_PARAMETER]: threadId })}` : "";
}

/** Writes the thread id into the URL. `push` adds a history entry for the back button. */
export function writeThreadIdToHash(threadId: string | null, push: boolean): void {
  const url = `${window.location.pathname}${window.location.search}${hashForThread(threadId)}`;
  if (url === `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    return;
  }
  if (push) {
    window.history.pushState(null, "", url);
  } else {
    window.history.replaceState(null, "", url);
  }
}

/** The reply in progress, kept for the tab's lifetime so a reload can resume its stream. */
export interface PendingJob {
  threadId: string;
  jobId: string;
  streamUrl: string;
}

const PENDING_JOB_KEY = "todo-assistant.pending-job";

export function readPendingJob(storage: Storage): PendingJob | null {
  try {
    const value = JSON.parse(storage.getItem(PENDING_JOB_KEY) ?? "null") as Partial<PendingJob> | null;
    if (value && typeof value.threadId === "string" && typeof value.jobId === "string" && typeof value.streamUrl === "string") {
      return { threadId: value.threadId, jobId: value.jobId, streamUrl: value.streamUrl };
    }
  } catch {
    // A malformed entry is dropped below.
  }
  storage.removeItem(PENDING_JOB_KEY);
  return null;
}

export function writePendingJob(storage: Storage, job: PendingJob | null): void {
  if (job) {
    storage.setItem(PENDING_JOB_KEY, JSON.stringify(job));
  } else {
    storage.removeItem(PENDING_JOB_KEY);
  }
}

/**
 * Returns the path of a `stream_url` on this page's origin, where the proxy
 * forwards it to the gateway. An absolute URL to the gateway itself would be
 * a cross-origin request that the gateway may not allow.
 */
export function toSameOriginPath(streamUrl: string, fallbackPath: string): string {
  try {
    const url = new URL(streamUrl, "http://placeholder.invalid");
    return url.pathname.startsWith("/stream/") ? `${url.pathname}${url.search}` : fallbackPath;
  } catch {
    return fallbackPath;
  }
}
