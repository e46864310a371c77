"""Blocklet Server: endpoint discovery, access-key auth headers, the GraphQL calls deploy makes.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/deploy.js (the `getBlocklet` and
`installComponent` requests, the `x-access-*` headers), core/util/lib/ensure-server-endpoint.js
(`ensureServerEndpoint`), and the server's side: core/webapp/api/index.js (access-key check) and
core/client/src/node.js (the signature: `<stamp>-<keyId>`).

Differences from the reference on purpose:
* discovery verifies each candidate with an unauthenticated `getNodeInfo` query, so the server's own
  GraphQL port (`http://127.0.0.1:8089`), its admin URL, any URL ending in `/api/gql` and a router
  URL all work (the reference takes the daemon port for an app URL and goes to the internet);
* server answers (403 "not allowed", 400 "verify failed", "Access Key … does not exist", GraphQL
  `errors`) become one typed error naming what to fix; server stack traces are never shown.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from blocklet_cli.core import safejson
from blocklet_cli.core.errors import AuthError, RemoteError, UsageError
from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.report import Task

GQL_PATH = "/api/gql"
NODE_INFO_QUERY = "{ getNodeInfo { code info { did name version } } }"
APP_QUERY = ("query ($did: String) { getBlocklet(input: { did: $did, attachRuntimeInfo: false }) { code blocklet {"
             " appDid status meta { did name title version } environments { key value }"
             " children { meta { did name title version } status mountPoint } } } }")
INSTALL_COMPONENT_MUTATION = (
    "mutation ($file: Upload!, $rootDid: String, $mountPoint: String, $dist: BlockletDistInput) {"
    " installComponent(input: { file: $file, rootDid: $rootDid, mountPoint: $mountPoint, dist: $dist })"
    " { code blocklet { meta { did name title version description } status source } } }"
)
MULTIPART_MAP = '{"file0":["variables.file"]}'
UPDATE_MOUNT_POINT_MUTATION = ("mutation ($input: RequestUpdateComponentMountPointInput) {"
                               " updateComponentMountPoint(input: $input) { code } }")


@dataclass(frozen=True)
class AccessKey:
    """An access key pair: `key_id` is the DID address of the Ed25519 key `secret` (never shown)."""

    key_id: str
    secret: str
    source: str = "flags"

    def __repr__(self) -> str:
        return f"AccessKey(key_id={self.key_id!r}, source={self.source!r})"

    @classmethod
    def parse(cls, key_id: str, secret: str, source: str = "flags") -> AccessKey:
        """Check that the secret is a 64-byte Ed25519 key whose address is `key_id` (reference:
        "accessKeyId and accessKeySecret does not match"); the error never repeats the secret."""
        from blocklet_cli.core.identity.wallet import Wallet

        key_id = did_core.strip_prefix(key_id.strip())
        if not did_core.is_valid(key_id):
            raise AuthError(f"the access key id {key_id!r} (from {source}) is not a valid DID")
        try:
            wallet = Wallet.from_secret_key(secret.strip())
        except UsageError:
            raise AuthError(f"the access secret (from {source}) is not an Ed25519 secret key (z… or 0x…)",
                            hint="copy the secret exactly as the server showed it") from None
        if wallet.address != key_id:
            raise AuthError(f"the access secret (from {source}) does not belong to access key {key_id}",
                            hint="pass the secret that was created together with this key id")
        return cls(key_id, secret.strip(), source)

    def headers(self, app_did: str, stamp: int | None = None) -> dict[str, str]:
        """`x-access-*` headers: Ed25519 over SHA3-256 of `<stamp>-<keyId>`, hex with `0x`."""
        from blocklet_cli.core.identity.wallet import Wallet

        stamp = int(time.time() * 1000) if stamp is None else stamp
        signature = Wallet.from_secret_key(self.secret).sign(f"{stamp}-{self.key_id}".encode())
        return {"x-access-key-id": self.key_id, "x-access-stamp": str(stamp),
                "x-access-signature": "0x" + signature.hex(), "x-access-blocklet": app_did}


@dataclass
class Endpoint:
    """A Blocklet Server admin endpoint whose GraphQL API answered."""

    url: str  # what the user gave
    base: str  # the admin base URL; GraphQL is at base + /api/gql
    server_did: str | None = None
    server_name: str | None = None
    server_version: str | None = None
    app_pid: str | None = None  # when `url` is an app's URL: the app it serves

    @property
    def gql_url(self) -> str:
        return self.base + GQL_PATH

    def to_dict(self) -> dict:
        return {"url": self.url, "graphql": self.gql_url, "serverDid": self.server_did,
                "serverName": self.server_name, "serverVersion": self.server_version}


def check_endpoint_url(url: str) -> tuple[str, str]:
    """(origin, path without trailing slash) of an http(s) endpoint URL; UsageError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"invalid endpoint {url!r}: use an http:// or https:// URL of the Blocklet Server")
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


