"""The DID-connect flow of the reference (`@blocklet/store` `createConnect`) and store URL normalisation.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/connect.js and blocklet/store/src/create-connect.ts.
Requests: the `__blocklet__.js?type=json` probe (the Blocklet
Store component's mount point; federation `sourceAppPid`), `GET {base}/api/did/<action>/token?_ek_=…`
with a fresh X25519 public key (base64url without padding), a page for the user's wallet
(`{base}/<action>?__connect_url__=<base64url(url)>&source=…`), `GET …/status?_t_=<token>` every 1.5 s
until `succeed` (then the answer's `config`, a libsodium sealed box to our key, base64, holding JSON)
or an error, and `GET …/timeout?_t_=<token>` when we give up. Used by `connect` (action
`connect-cli`); `init` and `deploy` can use it with their actions (`gen-key-pair`, `gen-access-key`).
"""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from blocklet_cli.core import safejson
from blocklet_cli.core.errors import BlockletError, NetworkError, RemoteError, UsageError
from blocklet_cli.core.http import excerpt

if TYPE_CHECKING:
    from blocklet_cli.core.http import HttpClient

STORE_COMPONENT_DID = "z8ia29UsENBg6tLZUKi2HABj38Cw1LmHZocbQ"
POLL_INTERVAL = 1.5
DEFAULT_TIMEOUT = 75 * 60.0
DEFAULT_SOURCE = "Blocklet CLI"
ENCRYPTED_ACTIONS = frozenset({"connect-cli", "gen-access-key"})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64decode_any(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an http(s) URL; UsageError for anything else."""
    from blocklet_cli.core.store_address import is_http_url, parse

    if not is_http_url(url):
        raise UsageError(f"invalid store url: {url!r} (expected http(s)://host[:port])")
    return parse(url).origin


def _probe(base: str, client: HttpClient, *, nocache: bool) -> dict[str, Any]:
    query = "type=json&nocache=1" if nocache else "type=json"
    try:
        data = client.request("GET", f"{base.rstrip('/')}/__blocklet__.js?{query}").json()
    except BlockletError:
        return {}
    return data if isinstance(data, dict) else {}


def normalise_store_url(url: str, client: HttpClient) -> str:
    """The store URL of a site: origin + the Blocklet Store component's mount point, else the origin."""
    origin = origin_of(url)
    info = _probe(origin, client, nocache=True)
    for mount in info.get("componentMountPoints") or []:
        if isinstance(mount, dict) and mount.get("did") == STORE_COMPONENT_DID:
            mount_point = str(mount.get("mountPoint") or "/").strip("/")
            return f"{origin}/{mount_point}" if mount_point else origin
    return origin


@dataclass
class Session:
    """A started DID-connect session (the private key never leaves this object)."""

    base: str
    action: str
    token: str
    page: str  # what the user opens in a browser
    encrypted: bool
    _key: Any = field(repr=False, default=None)

    def decrypt(self, sealed: str) -> Any:
        """Open the sealed `config` of the status answer and parse its JSON."""
        from nacl.exceptions import CryptoError
        from nacl.public import SealedBox

        try:
            plain = SealedBox(self._key).decrypt(b64decode_any(sealed))
            return safejson.loads(plain)
        except (CryptoError, ValueError, TypeError):
            raise RemoteError("the connect answer cannot be decrypted with our key") from None


def start(base: str, action: str, client: HttpClient, *, source: str = DEFAULT_SOURCE,
          extra: dict[str, str] | None = None, encrypted: bool | None = None) -> Session:
    """Ask `base` for a connect token bound to a fresh X25519 key (steps 1–3)."""
    from nacl.public import PrivateKey

    base = base.rstrip("/")
    key = PrivateKey.generate()
    params: dict[str, str] = {"_ek_": b64url(bytes(key.public_key))}
    settings = _probe(base, client, nocache=False).get("settings")
    federated = settings.get("federated") if isinstance(settings, dict) else None
    if isinstance(federated, dict) and (federated.get("config") or {}).get("status") == "approved":
        app_pid = (federated.get("master") or {}).get("appPid")
        if app_pid:
            params["sourceAppPid"] = str(app_pid)
    params["source"] = source
    params.update(extra or {})
    parts = urlsplit(base)
    headers = {"x-real-port": str(parts.port or ""), "x-real-hostname": parts.hostname or "",
               "x-real-protocol": f"{parts.scheme}:"}
    answer = _call(client, f"{base}/api/did/{action}/token?{urlencode(params)}", headers)
    if not isinstance(answer, dict) or not answer.get("url") or not answer.get("token"):
        raise RemoteError(f"failed to connect to store ({base} did not return a connect token)")
    page = f"{base}/{action}?__connect_url__={b64url(str(answer['url']).encode())}&source={quote(source)}"
    return Session(base, action, str(answer["token"]), page,
                   action in ENCRYPTED_ACTIONS if encrypted is None else encrypted, key)


def _call(client: HttpClient, url: str, headers: dict[str, str] | None = None) -> Any:
    response = client.request("GET", url, headers=headers, raise_for_status=False)
    data: Any = None
    try:
        data = response.json()
    except RemoteError:
        data = None
    if response.status >= 400:
        said = data.get("error") if isinstance(data, dict) else None
        raise RemoteError(f"failed to connect to store {urlsplit(url).netloc} "
                          f"([{response.status}] {excerpt(said or response.text, 300)})",
                          status=response.status)
    if data is None:
        raise RemoteError(f"failed to connect to store ({url.split('?')[0]} did not answer JSON)")
    return data


def wait(session: Session, client: HttpClient, *, timeout: float = DEFAULT_TIMEOUT, interval: float = POLL_INTERVAL,
         on_poll: Callable[[str], None] | None = None) -> Any:
    """Poll the status until the user approved (returns the decrypted `config`), failed, or time ran out."""
    status_url = f"{session.base}/api/did/{session.action}/status?_t_={quote(session.token)}"
    deadline = time.monotonic() + timeout
    while True:
        answer = _call(client, status_url)
        answer = answer if isinstance(answer, dict) else {}
        status = str(answer.get("status") or "")
        if on_poll:
            on_poll(status)
        if answer.get("error") or status == "error":
            raise RemoteError(f"failed to connect to store ({answer.get('error') or 'the wallet reported an error'})")
        if status == "succeed":
            if answer.get("config") is None:
                answer = _call(client, status_url)
            config = answer.get("config") if isinstance(answer, dict) else None
            if config is None:
                raise RemoteError("failed to connect to store (the answer has no config)")
            return session.decrypt(config) if session.encrypted and isinstance(config, str) else config
        if time.monotonic() + interval > deadline:
            with contextlib.suppress(BlockletError):
                client.request("GET", f"{session.base}/api/did/{session.action}/timeout?_t_={quote(session.token)}",
                               raise_for_status=False)
            raise NetworkError(f"no answer from the wallet within {timeout:g}s; run the command again",
                               hint="pass --timeout <seconds> to wait longer")
        time.sleep(interval)


@dataclass
class Connection:
    """What `connect-cli` gives: the access token (secret) and the developer's identity."""

    store: str
    access_token: str = field(repr=False)
    developer_did: str | None
    name: str | None
    email: str | None

    def to_dict(self) -> dict[str, Any]:  # never the token
        return {"store": self.store, "developerDid": self.developer_did, "name": self.name, "email": self.email}


def connection_of(store: str, config: Any) -> Connection:
    """Check the decrypted `connect-cli` answer (`{secretKey, developerDid, name, email}`)."""
    from blocklet_cli.core.identity.wallet import Wallet

    if not isinstance(config, dict) or not isinstance(config.get("secretKey"), str):
        raise RemoteError("the store's connect answer has no secretKey")
    try:
        Wallet.from_secret_key(config["secretKey"])
    except UsageError as exc:
        raise RemoteError(f"the store's connect answer holds an invalid secret key: {exc.message}") from None

    def text(key: str) -> str | None:
        value = config.get(key)
        return str(value) if value not in (None, "") else None

    return Connection(store, config["secretKey"], text("developerDid"), text("name"), text("email"))
