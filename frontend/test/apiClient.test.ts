import { describe, expect, it } from "vitest";

import { ApiError, SESSION_ENDED_MESSAGE, createApiClient, formatErrorDetail } from "../src/api/client";
import type { Todo } from "../src/api/types";

interface Call {
  path: string;
  init: RequestInit | undefined;
}

function fakeFetch(respond: (path: string) => Response) {
  const calls: Call[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ path: String(input), init });
    return respond(String(input));
  }) as typeof fetch;
  return { calls, fetchImpl };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function todo(index: number): Todo {
  return {
    id: `t${index}`,
    task: `task ${index}`,
    status: "not started",
    deadline: null,
    time_to_complete: null,
    solutions: [],
    created_at: "x",
    updated_at: "x",
  };
}

describe("formatErrorDetail", () => {
  it("uses a string detail as it is", () => {
    expect(formatErrorDetail({ detail: "Thread not found" }, 404)).toBe("Thread not found");
  });

  it("joins validation issues with their field", () => {
    const body = {
      detail: [
        { loc: ["body", "timezone"], msg: "unknown time zone", type: "value_error" },
        { loc: ["query", "limit"], msg: "too large", type: "less_than_equal" },
      ],
    };

    expect(formatErrorDetail(body, 422)).toBe("timezone: unknown time zone; query.limit: too large");
  });

  it("falls back to the status", () => {
    expect(formatErrorDetail(null, 502, "Bad Gateway")).toBe("The service behind this page did not respond (HTTP 502 Bad Gateway). Check that it is running.");
  });
});

describe("createApiClient", () => {
  it("sends the bearer token and JSON body", async () => {
    const { calls, fetchImpl } = fakeFetch(() => json(202, { job_id: "j", thread_id: "t", stream_url: "/stream/j" }));
    const api = createApiClient({ getToken: () => "tok", onUnauthorized: () => undefined, fetchImpl });
    await api.startChat("hello", "Europe/Berlin");

    const headers = calls[0].init?.headers as Record<string, string>;
    expect(calls[0].path).toBe("/chat/new");
    expect(calls[0].init?.method).toBe("POST");
    expect(headers.Authorization).toBe("Bearer tok");
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ message: "hello", timezone: "Europe/Berlin" });
  });

  it("sends no token to the sign-in endpoints", async () => {
    const { calls, fetchImpl } = fakeFetch(() => json(200, { access_token: "a", token_type: "bearer", expires_in: 60 }));
    const api = createApiClient({ getToken: () => "tok", onUnauthorized: () => undefined, fetchImpl });
    await api.createDevToken("alice");

    expect((calls[0].init?.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it("signs out on 401", async () => {
    const messages: string[] = [];
    const { fetchImpl } = fakeFetch(() => json(401, { detail: "Token expired" }));
    const api = createApiClient({ getToken: () => "tok", onUnauthorized: (message) => messages.push(message), fetchImpl });

    await expect(api.getProfile()).rejects.toMatchObject({ status: 401 });
    expect(messages).toEqual([SESSION_ENDED_MESSAGE]);
  });

  it("raises ApiError with the server's detail", async () => {
    const { fetchImpl } = fakeFetch(() => json(409, { detail: "This thread still has a reply in progress." }));
    const api = createApiClient({ getToken: () => "tok", onUnauthorized: () => undefined, fetchImpl });

    const error = await api.continueChat("t", "hi", "UTC").catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).message).toBe("This thread still has a reply in progress.");
  });

  it("reads every page of to-dos", async () => {
    const all = Array.from({ length: 1203 }, (_, index) => todo(index));
    const { calls, fetchImpl } = fakeFetch((path) => {
      const query = new URL(path, "http://x").searchParams;
      const limit = Number(query.get("limit"));
      const offset = Number(query.get("offset"));
      return json(200, { items: all.slice(offset, offset + limit), total: all.length, limit, offset });
    });
    const api = createApiClient({ getToken: () => "tok", onUnauthorized: () => undefined, fetchImpl });
    const todos = await api.getAllTodos();

    expect(todos.map((item) => item.id)).toEqual(all.map((item) => item.id));
    expect(calls.map((call) => call.path)).toEqual([
      "/todos?limit=500&offset=0",
      "/todos?limit=500&offset=500",
      "/todos?limit=500&offset=1000",
    ]);
  });

  it("stops paging on an empty page", async () => {
    const { calls, fetchImpl } = fakeFetch(() => json(200, { items: [], total: 10, limit: 500, offset: 0 }));
    const api = createApiClient({ getToken: () => "tok", onUnauthorized: () => undefined, fetchImpl });

    expect(await api.getAllTodos()).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it("reports an unreachable server", async () => {
    const fetchImpl = (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch;
    const api = createApiClient({ getToken: () => "tok", onUnauthorized: () => undefined, fetchImpl });

    await expect(api.getThreads(50, 0)).rejects.toMatchObject({ status: 0, message: expect.stringMatching(/Could not reach/) });
  });
});
