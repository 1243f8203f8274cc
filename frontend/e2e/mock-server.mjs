// @ts-check
/**
 * A stand-in for the gateway and todo-read services, written against the
 * API contract in docs/api.md, for developing and testing the UI without
 * the real stack. It keeps everything in memory and listens on loopback only.
 *
 * The gateway port serves /auth, /chat, /jobs, /stream and the test controls
 * under /__mock. The todo-read port serves /todos, /profile, /instructions and
 * /threads. Both serve /healthz and /readyz.
 *
 * Replies come from a scripted assistant: "Remind me to <task> by <day>" (or
 * "tomorrow", "today", "in N days") creates a to-do and emits a `memory`
 * event, "my daughter" or "my son" adds a connection to the profile, and a
 * message that contains "[mock-error]" ends with an `error` event.
 *
 * Run it alone with `node e2e/mock-server.mjs`. parseEnvironment() lists
 * the environment variables it reads.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

const HOST = "127.0.0.1";
const TODO_STATUSES = ["not started", "in progress", "done", "archived"];
const DEV_USER_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/**
 * @typedef {{ id: string, event: string, data: unknown }} StreamEvent
 * @typedef {{
 *   jobId: string, user: string, threadId: string,
 *   status: "queued" | "running" | "succeeded" | "failed",
 *   events: StreamEvent[], listeners: Set<(event: StreamEvent) => void>
 * }} Job
 * @typedef {{ role: "user" | "assistant", content: string, created_at: string }} Message
 * @typedef {{ thread_id: string, title: string, created_at: string, updated_at: string,
 *   messages: Message[], activeJobId: string | null }} Thread
 * @typedef {{ id: string, task: string, status: string, deadline: string | null,
 *   time_to_complete: number | null, solutions: string[], created_at: string, updated_at: string }} Todo
 * @typedef {{ todos: Todo[], threads: Map<string, Thread>,
 *   profile: { name: string | null, location: string | null, job: string | null,
 *     connections: string[], interests: string[], updated_at: string | null },
 *   instructions: { text: string | null, updated_at: string | null } }} UserData
 * @typedef {{ dropAfterEvents: number, remaining: number }} DropFault
 */

/**
 * @typedef {object} MockOptions
 * @property {number} [gatewayPort] 0 picks a free port.
 * @property {number} [todoReadPort] 0 picks a free port.
 * @property {"dev" | "oidc"} [authMode]
 * @property {number} [tokenTtlSeconds] Lifetime of dev tokens.
 * @property {number} [heartbeatMs] Interval of `: ping` comments on open streams.
 * @property {number} [thinkMs] Delay between `start` and the first token.
 * @property {number} [tokenMs] Delay between tokens.
 * @property {number} [maxMessageChars]
 * @property {boolean} [logRequests]
 */

/** @returns {Required<MockOptions>} */
export function parseEnvironment(env = process.env) {
  /** @param {string} name @param {number} fallback */
  const number = (name, fallback) => {
    const raw = env[name];
    if (raw === undefined || raw === "") {
      return fallback;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`${name} must be a non-negative number, got "${raw}".`);
    }
    return value;
  };
  const authMode = env.MOCK_AUTH_MODE ?? "dev";
  if (authMode !== "dev" && authMode !== "oidc") {
    throw new Error(`MOCK_AUTH_MODE must be "dev" or "oidc", got "${authMode}".`);
  }
  return {
    gatewayPort: number("MOCK_GATEWAY_PORT", 18000),
    todoReadPort: number("MOCK_TODO_READ_PORT", 18001),
    authMode,
    tokenTtlSeconds: number("MOCK_TOKEN_TTL_SECONDS", 3600),
    heartbeatMs: number("MOCK_HEARTBEAT_MS", 15000),
    thinkMs: number("MOCK_THINK_MS", 400),
    tokenMs: number("MOCK_TOKEN_MS", 60),
    maxMessageChars: number("MOCK_MAX_MESSAGE_CHARS", 8000),
    logRequests: env.MOCK_LOG === "1",
  };
}

class HttpError extends Error {
  /** @param {number} status @param {unknown} detail @param {Record<string, string>} [headers] */
  constructor(status, detail, headers = {}) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
    this.headers = headers;
  }
}

