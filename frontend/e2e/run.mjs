// @ts-check
/**
 * Runs the browser tests or the screenshot script.
 *
 *   node e2e/run.mjs test          # node --test e2e/app.test.mjs
 *   node e2e/run.mjs screenshots   # node e2e/screenshots.mjs
 *
 * With UI_URL set, the target runs against that UI and nothing is started.
 * Without it, this script starts the mock backend and `vite preview` wired
 * to it on free loopback ports, builds first (unless SKIP_BUILD=1), runs the
 * target with UI_URL and MOCK_CONTROL_URL set, and stops both afterwards.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { startMockServer } from "./mock-server.mjs";

const FRONTEND_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const TARGETS = {
  test: ["--test", "--test-concurrency=1", join("e2e", "app.test.mjs")],
  screenshots: [join("e2e", "screenshots.mjs")],
};
const UI_START_TIMEOUT_MS = 30_000;

/**
 * Runs a command in the frontend folder and resolves with its exit code.
 * @param {string} command @param {string[]} args @param {NodeJS.ProcessEnv} env
 */
function run(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: FRONTEND_DIR, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Asks the OS for a free loopback port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = /** @type {import("node:net").AddressInfo} */ (server.address());
      server.close(() => resolve(address.port));
    });
  });
}

/** Polls `url` until it returns 200 or the timeout passes. */
async function waitForHttp(/** @type {string} */ url, /** @type {number} */ timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError = "no response";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) {
        return;
      }
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not respond within ${timeoutMs} ms (${lastError}).`);
}

async function main() {
  const targetName = process.argv[2] ?? "test";
  const target = TARGETS[/** @type {keyof typeof TARGETS} */ (targetName)];
  if (!target) {
    throw new Error(`Unknown target "${targetName}"; use one of: ${Object.keys(TARGETS).join(", ")}.`);
  }

  if (process.env.UI_URL) {
    console.log(`Running ${targetName} against UI_URL=${process.env.UI_URL}`);
    return run(process.execPath, target, process.env);
  }

  if (process.env.SKIP_BUILD !== "1") {
    const code = await run(process.execPath, [join("node_modules", "vite", "bin", "vite.js"), "build"], process.env);
    if (code !== 0) {
      throw new Error(`vite build failed with exit code ${code}.`);
    }
  }

  const mock = await startMockServer({
    gatewayPort: 0,
    todoReadPort: 0,
    heartbeatMs: 1000,
    logRequests: process.env.MOCK_LOG === "1",
  });
  console.log(`Mock gateway on ${mock.gatewayUrl}, mock todo-read on ${mock.todoReadUrl}`);

  const uiPort = await freePort();
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  const preview = spawn(
    process.execPath,
    [join("node_modules", "vite", "bin", "vite.js"), "preview", "--port", String(uiPort), "--strictPort"],
    {
      cwd: FRONTEND_DIR,
      env: { ...process.env, GATEWAY_URL: mock.gatewayUrl, TODO_READ_URL: mock.todoReadUrl },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const previewExited = new Promise((resolve) => preview.once("exit", resolve));
  let stopping = false;
  const exitedEarly = previewExited.then(() => {
    if (!stopping) {
      throw new Error("vite preview exited before it served the UI. Its output above says why.");
    }
  });

  try {
    await Promise.race([waitForHttp(`${uiUrl}/`, UI_START_TIMEOUT_MS), exitedEarly]);
    console.log(`vite preview on ${uiUrl}, proxying to the mock`);
    return await run(process.execPath, target, { ...process.env, UI_URL: uiUrl, MOCK_CONTROL_URL: mock.gatewayUrl });
  } finally {
    stopping = true;
    preview.kill("SIGTERM");
    await previewExited;
    await mock.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
