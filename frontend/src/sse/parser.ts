/**
 * Incremental parser for the `text/event-stream` format, following the
 * "Parsing an event stream" rules of the WHATWG HTML standard (section
 * "Server-sent events"). It takes chunks of bytes or text that may split a
 * line, a field or a CRLF pair anywhere, and returns the frames that each
 * chunk completes.
 */

/** A dispatched event. */
export interface SseMessage {
  kind: "event";
  /** Event type: the `event:` field, or "message" when the frame had none. */
  event: string;
  /** The `data:` lines joined by "\n". */
  data: string;
  /** The `id:` field of this frame, or undefined when the frame had none. */
  id: string | undefined;
  /**
   * The stream's last event ID after this frame, as the standard defines it:
   * it carries over from earlier frames that set an `id:`.
   */
  lastEventId: string;
}

/** A comment line (one that starts with ":"), without the colon and one leading space. */
export interface SseComment {
  kind: "comment";
  text: string;
}

export type SseFrame = SseMessage | SseComment;

export class SseParser {
  private readonly decoder = new TextDecoder("utf-8");
  private buffer = "";
  private skipLineFeed = false;
  private atStreamStart = true;

  private dataLines: string[] = [];
  private eventType = "";
  private frameId: string | undefined = undefined;
  /** The standard's "last event ID buffer": set by `id:` lines, even in a frame not yet complete. */
  private idBuffer: string;
  private committedId: string;

  /** The reconnection time from the latest valid `retry:` field, in milliseconds. */
  retryMs: number | undefined = undefined;

  /** @param lastEventId id of the last event already received, when resuming a stream */
  constructor(lastEventId = "") {
    this.idBuffer = lastEventId;
    this.committedId = lastEventId;
  }

  /**
   * The id to send as `Last-Event-ID` on a reconnection. Like the standard's
   * "last event ID string", it changes only when a frame completes, so the id
   * of a frame cut off by a dropped connection is never sent.
   */
  get lastEventId(): string {
    return this.committedId;
  }

  /** Parses one chunk and returns the frames it completes, in stream order. */
  push(chunk: string | Uint8Array): SseFrame[] {
    const text =
      typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    return this.consume(text);
  }

  /**
   * Ends the stream. A frame that has no blank line after it yet is dropped,
   * as the standard requires, and the parser is ready for a new stream.
   */
  end(): SseFrame[] {
    const frames = this.consume(this.decoder.decode());
    this.buffer = "";
    this.skipLineFeed = false;
    this.atStreamStart = true;
    this.idBuffer = this.committedId;
    this.resetFrame();
    return frames;
  }

  private consume(text: string): SseFrame[] {
    const frames: SseFrame[] = [];
    let input = text;

    if (this.atStreamStart && input.length > 0) {
      this.atStreamStart = false;
      if (input.charCodeAt(0) === 0xfeff) {
        input = input.slice(1);
      }
    }

    // A CR that ended the previous chunk may be the first half of a CRLF pair.
    if (this.skipLineFeed && input.length > 0) {
      this.skipLineFeed = false;
      if (input[0] === "\n") {
        input = input.slice(1);
      }
    }

    let start = 0;
    for (let index = 0; index < input.length; index++) {
      const char = input[index];
      if (char !== "\r" && char !== "\n") {
        continue;
      }

      const line = this.buffer + input.slice(start, index);
      this.buffer = "";
      const frame = this.processLine(line);
      if (frame) {
        frames.push(frame);
      }

      if (char === "\r") {
        if (index + 1 < input.length) {
          if (input[index + 1] === "\n") {
            index++;
          }
        } else {
          this.skipLineFeed = true;
        }
      }
      start = index + 1;
    }
    this.buffer += input.slice(start);
    return frames;
  }

  private processLine(line: string): SseFrame | undefined {
    if (line === "") {
      return this.dispatch();
    }

    if (line[0] === ":") {
      const text = line.slice(1);
      return { kind: "comment", text: text.startsWith(" ") ? text.slice(1) : text };
    }

    const colon = line.indexOf(":");
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = "";
    } else {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.startsWith(" ")) {
        value = value.slice(1);
      }
    }

    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.dataLines.push(value);
        break;
      case "id":
        // The standard ignores an id that contains NULL.
        if (!value.includes("\u0000")) {
          this.idBuffer = value;
          this.frameId = value;
        }
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) {
          this.retryMs = Number(value);
        }
        break;
      default:
        // The standard ignores unknown fields.
        break;
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    this.committedId = this.idBuffer;
    const hasData = this.dataLines.length > 0;
    const message: SseMessage = {
      kind: "event",
      event: this.eventType === "" ? "message" : this.eventType,
      data: this.dataLines.join("\n"),
      id: this.frameId,
      lastEventId: this.committedId,
    };
    this.resetFrame();
    // A frame with no data line is not dispatched, although its `id:` still counts.
    return hasData ? message : undefined;
  }

  private resetFrame(): void {
    this.dataLines = [];
    this.eventType = "";
    this.frameId = undefined;
  }
}

/** Parses a whole stream at once, for tests and small inputs. */
export function parseSse(text: string): SseFrame[] {
  const parser = new SseParser();
  return [...parser.push(text), ...parser.end()];
}
