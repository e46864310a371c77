"""One parser of store addresses: what `publish --store`, `add --store`, components' `source.store`,
`connect <store-url>`, `config set store` and the file store accept.

An address is an http(s) store (`https://host[:port][/path]`) or a static file store (a `file://`
URL or a folder path: absolute, `./…`, `../…`, `~/…`, or an existing folder). `parse()` classifies
and never raises; each caller turns a kind it does not accept into its own error. It is a shared basic
(not inside `store/`) because both `store` and `components` need it and `store` builds on `components`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

HTTP_URL = re.compile(r"^https?://[^\s/?#:]+(:\d{1,5})?(/[^\s]*)?$", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HOST_NAME = re.compile(r"[\w-]+(\.[\w-]+)+(:\d+)?")
Kind = Literal["http", "file", "other"]


@dataclass(frozen=True)
class StoreAddress:
    """A classified store address: `http` (URL without trailing `/`), `file` (`path` is its folder, not
    resolved) or `other` (an unsupported scheme, or an http(s) URL without a host)."""

    given: str
    kind: Kind
    url: str
    path: Path | None = None

    @property
    def origin(self) -> str:
        """`scheme://host[:port]` of an http store."""
        parts = urlsplit(self.url)
        return f"{parts.scheme.lower()}://{parts.netloc}"


def file_url_path(url: str) -> Path:
    """The local path of a `file://` URL (`file:///abs`, `file://localhost/abs`, `file:rel`)."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return Path(unquote(parts.netloc + parts.path))  # file://./rel or file://rel: host is part of the path
    return Path(unquote(parts.path))


def is_http_url(value: str) -> bool:
    """`http(s)://host[:port][/path]` with no spaces."""
    return bool(HTTP_URL.match(value))


def looks_like_host(value: str) -> bool:
    """`store.example` or `store.example:8080`: a host name written without `https://`."""
    return bool(_HOST_NAME.fullmatch(value))


def is_folder_path(text: str) -> bool:
    return text.startswith(("/", "./", "../", "~")) or bool(text and Path(text).is_dir())


def parse(text: str, *, bare: Literal["https", "folder"] = "https") -> StoreAddress:
    """Classify a store address. `bare` says what an address without a scheme that is not clearly a
    folder is: a host name (`https://` is prepended, as the reference does for components) or a
    folder (what `publish --store` and the file store take)."""
    given = str(text)
    text = given.strip()
    if text.lower().startswith("file:"):
        return StoreAddress(given, "file", text, file_url_path(text).expanduser())
    if not _SCHEME.match(text):
        if is_folder_path(text) or bare == "folder":
            return StoreAddress(given, "file", text, Path(text).expanduser())
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return StoreAddress(given, "other", text)
    return StoreAddress(given, "http", text.rstrip("/"))