def did_domain(did: str) -> str:
    """`<base32(did)>.did.abtnet.io`: multibase lower-case RFC 4648 base32 of the 26 raw DID bytes."""
    import base64

    return "b" + base64.b32encode(did_core.decode(did)).decode("ascii").lower().rstrip("=") + ".did.abtnet.io"


def endpoint_candidates(url: str, did_document: Any, app_info: Any = None) -> list[str]:
    """Admin base URLs to try, best first: an explicit `/api/gql` or path, the server service of
    `/.well-known/did.json`, the origin itself (the daemon port serves GraphQL at `/api/gql`), and
    for an app's URL the server's DID domain (the only case that needs the internet)."""
    origin, path = check_endpoint_url(url)
    candidates = []
    if path.endswith(GQL_PATH):
        candidates.append(origin + path[: -len(GQL_PATH)])
    elif path:
        candidates.append(origin + path)
    services = did_document.get("services") if isinstance(did_document, dict) else None
    for service in services if isinstance(services, list) else []:
        if isinstance(service, dict) and service.get("type") == "server" and isinstance(service.get("path"), str):
            candidates.append(origin + "/" + service["path"].strip("/"))
    candidates.append(origin)
    server_did = app_info.get("serverDid") if isinstance(app_info, dict) else None
    if isinstance(server_did, str) and did_core.is_valid(server_did):
        candidates.append(f"https://{did_domain(server_did)}/.well-known/server/admin")
    return list(dict.fromkeys(base.rstrip("/") for base in candidates))


def discover_endpoint(client: Any, url: str) -> Endpoint:
    """Find the server's GraphQL endpoint behind `url` (see the module docstring)."""
    origin, _ = check_endpoint_url(url)
    try:
        did_document = client.get_json(origin + "/.well-known/did.json")
    except RemoteError:
        did_document = None
    app_info = None
    services = did_document.get("services") if isinstance(did_document, dict) else None
    if isinstance(services, list) and any(isinstance(s, dict) and s.get("type") == "blocklet" for s in services):
        try:  # an app's URL: its server and the app id come from __blocklet__.js
            app_info = client.get_json(origin + "/__blocklet__.js?type=json")
        except RemoteError:
            app_info = None
    app_pid = app_info.get("appPid") if isinstance(app_info, dict) else None
    tried = []
    for base in endpoint_candidates(url, did_document, app_info):
        tried.append(base + GQL_PATH)
        response = client.request("POST", base + GQL_PATH, json={"query": NODE_INFO_QUERY},
                                  raise_for_status=False)
        info = _node_info(response)
        if info is not None:
            return Endpoint(url, base, info.get("did"), info.get("name"), info.get("version"),
                            app_pid if isinstance(app_pid, str) else None)
    raise RemoteError(f"no Blocklet Server GraphQL API found at {url} (tried {', '.join(tried)})",
                      hint="pass the server's admin URL (https://<server>/.well-known/server/admin/) "
                           "or its daemon URL (http://127.0.0.1:8089)")


def _node_info(response: Any) -> dict | None:
    try:
        body = safejson.loads(response.content)
    except ValueError:
        return None
    data = body.get("data") if isinstance(body, dict) else None
    node = data.get("getNodeInfo") if isinstance(data, dict) else None
    if not isinstance(node, dict):
        return None
    return node.get("info") if isinstance(node.get("info"), dict) else {}


