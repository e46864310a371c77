"""core/http.py against real local HTTP servers (pytest-httpserver)."""

from __future__ import annotations

import json
import socket
import time

import pytest
from werkzeug import Request, Response

from blocklet_cli import __version__
from blocklet_cli.core import http
from blocklet_cli.core.errors import NetworkError, RemoteError, UsageError
from tests.conftest import RecordingReporter


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/x.json"


def test_get_json_sends_our_user_agent(httpserver):
    httpserver.expect_request("/a.json").respond_with_json({"ok": 1})
    with http.client() as c:
        assert c.get_json(httpserver.url_for("/a.json")) == {"ok": 1}
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"] == f"blocklet-cli/{__version__} (python-httpx)"


def test_results_are_cached_for_the_client(httpserver):
    httpserver.expect_request("/a.json").respond_with_json([1, 2])
    with http.client() as c:
        url = httpserver.url_for("/a.json")
        assert c.get_json(url) == c.get_json(url) == [1, 2]
    assert len(httpserver.log) == 1


def test_http_error_is_a_one_line_remote_error_with_status(httpserver):
    httpserver.expect_request("/missing").respond_with_data("nope", status=404)
    with http.client(retries=0) as c, pytest.raises(RemoteError) as info:
        c.get(httpserver.url_for("/missing"))
    assert info.value.status == 404
    assert "HTTP 404" in str(info.value) and "\n" not in str(info.value)


def test_invalid_json_is_a_remote_error(httpserver):
    httpserver.expect_request("/bad.json").respond_with_data("{not json", content_type="application/json")
    with http.client() as c, pytest.raises(RemoteError, match="not valid JSON"):
        c.get_json(httpserver.url_for("/bad.json"))


def test_connection_refused_is_a_network_error():
    with http.client(retries=0) as c, pytest.raises(NetworkError, match="connection refused"):
        c.get(closed_port_url())


def test_read_timeout_is_a_network_error_and_not_retried(httpserver):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with http.client(timeout=0.2, retries=3) as c, pytest.raises(NetworkError, match=r"timed out after 0\.2s"):
        c.get(httpserver.url_for("/slow"))
    time.sleep(0.5)  # let the single-threaded server finish the slow answer
    assert len(httpserver.log) <= 1


def test_idempotent_requests_are_retried_on_503(httpserver):
    httpserver.expect_ordered_request("/flaky").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_json({"second": True})
    with http.client(retries=2) as c:
        assert c.get_json(httpserver.url_for("/flaky")) == {"second": True}
    assert len(httpserver.log) == 2


def test_post_is_never_retried(httpserver):
    httpserver.expect_request("/upload", method="POST").respond_with_data("busy", status=503)
    with http.client(retries=3) as c, pytest.raises(RemoteError) as info:
        c.request("POST", httpserver.url_for("/upload"), json={"a": 1})
    assert info.value.status == 503
    assert len(httpserver.log) == 1


def test_post_multipart_streams_files_and_reports_progress(httpserver, tmp_path):
    payload = tmp_path / "a.tgz"
    payload.write_bytes(b"x" * 200_000)
    received = {}

    def handler(request: Request) -> Response:
        received["fields"] = dict(request.form)
        received["file"] = request.files["blocklet-tarball"].read()
        received["type"] = request.files["blocklet-tarball"].mimetype
        return Response(json.dumps({"ok": True}), content_type="application/json")

    httpserver.expect_request("/api/blocklets/upload", method="POST").respond_with_handler(handler)
    reporter = RecordingReporter()
    with http.client() as c, reporter.task("Uploading", unit="bytes") as task:
        res = c.post_multipart(httpserver.url_for("/api/blocklets/upload"), fields={"source": "CLI"},
                               files={"blocklet-tarball": ("a.tgz", payload, "application/x-gzip"),
                                      "blocklet-meta": ("blocklet.json", b'{"a":1}', "application/json")},
                               task=task)
    assert res.json() == {"ok": True}
    assert received["fields"] == {"source": "CLI"}
    assert received["file"] == payload.read_bytes()
    assert received["type"] == "application/x-gzip"
    assert task.completed == task.total == 200_007
    assert len(task.advances) > 1


