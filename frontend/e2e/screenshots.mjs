// @ts-check
/**
 * Saves PNGs of the main screens at desktop (1280x800) and phone (375x812)
 * width under docs/screenshots/ in the repository (SCREENSHOT_DIR overrides).
 * It drives the UI at UI_URL like a person would, so it works against the
 * mock or the real services. `npm run screenshots` starts the mock when
 * UI_URL is not set.
 *
 * SCREENSHOT_USER sets the name to sign in with. It defaults to "sam" on the
 * mock and to a name unique to the run elsewhere, so old data stays out.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { launchBrowser, uiUrl } from "./browser.mjs";

const UI_URL = uiUrl();
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OUTPUT_DIR = resolve(process.env.SCREENSHOT_DIR ?? join(REPO_ROOT, "docs", "screenshots"));
const REPLY_TIMEOUT_MS = Number(process.env.E2E_REPLY_TIMEOUT_MS ?? 90_000);
const USER =
  process.env.SCREENSHOT_USER ?? (process.env.MOCK_CONTROL_URL ? "sam" : `screenshots-${Date.now().toString(36)}`);
const REPLY_SELECTOR = 'article[aria-label="Assistant reply"]';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };

/** @param {import("playwright-core").Page} page @param {string} name @param {boolean} [fullPage] */
async function capture(page, name, fullPage = false) {
  const path = join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage, animations: "disabled" });
  console.log(`saved ${path}`);
}

/** @param {import("playwright-core").Page} page */
async function waitForReplyFinished(page) {
  await page.waitForFunction(
    (selector) => {
      const replies = document.querySelectorAll(selector);
      return replies.length > 0 && replies[replies.length - 1].getAttribute("aria-busy") === "false";
    },
    REPLY_SELECTOR,
    { timeout: REPLY_TIMEOUT_MS },
  );
}

/** @param {import("playwright-core").Page} page @param {string} text */
async function send(page, text) {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

/** @param {import("playwright-core").Page} page */
async function signIn(page) {
  await page.goto(UI_URL);
  await page.getByRole("textbox", { name: "Name" }).fill(USER);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

async function main() {
  await mkdir(OUTPUT_DIR, { recursive: true });
  const browser = await launchBrowser();
  try {
    const desktop = await browser.newPage({ viewport: DESKTOP });
    desktop.setDefaultTimeout(REPLY_TIMEOUT_MS);

    await desktop.goto(UI_URL);
    await desktop.getByRole("textbox", { name: "Name" }).waitFor();
    await capture(desktop, "desktop-sign-in");

    await signIn(desktop);
    await capture(desktop, "desktop-empty");

    await send(desktop, "Remind me to book swim lessons for my daughter by Friday");
    await desktop.getByText("Thinking…").waitFor();
    await capture(desktop, "desktop-thinking");
    await waitForReplyFinished(desktop);

    await send(desktop, "I need to renew my passport in 20 days");
    await waitForReplyFinished(desktop);

    await desktop.getByRole("button", { name: "New chat" }).click();
    await send(desktop, "Remind me to call the dentist tomorrow");
    // Captures the reply halfway, while it is still streaming in.
    await desktop.waitForFunction(
      (selector) => {
        const replies = document.querySelectorAll(selector);
        const last = replies[replies.length - 1];
        return last?.getAttribute("aria-busy") === "true" && (last.textContent ?? "").length > 60;
      },
      REPLY_SELECTOR,
    );
    await capture(desktop, "desktop-streaming");
    await waitForReplyFinished(desktop);

    await send(desktop, "Remind me to pay the electricity bill today");
    await waitForReplyFinished(desktop);
    await desktop.getByRole("region", { name: "To-dos" }).getByRole("listitem").filter({ hasText: /electricity/i }).waitFor();
    await capture(desktop, "desktop-conversation");
    await capture(desktop, "desktop-conversation-full", true);

    const phone = await browser.newPage({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    phone.setDefaultTimeout(REPLY_TIMEOUT_MS);
    await phone.goto(UI_URL);
    await phone.getByRole("textbox", { name: "Name" }).waitFor();
    await capture(phone, "phone-sign-in");

    await signIn(phone);
    // Threads are listed newest first, so the last one is the swim-lessons conversation.
    await phone.getByRole("navigation", { name: "Conversations" }).getByRole("listitem").last().getByRole("button").click();
    await phone.getByRole("region", { name: "Messages" }).getByText(/swim lessons/i).first().waitFor();
    await capture(phone, "phone-chat");
    await phone.getByRole("heading", { name: "To-dos" }).evaluate((heading) => heading.scrollIntoView({ block: "start" }));
    await capture(phone, "phone-todos");
    await capture(phone, "phone-full", true);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
