/**
 * Drives the open conversation: loads a thread, sends messages and follows
 * each reply's event stream into the chat reducer.
 */
import { useCallback, useEffect, useLayoutEffect, useReducer, useRef } from "react";

import { ApiError, type ApiClient } from "../api/client";
import type { MemoryEvent } from "../api/types";
import { StreamConnectionLostError, StreamHttpError, followEventStream } from "../sse/jobStream";
import type { SseMessage } from "../sse/parser";
import { chatReducer, initialChatState, isReplyInProgress } from "./chat";
import { type PendingJob, readPendingJob, toSameOriginPath, writePendingJob } from "./location";

export interface ChatCallbacks {
  /** Called for each `memory` event of a reply. */
  onMemory: (memory: MemoryEvent) => void;
  /** Called when a reply ends, with `end` or `error`, or its stream fails. */
  onReplyFinished: () => void;
  /** Called when the gateway accepted a message and named its thread. */
  onThreadAssigned: (threadId: string) => void;
}

/** Maximum message length that the gateway accepts by default (`MAX_MESSAGE_CHARS`). */
export const MAX_MESSAGE_CHARS = 8000;

let messageCounter = 0;
function nextMessageKey(): string {
  messageCounter += 1;
  return `local-${Date.now()}-${messageCounter}`;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

function readableError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function useChat(api: ApiClient, callbacks: ChatCallbacks) {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const streamController = useRef<AbortController | null>(null);
  const loadController = useRef<AbortController | null>(null);
  // The stream and send callbacks outlive a render, so they read the latest values from refs.
  const callbacksRef = useRef(callbacks);
  const stateRef = useRef(state);
  /** Set at once on Send, before React re-renders, so a double click sends once. */
  const sendInFlight = useRef(false);
  useLayoutEffect(() => {
    callbacksRef.current = callbacks;
    stateRef.current = state;
  });

  const stopStream = useCallback(() => {
    streamController.current?.abort();
    streamController.current = null;
  }, []);

  useEffect(
    () => () => {
      stopStream();
      loadController.current?.abort();
    },
    [stopStream],
  );

  const handleEvent = useCallback((jobId: string, event: SseMessage) => {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(event.data) as Record<string, unknown>;
    } catch {
      throw new Error(`The server sent an unreadable "${event.event}" event.`);
    }

    switch (event.event) {
      case "token":
        dispatch({ type: "streamToken", jobId, text: String(data.text ?? "") });
        break;
      case "memory": {
        const memory = data as unknown as MemoryEvent;
        dispatch({ type: "streamMemory", jobId, memory });
        callbacksRef.current.onMemory(memory);
        break;
      }
      case "end":
        dispatch({ type: "streamEnd", jobId, text: String(data.text ?? "") });
        break;
      case "error":
        dispatch({
          type: "streamError",
          jobId,
          message: typeof data.message === "string" && data.message !== "" ? data.message : "The reply failed.",
        });
        break;
      default:
        // `start` and event types added later carry nothing to show.
        break;
    }
  }, []);

  const followJob = useCallback(
    (job: PendingJob) => {
      stopStream();
      const controller = new AbortController();
      streamController.current = controller;
      writePendingJob(sessionStorage, job);

      followEventStream({
        url: job.streamUrl,
        headers: api.authHeaders,
        signal: controller.signal,
        onEvent: (event) => handleEvent(job.jobId, event),
        onOpen: () => dispatch({ type: "streamOpened", jobId: job.jobId }),
        onReconnecting: (info) =>
          dispatch({
            type: "streamReconnecting",
            jobId: job.jobId,
            attempt: info.attempt,
            maxAttempts: info.maxAttempts,
          }),
      })
        .then(
          () => undefined,
          (error: unknown) => {
            if (controller.signal.aborted || isAbort(error)) {
              return;
            }
            if (error instanceof StreamHttpError && error.status === 401) {
              api.reportUnauthorized();
              return;
            }
            const message =
              error instanceof StreamConnectionLostError || error instanceof StreamHttpError
                ? error.message
                : `The reply could not be read: ${readableError(error)}`;
            dispatch({ type: "streamError", jobId: job.jobId, message });
          },
        )
        .finally(() => {
          if (controller.signal.aborted) {
            return;
          }
          streamController.current = null;
          writePendingJob(sessionStorage, null);
          callbacksRef.current.onReplyFinished();
        });
    },
    [api, handleEvent, stopStream],
  );

  /**
   * Sends `text` to the open thread, or starts a thread. Resolves true when
   * the gateway accepted it. On false the caller keeps the text for a retry.
   */
  const send = useCallback(
    async (text: string): Promise<boolean> => {
      const current = stateRef.current;
      if (sendInFlight.current || isReplyInProgress(current) || current.threadStatus === "loading") {
        return false;
      }
      sendInFlight.current = true;
      const key = nextMessageKey();
      dispatch({ type: "sendStarted", key, text });

      try {
        const timezone = browserTimeZone();
        const accepted = current.threadId
          ? await api.continueChat(current.threadId, text, timezone)
          : await api.startChat(text, timezone);
        dispatch({ type: "sendAccepted", key, jobId: accepted.job_id, threadId: accepted.thread_id });
        callbacksRef.current.onThreadAssigned(accepted.thread_id);
        followJob({
          threadId: accepted.thread_id,
          jobId: accepted.job_id,
          streamUrl: toSameOriginPath(accepted.stream_url, api.streamPath(accepted.job_id)),
        });
        return true;
      } catch (error) {
        const message =
          error instanceof ApiError ? `Your message was not sent: ${error.message}` : readableError(error);
        dispatch({ type: "sendFailed", key, message });
        return false;
      } finally {
        sendInFlight.current = false;
      }
    },
    [api, followJob],
  );

  /** Resumes the reply that was in progress in this thread before a reload, if the job still runs. */
  const resumePendingJob = useCallback(
    async (threadId: string, signal: AbortSignal) => {
      const pending = readPendingJob(sessionStorage);
      if (!pending || pending.threadId !== threadId) {
        return;
      }
      try {
        const job = await api.getJob(pending.jobId, signal);
        if (signal.aborted) {
          return;
        }
        if (job.status === "queued" || job.status === "running") {
          dispatch({ type: "replyResumed", key: nextMessageKey(), jobId: pending.jobId });
          followJob(pending);
          return;
        }
      } catch (error) {
        if (isAbort(error)) {
          return;
        }
      }
      writePendingJob(sessionStorage, null);
    },
    [api, followJob],
  );

  const openThread = useCallback(
    (threadId: string) => {
      stopStream();
      loadController.current?.abort();
      const controller = new AbortController();
      loadController.current = controller;
      dispatch({ type: "threadLoading", threadId });

      api
        .getThreadMessages(threadId, controller.signal)
        .then(async (result) => {
          if (controller.signal.aborted) {
            return;
          }
          dispatch({ type: "threadLoaded", threadId, messages: result.items });
          await resumePendingJob(threadId, controller.signal);
        })
        .catch((error: unknown) => {
          if (controller.signal.aborted || isAbort(error)) {
            return;
          }
          const message =
            error instanceof ApiError && error.status === 404
              ? "This conversation was not found. It may belong to another account."
              : `The conversation could not be loaded: ${readableError(error)}`;
          dispatch({ type: "threadLoadFailed", threadId, message });
        });
    },
    [api, resumePendingJob, stopStream],
  );

  const newChat = useCallback(() => {
    stopStream();
    loadController.current?.abort();
    dispatch({ type: "newChat" });
  }, [stopStream]);

  return { state, send, openThread, newChat };
}
