"""Serve the built single-page app: static files, index.html for client routes.

A request for a path that is not a file and whose last segment has no dot
(`/threads/abc`) gets `index.html`, so the browser's router handles it. A
missing asset (`/assets/x.js`) is a 404. Files under `/assets/` carry a hash in
their names, so they are cached for a year; `index.html` is revalidated on
every load. `GET /healthz` answers 200 for the probes. The server stops on
SIGTERM after the requests in flight.

Run: python3 static_server.py --root dist [--host 127.0.0.1] [--port 8080]
The options default to the HOST and PORT environment variables.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class SinglePageAppHandler(SimpleHTTPRequestHandler):
    """Static files from `directory`, with the single-page-app fallback."""

    server_version = "static"
    sys_version = ""
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".webmanifest": "application/manifest+json",
        ".woff2": "font/woff2",
    }

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/healthz":
            self.send_text(HTTPStatus.OK, "ok\n")
            return
        self.rewrite_client_route()
        super().do_GET()

    def do_HEAD(self) -> None:
        self.rewrite_client_route()
        super().do_HEAD()

    def rewrite_client_route(self) -> None:
        self.requested_path = self.path
        path = urlsplit(self.path).path
        if Path(self.translate_path(path)).is_file():
            return
        if "." not in path.rsplit("/", 1)[-1]:
            self.path = "/index.html"

    def list_directory(self, path: str) -> None:
        # Directory listings would expose the build layout; a folder is a 404.
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None

    def send_response(self, code: int, message: str | None = None) -> None:
        self.status_code = code
        super().send_response(code, message)

    def end_headers(self) -> None:
        path = urlsplit(self.path).path
        hashed = path.startswith("/assets/") and self.status_code == HTTPStatus.OK
        cache = IMMUTABLE if hashed else REVALIDATE
        self.send_header("Cache-Control", cache)
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def send_text(self, status: HTTPStatus, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if urlsplit(self.path).path == "/healthz":
            return
        self.log_event("request", status=int(code) if str(code).isdigit() else code)

    def log_message(self, format: str, *args: object) -> None:
        self.log_event("server_message", message=format % args)

    def log_event(self, event: str, **fields: object) -> None:
        record = {
            "event": event,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "method": getattr(self, "command", None),
            "path": getattr(self, "requested_path", getattr(self, "path", None)),
            **fields,
        }
        print(json.dumps(record), file=sys.stdout, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="folder to serve")
    parser.add_argument(
        "--host",
        default=os.environ.get("HOST", "127.0.0.1"),
        help="listen address (default: $HOST, else 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "8080")),
        help="listen TCP port (default: $PORT, else 8080)",
    )
    args = parser.parse_args()
    index = args.root / "index.html"
    if not index.is_file():
        print(f"error: {index} not found; build the UI first", file=sys.stderr)
        return 2

    handler = partial(SinglePageAppHandler, directory=str(args.root))
    server = ThreadingHTTPServer((args.host, args.port), handler)
    # Non-daemon request threads, so server_close() waits for the requests in flight.
    server.daemon_threads = False
    # shutdown() waits for serve_forever() to return, so it runs in another thread.
    signal.signal(
        signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start()
    )
    print(json.dumps({"event": "server_started", "host": args.host, "port": args.port}))
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print(json.dumps({"event": "server_stopped"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
