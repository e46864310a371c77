"""Upload a signed release to a Blocklet Store over HTTP, as the reference's `upload` does.

Reference: ArcBlock/blocklet-server blocklet/store/src/upload.ts and utils/verify-bundle-size.ts:
`GET {store}/api/store.json` (its `maxBundleSize`, xbytes syntax such as "100MB", is checked before anything is
sent), then `POST {store}/api/blocklets/upload` multipart with parts `blocklet-meta` (compact JSON, file name
`blocklet.json`), `blocklet-tarball` (the tgz, streamed from disk) and `source=CLI`, and headers
`blocklet-version` / `blocklet-did`. There is no auth header: the signature inside the metadata is the
credential.

Before that, `publish` asks whether the version is already there with one anonymous request,
`GET {store}/api/blocklets/<did>/<version>/blocklet.json` (blocklet/blocklet-store
blocklets/blocklet-store/api/routes/blocklet.js: 200 with that version's metadata — drafts included, their
folder is written at upload —, 404 `NOT FOUND` for an unknown blocklet, 500 `fail to get blocklet info` for
a known blocklet without that version). The store itself refuses an existing version only after the whole
upload (`validatePermissions` in api/routes/upload.js runs after multer has stored the files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from blocklet_cli.core.errors import AuthError, RemoteError, UsageError
from blocklet_cli.core.http import excerpt
from blocklet_cli.core.report import Task

if TYPE_CHECKING:
    from blocklet_cli.core.http import HttpClient

ACCESS_TOKEN_HINT = ("set a valid access token: `blocklet connect <store-url>`, "
                     "`blocklet config set accessToken <0x…>`, BLOCKLET_ACCESS_TOKEN, --access-token-file PATH "
                     "or --access-token")
UPLOAD_TIMEOUT = 1800.0  # the reference's 30 minutes
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:([KMGTPEZYkmgtpezy])([iI])?)?([Bb])$")


def join_url(base: str, *parts: str) -> str:
    """ufo `joinURL`: one slash between segments."""
    url = base.rstrip("/")
    for part in parts:
        url += "/" + part.strip("/")
    return url


def parse_size(text: Any) -> int | None:
    """Bytes of an xbytes `parseSize` string ("100MB" = 100·1000², "1.5 GiB" = 1.5·1024³, a lower-case
    "b" counts bits: "8Mb" = 10⁶ bytes); a JSON number is bytes; None when unreadable (no check then)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return int(text)
    match = _SIZE.match(str(text)) if isinstance(text, str) else None
    if not match:
        return None
    number, prefix, binary, unit = match.groups()
    power = "KMGTPEZY".index(prefix.upper()) + 1 if prefix else 0
    size = float(number) * (1024 if binary else 1000) ** power
    if unit == "b":
        size /= 8
    return int(size)


def store_info(store: str, client: HttpClient) -> dict[str, Any]:
    """`{store}/api/store.json` (empty when the store does not answer it, as the reference ignores errors)."""
    from blocklet_cli.core.errors import BlockletError

    try:
        data = client.get_json(join_url(store, "api/store.json"))
    except BlockletError:
        return {}
    return data if isinstance(data, dict) else {}


def version_url(store: str, did: str, version: str) -> str:
    """The metadata URL of one version on a store (also what `blocklet add` takes)."""
    return join_url(store, "api/blocklets", did, version, "blocklet.json")


def version_exists(store: str, did: str, version: str, client: HttpClient) -> bool:
    """True when the store answers the version's metadata URL with that version's metadata (one request).

    Any other answer (404, the store's 500 for a missing version, a page that is not that JSON) is "not
    known to be there": the upload goes ahead and the store has the last word. A store that cannot be
    reached fails here as the upload would."""
    response = client.request("GET", version_url(store, did, version), raise_for_status=False)
    if response.status != 200:
        return False
    try:
        body = response.json()
    except RemoteError:
        return False
    return isinstance(body, dict) and body.get("did") == did and str(body.get("version")) == version


def check_size(tarball: Path, info: dict[str, Any]) -> None:
    """Refuse a tarball larger than the store's `maxBundleSize`."""
    limit_text = info.get("maxBundleSize")
    limit = parse_size(limit_text) if limit_text not in (None, "") else None
    size = tarball.stat().st_size
    if limit is not None and size > limit:
        raise UsageError(f"the release file {tarball.name} ({size} bytes) exceeds the store's maximum bundle "
                         f"size {limit_text}", hint="make the bundle smaller (blocklet bundle --compact)")


def compact_json(meta: dict[str, Any]) -> bytes:
    """`JSON.stringify(meta)`: compact, key order kept."""
    from blocklet_cli.core.identity.signing import js_stringify
    from blocklet_cli.core.jsstr import js_utf8

    return js_utf8(js_stringify(meta))


@dataclass
class UploadRequest:
    """What is sent (also what `--dry-run` shows)."""

    url: str
    headers: dict[str, str]
    fields: dict[str, str]
    meta: dict[str, Any]
    tarball: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "POST", "url": self.url, "headers": self.headers,
            "parts": {"blocklet-meta": {"filename": "blocklet.json", "contentType": "application/json",
                                        "size": len(compact_json(self.meta))},
                      "blocklet-tarball": {"filename": self.tarball.name, "contentType": "application/octet-stream",
                                           "size": self.tarball.stat().st_size},
                      **{name: value for name, value in self.fields.items()}},
        }


def build_request(store: str, signed_meta: dict[str, Any], tarball: Path) -> UploadRequest:
    return UploadRequest(
        url=join_url(store, "api/blocklets/upload"),
        headers={"blocklet-version": str(signed_meta.get("version", "")),
                 "blocklet-did": str(signed_meta.get("did", ""))},
        fields={"source": "CLI"},
        meta=signed_meta,
        tarball=tarball,
    )


@dataclass
class UploadResult:
    status: str  # "published" (auto-published) or what the store said (usually "uploaded")
    response: Any

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "response": self.response}


def send(request: UploadRequest, client: HttpClient, task: Task | None = None) -> UploadResult:
    """POST the multipart request; store errors keep the store's own words."""
    response = client.post_multipart(
        request.url,
        fields=request.fields,
        files={"blocklet-meta": ("blocklet.json", compact_json(request.meta), "application/json"),
               "blocklet-tarball": (request.tarball.name, request.tarball, "application/octet-stream")},
        headers=request.headers,
        task=task,
        raise_for_status=False,
    )
    body: Any
    try:
        body = response.json()
    except RemoteError:
        body = response.text
    if response.status >= 400:
        said = body.get("error") or body.get("message") if isinstance(body, dict) else None
        text = excerpt(said if said else response.text, 300) or f"HTTP {response.status}"
        message = f"upload failed: [{response.status}] {text} ({urlsplit(request.url).netloc})"
        if response.status in (401, 403) or "[NO-ACCESS]" in text:
            raise AuthError(message, status=response.status, hint=ACCESS_TOKEN_HINT)
        raise RemoteError(message, status=response.status, hint="to learn more: https://developer.blocklet.io/docs")
    if not isinstance(body, dict):  # a login page or a proxy's answer is not an upload
        kind = response.content_type or "no content type"
        raise RemoteError(f"upload failed: {request.url} answered HTTP {response.status} with {kind}, "
                          "not the JSON of a Blocklet Store", status=response.status,
                          hint="check the store URL (`blocklet config get store`)")
    return UploadResult(str(body.get("status") or "uploaded"), body)
