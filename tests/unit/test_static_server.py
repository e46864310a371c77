"""The static server of `blocklet dev`, over real HTTP: index files, content types, no escape."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from blocklet_cli.core.dev.static_server import StaticServer, content_type, serve_static
from blocklet_cli.core.errors import NotFoundError


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    (root / "docs").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "app.js").write_text("console.log(1)")
    (root / "style.css").write_text("body{}")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "docs" / "index.htm").write_text("docs")
    (tmp_path / "secret.txt").write_text("outside the root")
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (root / "leakdir").symlink_to(tmp_path)
    (root / "inside.html").symlink_to(root / "index.html")
    return root


@pytest.fixture
def server(site: Path) -> Iterator[StaticServer]:
    requests: list[tuple[str, str, int]] = []
    running = serve_static(site, 0, on_request=lambda *args: requests.append(args))
    running.requests = requests  # type: ignore[attr-defined]
    yield running
    running.close()


def get(server: StaticServer, raw_path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Send `raw_path` exactly as written (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest(method, raw_path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_index_files_and_content_types(server: StaticServer) -> None:
    status, headers, body = get(server, "/")
    assert (status, body) == (200, b"<h1>home</h1>")
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert get(server, "/docs/")[2] == b"docs"
    status, headers, _ = get(server, "/docs")
    assert status == 301 and headers["location"] == "/docs/"
    assert get(server, "/app.js")[1]["content-type"] == "text/javascript; charset=utf-8"
    assert get(server, "/style.css")[1]["content-type"] == "text/css; charset=utf-8"
    assert get(server, "/logo.png")[1]["content-type"] == "image/png"
    assert get(server, "/index.html?x=1#y")[2] == b"<h1>home</h1>"
    assert get(server, "/inside.html")[0] == 200  # a symlink inside the root is fine
    assert content_type(Path("x.unknownext")) == "application/octet-stream"


def test_head_has_no_body_and_missing_files_are_404(server: StaticServer) -> None:
    status, headers, body = get(server, "/index.html", "HEAD")
    assert status == 200 and body == b"" and headers["content-length"] == str(len("<h1>home</h1>"))
    assert get(server, "/nope.html")[0] == 404
    assert get(server, "/empty/")[0] == 404
    assert ("GET", "/nope.html", 404) in server.requests  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/docs/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
    "/docs/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/..%5csecret.txt", "/%00", "/leak.txt",
    "/leakdir/secret.txt", "/leakdir/", "/%ff%fe",
])
def test_nothing_outside_the_root_is_served(server: StaticServer, path: str) -> None:
    status, _, body = get(server, path)
    assert status in (400, 403, 404)
    assert b"outside the root" not in body


def test_missing_root_is_a_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        serve_static(tmp_path / "nowhere")