/** @param {string[]} loc @param {string} msg @param {string} [type] */
function validationError(loc, msg, type = "value_error") {
  return new HttpError(422, [{ loc, msg, type }]);
}

function base64url(/** @type {Buffer | string} */ input) {
  return Buffer.from(input).toString("base64url");
}

/** Returns whether Intl accepts `name` as a time zone (an IANA name or UTC). */
function isKnownTimeZone(/** @type {string} */ name) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Returns the offset of `timeZone` from UTC at `time`, in milliseconds. */
function timeZoneOffsetMs(/** @type {number} */ time, /** @type {string} */ timeZone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(time));
  /** @param {string} type */
  const value = (type) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(value("year"), value("month") - 1, value("day"), value("hour"), value("minute"), value("second"));
  return asUtc - Math.floor(time / 1000) * 1000;
}

/** Returns [year, month 1-12, day, weekday 0-6] of `time` in `timeZone`. */
function calendarDate(/** @type {number} */ time, /** @type {string} */ timeZone) {
  const local = new Date(time + timeZoneOffsetMs(time, timeZone));
  return [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate(), local.getUTCDay()];
}

/**
 * Formats a wall-clock time in `timeZone` as ISO 8601 with that zone's offset,
 * such as "2026-12-11T17:00:00+01:00".
 */
