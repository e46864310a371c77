"""`blocklet dev`'s static server against hostile requests: what `bundle` never ships is not served
(dotfiles, keys, `.git/`), a foreign Host header is refused (DNS rebinding), files are streamed (memory
stays flat), and a client that hangs up is not a traceback."""

from __future__ import annotations

import http.client
import json
import socket
import tracemalloc

import pytest

from blocklet_cli.core.dev.static_server import serve_static


@pytest.fixture
def site(tmp_path):
    www = tmp_path / "www"
    (www / ".git").mkdir(parents=True)
    (www / ".well-known").mkdir()
    (www / "index.html").write_text("<h1>hi</h1>")
    (www / ".env").write_text("SECRET=1\n")
    (www / ".git" / "config").write_text("[core]\n")
    (www / "server.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    (www / "id_rsa").write_text("key\n")
    (www / "wallet.json").write_text(json.dumps({"sk": "0x" + "ab" * 64}))
    (www / "data.json").write_text("{}")
    (www / ".well-known" / "security.txt").write_text("Contact: x\n")
    server = serve_static(www)
    yield server
    server.close()


def _get(server, path: str, host: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Host": host} if host is not None else {}
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


@pytest.mark.parametrize("path", ["/.env", "/.git/config", "/server.pem", "/id_rsa", "/wallet.json", "/%2eenv",
                                  "/.git/", "/./.env"])
def test_never_bundled_files_are_not_served(site, path):
    status, body = _get(site, path)
    assert status == 404 and b"SECRET" not in body and b"PRIVATE" not in body


@pytest.mark.parametrize("path", ["/", "/index.html", "/data.json", "/.well-known/security.txt"])
def test_ordinary_files_are_served(site, path):
    assert _get(site, path)[0] == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}",
                                  "localhost:1"])
def test_a_foreign_host_header_is_refused(site, host):
    status, body = _get(site, "/index.html", host.format(port=site.port))
    assert status == 403 and b"hi" not in body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}"])
def test_local_host_headers_are_served(site, host):
    assert _get(site, "/index.html", host.format(port=site.port))[0] == 200


def test_large_files_are_streamed_not_read_whole(tmp_path):
    www = tmp_path / "big"
    www.mkdir()
    size = 64 << 20
    with open(www / "big.bin", "wb") as handle:
        handle.truncate(size)
    server = serve_static(www)
    try:
        tracemalloc.start()
        status, body = _get(server, "/big.bin")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        server.close()
    assert status == 200 and len(body) == size
    # the client's own copy of the body is `size`; the server adds chunks, not another copy of the file
    assert peak < size + (size // 4)


def test_a_client_that_hangs_up_is_not_a_traceback(tmp_path, capfd):
    www = tmp_path / "big"
    www.mkdir()
    with open(www / "big.bin", "wb") as handle:
        handle.truncate(32 << 20)
    server = serve_static(www)
    try:
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(f"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
            sock.recv(1024)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.close()  # a reset in the middle of the body
        assert _get(server, "/big.bin")[0] == 200
    finally:
        server.close()
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "Exception" not in captured.err
