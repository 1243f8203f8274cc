import type {
  AuthConfig,
  ChatAccepted,
  DevToken,
  Instructions,
  Job,
  Page,
  Profile,
  Thread,
  ThreadMessage,
  Todo,
} from "./types";

/** An HTTP response outside 2xx, or a request that got no response (status 0). */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

interface ValidationIssue {
  loc?: unknown[];
  msg?: string;
}

/**
 * Turns an error body into one readable sentence. FastAPI sends
 * `{"detail": "..."}` for errors it raises and `{"detail": [{loc, msg, type}]}`
 * for 422 validation errors.
 */
export function formatErrorDetail(body: unknown, status: number, statusText = ""): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === "string" && detail.trim() !== "") {
    return detail;
  }
  if (Array.isArray(detail) && detail.length > 0) {
    return detail
      .map((issue: ValidationIssue) => {
        const location = (issue.loc ?? []).filter((part) => part !== "body").join(".");
        const message = issue.msg ?? "is invalid";
        return location ? `${location}: ${message}` : message;
      })
      .join("; ");
  }
  const reason = statusText ? ` ${statusText}` : "";
  if (status === 502 || status === 504) {
    // The Vite proxy returns 502 with an empty body when it cannot reach the service.
    return `The service behind this page did not respond (HTTP ${status}${reason}). Check that it is running.`;
  }
  return `The request failed with HTTP ${status}${reason}.`;
}

/** Reads an error response's body as JSON when it is JSON, else returns null. */
export async function readErrorBody(response: Response): Promise<unknown> {
  try {
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export const SESSION_ENDED_MESSAGE =
  "Your session has ended or is no longer valid. Sign in again to continue.";

export interface ApiClientOptions {
  /** Returns the current bearer token, or null when no user is signed in. */
  getToken: () => string | null;
  /** Called once for each 401 response to a request that carried a token. */
  onUnauthorized: (message: string) => void;
  fetchImpl?: typeof fetch;
}

interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Whether to send the bearer token. It is false for the endpoints that work without one. */
  auth?: boolean;
}

/** Largest page the todo-read service accepts for `GET /todos`. */
const TODO_PAGE_LIMIT = 500;
/** Guards against a server whose `total` keeps growing while the pages are read. */
const MAX_TODO_PAGES = 100;

export type ApiClient = ReturnType<typeof createApiClient>;

/**
 * Creates the client for both services. The paths are relative, so the
 * browser sends them to the page's own origin, where the Vite dev or preview
 * server proxies them to the gateway or to todo-read.
 */
export function createApiClient(options: ApiClientOptions) {
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));

  function authHeaders(): Record<string, string> {
    const token = options.getToken();
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  async function request<T>(method: string, path: string, request: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const useAuth = request.auth ?? true;
    if (useAuth) {
      Object.assign(headers, authHeaders());
    }
    if (request.body !== undefined) {
      headers["Content-Type"] = "application/json";
    }

    let response: Response;
    try {
      response = await fetchImpl(path, {
        method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: request.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") {
        throw error;
      }
      throw new ApiError(0, `Could not reach the server (${method} ${path}). Check your connection and try again.`);
    }

    if (response.status === 401 && useAuth && headers.Authorization) {
      options.onUnauthorized(SESSION_ENDED_MESSAGE);
      throw new ApiError(401, SESSION_ENDED_MESSAGE);
    }
    if (!response.ok) {
      const body = await readErrorBody(response);
      throw new ApiError(response.status, formatErrorDetail(body, response.status, response.statusText));
    }
    if (response.status === 204) {
      return undefined as T;
    }
    return (await response.json()) as T;
  }

  async function getAllTodos(signal?: AbortSignal): Promise<Todo[]> {
    const todos: Todo[] = [];
    for (let page = 0; page < MAX_TODO_PAGES; page++) {
      const query = new URLSearchParams({ limit: String(TODO_PAGE_LIMIT), offset: String(todos.length) });
      const result = await request<Page<Todo>>("GET", `/todos?${query}`, { signal });
      todos.push(...result.items);
      if (result.items.length === 0 || todos.length >= result.total) {
        return todos;
      }
    }
    return todos;
  }

  return {
    authHeaders,
    getAuthConfig: (signal?: AbortSignal) =>
      request<AuthConfig>("GET", "/auth/config", { auth: false, signal }),
    createDevToken: (user: string) =>
      request<DevToken>("POST", "/auth/dev-token", { auth: false, body: { user } }),
    startChat: (message: string, timezone: string) =>
      request<ChatAccepted>("POST", "/chat/new", { body: { message, timezone } }),
    continueChat: (threadId: string, message: string, timezone: string) =>
      request<ChatAccepted>("POST", "/chat/continue", {
        body: { thread_id: threadId, message, timezone },
      }),
    getJob: (jobId: string, signal?: AbortSignal) =>
      request<Job>("GET", `/jobs/${encodeURIComponent(jobId)}`, { signal }),
    getAllTodos,
    getProfile: (signal?: AbortSignal) => request<Profile>("GET", "/profile", { signal }),
    getInstructions: (signal?: AbortSignal) =>
      request<Instructions>("GET", "/instructions", { signal }),
    getThreads: (limit: number, offset: number, signal?: AbortSignal) =>
      request<Page<Thread>>("GET", `/threads?${new URLSearchParams({ limit: String(limit), offset: String(offset) })}`, {
        signal,
      }),
    getThreadMessages: (threadId: string, signal?: AbortSignal) =>
      request<{ items: ThreadMessage[] }>("GET", `/threads/${encodeURIComponent(threadId)}/messages`, { signal }),
    /** Path of a job's event stream, used when the 202 response has no usable `stream_url`. */
    streamPath: (jobId: string) => `/stream/${encodeURIComponent(jobId)}`,
    /** Reports a 401 seen outside `request`, such as on the event stream. */
    reportUnauthorized: () => options.onUnauthorized(SESSION_ENDED_MESSAGE),
  };
}