function zonedIso(/** @type {number} */ year, /** @type {number} */ month, /** @type {number} */ day, /** @type {number} */ hour, /** @type {string} */ timeZone) {
  const guess = Date.UTC(year, month - 1, day, hour);
  const offset = timeZoneOffsetMs(guess - timeZoneOffsetMs(guess, timeZone), timeZone);
  const sign = offset < 0 ? "-" : "+";
  const absolute = Math.abs(offset) / 60000;
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  const date = `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:00:00`;
  return `${date}${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

/**
 * Finds the deadline in a phrase such as "by Friday", "tomorrow" or "in 3 days".
 * @returns {{ iso: string, label: string } | null}
 */
function parseDeadline(/** @type {string} */ text, /** @type {string} */ timeZone, /** @type {number} */ now) {
  const lower = text.toLowerCase();
  const [year, month, day, weekday] = calendarDate(now, timeZone);
  let addDays = null;

  const weekdayMatch = lower.match(/\b(?:by|on|before|until|next)?\s*(sunday|monday|tuesday|wednesday|thursday|friday|saturday)\b/);
  const inDaysMatch = lower.match(/\bin (\d{1,3}) days?\b/);
  if (/\btomorrow\b/.test(lower)) {
    addDays = 1;
  } else if (/\btoday\b|\btonight\b/.test(lower)) {
    addDays = 0;
  } else if (inDaysMatch) {
    addDays = Number(inDaysMatch[1]);
  } else if (weekdayMatch) {
    addDays = (WEEKDAYS.indexOf(weekdayMatch[1]) - weekday + 7) % 7;
  }
  if (addDays === null) {
    return null;
  }

  const target = new Date(Date.UTC(year, month - 1, day + addDays));
  const iso = zonedIso(target.getUTCFullYear(), target.getUTCMonth() + 1, target.getUTCDate(), 17, timeZone);
  const label = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" }).format(target);
  return { iso, label };
}

/** Turns "book swim lessons for my daughter by Friday" into "Book swim lessons for my daughter". */
function extractTask(/** @type {string} */ message) {
  const match = message.match(/\b(?:remind me to|i need to|i have to|i must|don't let me forget to)\s+(.+)/i);
  if (!match) {
    return null;
  }
  let task = match[1]
    .replace(/[.!?]+\s*$/, "")
    .replace(/\s+(?:by|on|before|until)\s+(?:sunday|monday|tuesday|wednesday|thursday|friday|saturday|tomorrow|today|tonight)\b.*$/i, "")
    .replace(/\s+(?:tomorrow|today|tonight|next\s+\w+|in \d{1,3} days?)\b.*$/i, "")
    .trim();
  if (task === "") {
    return null;
  }
  task = task[0].toUpperCase() + task.slice(1);
  return task;
}

/** @returns {string[]} */
function suggestSolutions(/** @type {string} */ task) {
  if (/swim/i.test(task)) {
    return [
      "Compare beginner classes at the two nearest public pools",
      "Ask other parents at school which swim school they use",
    ];
  }
  return ["Block 30 minutes in your calendar for it", "Split it into a first small step you can do today"];
}

/** Splits text into pieces of one word plus the space after it, like model tokens. */
function tokenize(/** @type {string} */ text) {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/**
 * Starts both listeners and returns their URLs and a close function.
 * @param {MockOptions} [options]
 */
export async function startMockServer(options = {}) {
  const settings = { ...parseEnvironment({}), ...options };
  const secret = randomUUID();
  /** @type {Map<string, UserData>} */
  const users = new Map();
  /** @type {Map<string, Job>} */
  const jobs = new Map();
  /** @type {DropFault | null} */
  let dropFault = null;
  /** @type {{ jobId: string, user: string, lastEventId: string | null, at: string }[]} */
  const streamRequests = [];
  /** @type {Set<import("node:http").ServerResponse>} */
  const openStreams = new Set();
  /** @type {Set<NodeJS.Timeout>} */
  const timers = new Set();
  /** Returned by a handler that has taken over the response itself. */
  const STREAMING = Symbol("streaming");
  let lastIdTime = 0;
  let lastIdSequence = 0;

  /** Returns a Redis Stream style id, "<milliseconds>-<sequence>", that grows with every call. */
  function nextEventId() {
    const now = Date.now();
    if (now > lastIdTime) {
      lastIdTime = now;
      lastIdSequence = 0;
    } else {
      lastIdSequence += 1;
    }
    return `${lastIdTime}-${lastIdSequence}`;
  }

  /** Compares two "<ms>-<seq>" ids. A malformed id sorts before every valid one. */
  function compareEventIds(/** @type {string} */ a, /** @type {string} */ b) {
    const parse = (/** @type {string} */ id) => {
      const match = /^(\d+)-(\d+)$/.exec(id);
      return match ? [BigInt(match[1]), BigInt(match[2])] : [-1n, -1n];
    };
    const [aTime, aSequence] = parse(a);
    const [bTime, bSequence] = parse(b);
    if (aTime !== bTime) {
      return aTime < bTime ? -1 : 1;
    }
    if (aSequence === bSequence) {
      return 0;
    }
    return aSequence < bSequence ? -1 : 1;
  }

  /** @param {number} ms @param {() => void} callback */
  function later(ms, callback) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      callback();
    }, ms);
    timers.add(timer);
  }

  /** @returns {UserData} */
  function dataOf(/** @type {string} */ user) {
    let data = users.get(user);
    if (!data) {
      data = {
        todos: [],
        threads: new Map(),
        profile: { name: null, location: null, job: null, connections: [], interests: [], updated_at: null },
        instructions: { text: null, updated_at: null },
      };
      users.set(user, data);
    }
    return data;
  }

  function issueToken(/** @type {string} */ user) {
    const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url(JSON.stringify({ sub: user, iat: now, exp: now + settings.tokenTtlSeconds }));
    const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
    return `${header}.${payload}.${signature}`;
  }

  /** Returns the token's `sub`, or throws 401 like the gateway does. */
  function authenticate(/** @type {import("node:http").IncomingMessage} */ request) {
    const unauthorized = (/** @type {string} */ detail) => new HttpError(401, detail, { "WWW-Authenticate": "Bearer" });
    const header = request.headers.authorization ?? "";
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) {
      throw unauthorized("Not authenticated");
    }
    const [headerPart, payloadPart, signature] = match[1].split(".");
    if (!headerPart || !payloadPart || !signature) {
      throw unauthorized("Invalid token");
    }
    const expected = createHmac("sha256", secret).update(`${headerPart}.${payloadPart}`).digest();
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw unauthorized("Invalid token");
    }
    const payload = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8"));
    if (typeof payload.exp !== "number" || payload.exp * 1000 <= Date.now()) {
      throw unauthorized("Token expired");
    }
    return /** @type {string} */ (payload.sub);
  }

  /** @returns {Promise<any>} */
  async function readJson(/** @type {import("node:http").IncomingMessage} */ request) {
    const chunks = [];
    for await (const chunk of request) {
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    try {
      return JSON.parse(text);
    } catch {
      throw validationError(["body"], "JSON decode error", "json_invalid");
    }
  }

  /** @param {Job} job @param {string} event @param {unknown} data */
  function emit(job, event, data) {
    const entry = { id: nextEventId(), event, data };
    job.events.push(entry);
    for (const listener of job.listeners) {
      listener(entry);
    }
  }

  /**
   * Plays the scripted assistant for one message: `start`, the tokens, any
   * `memory` events halfway, then `end` (or `error`).
   * @param {Job} job @param {string} message @param {string} timeZone
   */
  function runJob(job, message, timeZone) {
    const data = dataOf(job.user);
    const thread = /** @type {Thread} */ (data.threads.get(job.threadId));
    const now = Date.now();
    const failing = message.includes("[mock-error]");

    /** @type {{ event: string, data: unknown, apply?: () => void }[]} */
    const memories = [];
    let reply;
    const task = extractTask(message);
    if (task) {
      const deadline = parseDeadline(message, timeZone, now);
      const stamp = new Date(now).toISOString();
      /** @type {Todo} */
      const todo = {
        id: randomUUID(),
        task,
        status: "not started",
        deadline: deadline?.iso ?? null,
        time_to_complete: /swim/i.test(task) ? 20 : 30,
        solutions: suggestSolutions(task),
        created_at: stamp,
        updated_at: stamp,
      };
      memories.push({
        event: "memory",
        data: { kind: "todo", action: "created", id: todo.id, summary: task },
        apply: () => data.todos.push(todo),
      });
      reply = deadline
        ? `Got it! I added "${task}" to your to-dos, due ${deadline.label}. It should take about ${todo.time_to_complete} minutes. Do you want ideas for where to start?`
        : `Got it! I added "${task}" to your to-dos. Tell me when it is due and I will add a deadline.`;
    } else {
      reply = `I am the mock assistant, so I only understand requests like "Remind me to call the dentist tomorrow". You wrote: "${message.trim().slice(0, 120)}".`;
    }

    const relation = message.match(/\bmy (daughter|son|wife|husband|partner|mother|father|sister|brother)\b/i);
    if (relation) {
      const connection = relation[1][0].toUpperCase() + relation[1].slice(1).toLowerCase();
      if (!data.profile.connections.includes(connection)) {
        memories.push({
          event: "memory",
          data: { kind: "profile", action: "updated", id: null, summary: `Added ${connection.toLowerCase()} to your connections` },
          apply: () => {
            data.profile.connections.push(connection);
            data.profile.updated_at = new Date().toISOString();
          },
        });
      }
    }

    const tokens = tokenize(reply);
    const failAt = failing ? Math.min(5, tokens.length) : -1;
    const memoryAt = Math.floor(tokens.length / 2);

    job.status = "queued";
    later(100, () => {
      job.status = "running";
      emit(job, "start", { job_id: job.jobId, thread_id: job.threadId });
      let index = 0;
      const step = () => {
        if (index === failAt) {
          job.status = "failed";
          thread.activeJobId = null;
          emit(job, "error", { message: "The language model stopped responding. Try again in a minute." });
          return;
        }
        if (index === memoryAt) {
          for (const memory of memories) {
            memory.apply?.();
            emit(job, memory.event, memory.data);
          }
        }
        if (index < tokens.length) {
          emit(job, "token", { text: tokens[index] });
          index += 1;
          later(settings.tokenMs, step);
          return;
        }
        const stamp = new Date().toISOString();
        thread.messages.push({ role: "assistant", content: reply, created_at: stamp });
        thread.updated_at = stamp;
        thread.activeJobId = null;
        job.status = "succeeded";
        emit(job, "end", { text: reply });
      };
      later(settings.thinkMs, step);
    });
  }

  /** @param {string} user @param {any} body @param {boolean} continuing */
  function acceptChat(user, body, continuing) {
    if (typeof body !== "object" || body === null) {
      throw validationError(["body"], "Input should be a valid dictionary", "dict_type");
    }
    const { message, timezone = "UTC" } = body;
    if (typeof message !== "string") {
      throw validationError(["body", "message"], "Field required", "missing");
    }
    if (message.length < 1 || message.length > settings.maxMessageChars || message.trim() === "") {
      throw validationError(
        ["body", "message"],
        `Value error, message must be 1 to ${settings.maxMessageChars} characters and not only white space`,
      );
    }
    if (typeof timezone !== "string" || !isKnownTimeZone(timezone)) {
      throw validationError(["body", "timezone"], `Value error, unknown time zone: ${String(timezone)}`);
    }

    const data = dataOf(user);
    const stamp = new Date().toISOString();
    /** @type {Thread | undefined} */
    let thread;
    if (continuing) {
      if (typeof body.thread_id !== "string" || !UUID_PATTERN.test(body.thread_id)) {
        throw validationError(["body", "thread_id"], "Input should be a valid UUID", "uuid_parsing");
      }
      thread = data.threads.get(body.thread_id);
      if (!thread) {
        throw new HttpError(404, "Thread not found");
      }
      if (thread.activeJobId) {
        throw new HttpError(409, "This thread still has a reply in progress. Wait for it to finish.");
      }
    } else {
      thread = {
        thread_id: randomUUID(),
        title: message.trim().replace(/\s+/g, " ").slice(0, 60),
        created_at: stamp,
        updated_at: stamp,
        messages: [],
        activeJobId: null,
      };
      data.threads.set(thread.thread_id, thread);
    }
    thread.messages.push({ role: "user", content: message, created_at: stamp });
    thread.updated_at = stamp;

    /** @type {Job} */
    const job = { jobId: randomUUID(), user, threadId: thread.thread_id, status: "queued", events: [], listeners: new Set() };
    jobs.set(job.jobId, job);
    thread.activeJobId = job.jobId;
    runJob(job, message, timezone);
    return { job_id: job.jobId, thread_id: thread.thread_id, stream_url: `/stream/${job.jobId}` };
  }

  /**
   * Streams a job's events after `Last-Event-ID`, then live ones, and closes
   * after the terminal event. A drop fault destroys the socket mid-stream.
   * @param {import("node:http").IncomingMessage} request
   * @param {import("node:http").ServerResponse} response
   * @param {string} user @param {string} jobId
   */
  function streamJob(request, response, user, jobId) {
    const job = jobs.get(jobId);
    if (!job || job.user !== user) {
      throw new HttpError(404, "Job not found");
    }
    const lastEventIdHeader = request.headers["last-event-id"];
    const lastEventId = typeof lastEventIdHeader === "string" && lastEventIdHeader !== "" ? lastEventIdHeader : null;
    streamRequests.push({ jobId, user, lastEventId, at: new Date().toISOString() });

    /** @type {DropFault | null} */
    let fault = null;
    if (dropFault && dropFault.remaining > 0) {
      dropFault.remaining -= 1;
      fault = dropFault;
      if (dropFault.remaining === 0) {
        dropFault = null;
      }
    }

    response.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    response.flushHeaders();
    openStreams.add(response);

    let sent = 0;
    let closed = false;
    const heartbeat = setInterval(() => response.write(": ping\n\n"), settings.heartbeatMs);
    const finish = () => {
      if (closed) {
        return;
      }
      closed = true;
      clearInterval(heartbeat);
      job.listeners.delete(deliver);
      openStreams.delete(response);
    };

    /** @param {StreamEvent} entry */
    function deliver(entry) {
      if (closed) {
        return;
      }
      if (fault && sent >= fault.dropAfterEvents) {
        // Half a frame, then a reset, so the client must discard the fragment.
        response.write(`id: ${entry.id}\nevent: ${entry.event}\ndata: {"te`);
        finish();
        response.socket?.destroy();
        return;
      }
      const payload = JSON.stringify(entry.data);
      response.write(`id: ${entry.id}\nevent: ${entry.event}\ndata: ${payload}\n\n`);
      sent += 1;
      if (entry.event === "end" || entry.event === "error") {
        finish();
        response.end();
      }
    }

    response.on("close", finish);
    const backlog = lastEventId === null ? job.events : job.events.filter((entry) => compareEventIds(entry.id, lastEventId) > 0);
    for (const entry of backlog) {
      deliver(entry);
    }
    if (!closed) {
      job.listeners.add(deliver);
    }
  }

  /** @param {{ items: unknown[] }} list @param {URLSearchParams} query @param {number} defaultLimit @param {number} maxLimit */
  function paginate(list, query, defaultLimit, maxLimit) {
    const limit = query.has("limit") ? Number(query.get("limit")) : defaultLimit;
    const offset = query.has("offset") ? Number(query.get("offset")) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
      throw validationError(["query", "limit"], `Input should be between 1 and ${maxLimit}`, "less_than_equal");
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw validationError(["query", "offset"], "Input should be greater than or equal to 0", "greater_than_equal");
    }
    return { items: list.items.slice(offset, offset + limit), total: list.items.length, limit, offset };
  }

  /**
   * @typedef {(request: import("node:http").IncomingMessage, response: import("node:http").ServerResponse,
   *   match: RegExpExecArray, url: URL) => Promise<unknown> | unknown} Handler
   * @type {[string, RegExp, Handler][]}
   */
  const gatewayRoutes = [
    ["GET", /^\/auth\/config$/, () => ({ mode: settings.authMode, issuer: settings.authMode === "oidc" ? "https://login.example.invalid/realms/todo" : null, audience: settings.authMode === "oidc" ? "todo-assistant" : null, client_id: settings.authMode === "oidc" ? "todo-ui" : null })],
    [
      "POST",
      /^\/auth\/dev-token$/,
      async (request) => {
        if (settings.authMode !== "dev") {
          throw new HttpError(404, "Not Found");
        }
        const body = await readJson(request);
        if (typeof body?.user !== "string" || !DEV_USER_PATTERN.test(body.user)) {
          throw validationError(["body", "user"], "String should match pattern '^[A-Za-z0-9._@-]{1,64}$'", "string_pattern_mismatch");
        }
        return { access_token: issueToken(body.user), token_type: "bearer", expires_in: settings.tokenTtlSeconds };
      },
    ],
    ["POST", /^\/chat\/new$/, async (request) => [202, acceptChat(authenticate(request), await readJson(request), false)]],
    ["POST", /^\/chat\/continue$/, async (request) => [202, acceptChat(authenticate(request), await readJson(request), true)]],
    [
      "GET",
      /^\/jobs\/([^/]+)$/,
      (request, _response, match) => {
        const user = authenticate(request);
        const job = jobs.get(decodeURIComponent(match[1]));
        if (!job || job.user !== user) {
          throw new HttpError(404, "Job not found");
        }
        return { job_id: job.jobId, thread_id: job.threadId, status: job.status };
      },
    ],
    [
      "GET",
      /^\/stream\/([^/]+)$/,
      (request, response, match) => {
        streamJob(request, response, authenticate(request), decodeURIComponent(match[1]));
        return STREAMING;
      },
    ],
    // Test controls, on the gateway port only.
    [
      "POST",
      /^\/__mock\/faults$/,
      async (request) => {
        const body = await readJson(request);
        const dropAfterEvents = Number(body?.dropStreamAfterEvents);
        const count = body?.count === undefined ? 1 : Number(body.count);
        if (!Number.isInteger(dropAfterEvents) || dropAfterEvents < 0 || !Number.isInteger(count) || count < 1) {
          throw validationError(["body"], 'Invalid fault, expected {"dropStreamAfterEvents": n >= 0, "count"?: n >= 1}');
        }
        dropFault = { dropAfterEvents, remaining: count };
        return { ok: true };
      },
    ],
    ["GET", /^\/__mock\/stream-requests$/, () => ({ items: streamRequests })],
    [
      "POST",
      /^\/__mock\/reset$/,
      () => {
        users.clear();
        jobs.clear();
        streamRequests.length = 0;
        dropFault = null;
        return { ok: true };
      },
    ],
  ];

  /** @type {[string, RegExp, Handler][]} */
  const todoReadRoutes = [
    [
      "GET",
      /^\/todos$/,
      (request, _response, _match, url) => {
        const data = dataOf(authenticate(request));
        const status = url.searchParams.get("status");
        if (status && !TODO_STATUSES.includes(status)) {
          throw validationError(["query", "status"], `Input should be ${TODO_STATUSES.map((s) => `'${s}'`).join(", ")}`, "enum");
        }
        const items = status ? data.todos.filter((todo) => todo.status === status) : data.todos;
        return paginate({ items }, url.searchParams, 100, 500);
      },
    ],
    ["GET", /^\/profile$/, (request) => dataOf(authenticate(request)).profile],
    ["GET", /^\/instructions$/, (request) => dataOf(authenticate(request)).instructions],
    [
      "GET",
      /^\/threads$/,
      (request, _response, _match, url) => {
        const data = dataOf(authenticate(request));
        const items = [...data.threads.values()]
          .sort((a, b) => b.updated_at.localeCompare(a.updated_at))
          .map(({ thread_id, title, created_at, updated_at }) => ({ thread_id, title, created_at, updated_at }));
        return paginate({ items }, url.searchParams, 50, 100);
      },
    ],
    [
      "GET",
      /^\/threads\/([^/]+)\/messages$/,
      (request, _response, match) => {
        const data = dataOf(authenticate(request));
        const thread = data.threads.get(decodeURIComponent(match[1]));
        if (!thread) {
          throw new HttpError(404, "Thread not found");
        }
        return { items: thread.messages };
      },
    ],
  ];

  const commonRoutes = /** @type {[string, RegExp, Handler][]} */ ([
    ["GET", /^\/healthz$/, () => ({ status: "ok" })],
    ["GET", /^\/readyz$/, () => ({ status: "ok" })],
  ]);

  /** @param {string} name @param {[string, RegExp, Handler][]} routes */
  function createHandler(name, routes) {
    const all = [...commonRoutes, ...routes];
    /** @type {import("node:http").RequestListener} */
    return async (request, response) => {
      const url = new URL(request.url ?? "/", `http://${HOST}`);
      const started = Date.now();
      const send = (/** @type {number} */ status, /** @type {unknown} */ body, /** @type {Record<string, string>} */ headers = {}) => {
        response.writeHead(status, { "Content-Type": "application/json", ...headers });
        response.end(JSON.stringify(body));
      };
      try {
        const candidates = all.filter(([, pattern]) => pattern.test(url.pathname));
        if (candidates.length === 0) {
          throw new HttpError(404, "Not Found");
        }
        const route = candidates.find(([method]) => method === request.method);
        if (!route) {
          throw new HttpError(405, "Method Not Allowed");
        }
        const match = /** @type {RegExpExecArray} */ (route[1].exec(url.pathname));
        const result = await route[2](request, response, match, url);
        if (result === STREAMING) {
          return;
        }
        if (Array.isArray(result) && typeof result[0] === "number") {
          send(result[0], result[1]);
        } else {
          send(200, result);
        }
      } catch (error) {
        if (error instanceof HttpError) {
          if (!response.headersSent) {
            send(error.status, { detail: error.detail }, error.headers);
          }
        } else {
          console.error(`[mock ${name}] ${request.method} ${url.pathname} failed:`, error);
          if (!response.headersSent) {
            send(500, { detail: "Internal Server Error" });
          }
        }
      } finally {
        if (settings.logRequests) {
          console.log(`[mock ${name}] ${request.method} ${url.pathname} ${response.statusCode} ${Date.now() - started} ms`);
        }
      }
    };
  }

  /** @param {number} port @param {import("node:http").RequestListener} handler */
  function listen(port, handler) {
    const server = createServer(handler);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, HOST, () => resolve(server));
    });
  }

  const gateway = /** @type {import("node:http").Server} */ (await listen(settings.gatewayPort ?? 0, createHandler("gateway", gatewayRoutes)));
  const todoRead = /** @type {import("node:http").Server} */ (await listen(settings.todoReadPort ?? 0, createHandler("todo-read", todoReadRoutes)));
  const portOf = (/** @type {import("node:http").Server} */ server) => /** @type {import("node:net").AddressInfo} */ (server.address()).port;

  return {
    gatewayUrl: `http://${HOST}:${portOf(gateway)}`,
    todoReadUrl: `http://${HOST}:${portOf(todoRead)}`,
    async close() {
      for (const timer of timers) {
        clearTimeout(timer);
      }
      for (const response of openStreams) {
        response.destroy();
      }
      gateway.closeAllConnections();
      todoRead.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => gateway.close(resolve)),
        new Promise((resolve) => todoRead.close(resolve)),
      ]);
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const mock = await startMockServer(parseEnvironment());
  console.log(`mock gateway listening on ${mock.gatewayUrl}`);
  console.log(`mock todo-read listening on ${mock.todoReadUrl}`);
  const stop = async (/** @type {string} */ signal) => {
    console.log(`mock stopping on ${signal}`);
    await mock.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
