/// <reference types="vitest/config" />
import type { IncomingMessage, ServerResponse } from "node:http";

import react from "@vitejs/plugin-react";
import { type ProxyOptions, defineConfig } from "vite";

/** Gateway: sign-in, chat jobs and their event streams. */
const GATEWAY_URL = process.env.GATEWAY_URL ?? "http://127.0.0.1:8000";
/** todo-read: to-dos, profile, instructions and threads. */
const TODO_READ_URL = process.env.TODO_READ_URL ?? "http://127.0.0.1:8001";

const UI_PORT = 3000;
const UI_HOST = "127.0.0.1";

type ProxyServer = Parameters<NonNullable<ProxyOptions["configure"]>>[0];

/**
 * Keeps `text/event-stream` responses flowing through the proxy one frame at a
 * time, and passes a dropped upstream connection on to the browser.
 */
function configureStreamingProxy(proxy: ProxyServer): void {
  proxy.on("proxyReq", (proxyRequest, request) => {
    if (request.url?.startsWith("/stream/")) {
      // A compressed stream can be held back by the compressor until its
      // buffer fills, so the stream is always requested uncompressed.
      proxyRequest.removeHeader("accept-encoding");
    }
  });

  proxy.on("proxyRes", (proxyResponse: IncomingMessage, _request: IncomingMessage, response: ServerResponse) => {
    const contentType = proxyResponse.headers["content-type"] ?? "";
    if (!contentType.startsWith("text/event-stream")) {
      return;
    }
    proxyResponse.headers["cache-control"] = "no-cache, no-transform";
    proxyResponse.headers["x-accel-buffering"] = "no";
    // Sends the headers before the first frame, so the browser's fetch()
    // resolves while the model is still thinking.
    response.on("pipe", () => response.flushHeaders());

    // Vite 8.4's proxy pipes the body but leaves the browser's response open
    // when the upstream connection breaks, so the browser would wait forever
    // instead of reconnecting. Destroying it closes the browser's connection.
    proxyResponse.on("close", () => {
      if (!proxyResponse.complete && !response.destroyed) {
        response.destroy();
      }
    });
  });
}

function proxyTo(target: string): ProxyOptions {
  return { target, changeOrigin: true, configure: configureStreamingProxy };
}

const proxy: Record<string, ProxyOptions> = {
  "/chat": proxyTo(GATEWAY_URL),
  "/stream": proxyTo(GATEWAY_URL),
  "/jobs": proxyTo(GATEWAY_URL),
  "/auth": proxyTo(GATEWAY_URL),
  "/todos": proxyTo(TODO_READ_URL),
  "/profile": proxyTo(TODO_READ_URL),
  "/instructions": proxyTo(TODO_READ_URL),
  "/threads": proxyTo(TODO_READ_URL),
};

export default defineConfig({
  plugins: [react()],
  server: { host: UI_HOST, port: UI_PORT, strictPort: true, proxy },
  preview: { host: UI_HOST, port: UI_PORT, strictPort: true, proxy },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    reporters: ["default", "./test/summaryReporter.ts"],
  },
});
