/**
 * State of the open conversation: its messages, the reply in progress and the
 * connection state of that reply's stream. The reducer is pure so the
 * transitions can be tested without a browser.
 */
import type { MemoryEvent, ThreadMessage } from "../api/types";

export type MessageStatus =
  /** The message is complete: loaded from the thread or finished streaming. */
  | "done"
  /** The user's message is on its way to the gateway. */
  | "sending"
  /** The job is accepted but no token has arrived yet. */
  | "thinking"
  | "streaming"
  /** The stream dropped and a reconnection is pending. */
  | "reconnecting"
  | "failed";

export interface ChatMessage {
  /** Stable key for rendering, unique within the conversation. */
  key: string;
  role: "user" | "assistant";
  content: string;
  status: MessageStatus;
  /** Readable reason when status is "failed". */
  error: string | null;
  /** Memory updates that the reply reported, such as a created to-do. */
  memories: MemoryEvent[];
  createdAt: string | null;
}

export interface ReconnectState {
  attempt: number;
  maxAttempts: number;
}

export interface ChatState {
  /** The open thread, or null for a new chat that has not been sent yet. */
  threadId: string | null;
  threadStatus: "new" | "loading" | "ready" | "failed";
  threadError: string | null;
  messages: ChatMessage[];
  /** Job whose reply is in progress. Events of any other job are ignored. */
  activeJobId: string | null;
  /** True from Send until the gateway accepts or rejects the message. */
  sending: boolean;
  reconnect: ReconnectState | null;
  /** Reason the last message could not be sent, shown next to the composer. */
  sendError: string | null;
}

export type ChatAction =
  | { type: "newChat" }
  | { type: "threadLoading"; threadId: string }
  | { type: "threadLoaded"; threadId: string; messages: ThreadMessage[] }
  | { type: "threadLoadFailed"; threadId: string; message: string }
  | { type: "sendStarted"; key: string; text: string }
  | { type: "sendAccepted"; key: string; jobId: string; threadId: string }
  | { type: "sendFailed"; key: string; message: string }
  | { type: "replyResumed"; key: string; jobId: string }
  | { type: "streamOpened"; jobId: string }
  | { type: "streamToken"; jobId: string; text: string }
  | { type: "streamMemory"; jobId: string; memory: MemoryEvent }
  | { type: "streamEnd"; jobId: string; text: string }
  | { type: "streamError"; jobId: string; message: string }
  | { type: "streamReconnecting"; jobId: string; attempt: number; maxAttempts: number };

export const initialChatState: ChatState = {
  threadId: null,
  threadStatus: "new",
  threadError: null,
  messages: [],
  activeJobId: null,
  sending: false,
  reconnect: null,
  sendError: null,
};

/** Returns true while a message is being sent or its reply is in progress. */
export function isReplyInProgress(state: ChatState): boolean {
  return state.sending || state.activeJobId !== null;
}

function replyKey(key: string): string {
  return `${key}:reply`;
}

function assistantPlaceholder(key: string): ChatMessage {
  return {
    key,
    role: "assistant",
    content: "",
    status: "thinking",
    error: null,
    memories: [],
    createdAt: null,
  };
}

/** Applies `change` to the reply in progress, the last assistant message. */
function updateReply(state: ChatState, change: (message: ChatMessage) => ChatMessage): ChatState {
  const index = state.messages.findLastIndex((message) => message.role === "assistant");
  if (index === -1) {
    return state;
  }
  const messages = state.messages.slice();
  messages[index] = change(messages[index]);
  return { ...state, messages };
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  // Events of a job that is no longer the active one, such as a reply still
  // arriving after "New chat", change nothing.
  if (action.type.startsWith("stream") && "jobId" in action && action.jobId !== state.activeJobId) {
    return state;
  }

  switch (action.type) {
    case "newChat":
      return initialChatState;

    case "threadLoading":
      return { ...initialChatState, threadId: action.threadId, threadStatus: "loading" };

    case "threadLoaded":
      if (action.threadId !== state.threadId) {
        return state;
      }
      return {
        ...state,
        threadStatus: "ready",
        threadError: null,
        messages: action.messages.map((message, index) => ({
          key: `${action.threadId}:${index}`,
          role: message.role,
          content: message.content,
          status: "done",
          error: null,
          memories: [],
          createdAt: message.created_at,
        })),
      };

    case "threadLoadFailed":
      if (action.threadId !== state.threadId) {
        return state;
      }
      return { ...state, threadStatus: "failed", threadError: action.message };

    case "sendStarted":
      return {
        ...state,
        sending: true,
        sendError: null,
        messages: [
          ...state.messages,
          {
            key: action.key,
            role: "user",
            content: action.text,
            status: "sending",
            error: null,
            memories: [],
            createdAt: new Date().toISOString(),
          },
          assistantPlaceholder(replyKey(action.key)),
        ],
      };

    case "sendAccepted":
      return {
        ...state,
        sending: false,
        threadId: action.threadId,
        threadStatus: "ready",
        activeJobId: action.jobId,
        messages: state.messages.map((message) =>
          message.key === action.key ? { ...message, status: "done" } : message,
        ),
      };

    case "sendFailed":
      // The composer still contains the text, so the unsent message leaves the list.
      return {
        ...state,
        sending: false,
        sendError: action.message,
        messages: state.messages.filter(
          (message) => message.key !== action.key && message.key !== replyKey(action.key),
        ),
      };

    case "replyResumed":
      // The stream replays from its first event, so the reply starts empty.
      return {
        ...state,
        activeJobId: action.jobId,
        messages: [...state.messages, assistantPlaceholder(action.key)],
      };

    case "streamOpened":
      if (state.reconnect === null) {
        return state;
      }
      return updateReply({ ...state, reconnect: null }, (message) => ({
        ...message,
        status: message.content === "" ? "thinking" : "streaming",
      }));

    case "streamToken":
      return updateReply({ ...state, reconnect: null }, (message) => ({
        ...message,
        status: "streaming",
        content: message.content + action.text,
      }));

    case "streamMemory":
      return updateReply(state, (message) => ({
        ...message,
        memories: [...message.memories, action.memory],
      }));

    case "streamEnd": {
      const next = updateReply(state, (message) => ({
        ...message,
        status: "done",
        content: action.text,
      }));
      return { ...next, activeJobId: null, reconnect: null };
    }

    case "streamError": {
      const next = updateReply(state, (message) => ({
        ...message,
        status: "failed",
        error: action.message,
      }));
      return { ...next, activeJobId: null, reconnect: null };
    }

    case "streamReconnecting":
      return updateReply(
        { ...state, reconnect: { attempt: action.attempt, maxAttempts: action.maxAttempts } },
        (message) => ({ ...message, status: "reconnecting" }),
      );
  }
}
