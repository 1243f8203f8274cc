import { describe, expect, it } from "vitest";

import {
  type ReconnectInfo,
  StreamConnectionLostError,
  StreamHttpError,
  followEventStream,
} from "../src/sse/jobStream";
import type { SseMessage } from "../src/sse/parser";

function frame(id: string, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

const EVENTS = [
  frame("1-0", "start", { job_id: "j", thread_id: "t" }),
  frame("2-0", "token", { text: "Book " }),
  frame("3-0", "token", { text: "swim " }),
  frame("4-0", "token", { text: "lessons" }),
  frame("5-0", "end", { text: "Book swim lessons" }),
];

/** What one fake connection sends: chunks, then a clean close, a network error or nothing more. */
interface Script {
  status?: number;
  chunks: string[];
  finish: "close" | "error" | "hang";
}

interface RecordedRequest {
  url: string;
  headers: Record<string, string>;
}

/** A fetch that responds to the n-th request with the n-th script. */
function scriptedFetch(scripts: Script[]) {
  const requests: RecordedRequest[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const script = scripts[requests.length];
    requests.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) } });
    if (!script) {
      throw new TypeError("no script left for this request");
    }
    const encoder = new TextEncoder();
    const pending = [...script.chunks];
    // Chunks go out one per read, because erroring a stream discards what is still queued.
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          init?.signal?.addEventListener("abort", () => controller.error(init.signal?.reason));
        },
        pull(controller) {
          const chunk = pending.shift();
          if (chunk !== undefined) {
            controller.enqueue(encoder.encode(chunk));
          } else if (script.finish === "close") {
            controller.close();
          } else if (script.finish === "error") {
            controller.error(new TypeError("network error"));
          }
          // "hang": no more chunks and no end, like a connection that stays open.
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, {
      status: script.status ?? 200,
      headers: { "Content-Type": "text/event-stream" },
    });
  };
  return { fetchImpl: fetchImpl as typeof fetch, requests };
}

function collectText(events: SseMessage[]): string {
  return events
    .filter((event) => event.event === "token")
    .map((event) => (JSON.parse(event.data) as { text: string }).text)
    .join("");
}

async function follow(scripts: Script[], extra: Partial<Parameters<typeof followEventStream>[0]> = {}) {
  const { fetchImpl, requests } = scriptedFetch(scripts);
  const events: SseMessage[] = [];
  const reconnects: ReconnectInfo[] = [];
  const delays: number[] = [];
  const result = followEventStream({
    url: "/stream/j",
    headers: () => ({ Authorization: "Bearer token" }),
    fetchImpl,
    sleep: async (ms) => {
      delays.push(ms);
    },
    onEvent: (event) => events.push(event),
    onReconnecting: (info) => reconnects.push(info),
    ...extra,
  });
  return { result, events, reconnects, delays, requests };
}

