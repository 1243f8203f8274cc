/** Shapes of the gateway and todo-read HTTP API (docs/api.md in the repository). */

export type AuthMode = "dev" | "oidc";

export interface AuthConfig {
  mode: AuthMode;
  issuer: string | null;
  audience: string | null;
  client_id: string | null;
}

export interface DevToken {
  access_token: string;
  token_type: "bearer";
  /** Lifetime of the token in seconds. */
  expires_in: number;
}

export interface ChatAccepted {
  job_id: string;
  thread_id: string;
  stream_url: string;
}

export type JobStatus = "queued" | "running" | "succeeded" | "failed";

export interface Job {
  job_id: string;
  thread_id: string;
  status: JobStatus;
}

export type TodoStatus = "not started" | "in progress" | "done" | "archived";

export const TODO_STATUSES: readonly TodoStatus[] = [
  "not started",
  "in progress",
  "done",
  "archived",
];

export interface Todo {
  id: string;
  task: string;
  status: TodoStatus;
  /** ISO 8601 date or date-time, or null when the to-do has no deadline. */
  deadline: string | null;
  /** Estimated time to complete, in minutes. */
  time_to_complete: number | null;
  solutions: string[];
  created_at: string;
  updated_at: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Profile {
  name: string | null;
  location: string | null;
  job: string | null;
  connections: string[];
  interests: string[];
  updated_at: string | null;
}

export interface Instructions {
  text: string | null;
  updated_at: string | null;
}

export interface Thread {
  thread_id: string;
  title: string | null;
  created_at: string;
  updated_at: string;
}

export interface ThreadMessage {
  role: "user" | "assistant";
  content: string;
  created_at: string;
}

/** Data of the stream's `memory` event. */
export interface MemoryEvent {
  kind: "todo" | "profile" | "instructions";
  action: "created" | "updated";
  id: string | null;
  summary: string;
}
