"""core/store_address.py: the one parser of store addresses (http(s) stores and file stores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocklet_cli.core.store_address import is_http_url, looks_like_host, parse


@pytest.mark.parametrize(("text", "bare", "kind", "url"), [
    ("https://store.example/", "https", "http", "https://store.example"),
    ("  HTTP://Store.example:8080/x/  ", "https", "http", "HTTP://Store.example:8080/x"),
    ("store.example", "https", "http", "https://store.example"),
    ("store.example", "folder", "file", "store.example"),
    ("./my-store", "https", "file", "./my-store"),
    ("file:///srv/store", "https", "file", "file:///srv/store"),
    ("ftp://x.example", "folder", "other", "ftp://x.example"),
    ("https://", "https", "other", "https://"),
])
def test_parse_classifies(text, bare, kind, url):
    address = parse(text, bare=bare)
    assert (address.kind, address.url) == (kind, url)


def test_file_store_paths_and_origin(tmp_path: Path):
    assert parse("file:///srv/store").path == Path("/srv/store")
    assert parse("file://localhost/srv/a%20b").path == Path("/srv/a b")
    assert parse("~/s").path == Path.home() / "s"
    assert parse(str(tmp_path)).path == tmp_path
    assert parse("HTTPS://store.example:3000/store/").origin == "https://store.example:3000"


def test_http_url_and_host_rules():
    assert is_http_url("http://localhost:3000/path") and not is_http_url("http://a b") \
        and not is_http_url("ftp://x")
    assert looks_like_host("store.example:8080") and not looks_like_host("my-store")
