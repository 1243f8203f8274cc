import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";

import { type ChatMessage, type ChatState, isReplyInProgress } from "../state/chat";
import { MAX_MESSAGE_CHARS } from "../state/useChat";

interface ChatPanelProps {
  state: ChatState;
  /** Resolves true when the message was accepted. */
  onSend: (text: string) => Promise<boolean>;
  onRetryLoad: () => void;
}

const MEMORY_LABELS: Record<string, string> = {
  todo: "To-do",
  profile: "Profile",
  instructions: "To-do instructions",
};

/** Text of the live status line, which screen readers announce when it changes. */
function statusText(state: ChatState): string {
  if (state.sending) {
    return "Sending your message…";
  }
  if (state.reconnect) {
    return `Connection lost. Reconnecting (attempt ${state.reconnect.attempt} of ${state.reconnect.maxAttempts})…`;
  }
  const reply = state.messages.findLast((message) => message.role === "assistant");
  if (state.activeJobId && reply) {
    return reply.status === "thinking" ? "The assistant is thinking…" : "The assistant is replying…";
  }
  if (reply?.status === "failed") {
    return "The reply failed.";
  }
  return "";
}

function MessageView({ message }: { message: ChatMessage }) {
  const isUser = message.role === "user";
  const inProgress = message.status === "thinking" || message.status === "streaming" || message.status === "reconnecting";

  return (
    <li className={`message message-${message.role}`}>
      <article aria-label={isUser ? "Your message" : "Assistant reply"} aria-busy={inProgress}>
        <p className="message-author">{isUser ? "You" : "Assistant"}</p>
        {message.content !== "" && <div className="message-text">{message.content}</div>}
        {message.status === "thinking" && (
          <p className="message-state thinking">
            <span className="dots" aria-hidden="true" />
            Thinking…
          </p>
        )}
        {message.status === "reconnecting" && <p className="message-state reconnecting">Reconnecting…</p>}
        {message.status === "failed" && (
          <p className="message-error" role="alert">
            {message.error ?? "The reply failed."}
          </p>
        )}
        {message.memories.length > 0 && (
          <ul className="memory-notes" aria-label="Saved by this reply">
            {message.memories.map((memory, index) => (
              <li key={`${memory.kind}-${memory.id ?? index}-${index}`}>
                {MEMORY_LABELS[memory.kind] ?? memory.kind} {memory.action}: {memory.summary}
              </li>
            ))}
          </ul>
        )}
      </article>
    </li>
  );
}

export function ChatPanel({ state, onSend, onRetryLoad }: ChatPanelProps) {
  const [draft, setDraft] = useState("");
  const [draftError, setDraftError] = useState<string | null>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const replyInProgress = isReplyInProgress(state);
  const loadingThread = state.threadStatus === "loading";
  const sendBlocked = replyInProgress || loadingThread;

  const lastMessage = state.messages.at(-1);
  useEffect(() => {
    const log = logRef.current;
    if (log) {
      log.scrollTop = log.scrollHeight;
    }
  }, [state.messages.length, lastMessage?.content, lastMessage?.status]);

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    if (sendBlocked) {
      return;
    }
    const text = draft;
    if (text.trim() === "") {
      setDraftError("Type a message before sending.");
      return;
    }
    if (text.length > MAX_MESSAGE_CHARS) {
      setDraftError(`The message is ${text.length} characters long; the limit is ${MAX_MESSAGE_CHARS}.`);
      return;
    }
    setDraftError(null);
    const accepted = await onSend(text);
    // Typing goes on while the message is sent, so only the sent text is cleared.
    if (accepted) {
      setDraft((current) => (current === text ? "" : current));
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
  }

  const status = statusText(state);
  let blockedReason: string | null = null;
  if (replyInProgress) {
    blockedReason = "Send is off until the assistant finishes replying. You can keep typing; your text stays here.";
  } else if (loadingThread) {
    blockedReason = "Send is off while the conversation loads.";
  }
  const describedBy = ["composer-hint", draftError || state.sendError ? "composer-error" : ""].filter(Boolean).join(" ");

  return (
    <section className="panel chat" aria-labelledby="chat-heading">
      <h2 id="chat-heading" tabIndex={-1}>
        Chat
      </h2>

      {state.threadStatus === "loading" && <p role="status">Loading the conversation…</p>}
      {state.threadStatus === "failed" && (
        <div className="notice notice-error" role="alert">
          <p>{state.threadError}</p>
          <button type="button" onClick={onRetryLoad}>
            Try again
          </button>
        </div>
      )}

      {/* Focusable so keyboard users can scroll it; token updates are not announced, the status line is. */}
      <div className="messages" ref={logRef} role="region" aria-label="Messages" tabIndex={0}>
        {state.messages.length === 0 && state.threadStatus !== "loading" ? (
          <p className="messages-empty">
            Tell the assistant what you need to do, for example “Remind me to renew my passport by the end of the month”.
          </p>
        ) : (
          <ol>
            {state.messages.map((message) => (
              <MessageView key={message.key} message={message} />
            ))}
          </ol>
        )}
      </div>

      <p className="chat-status" role="status" aria-live="polite">
        {status}
      </p>

      <form className="composer" onSubmit={submit}>
        <label htmlFor="composer-message">Message</label>
        <textarea
          id="composer-message"
          name="message"
          rows={3}
          value={draft}
          onChange={(event) => {
            setDraft(event.target.value);
            if (draftError) {
              setDraftError(null);
            }
          }}
          onKeyDown={onKeyDown}
          aria-describedby={describedBy}
          aria-invalid={draftError !== null}
          placeholder="Ask for a to-do, or tell the assistant about yourself"
        />
        <div className="composer-footer">
          <p id="composer-hint" className="hint">
            {blockedReason ?? "Enter sends, Shift+Enter adds a line."}
            {draft.length > MAX_MESSAGE_CHARS * 0.9 && ` ${draft.length} / ${MAX_MESSAGE_CHARS} characters.`}
          </p>
          <button type="submit" className="primary" disabled={sendBlocked}>
            Send
          </button>
        </div>
        {(draftError || state.sendError) && (
          <p id="composer-error" className="field-error" role="alert">
            {draftError ?? state.sendError}
          </p>
        )}
      </form>
    </section>
  );
}