def test_file_urls_are_read_from_disk(tmp_path):
    (tmp_path / "blocklet.json").write_text('{"name": "x"}')
    (tmp_path / "x-1.0.0.tgz").write_bytes(b"\x1f\x8b")
    with http.client() as c:
        assert c.get_json((tmp_path / "blocklet.json").as_uri()) == {"name": "x"}
        assert c.head((tmp_path / "x-1.0.0.tgz").as_uri()).content_type == "application/octet-stream"
        with pytest.raises(RemoteError, match="does not exist") as info:
            c.head((tmp_path / "nope.tgz").as_uri())
    assert info.value.status == 404


def test_head_reports_content_type(httpserver):
    httpserver.expect_request("/t.tgz", method="HEAD").respond_with_data(b"", content_type="application/x-gzip")
    assert http.head(httpserver.url_for("/t.tgz")).content_type == "application/x-gzip"


def test_missing_ca_bundle_is_a_usage_error(monkeypatch, tmp_path):
    monkeypatch.setenv("BLOCKLET_CA_BUNDLE", str(tmp_path / "none.pem"))
    with pytest.raises(UsageError, match="BLOCKLET_CA_BUNDLE"):
        http.client().__enter__()


def test_bad_timeout_env_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("BLOCKLET_HTTP_TIMEOUT", "soon")
    with pytest.raises(UsageError, match="BLOCKLET_HTTP_TIMEOUT"):
        http.default_timeout()


def test_proxy_from_environment_is_used(httpserver, monkeypatch):
    # the local server plays the proxy: an absolute-form request for another host reaches it
    httpserver.expect_request("/via-proxy.json").respond_with_json({"proxied": True})
    monkeypatch.setenv("HTTP_PROXY", httpserver.url_for("/").rstrip("/"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert http.get_json("http://store.invalid/via-proxy.json", retries=0) == {"proxied": True}


def test_a_request_in_flight_is_joined_not_repeated(httpserver):
    from concurrent.futures import ThreadPoolExecutor

    def slow(request: Request) -> Response:
        time.sleep(0.3)
        return Response('{"once": true}', content_type="application/json")

    httpserver.expect_request("/slow.json").respond_with_handler(slow)
    url = httpserver.url_for("/slow.json")
    with http.client() as c, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: c.get_json(url), range(4)))
    assert answers == [{"once": True}] * 4
    assert len(httpserver.log) == 1


def test_a_failure_in_flight_reaches_every_waiter_and_is_not_cached(httpserver):
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    with http.client(retries=0) as c:
        for _ in range(2):
            with pytest.raises(RemoteError):
                c.get(httpserver.url_for("/gone"))
    assert len(httpserver.log) == 2


# -- size limits, deadline, hostile answers --------------------------------------------------------
def test_a_gzip_bomb_is_refused_after_decompression_without_inflating_it(httpserver):
    from tests.hardening.faults import gzip_bomb

    bomb = gzip_bomb(64)  # 64 KiB on the wire, 64 MiB inflated
    httpserver.expect_request("/bomb.json").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}, content_type="application/json")
    with http.client(retries=0) as c, pytest.raises(RemoteError, match="more than the 8388608 bytes allowed "
                                                                       r"\(after decompression\)"):
        c.get_json(httpserver.url_for("/bomb.json"))


def test_gzip_and_deflate_answers_are_decoded(httpserver):
    import gzip
    import zlib

    body = json.dumps({"ok": "x" * 10000}).encode()
    httpserver.expect_request("/g").respond_with_data(gzip.compress(body), headers={"Content-Encoding": "gzip"})
    httpserver.expect_request("/d").respond_with_data(zlib.compress(body), headers={"Content-Encoding": "deflate"})
    with http.client() as c:
        assert c.get_json(httpserver.url_for("/g")) == c.get_json(httpserver.url_for("/d")) == json.loads(body)
    request, _ = httpserver.log[0]
    assert request.headers["Accept-Encoding"] == "gzip, deflate"


