// @ts-check
/** Starts Debian's Chromium through playwright-core for the browser tests and the screenshots. */
import { chromium } from "playwright-core";

/** Flags that keep Chromium from reaching out to Google's services on a machine without network. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Returns UI_URL without a trailing slash, or throws with how to set it. */
export function uiUrl() {
  const value = process.env.UI_URL;
  if (!value) {
    throw new Error(
      "UI_URL is not set. Set it to the UI's base URL, such as UI_URL=http://127.0.0.1:3000, or run `npm run test:browser` without it to start the mock stack.",
    );
  }
  return value.replace(/\/+$/, "");
}

/**
 * Launches headless Chromium. playwright-core gives each launch a new,
 * empty user-data directory, which it deletes on close.
 */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
}
