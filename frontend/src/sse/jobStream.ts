/**
 * Follows a job's event stream (`GET /stream/{job_id}`) over fetch, because
 * `EventSource` cannot send an `Authorization` header. A dropped or stalled
 * connection is reopened with `Last-Event-ID`, so the server sends only the
 * events after the last one received. Events whose `id:` was already seen are
 * skipped, so a server that replays too much still yields each event once.
 */
import { type SseMessage, SseParser } from "./parser";

/** An HTTP status that retrying will not fix, such as 401 or 404. */
export class StreamHttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "StreamHttpError";
    this.status = status;
  }
}

/** The connection kept failing and the reconnection attempts ran out. */
export class StreamConnectionLostError extends Error {
  readonly attempts: number;

  constructor(attempts: number, reason: string) {
    super(`The connection to the reply stream was lost and ${attempts} reconnection attempts failed (${reason}).`);
    this.name = "StreamConnectionLostError";
    this.attempts = attempts;
  }
}

export interface ReconnectInfo {
  /** 1 for the first reconnection after a drop, counting up while attempts fail. */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  reason: string;
  lastEventId: string;
}

export interface FollowStreamOptions {
  url: string;
  /** Extra request headers, read again before each connection. */
  headers?: () => Record<string, string>;
  /** Resume after this event id on the first connection too. */
  lastEventId?: string;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  /** Reconnections allowed in a row without a new event in between. */
  maxReconnectAttempts?: number;
  /** Milliseconds to wait before reconnection `attempt`. `retryMs` is the server's `retry:` hint. */
  backoffMs?: (attempt: number, retryMs: number | undefined) => number;
  /**
   * A connection that delivers no bytes at all for this long is treated as
   * dropped. The server's `: ping` comments count as bytes.
   */
  idleTimeoutMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called once for each new event, in order. */
  onEvent: (event: SseMessage) => void;
  onReconnecting?: (info: ReconnectInfo) => void;
  /** Called when a connection returns 200. `resumed` is true after a drop. */
  onOpen?: (resumed: boolean) => void;
  /** Decides which event ends the stream. The default ends on `end` and `error`. */
  isTerminal?: (event: SseMessage) => boolean;
}

export const DEFAULT_MAX_RECONNECT_ATTEMPTS = 6;
// NOTE: the gateway's heartbeat interval is not part of the API contract, so
// this timeout assumes it sends `: ping` well within 45 seconds.
export const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

/** Exponential backoff from 500 ms (or the server's `retry:`), capped at 10 s, with up to 20 % jitter. */
export function defaultBackoffMs(attempt: number, retryMs: number | undefined): number {
  const base = retryMs ?? 500;
  const delay = Math.min(base * 2 ** (attempt - 1), 10_000);
  return Math.round(delay * (1 + Math.random() * 0.2));
}

export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

type AttemptResult =
  | { outcome: "terminal"; event: SseMessage }
  | { outcome: "dropped"; reason: string; receivedNewEvent: boolean };

/**
 * Follows the stream until its terminal event and returns that event.
 * Rejects with StreamHttpError for a non-retryable status, with
 * StreamConnectionLostError when the attempts run out, and with the signal's
 * reason when the signal aborts.
 */
export async function followEventStream(options: FollowStreamOptions): Promise<SseMessage> {
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  const maxAttempts = options.maxReconnectAttempts ?? DEFAULT_MAX_RECONNECT_ATTEMPTS;
  const backoff = options.backoffMs ?? defaultBackoffMs;
  const sleep = options.sleep ?? sleepMs;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const isTerminal = options.isTerminal ?? ((event) => event.event === "end" || event.event === "error");

  const parser = new SseParser(options.lastEventId ?? "");
  const seenIds = new Set<string>();
  let failedAttempts = 0;
  let connections = 0;

  for (;;) {
    options.signal?.throwIfAborted();
    const result = await runAttempt();
    if (result.outcome === "terminal") {
      return result.event;
    }

    failedAttempts = result.receivedNewEvent ? 1 : failedAttempts + 1;
    if (failedAttempts > maxAttempts) {
      throw new StreamConnectionLostError(maxAttempts, result.reason);
    }
    const delayMs = backoff(failedAttempts, parser.retryMs);
    options.onReconnecting?.({
      attempt: failedAttempts,
      maxAttempts,
      delayMs,
      reason: result.reason,
      lastEventId: parser.lastEventId,
    });
    await sleep(delayMs, options.signal);
  }

  async function runAttempt(): Promise<AttemptResult> {
    const attemptController = new AbortController();
    const abortAttempt = () => attemptController.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", abortAttempt, { once: true });

    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    let idleExpired = false;
    const armIdleTimer = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idleExpired = true;
        attemptController.abort();
      }, idleTimeoutMs);
    };

    let receivedNewEvent = false;
    const dropped = (reason: string): AttemptResult => ({ outcome: "dropped", reason, receivedNewEvent });

    try {
      const headers: Record<string, string> = { Accept: "text/event-stream", ...options.headers?.() };
      if (parser.lastEventId !== "") {
        headers["Last-Event-ID"] = parser.lastEventId;
      }

      armIdleTimer();
      let response: Response;
      try {
        response = await fetchImpl(options.url, {
          headers,
          cache: "no-store",
          signal: attemptController.signal,
        });
      } catch (error) {
        options.signal?.throwIfAborted();
        return dropped(idleExpired ? "the server did not respond" : `network error: ${String(error)}`);
      }

      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        if (isRetryableStatus(response.status)) {
          return dropped(`HTTP ${response.status}`);
        }
        throw new StreamHttpError(response.status, `The reply stream request failed with HTTP ${response.status}.`);
      }
      if (!response.body) {
        return dropped("the response has no body");
      }

      options.onOpen?.(connections > 0);
      connections++;

      const reader = response.body.getReader();
      try {
        for (;;) {
          armIdleTimer();
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (error) {
            options.signal?.throwIfAborted();
            return dropped(idleExpired ? `no data for ${idleTimeoutMs} ms` : `connection error: ${String(error)}`);
          }
          const frames = chunk.done ? parser.end() : parser.push(chunk.value);
          for (const frame of frames) {
            if (frame.kind !== "event") {
              continue;
            }
            if (frame.id !== undefined) {
              if (seenIds.has(frame.id)) {
                continue;
              }
              seenIds.add(frame.id);
            }
            receivedNewEvent = true;
            options.onEvent(frame);
            if (isTerminal(frame)) {
              return { outcome: "terminal", event: frame };
            }
          }
          if (chunk.done) {
            return dropped("the server closed the stream before its last event");
          }
        }
      } finally {
        reader.cancel().catch(() => undefined);
        // A frame cut off by the drop is discarded, and the next connection starts clean.
        parser.end();
      }
    } catch (error) {
      if (isAbort(error)) {
        options.signal?.throwIfAborted();
      }
      throw error;
    } finally {
      clearTimeout(idleTimer);
      options.signal?.removeEventListener("abort", abortAttempt);
    }
  }
}
