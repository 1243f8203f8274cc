"""The frontend image's static server: files, the single-page-app fallback, headers."""

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from charts import ROOT
from stack import free_port

SERVER = ROOT / "deploy" / "images" / "static_server.py"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("dist")
    (root / "index.html").write_text("<!doctype html><title>app</title>")
    (root / "assets").mkdir()
    (root / "assets" / "index-abc123.js").write_text("console.log(1)")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "--root", str(root), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    yield base
    process.terminate()
    assert process.wait(10) == 0


def test_index_served_without_caching(server):
    response = httpx.get(f"{server}/")
    assert response.status_code == 200
    assert "<title>app</title>" in response.text
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_client_route_gets_index(server):
    response = httpx.get(f"{server}/threads/abc")
    assert response.status_code == 200
    assert "<title>app</title>" in response.text


def test_hashed_asset_cached_for_a_year(server):
    response = httpx.get(f"{server}/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript"
    assert "immutable" in response.headers["cache-control"]


def test_missing_asset_is_404(server):
    response = httpx.get(f"{server}/assets/missing.js")
    assert response.status_code == 404
    assert "immutable" not in response.headers["cache-control"]


def test_directory_listing_refused(server):
    response = httpx.get(f"{server}/assets/")
    assert "index-abc123.js" not in response.text


def test_path_traversal_stays_in_root(server):
    response = httpx.get(f"{server}/..%2f..%2fetc%2fpasswd")
    assert "root:" not in response.text


def test_healthz_answers(server):
    response = httpx.get(f"{server}/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"


def test_missing_index_exits_2(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(SERVER),
            "--root",
            str(tmp_path),
            "--port",
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 2
    assert "index.html" in result.stderr
