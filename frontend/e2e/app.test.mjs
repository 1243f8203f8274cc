// @ts-check
/**
 * Browser tests of the UI at UI_URL, driven through headless Chromium.
 *
 * They work against any backend that follows the API contract: the mock
 * (`npm run test:browser` starts it) or the real gateway and todo-read. Tests
 * that need the mock's fault controls run only when MOCK_CONTROL_URL is set.
 * With SCRIPTED_LLM_URL set (the scripted model behind the real services),
 * the tests that watch a reply stream slow that model's tokens down while
 * they run. Every run signs in with new user names, so earlier runs do not
 * interfere.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { launchBrowser, uiUrl } from "./browser.mjs";

const UI_URL = uiUrl();
const MOCK_CONTROL_URL = process.env.MOCK_CONTROL_URL;
const SCRIPTED_LLM_URL = process.env.SCRIPTED_LLM_URL;
/** How long a whole reply may take. A real model on a CPU needs far longer than the mock. */
const REPLY_TIMEOUT_MS = Number(process.env.E2E_REPLY_TIMEOUT_MS ?? 90_000);
const STEP_TIMEOUT_MS = 15_000;
const RUN_ID = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const SWIM_MESSAGE = "Remind me to book swim lessons for my daughter by Friday";
const REPLY_SELECTOR = 'article[aria-label="Assistant reply"]';

/** @type {import("playwright-core").Browser} */
let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Returns a user name unique to this run. */
function userName(/** @type {string} */ role) {
  return `e2e-${RUN_ID}-${role}`;
}

/**
 * Opens a page in a new context. Browser console errors are printed, so a
 * failing test shows what the page reported.
 * @param {{ width: number, height: number }} [viewport]
 */
async function openPage(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on("pageerror", (error) => console.error(`[page error] ${error.message}`));
  return { context, page };
}

