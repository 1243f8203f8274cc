import { useCallback, useEffect, useRef, useState } from "react";

import type { ApiClient } from "../api/client";
import type { Instructions, MemoryEvent, Profile, Thread, Todo } from "../api/types";
import type { Session } from "../auth/session";
import { readThreadIdFromHash, writeThreadIdToHash } from "../state/location";
import { useChat } from "../state/useChat";
import { useRemoteData } from "../state/useRemoteData";
import { ChatPanel } from "./ChatPanel";
import { ProfilePanel } from "./ProfilePanel";
import { ThreadList } from "./ThreadList";
import { TodoPanel } from "./TodoPanel";

const THREAD_PAGE_SIZE = 50;

/** Moves focus and the view to a panel heading, which has tabIndex -1 for this. */
function focusHeading(id: string): void {
  const heading = document.getElementById(id);
  heading?.focus({ preventScroll: true });
  heading?.scrollIntoView({ block: "nearest" });
}

/** Moves focus to the chat, which on a phone sits above the conversation list. */
function focusChat(): void {
  focusHeading("chat-heading");
}

/**
 * Renders an in-page link that scrolls to a panel without writing the
 * panel's id into the URL hash, where it would replace the open thread's id.
 */
function SectionLink({ target, children }: { target: string; children: string }) {
  return (
    <a
      href={`#${target}`}
      onClick={(event) => {
        event.preventDefault();
        focusHeading(target);
      }}
    >
      {children}
    </a>
  );
}

interface WorkspaceProps {
  api: ApiClient;
  session: Session;
  onSignOut: () => void;
}

/** Renders the signed-in screen: conversations, chat, to-dos and profile. */
export function Workspace({ api, session, onSignOut }: WorkspaceProps) {
  const fetchTodos = useCallback((signal: AbortSignal) => api.getAllTodos(signal), [api]);
  const todos = useRemoteData<Todo[]>(fetchTodos);

  const [threadLimit, setThreadLimit] = useState(THREAD_PAGE_SIZE);
  const fetchThreads = useCallback((signal: AbortSignal) => api.getThreads(threadLimit, 0, signal), [api, threadLimit]);
  const threads = useRemoteData(fetchThreads);

  const fetchProfile = useCallback(
    async (signal: AbortSignal): Promise<{ profile: Profile; instructions: Instructions }> => {
      const [profile, instructions] = await Promise.all([api.getProfile(signal), api.getInstructions(signal)]);
      return { profile, instructions };
    },
    [api],
  );
  const profile = useRemoteData(fetchProfile);

  const { reload: reloadTodos } = todos;
  const { reload: reloadThreads } = threads;
  const { reload: reloadProfile } = profile;

  const onMemory = useCallback(
    (memory: MemoryEvent) => {
      if (memory.kind === "todo") {
        reloadTodos();
      } else {
        reloadProfile();
      }
    },
    [reloadTodos, reloadProfile],
  );

  const onReplyFinished = useCallback(() => {
    reloadTodos();
    reloadThreads();
    reloadProfile();
  }, [reloadTodos, reloadThreads, reloadProfile]);

  const onThreadAssigned = useCallback(
    (threadId: string) => {
      writeThreadIdToHash(threadId, false);
      reloadThreads();
    },
    [reloadThreads],
  );

  const chat = useChat(api, { onMemory, onReplyFinished, onThreadAssigned });
  const { openThread, newChat } = chat;

  // Opens the thread named in the URL on the first render and after back/forward.
  const openedFromHash = useRef(false);
  useEffect(() => {
    const openFromHash = () => {
      const hash = window.location.hash;
      const threadId = readThreadIdFromHash(hash);
      if (threadId) {
        openThread(threadId);
      } else if (hash === "" || hash === "#") {
        newChat();
      }
      // Any other fragment, such as a heading id, leaves the conversation open.
    };
    if (!openedFromHash.current) {
      openedFromHash.current = true;
      if (readThreadIdFromHash(window.location.hash)) {
        openFromHash();
      }
    }
    window.addEventListener("hashchange", openFromHash);
    return () => window.removeEventListener("hashchange", openFromHash);
  }, [openThread, newChat]);

  const selectThread = useCallback(
    (threadId: string) => {
      writeThreadIdToHash(threadId, true);
      openThread(threadId);
      focusChat();
    },
    [openThread],
  );

  const startNewChat = useCallback(() => {
    writeThreadIdToHash(null, true);
    newChat();
    focusChat();
  }, [newChat]);

  const threadPage = threads.data;
  const threadItems: Thread[] = threadPage?.items ?? [];

  return (
    <div className="app">
      <header className="app-header">
        <div className="app-title">
          <h1>To-do assistant</h1>
          <nav aria-label="Sections" className="section-links">
            <SectionLink target="chat-heading">Chat</SectionLink>
            <SectionLink target="todos-heading">To-dos</SectionLink>
            <SectionLink target="threads-heading">Conversations</SectionLink>
            <SectionLink target="profile-heading">Profile</SectionLink>
          </nav>
        </div>
        <div className="account">
          <span>
            Signed in as <strong>{session.user}</strong>
          </span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>

      <div className="layout">
        <ThreadList
          threads={threadItems}
          total={threadPage?.total ?? 0}
          loading={threads.loading}
          error={threads.error}
          activeThreadId={chat.state.threadId}
          onSelect={selectThread}
          onNewChat={startNewChat}
          onRetry={threads.reload}
          onShowMore={() => setThreadLimit((limit) => limit + THREAD_PAGE_SIZE)}
        />
        <ChatPanel state={chat.state} onSend={chat.send} onRetryLoad={() => chat.state.threadId && openThread(chat.state.threadId)} />
        <div className="side">
          <TodoPanel todos={todos.data} loading={todos.loading} error={todos.error} onRetry={todos.reload} />
          <ProfilePanel
            profile={profile.data?.profile ?? null}
            instructions={profile.data?.instructions ?? null}
            loading={profile.loading}
            error={profile.error}
            onRetry={profile.reload}
          />
        </div>
      </div>
    </div>
  );
}