def server_error(status: int, body: Any, *, key: AccessKey, app_did: str, what: str) -> RemoteError | None:
    """The error an answer stands for (None when it is a success): one line naming what to fix."""
    message = ""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            message = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
        elif isinstance(body.get("error"), str):
            message = body["error"]
    lowered = message.lower()
    if "verify failed" in lowered:
        return AuthError(f"the server could not verify the signature of access key {key.key_id}",
                         status=status, hint="the server holds another key under this id: check the access secret")
    if "access key" in lowered and "does not exist" in lowered:
        return AuthError(f"access key {key.key_id} does not exist on this server", status=status,
                         hint="create an access key on the server (or for the app), or check --access-key")
    if status in (401, 403) or "not allowed" in lowered or "forbidden" in lowered:
        return AuthError(f"the server refused access key {key.key_id} for app {app_did}: {message or status}",
                         status=status, hint="the key needs a passport that may manage blocklets (e.g. `ci`)")
    if message:
        return RemoteError(f"{what} failed: {_one_line(message)}", status=status)
    if status >= 400:
        return RemoteError(f"{what} failed: HTTP {status}", status=status)
    if not isinstance(body, dict) or not isinstance(body.get("data", ()), (dict, type(None))):
        return RemoteError(f"{what} failed: the server's answer is not a GraphQL response", status=status)
    return None


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _data(response: Any, *, key: AccessKey, app_did: str, what: str) -> dict:
    try:
        body = safejson.loads(response.content) if response.content else None
    except ValueError:
        body = None
    error = server_error(response.status, body, key=key, app_did=app_did, what=what)
    if error is not None:
        raise error
    data = body.get("data") if isinstance(body, dict) else None  # a dict or None once server_error passed
    return data or {}


def graphql(client: Any, endpoint: Endpoint, key: AccessKey, app_did: str, query: str,
            variables: dict | None = None, *, what: str = "the request") -> dict:
    """POST one signed GraphQL query; its `data`, or a typed error."""
    response = client.request("POST", endpoint.gql_url, json={"query": query, "variables": variables or {}},
                              headers=key.headers(app_did), raise_for_status=False)
    return _data(response, key=key, app_did=app_did, what=what)


def get_app(client: Any, endpoint: Endpoint, key: AccessKey, app_did: str) -> dict | None:
    """The app (`getBlocklet`), or None when the server has no app with this DID."""
    try:
        data = graphql(client, endpoint, key, app_did, APP_QUERY, {"did": app_did}, what="looking up the app")
    except AuthError:
        raise
    except RemoteError as exc:  # the server says "blocklet is not valid: <did>" for an unknown app
        if app_did in exc.message and exc.status in (None, 200, 400, 404):
            return None
        raise
    result = data.get("getBlocklet") or {}
    return result.get("blocklet") or None


def install_operations(app_did: str, mount_point: str, tarball: str, integrity: str) -> dict:
    """The `operations` part of the multipart request (GraphQL multipart request spec)."""
    return {"query": INSTALL_COMPONENT_MUTATION,
            "variables": {"file": None, "rootDid": app_did, "mountPoint": mount_point,
                          "dist": {"tarball": tarball, "integrity": integrity}}}


def install_component(client: Any, endpoint: Endpoint, key: AccessKey, app_did: str, *, tarball: Path,
                      mount_point: str, integrity: str,
                      task: Task | None = None) -> dict:
    """Upload a release tarball as a component of the app (`installComponent`); returns the app."""
    operations = install_operations(app_did, mount_point, tarball.name, integrity)
    response = client.post_multipart(
        endpoint.gql_url,
        fields={"operations": json.dumps(operations), "map": MULTIPART_MAP},
        files={"file0": (tarball.name, Path(tarball), "application/octet-stream")},
        headers=key.headers(app_did), task=task, raise_for_status=False)
    data = _data(response, key=key, app_did=app_did, what="the upload")
    result = data.get("installComponent") or {}
    if result.get("code") not in (None, "ok"):
        raise RemoteError(f"the upload failed: the server answered code {result.get('code')!r}")
    return result.get("blocklet") or {}


def set_mount_point(client: Any, endpoint: Endpoint, key: AccessKey, app_did: str, component_did: str,
                    mount_point: str) -> None:
    """Mount a component of the app at `mount_point` (`updateComponentMountPoint`, what the dashboard's
    "mount point" setting sends)."""
    data = graphql(client, endpoint, key, app_did, UPDATE_MOUNT_POINT_MUTATION,
                   {"input": {"did": component_did, "rootDid": app_did, "mountPoint": mount_point}},
                   what="setting the mount point")
    result = data.get("updateComponentMountPoint") or {}
    if result.get("code") not in (None, "ok"):
        raise RemoteError(f"setting the mount point failed: the server answered code {result.get('code')!r}")


def app_url(app: dict) -> str | None:
    """`BLOCKLET_APP_URL` of an app as the server reports it."""
    for item in app.get("environments") or []:
        if isinstance(item, dict) and item.get("key") == "BLOCKLET_APP_URL":
            return item.get("value")
    return None