/** Polls `check` until it returns a truthy value, or fails with `message`. */
async function waitUntil(/** @type {() => Promise<unknown>} */ check, /** @type {string} */ message, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      assert.fail(`Timed out after ${timeoutMs} ms: ${message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function signIn(/** @type {import("playwright-core").Page} */ page, /** @type {string} */ name) {
  await page.goto(UI_URL);
  await page.getByRole("textbox", { name: "Name" }).fill(name);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

async function signOut(/** @type {import("playwright-core").Page} */ page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("textbox", { name: "Name" }).waitFor();
}

/**
 * Records every change of the newest assistant reply: its text, whether it
 * is busy and whether it shows "Thinking…". Read with `readSamples`.
 */
async function recordReplySamples(/** @type {import("playwright-core").Page} */ page) {
  await page.evaluate((selector) => {
    const record = /** @type {any} */ (window);
    record.__replySamples = [];
    record.__replyObserver?.disconnect();
    const read = () => {
      const replies = document.querySelectorAll(selector);
      const last = replies[replies.length - 1];
      if (!last) {
        return;
      }
      const sample = {
        text: last.querySelector(".message-text")?.textContent ?? "",
        busy: last.getAttribute("aria-busy") === "true",
        thinking: last.textContent?.includes("Thinking…") ?? false,
        replies: replies.length,
      };
      const previous = record.__replySamples.at(-1);
      if (!previous || JSON.stringify(previous) !== JSON.stringify(sample)) {
        record.__replySamples.push(sample);
      }
    };
    record.__replyObserver = new MutationObserver(read);
    record.__replyObserver.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  }, REPLY_SELECTOR);
}

/** @returns {Promise<{ text: string, busy: boolean, thinking: boolean, replies: number }[]>} */
function readSamples(/** @type {import("playwright-core").Page} */ page) {
  return page.evaluate(() => /** @type {any} */ (window).__replySamples);
}

async function sendMessage(/** @type {import("playwright-core").Page} */ page, /** @type {string} */ text) {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

/**
 * Waits until the newest reply is no longer busy and returns its text.
 * `throwIfFailed` runs before each poll, so a failure elsewhere in the test
 * ends the wait at once instead of after REPLY_TIMEOUT_MS.
 */
async function waitForReplyFinished(/** @type {import("playwright-core").Page} */ page, throwIfFailed = () => {}) {
  const reply = page.locator(REPLY_SELECTOR).last();
  await waitUntil(
    async () => {
      throwIfFailed();
      return (await reply.count()) > 0 && (await reply.getAttribute("aria-busy")) === "false";
    },
    "the assistant reply to finish",
    REPLY_TIMEOUT_MS,
  );
  return (await reply.locator(".message-text").textContent()) ?? "";
}

function todosRegion(/** @type {import("playwright-core").Page} */ page) {
  return page.getByRole("region", { name: "To-dos" });
}

function swimTodo(/** @type {import("playwright-core").Page} */ page) {
  return todosRegion(page).getByRole("listitem").filter({ hasText: /swim/i });
}

/** Posts to the mock's test controls. */
async function mockControl(/** @type {string} */ path, /** @type {unknown} */ body) {
  const response = await fetch(`${MOCK_CONTROL_URL}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(response.status, 200, `mock control ${path} returned HTTP ${response.status}`);
  return response.json();
}

/**
 * Posts to the scripted model's `/_mode` control and returns its settings
 * afterwards. An empty body changes nothing.
 * @param {{ mode?: string, token_delay?: number }} body
 * @returns {Promise<{ mode: string, token_delay: number }>}
 */
async function scriptedModelMode(body) {
  const response = await fetch(`${SCRIPTED_LLM_URL}/_mode`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, `scripted model /_mode returned HTTP ${response.status}`);
  return response.json();
}

/**
 * Runs `body` while the scripted model waits `seconds` before each word of a
 * streamed reply, then restores the delay it had before. The agent worker
 * merges tokens that arrive within TOKEN_BATCH_MS (30 by default) into one
 * `token` event, so the model's default 0.02 s can yield too few events to
 * watch a reply grow. Without SCRIPTED_LLM_URL (against the mock) it only
 * runs `body`, because the mock already waits MOCK_TOKEN_MS (60 by default)
 * between tokens.
 * @template T
 * @param {number} seconds
 * @param {() => Promise<T>} body
 * @returns {Promise<T>}
 */
async function withTokenDelay(seconds, body) {
  if (!SCRIPTED_LLM_URL) {
    return body();
  }
  const previous = await scriptedModelMode({});
  await scriptedModelMode({ token_delay: seconds });
  try {
    return await body();
  } finally {
    await scriptedModelMode({ token_delay: previous.token_delay });
  }
}

/**
 * Request headers left out when the test resends a stream request: the
 * connection-level ones, which fetch sets itself, and accept-encoding, so the
 * stream arrives uncompressed as it does through the proxy.
 */
const HEADERS_NOT_COPIED = new Set(["host", "connection", "content-length", "keep-alive", "transfer-encoding", "accept-encoding"]);

/**
 * Sends the intercepted stream request again from the test process and reads
 * its SSE frames until the terminal event (`end` or `error`), or until the
 * server closes the response. It stops at the terminal event, as the UI does,
 * so the result does not depend on how the server closes the connection
 * afterwards. Playwright's `route.fetch()` is not used because it reads the
 * whole body, and in playwright-core 1.65 it rejects with "aborted" when the
 * connection breaks after the last event.
 * @param {import("playwright-core").Request} request
 * @returns {Promise<string[]>} frames, each without its blank line, comments included
 */
async function fetchFramesUntilTerminal(request) {
  const headers = Object.fromEntries(
    Object.entries(request.headers()).filter(([name]) => !HEADERS_NOT_COPIED.has(name.toLowerCase())),
  );
  const response = await fetch(request.url(), { headers, signal: AbortSignal.timeout(REPLY_TIMEOUT_MS) });
  assert.equal(response.status, 200, `GET ${request.url()} returned HTTP ${response.status}`);
  assert.ok(response.body, `GET ${request.url()} returned no body`);

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  /** @type {string[]} */
  const frames = [];
  // Text after the last complete frame, with line ends already turned into "\n".
  let pending = "";
  try {
    for (;;) {
      const chunk = await reader.read();
      pending += chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      // A trailing CR may be the first half of a CRLF that the next chunk completes.
      const heldBack = !chunk.done && pending.endsWith("\r") ? "\r" : "";
      const parts = pending.slice(0, pending.length - heldBack.length).replace(/\r\n?/g, "\n").split("\n\n");
      pending = (parts.pop() ?? "") + heldBack;
      for (const frame of parts.filter((part) => part.trim() !== "")) {
        frames.push(frame);
        const { event } = parseFrame(frame);
        if (event === "end" || event === "error") {
          return frames;
        }
      }
      if (chunk.done) {
        return frames;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** @returns {{ id: string | undefined, event: string, data: string }} */
function parseFrame(/** @type {string} */ frame) {
  const lines = frame.split("\n");
  const field = (/** @type {string} */ name) =>
    lines.filter((line) => line.startsWith(`${name}:`)).map((line) => line.slice(name.length + 1).replace(/^ /, ""));
  return { id: field("id").at(-1), event: field("event").at(-1) ?? "message", data: field("data").join("\n") };
}

describe("to-do assistant UI", () => {
  /** @type {import("playwright-core").Page} */
  let page;
  /** @type {import("playwright-core").BrowserContext} */
  let context;
  /** Thread of the swim-lessons conversation, shared by the tests that follow it. */
  let swimThreadId = "";
  let swimReply = "";

  before(async () => {
    ({ context, page } = await openPage());
  });

  after(async () => {
    await context?.close();
  });

  test("sign in, stream a reply, see the to-do", async () => {
    await signIn(page, userName("alice"));
    await page.getByRole("region", { name: "Profile" }).waitFor();
    await recordReplySamples(page);

    const send = page.getByRole("button", { name: "Send" });
    const messageBox = page.getByRole("textbox", { name: "Message" });
    swimReply = await withTokenDelay(0.1, async () => {
      await sendMessage(page, SWIM_MESSAGE);
      assert.equal(await send.isDisabled(), true, "Send should be disabled while the reply streams");
      await page.getByText(/Send is off until the assistant finishes replying/).waitFor();

      // Text typed while the reply streams must stay in the textbox.
      await messageBox.fill("a draft typed during the reply");
      return waitForReplyFinished(page);
    });
    assert.notEqual(swimReply.trim(), "", "the finished reply is empty");
    assert.equal(await messageBox.inputValue(), "a draft typed during the reply");
    assert.equal(await send.isDisabled(), false, "Send should be enabled after the reply");

    const samples = await readSamples(page);
    assert.ok(samples.some((sample) => sample.thinking), "no thinking state was shown before the first token");
    const partial = [...new Set(samples.filter((sample) => sample.busy && sample.text !== "").map((sample) => sample.text))];
    assert.ok(partial.length >= 2, `the reply grew in ${partial.length} visible steps, expected at least 2`);
    for (const text of partial) {
      assert.ok(swimReply.startsWith(text), `partial text ${JSON.stringify(text)} is not a prefix of the final reply`);
    }

    const todo = swimTodo(page);
    await todo.waitFor({ timeout: REPLY_TIMEOUT_MS });
    const deadline = todo.locator("time");
    assert.equal(await deadline.count(), 1, "the to-do shows no deadline");
    assert.match((await deadline.getAttribute("datetime")) ?? "", /^\d{4}-\d{2}-\d{2}/);
    assert.match(await todo.innerText(), /today|tomorrow|in \d+ days?|overdue/);

    swimThreadId = new URLSearchParams(new URL(page.url()).hash.slice(1)).get("thread") ?? "";
    assert.notEqual(swimThreadId, "", "the URL hash names no thread");
    const current = page.getByRole("navigation", { name: "Conversations" }).locator('[aria-current="page"]');
    assert.equal(await current.count(), 1, "the new conversation is not marked current in the list");
  });

  test("reload keeps user, thread and to-do", async () => {
    assert.notEqual(swimThreadId, "", "needs the conversation of the previous test");
    await page.reload();

    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await page.getByText(`Signed in as ${userName("alice")}`).waitFor();
    const messages = page.getByRole("region", { name: "Messages" });
    await messages.getByText(SWIM_MESSAGE).waitFor();
    await messages.locator(REPLY_SELECTOR).first().waitFor();
    const current = page.getByRole("navigation", { name: "Conversations" }).locator('[aria-current="page"]');
    await current.waitFor();
    await swimTodo(page).waitFor();
    assert.equal(await swimTodo(page).locator("time").count(), 1);
  });

  test("second user sees neither thread nor to-do", async () => {
    await signOut(page);
    await page.getByRole("textbox", { name: "Name" }).fill(userName("bob"));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor();

    await todosRegion(page).getByText("No to-dos yet.", { exact: false }).waitFor();
    await page.getByRole("navigation", { name: "Conversations" }).getByText("No conversations yet.").waitFor();
    assert.equal(await swimTodo(page).count(), 0);
    assert.equal(await page.getByText(SWIM_MESSAGE).count(), 0);

    // Opening the first user's thread by its URL must fail like a missing one.
    await page.goto(`${UI_URL}/#thread=${swimThreadId}`);
    await page.getByText("This conversation was not found.", { exact: false }).waitFor();
    assert.equal(await page.getByText(SWIM_MESSAGE).count(), 0);
  });

  test("cut stream resumes without duplicate text", async () => {
    await signOut(page);
    await signIn(page, userName("carol"));

    /** @type {(string | null)[]} */
    const lastEventIds = [];
    /** Token text of every distinct event served to the page, in order. */
    let servedTokenText = "";
    let endText = "";
    let cutAfterId = "";
    let textBeforeEnd = "";
    const seenIds = new Set();
    /**
     * The first error thrown in the route handler, which Playwright would otherwise only log.
     * @type {unknown}
     */
    let routeError;

    /** @param {string[]} frames */
    const noteTokens = (frames) => {
      for (const frame of frames.map(parseFrame)) {
        if (frame.id && seenIds.has(frame.id)) {
          continue;
        }
        if (frame.id) {
          seenIds.add(frame.id);
        }
        if (frame.event === "token") {
          servedTokenText += JSON.parse(frame.data).text;
        }
      }
    };

    /** @param {import("playwright-core").Route} route */
    const serveStream = async (route) => {
      const request = route.request();
      lastEventIds.push(request.headers()["last-event-id"] ?? null);
      const attempt = lastEventIds.length;

      if (attempt === 1) {
        // First connection: the stream up to its third token, then half a frame and a close.
        const frames = await fetchFramesUntilTerminal(request);
        const tokenIndexes = frames.flatMap((frame, index) => (parseFrame(frame).event === "token" ? [index] : []));
        const endFrame = frames.map(parseFrame).find((frame) => frame.event === "end");
        assert.ok(tokenIndexes.length >= 4, `the reply has only ${tokenIndexes.length} token events, too few to cut`);
        assert.ok(endFrame, "the stream had no end event");
        endText = JSON.parse(endFrame.data).text;
        const kept = frames.slice(0, tokenIndexes[2] + 1);
        cutAfterId = parseFrame(kept[kept.length - 1]).id ?? "";
        noteTokens(kept);
        const halfFrame = frames[tokenIndexes[2] + 1].slice(0, 12);
        await route.fulfill({
          status: 200,
          headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" },
          body: `${kept.join("\n\n")}\n\n${halfFrame}`,
        });
        return;
      }

      if (attempt === 2) {
        // Second connection: everything the server resends, except the end event.
        const frames = (await fetchFramesUntilTerminal(request)).filter((frame) => parseFrame(frame).event !== "end");
        noteTokens(frames);
        await route.fulfill({
          status: 200,
          headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" },
          body: `${frames.join("\n\n")}\n\n`,
        });
        return;
      }

      // Third connection: the UI has all tokens and waits for the end event.
      textBeforeEnd = (await page.locator(REPLY_SELECTOR).last().locator(".message-text").textContent()) ?? "";
      await route.continue();
    };

    await page.route("**/stream/**", async (route) => {
      try {
        await serveStream(route);
      } catch (error) {
        routeError ??= error;
        await route.abort().catch(() => undefined);
      }
    });

    // One word per 0.1 s gives one token event per word, enough to cut after the third.
    const finalText = await withTokenDelay(0.1, async () => {
      await sendMessage(page, "Remind me to renew my passport in 20 days");
      return waitForReplyFinished(page, () => {
        if (routeError) {
          throw routeError;
        }
      });
    });
    await page.unroute("**/stream/**");

    assert.ok(lastEventIds.length >= 3, `expected 3 stream requests, saw ${lastEventIds.length}`);
    assert.equal(lastEventIds[0], null, "the first request sent a Last-Event-ID");
    assert.equal(lastEventIds[1], cutAfterId, "the reconnection did not resume after the last complete event");
    assert.notEqual(lastEventIds[2], null, "the second reconnection sent no Last-Event-ID");
    assert.equal(textBeforeEnd, servedTokenText, "the text shown before the end event lost or repeated tokens");
    assert.equal(finalText, endText, "the final reply differs from the end event's text");
    assert.equal(await page.locator(REPLY_SELECTOR).count(), 1, "the reply appears more than once");
  });

  test("dropped socket resumes without duplicate text", { skip: !MOCK_CONTROL_URL && "needs the mock (MOCK_CONTROL_URL)" }, async () => {
    await signOut(page);
    await signIn(page, userName("dave"));
    await recordReplySamples(page);
    await mockControl("/__mock/faults", { dropStreamAfterEvents: 6 });

    await sendMessage(page, "Remind me to water the plants tomorrow");
    await page.getByText(/Reconnecting/).first().waitFor({ timeout: REPLY_TIMEOUT_MS });
    const finalText = await waitForReplyFinished(page);

    const { items } = await mockControl("/__mock/stream-requests", undefined);
    const mine = items.filter((/** @type {{ user: string }} */ item) => item.user === userName("dave"));
    assert.equal(mine.length, 2, `expected one reconnection, saw ${mine.length} stream requests`);
    assert.equal(mine[0].lastEventId, null);
    assert.match(mine[1].lastEventId ?? "", /^\d+-\d+$/, "the reconnection sent no Last-Event-ID");

    const samples = await readSamples(page);
    for (const sample of samples) {
      assert.ok(finalText.startsWith(sample.text), `shown text ${JSON.stringify(sample.text)} is not a prefix of the reply`);
      assert.equal(sample.replies, 1, "the reply was shown more than once");
    }
    assert.match(finalText, /water the plants/i);
    await todosRegion(page).getByRole("listitem").filter({ hasText: /water the plants/i }).waitFor();
  });
});

describe("reload during a reply", () => {
  test("reload mid-reply resumes the stream", async () => {
    const { context, page } = await openPage();
    try {
      await signIn(page, userName("judy"));
      // At 0.2 s a word the reply lasts about 3 s, so the reload lands while it streams.
      const finalText = await withTokenDelay(0.2, async () => {
        await sendMessage(page, SWIM_MESSAGE);
        const reply = page.locator(REPLY_SELECTOR).last();
        await waitUntil(
          async () => ((await reply.locator(".message-text").textContent().catch(() => "")) ?? "").length > 0,
          "the first token of the reply",
          REPLY_TIMEOUT_MS,
        );
        await page.reload();

        await page.getByRole("region", { name: "Messages" }).getByText(SWIM_MESSAGE).waitFor();
        return waitForReplyFinished(page);
      });
      assert.notEqual(finalText.trim(), "");
      assert.equal(await page.locator(REPLY_SELECTOR).count(), 1, "the reply appears more than once after the reload");

      // The resumed reply must match what the server stored for the thread.
      await page.reload();
      await page.locator(REPLY_SELECTOR).first().waitFor();
      assert.equal(await page.locator(REPLY_SELECTOR).count(), 1);
      assert.equal(await page.locator(REPLY_SELECTOR).first().locator(".message-text").textContent(), finalText);
    } finally {
      await context.close();
    }
  });
});

describe("error handling", () => {
  test("error event shows its message", async () => {
    const { context, page } = await openPage();
    try {
      await signIn(page, userName("erin"));
      await page.route("**/stream/**", (route) =>
        route.fulfill({
          status: 200,
          headers: { "Content-Type": "text/event-stream" },
          body: [
            'id: 1-0\nevent: start\ndata: {"job_id":"x","thread_id":"y"}\n\n',
            'id: 2-0\nevent: token\ndata: {"text":"Let me "}\n\n',
            'id: 3-0\nevent: error\ndata: {"message":"The model is not available right now."}\n\n',
          ].join(""),
        }),
      );
      await sendMessage(page, "Remind me to test failures today");

      await page.getByRole("alert").filter({ hasText: "The model is not available right now." }).waitFor();
      assert.equal(await page.getByRole("button", { name: "Send" }).isDisabled(), false);
    } finally {
      await context.close();
    }
  });

  test("rejected message keeps its text", async () => {
    const { context, page } = await openPage();
    try {
      await signIn(page, userName("frank"));
      await page.route("**/chat/new", (route) =>
        route.fulfill({
          status: 422,
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ detail: [{ loc: ["body", "timezone"], msg: "unknown time zone", type: "value_error" }] }),
        }),
      );
      await sendMessage(page, "This message is rejected");

      await page.getByRole("alert").filter({ hasText: "timezone: unknown time zone" }).waitFor();
      assert.equal(await page.getByRole("textbox", { name: "Message" }).inputValue(), "This message is rejected");
      assert.equal(await page.locator(REPLY_SELECTOR).count(), 0);
    } finally {
      await context.close();
    }
  });

  test("401 signs the user out", async () => {
    const { context, page } = await openPage();
    try {
      await signIn(page, userName("grace"));
      await page.route("**/todos**", (route) =>
        route.fulfill({ status: 401, headers: { "Content-Type": "application/json" }, body: '{"detail":"Token expired"}' }),
      );
      await page.reload();

      await page.getByRole("textbox", { name: "Name" }).waitFor();
      await page.getByRole("alert").filter({ hasText: "Sign in again" }).waitFor();
      assert.equal(await page.evaluate(() => localStorage.getItem("todo-assistant.session")), null);
    } finally {
      await context.close();
    }
  });

  test("OIDC mode explains it is not built", async () => {
    const { context, page } = await openPage();
    try {
      await page.route("**/auth/config", (route) =>
        route.fulfill({
          status: 200,
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ mode: "oidc", issuer: "https://id.example.invalid", audience: "todo", client_id: "ui" }),
        }),
      );
      await page.goto(UI_URL);

      await page.getByText("OIDC sign-in is configured on this server, but this UI does not support it yet.").waitFor();
      assert.equal(await page.getByRole("textbox", { name: "Name" }).count(), 0);
    } finally {
      await context.close();
    }
  });
});

describe("keyboard and layout", () => {
  test("Enter sends and Shift+Enter adds a line", async () => {
    const { context, page } = await openPage();
    try {
      await page.goto(UI_URL);
      await page.getByRole("textbox", { name: "Name" }).focus();
      await page.keyboard.type(userName("heidi"));
      await page.keyboard.press("Enter");
      await page.getByRole("button", { name: "Sign out" }).waitFor();

      const messageBox = page.getByRole("textbox", { name: "Message" });
      await messageBox.focus();
      await page.keyboard.type("first line");
      await page.keyboard.press("Shift+Enter");
      await page.keyboard.type("second line");
      assert.equal(await messageBox.inputValue(), "first line\nsecond line");

      await page.keyboard.press("Enter");
      await page.getByRole("region", { name: "Messages" }).getByText("second line", { exact: false }).waitFor();
      // The textbox empties once the gateway has accepted the message.
      await waitUntil(async () => (await messageBox.inputValue()) === "", "the textbox to empty after sending");
      await waitForReplyFinished(page);
    } finally {
      await context.close();
    }
  });

  test("phone width needs no sideways scrolling", async () => {
    const { context, page } = await openPage({ width: 375, height: 812 });
    try {
      await signIn(page, userName("ivan"));
      await sendMessage(page, SWIM_MESSAGE);
      await waitForReplyFinished(page);
      await swimTodo(page).waitFor({ timeout: REPLY_TIMEOUT_MS });

      const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      assert.ok(widths.scroll <= widths.client, `the page is ${widths.scroll} px wide in a ${widths.client} px viewport`);
      // The section links scroll on the page and keep the open thread in the URL.
      const threadHash = new URL(page.url()).hash;
      assert.match(threadHash, /^#thread=/);
      await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "To-dos" }).click();
      assert.equal(new URL(page.url()).hash, threadHash);
      assert.equal(await page.getByRole("region", { name: "Messages" }).getByText(SWIM_MESSAGE).count(), 1);

      const sendBox = await page.getByRole("button", { name: "Send" }).boundingBox();
      assert.ok(sendBox, "the Send button has no layout box");
      assert.ok(sendBox.height >= 44, `the Send button is ${sendBox.height} px high, less than a 44 px touch target`);
    } finally {
      await context.close();
    }
  });
});