describe("followEventStream", () => {
  it("returns the terminal event of an unbroken stream", async () => {
    const run = await follow([{ chunks: EVENTS, finish: "hang" }]);
    const terminal = await run.result;

    expect(terminal.event).toBe("end");
    expect(collectText(run.events)).toBe("Book swim lessons");
    expect(run.requests).toHaveLength(1);
    expect(run.requests[0].headers.Authorization).toBe("Bearer token");
    expect(run.requests[0].headers.Accept).toBe("text/event-stream");
    expect(run.requests[0].headers["Last-Event-ID"]).toBeUndefined();
  });

  it("reconnects with Last-Event-ID after a network error", async () => {
    const run = await follow([
      { chunks: EVENTS.slice(0, 3), finish: "error" },
      { chunks: EVENTS.slice(3), finish: "hang" },
    ]);
    await run.result;

    expect(run.requests).toHaveLength(2);
    expect(run.requests[1].headers["Last-Event-ID"]).toBe("3-0");
    expect(run.requests[1].headers.Authorization).toBe("Bearer token");
    expect(collectText(run.events)).toBe("Book swim lessons");
    expect(run.reconnects).toHaveLength(1);
    expect(run.reconnects[0].attempt).toBe(1);
    expect(run.reconnects[0].lastEventId).toBe("3-0");
  });

  it("reconnects when the server closes before the end event", async () => {
    const run = await follow([
      { chunks: EVENTS.slice(0, 2), finish: "close" },
      { chunks: EVENTS.slice(2), finish: "hang" },
    ]);
    await run.result;

    expect(run.requests[1].headers["Last-Event-ID"]).toBe("2-0");
    expect(collectText(run.events)).toBe("Book swim lessons");
  });

  it("skips events the server sends again", async () => {
    // This server ignores Last-Event-ID and replays the whole stream.
    const run = await follow([
      { chunks: EVENTS.slice(0, 3), finish: "error" },
      { chunks: EVENTS, finish: "hang" },
    ]);
    await run.result;

    expect(collectText(run.events)).toBe("Book swim lessons");
    expect(run.events.map((event) => event.id)).toEqual(["1-0", "2-0", "3-0", "4-0", "5-0"]);
  });

  it("discards a frame cut off by the drop", async () => {
    const cut = EVENTS[3].slice(0, 20);
    const run = await follow([
      { chunks: [...EVENTS.slice(0, 3), cut], finish: "error" },
      { chunks: EVENTS.slice(3), finish: "hang" },
    ]);
    await run.result;

    expect(run.requests[1].headers["Last-Event-ID"]).toBe("3-0");
    expect(collectText(run.events)).toBe("Book swim lessons");
  });

  it("handles frames split across chunks", async () => {
    const whole = EVENTS.join("");
    const pieces = whole.match(/[\s\S]{1,7}/g) ?? [];
    const run = await follow([{ chunks: pieces, finish: "hang" }]);
    await run.result;

    expect(collectText(run.events)).toBe("Book swim lessons");
  });

  it("retries a 503 and gives up after the bounded attempts", async () => {
    const failing: Script = { status: 503, chunks: [], finish: "close" };
    const run = await follow([failing, failing, failing, failing], {
      maxReconnectAttempts: 3,
      backoffMs: (attempt) => attempt * 100,
    });

    await expect(run.result).rejects.toBeInstanceOf(StreamConnectionLostError);
    expect(run.requests).toHaveLength(4);
    expect(run.delays).toEqual([100, 200, 300]);
    expect(run.reconnects.map((info) => info.attempt)).toEqual([1, 2, 3]);
  });

  it("resets the attempt count after progress", async () => {
    const run = await follow(
      [
        { chunks: EVENTS.slice(0, 2), finish: "error" },
        { chunks: [], finish: "error" },
        { chunks: EVENTS.slice(2, 3), finish: "error" },
        { chunks: [], finish: "error" },
        { chunks: EVENTS.slice(3), finish: "hang" },
      ],
      { maxReconnectAttempts: 2 },
    );
    await run.result;

    expect(run.reconnects.map((info) => info.attempt)).toEqual([1, 2, 1, 2]);
    expect(run.requests.map((request) => request.headers["Last-Event-ID"])).toEqual([
      undefined,
      "2-0",
      "2-0",
      "3-0",
      "3-0",
    ]);
    expect(collectText(run.events)).toBe("Book swim lessons");
  });

  it("does not retry a 404", async () => {
    const run = await follow([{ status: 404, chunks: ['{"detail":"Job not found"}'], finish: "close" }]);

    await expect(run.result).rejects.toMatchObject({ name: "StreamHttpError", status: 404 });
    expect(run.requests).toHaveLength(1);
  });

  it("rejects a 401 without retrying", async () => {
    const run = await follow([{ status: 401, chunks: [], finish: "close" }]);

    const error = await run.result.catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(StreamHttpError);
    expect((error as StreamHttpError).status).toBe(401);
    expect(run.requests).toHaveLength(1);
  });

  it("treats a silent connection as dropped", async () => {
    const run = await follow(
      [
        { chunks: EVENTS.slice(0, 2), finish: "hang" },
        { chunks: EVENTS.slice(2), finish: "hang" },
      ],
      { idleTimeoutMs: 50 },
    );
    await run.result;

    expect(run.reconnects[0].reason).toMatch(/no data/);
    expect(run.requests[1].headers["Last-Event-ID"]).toBe("2-0");
  });

  it("counts comments as activity on an idle connection", async () => {
    let requests = 0;
    let pings = 0;
    const encoder = new TextEncoder();
    // Five pings 20 ms apart, then the whole stream, against an idle timeout of 60 ms.
    const slowFetch = (async () => {
      requests++;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (pings < 5) {
            pings++;
            controller.enqueue(encoder.encode(": ping\n\n"));
          } else {
            controller.enqueue(encoder.encode(EVENTS.join("")));
          }
        },
      });
      return new Response(body, { status: 200 });
    }) as typeof fetch;

    const events: SseMessage[] = [];
    await followEventStream({ url: "/s", fetchImpl: slowFetch, idleTimeoutMs: 60, onEvent: (event) => events.push(event) });

    expect(requests).toBe(1);
    expect(collectText(events)).toBe("Book swim lessons");
  });

  it("stops when the signal aborts", async () => {
    const controller = new AbortController();
    const run = await follow([{ chunks: EVENTS.slice(0, 2), finish: "hang" }], { signal: controller.signal });
    setTimeout(() => controller.abort(new DOMException("stopped", "AbortError")), 10);

    await expect(run.result).rejects.toMatchObject({ name: "AbortError" });
    expect(run.reconnects).toHaveLength(0);
  });

  it("resumes from a given last event id", async () => {
    const run = await follow([{ chunks: EVENTS.slice(2), finish: "hang" }], { lastEventId: "2-0" });
    await run.result;

    expect(run.requests[0].headers["Last-Event-ID"]).toBe("2-0");
  });
});