def test_a_declared_length_over_the_limit_is_refused_before_reading(httpserver):
    httpserver.expect_request("/big").respond_with_data(b"x" * 2000)
    with http.client() as c, pytest.raises(RemoteError, match="the answer is 2000 bytes, more than the 1000"):
        c.request("GET", httpserver.url_for("/big"), max_bytes=1000)


def test_head_of_a_large_tarball_is_not_a_body(httpserver):
    httpserver.expect_request("/t.tgz", method="HEAD").respond_with_data(
        b"", headers={"Content-Length": str(5 << 30)}, content_type="application/octet-stream")
    with http.client() as c:
        assert c.head(httpserver.url_for("/t.tgz")).status == 200


def test_a_trickling_remote_hits_the_overall_deadline():
    from tests.hardening.faults import hostile_server

    # each byte comes well within the 5 s read timeout: only the overall deadline can end this
    with (hostile_server("trickle", interval=0.2) as url, http.client(timeout=5, deadline=1.5, retries=0) as c,
          pytest.raises(NetworkError, match=r"no complete answer from 127\.0\.0\.1:\d+ within 1\.5s")):
        c.get(url + "/x.json")


def test_the_deadline_defaults_to_three_read_timeouts_and_has_an_env(monkeypatch):
    assert http.HttpClient(timeout=2).deadline == 6
    monkeypatch.setenv("BLOCKLET_HTTP_DEADLINE", "4.5")
    assert http.HttpClient(timeout=2).deadline == 4.5
    monkeypatch.setenv("BLOCKLET_HTTP_DEADLINE", "soon")
    with pytest.raises(UsageError, match="BLOCKLET_HTTP_DEADLINE must be a number"):
        http.HttpClient()


def test_deeply_nested_json_is_a_remote_error(httpserver):
    httpserver.expect_request("/deep.json").respond_with_data("[" * 200000, content_type="application/json")
    with http.client() as c, pytest.raises(RemoteError, match=r"not valid JSON \(nested deeper than 128 levels"):
        c.get_json(httpserver.url_for("/deep.json"))


def test_control_characters_of_a_reason_phrase_never_reach_the_message():
    from tests.hardening.faults import hostile_server

    with hostile_server("escapes") as url, http.client(retries=0) as c, pytest.raises(RemoteError) as info:
        c.get(url + "/x")
    message = str(info.value)
    assert "HTTP 500" in message and "Evil" in message
    assert not any(ord(char) < 32 or 0x7F <= ord(char) < 0xA0 for char in message), repr(message)


def test_excerpt_is_one_short_printable_line():
    assert http.excerpt("a\n\tb\x1b]0;t\x07 c" + "x" * 500, 20) == "a b]0;t cxxxxxxxxxx…"


def test_download_streams_to_a_file_within_the_declared_size(httpserver, tmp_path, monkeypatch):
    httpserver.expect_request("/t.tgz").respond_with_data(b"t" * 5000)
    target = tmp_path / "t.tgz"
    with http.client() as c:
        assert c.download(httpserver.url_for("/t.tgz"), target, size=5000) == 5000
        assert target.read_bytes() == b"t" * 5000
        with pytest.raises(RemoteError, match="more than the 100 allowed"):
            c.download(httpserver.url_for("/t.tgz"), tmp_path / "small.tgz", size=100)
        monkeypatch.setenv("BLOCKLET_HTTP_MAX_DOWNLOAD", "1K")
        with pytest.raises(RemoteError, match="declared size 5000 bytes is more than BLOCKLET_HTTP_MAX_DOWNLOAD"):
            c.download(httpserver.url_for("/t.tgz"), tmp_path / "big.tgz", size=5000)
        with pytest.raises(RemoteError, match="more than the 1024"):
            c.download(httpserver.url_for("/t.tgz"), tmp_path / "big.tgz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.tgz"]  # nothing half-written
