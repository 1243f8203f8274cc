import { describe, expect, it } from "vitest";

import { type ChatAction, type ChatState, chatReducer, initialChatState, isReplyInProgress } from "../src/state/chat";

function run(actions: ChatAction[], state: ChatState = initialChatState): ChatState {
  return actions.reduce(chatReducer, state);
}

const SENT: ChatAction[] = [
  { type: "sendStarted", key: "m1", text: "Remind me to book swim lessons" },
  { type: "sendAccepted", key: "m1", jobId: "job-1", threadId: "thread-1" },
];

function reply(state: ChatState) {
  return state.messages.findLast((message) => message.role === "assistant");
}

describe("chatReducer", () => {
  it("shows thinking from send until the first token", () => {
    const started = run(SENT.slice(0, 1));
    const accepted = run(SENT);

    expect(started.sending).toBe(true);
    expect(started.messages.map((message) => message.status)).toEqual(["sending", "thinking"]);
    expect(accepted.sending).toBe(false);
    expect(accepted.threadId).toBe("thread-1");
    expect(accepted.activeJobId).toBe("job-1");
    expect(accepted.messages.map((message) => message.status)).toEqual(["done", "thinking"]);
    expect(isReplyInProgress(started)).toBe(true);
    expect(isReplyInProgress(accepted)).toBe(true);
  });

  it("appends tokens in order", () => {
    const state = run([
      ...SENT,
      { type: "streamToken", jobId: "job-1", text: "Got " },
      { type: "streamToken", jobId: "job-1", text: "it" },
    ]);

    expect(reply(state)?.content).toBe("Got it");
    expect(reply(state)?.status).toBe("streaming");
  });

  it("takes the end text as the whole reply", () => {
    const state = run([
      ...SENT,
      { type: "streamToken", jobId: "job-1", text: "Got" },
      { type: "streamEnd", jobId: "job-1", text: "Got it, saved." },
    ]);

    expect(reply(state)?.content).toBe("Got it, saved.");
    expect(reply(state)?.status).toBe("done");
    expect(state.activeJobId).toBeNull();
    expect(isReplyInProgress(state)).toBe(false);
  });

  it("marks the reply failed on an error event", () => {
    const state = run([
      ...SENT,
      { type: "streamToken", jobId: "job-1", text: "Got" },
      { type: "streamError", jobId: "job-1", message: "The model stopped." },
    ]);

    expect(reply(state)?.status).toBe("failed");
    expect(reply(state)?.error).toBe("The model stopped.");
    expect(reply(state)?.content).toBe("Got");
    expect(isReplyInProgress(state)).toBe(false);
  });

  it("removes an unsent message and keeps the reason", () => {
    const state = run([
      { type: "sendStarted", key: "m1", text: "hello" },
      { type: "sendFailed", key: "m1", message: "Your message was not sent: timezone: unknown" },
    ]);

    expect(state.messages).toEqual([]);
    expect(state.sendError).toBe("Your message was not sent: timezone: unknown");
    expect(state.sending).toBe(false);
  });

  it("tracks reconnection and clears it on the next event", () => {
    const reconnecting = run([
      ...SENT,
      { type: "streamToken", jobId: "job-1", text: "Got " },
      { type: "streamReconnecting", jobId: "job-1", attempt: 2, maxAttempts: 6 },
    ]);
    const reopened = chatReducer(reconnecting, { type: "streamOpened", jobId: "job-1" });
    const resumed = chatReducer(reconnecting, { type: "streamToken", jobId: "job-1", text: "it" });

    expect(reconnecting.reconnect).toEqual({ attempt: 2, maxAttempts: 6 });
    expect(reply(reconnecting)?.status).toBe("reconnecting");
    expect(reopened.reconnect).toBeNull();
    expect(reply(reopened)?.status).toBe("streaming");
    expect(resumed.reconnect).toBeNull();
    expect(reply(resumed)?.content).toBe("Got it");
  });

  it("goes back to thinking when a reconnect opens before any token", () => {
    const state = run([
      ...SENT,
      { type: "streamReconnecting", jobId: "job-1", attempt: 1, maxAttempts: 6 },
      { type: "streamOpened", jobId: "job-1" },
    ]);

    expect(reply(state)?.status).toBe("thinking");
  });

  it("ignores events of another job", () => {
    const before = run(SENT);
    const after = run(
      [
        { type: "streamToken", jobId: "old-job", text: "stale" },
        { type: "streamEnd", jobId: "old-job", text: "stale" },
        { type: "streamReconnecting", jobId: "old-job", attempt: 1, maxAttempts: 6 },
      ],
      before,
    );

    expect(after).toBe(before);
  });

  it("collects memory events on the reply", () => {
    const memory = { kind: "todo", action: "created", id: "todo-1", summary: "Book swim lessons" } as const;
    const state = run([...SENT, { type: "streamMemory", jobId: "job-1", memory }]);

    expect(reply(state)?.memories).toEqual([memory]);
  });

  it("loads a thread's messages", () => {
    const state = run([
      { type: "threadLoading", threadId: "thread-9" },
      {
        type: "threadLoaded",
        threadId: "thread-9",
        messages: [
          { role: "user", content: "hi", created_at: "2026-12-01T10:00:00Z" },
          { role: "assistant", content: "hello", created_at: "2026-12-01T10:00:02Z" },
        ],
      },
    ]);

    expect(state.threadStatus).toBe("ready");
    expect(state.messages.map((message) => [message.role, message.content, message.status])).toEqual([
      ["user", "hi", "done"],
      ["assistant", "hello", "done"],
    ]);
  });

  it("ignores a late thread load", () => {
    const state = run([
      { type: "threadLoading", threadId: "thread-a" },
      { type: "threadLoading", threadId: "thread-b" },
      { type: "threadLoaded", threadId: "thread-a", messages: [{ role: "user", content: "a", created_at: "x" }] },
    ]);

    expect(state.threadId).toBe("thread-b");
    expect(state.threadStatus).toBe("loading");
    expect(state.messages).toEqual([]);
  });

  it("reports a failed thread load", () => {
    const state = run([
      { type: "threadLoading", threadId: "thread-a" },
      { type: "threadLoadFailed", threadId: "thread-a", message: "not found" },
    ]);

    expect(state.threadStatus).toBe("failed");
    expect(state.threadError).toBe("not found");
  });

  it("resumes a reply from an empty placeholder", () => {
    const loaded = run([
      { type: "threadLoading", threadId: "thread-1" },
      { type: "threadLoaded", threadId: "thread-1", messages: [{ role: "user", content: "hi", created_at: "x" }] },
      { type: "replyResumed", key: "r1", jobId: "job-7" },
      { type: "streamToken", jobId: "job-7", text: "Hel" },
    ]);

    expect(loaded.activeJobId).toBe("job-7");
    expect(reply(loaded)?.content).toBe("Hel");
  });

  it("starts over on new chat", () => {
    const state = run([...SENT, { type: "newChat" }]);

    expect(state).toEqual(initialChatState);
  });
});
