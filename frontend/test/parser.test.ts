import { describe, expect, it } from "vitest";

import { type SseFrame, type SseMessage, SseParser, parseSse } from "../src/sse/parser";

function events(frames: SseFrame[]): SseMessage[] {
  return frames.filter((frame): frame is SseMessage => frame.kind === "event");
}

/** Feeds `text` split at every position in `cuts` and returns all frames. */
function feedInPieces(text: string, cuts: number[]): SseFrame[] {
  const parser = new SseParser();
  const frames: SseFrame[] = [];
  let start = 0;
  for (const cut of [...cuts, text.length]) {
    frames.push(...parser.push(text.slice(start, cut)));
    start = cut;
  }
  frames.push(...parser.end());
  return frames;
}

const GATEWAY_STREAM = [
  "id: 1700000000000-0",
  "event: start",
  'data: {"job_id":"j1","thread_id":"t1"}',
  "",
  ": ping",
  "",
  "id: 1700000000001-0",
  "event: token",
  'data: {"text":"Hel"}',
  "",
  "id: 1700000000001-1",
  "event: token",
  'data: {"text":"lo é✓"}',
  "",
  "id: 1700000000002-0",
  "event: end",
  'data: {"text":"Hello é✓"}',
  "",
  "",
].join("\n");

describe("SseParser", () => {
  it("parses id, event and data fields", () => {
    const result = events(parseSse(GATEWAY_STREAM));

    expect(result.map((event) => event.event)).toEqual(["start", "token", "token", "end"]);
    expect(result.map((event) => event.id)).toEqual([
      "1700000000000-0",
      "1700000000001-0",
      "1700000000001-1",
      "1700000000002-0",
    ]);
    expect(JSON.parse(result[3].data)).toEqual({ text: "Hello é✓" });
  });

  it("reports comments and does not dispatch them", () => {
    const frames = parseSse(": ping\n\n:no space\n\ndata: x\n\n");

    expect(frames).toEqual([
      { kind: "comment", text: "ping" },
      { kind: "comment", text: "no space" },
      { kind: "event", event: "message", data: "x", id: undefined, lastEventId: "" },
    ]);
  });

  it("joins multi-line data with line feeds", () => {
    const [event] = events(parseSse("data: first\ndata:second\ndata\ndata:  indented\n\n"));

    expect(event.data).toBe("first\nsecond\n\n indented");
  });

  it("accepts CRLF, CR and LF line endings", () => {
    const crlf = events(parseSse("event: a\r\ndata: 1\r\n\r\n"));
    const cr = events(parseSse("event: b\rdata: 2\r\r"));
    const mixed = events(parseSse("event: c\r\ndata: 3\n\r\n"));

    expect(crlf).toMatchObject([{ event: "a", data: "1" }]);
    expect(cr).toMatchObject([{ event: "b", data: "2" }]);
    expect(mixed).toMatchObject([{ event: "c", data: "3" }]);
  });

  it("gives the same events for every split of a stream", () => {
    const expected = parseSse(GATEWAY_STREAM);
    for (let cut = 0; cut <= GATEWAY_STREAM.length; cut++) {
      expect(feedInPieces(GATEWAY_STREAM, [cut]), `split at ${cut}`).toEqual(expected);
    }
  });

  it("handles a CRLF pair split across chunks", () => {
    const text = "data: a\r\n\r\ndata: b\r\n\r\n";
    const crIndex = text.indexOf("\r\n") + 1;
    const frames = events(feedInPieces(text, [crIndex, crIndex + 2, crIndex + 3]));

    expect(frames.map((frame) => frame.data)).toEqual(["a", "b"]);
  });

  it("feeds one character at a time", () => {
    const text = GATEWAY_STREAM.replaceAll("\n", "\r\n");
    const cuts = Array.from({ length: text.length }, (_, index) => index);

    expect(feedInPieces(text, cuts)).toEqual(parseSse(GATEWAY_STREAM));
  });

  it("decodes UTF-8 split inside a character", () => {
    const bytes = new TextEncoder().encode('data: {"text":"é✓"}\n\n');
    const parser = new SseParser();
    const frames: SseFrame[] = [];
    for (const byte of bytes) {
      frames.push(...parser.push(Uint8Array.of(byte)));
    }

    expect(events(frames).map((frame) => frame.data)).toEqual(['{"text":"é✓"}']);
  });

  it("keeps the last event id across frames", () => {
    const result = events(parseSse("id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"));

    expect(result.map((event) => [event.id, event.lastEventId])).toEqual([
      ["7", "7"],
      [undefined, "7"],
      ["", ""],
    ]);
  });

  it("ignores an id containing NULL", () => {
    const parser = new SseParser();
    const result = events(parser.push("id: 5\ndata: a\n\nid: 6\u00007\ndata: b\n\n"));

    expect(result[1].id).toBeUndefined();
    expect(parser.lastEventId).toBe("5");
  });

  it("records an id from a frame without data", () => {
    const parser = new SseParser();
    const frames = parser.push("id: 42\n\n");

    expect(frames).toEqual([]);
    expect(parser.lastEventId).toBe("42");
  });

  it("parses retry only when it is all digits", () => {
    const parser = new SseParser();
    parser.push("retry: 1500\n\n");
    expect(parser.retryMs).toBe(1500);
    parser.push("retry: 2s\n\n");

    expect(parser.retryMs).toBe(1500);
  });

  it("strips a byte order mark and ignores unknown fields", () => {
    const result = events(parseSse("\uFEFFdata: a\nfoo: bar\n\n"));

    expect(result).toMatchObject([{ event: "message", data: "a" }]);
  });

  it("drops an unterminated frame at the end", () => {
    const parser = new SseParser();
    const pushed = parser.push("data: complete\n\nid: 9\nevent: token\ndata: {\"te");
    const ended = parser.end();

    expect(events(pushed).map((event) => event.data)).toEqual(["complete"]);
    expect(ended).toEqual([]);
    // Resuming after id 9 would skip the token that never arrived.
    expect(parser.lastEventId).toBe("");
  });

  it("resumes from the id given to the constructor", () => {
    const parser = new SseParser("1700000000001-0");
    const [event] = events(parser.push("data: a\n\n"));

    expect(parser.lastEventId).toBe("1700000000001-0");
    expect(event.lastEventId).toBe("1700000000001-0");
  });

  it("starts clean after end", () => {
    const parser = new SseParser();
    parser.push("event: token\ndata: partial");
    parser.end();
    const result = events(parser.push("data: fresh\n\n"));

    expect(result).toMatchObject([{ event: "message", data: "fresh" }]);
  });
});
