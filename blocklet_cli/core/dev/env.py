"""The environment a blocklet gets from Blocklet Server, computed locally for `blocklet dev`.

Reference: `getRuntimeEnvironments` in ArcBlock/blocklet-server core/state/lib/util/blocklet/environment.js (the
runtime environment) and core/cli/lib/util/blocklet/env.js (dotenv files applied to the declared
`environments` only). We run standalone, so the "server" is the dev host: a per-user dev
node wallet stands for the node key, a per-project dev wallet for the app key, and a per-project dev
folder (under the user data dir, keyed by the project path) holds data, logs and cache.

Layering: returns a `DevEnvironment`; never prints. Secret values (declared `secure` variables and
`BLOCKLET_APP_SK`) are kept in `values` but never appear in `redacted()` or `to_dict()`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blocklet_cli.core.errors import (
    ConflictError,
    FileFormatError,
    InputRequiredError,
    MetaError,
    MetaIssue,
    UsageError,
)
from blocklet_cli.core.fsutil import write_secret_file
from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.identity.wallet import Wallet
from blocklet_cli.core.paths import dev_root
from blocklet_cli.core.project.dotenv import read_dotenv_files

REDACTED = "********"
DEV_SUBDIRS = ("data", "logs", "cache")
# The server blanks these in the blocklet process (`PRIVATE_NODE_ENVS` and the rest of environment.js):
# never leak the CLI's own values.
BLANKED = ("ABT_NODE_SK", "ABT_NODE_UPDATER_PORT", "ABT_NODE_SESSION_TTL", "ABT_NODE_ROUTER_PROVIDER",
           "ABT_NODE_DATA_DIR", "ABT_NODE_TOKEN_SECRET", "ABT_NODE_SESSION_SECRET", "ABT_NODE_BASE_URL",
           "ABT_NODE_LOG_LEVEL", "ABT_NODE_LOG_DIR", "CLI_MODE", "ABT_NODE_HOME", "PM2_HOME",
           "ABT_NODE_CONFIG_FILE")

# Our own credentials (`publish`'s signing key, `deploy`'s access key): they sign as the developer, the app
# never needs them, so they are not in its environment (not even for a declared variable of that name).
OWN_CREDENTIALS = ("BLOCKLET_ACCESS_TOKEN", "BLOCKLET_DEPLOY_ACCESS_KEY", "BLOCKLET_DEPLOY_ACCESS_SECRET")


def without_own_credentials(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without the CLI's own credentials (`OWN_CREDENTIALS`)."""
    return {key: value for key, value in environ.items() if key not in OWN_CREDENTIALS}


NODE_TYPE = did_core.DidType(1, did_core.KEY_ED25519, did_core.HASH_SHA3)  # ROLE_NODE (@ocap/mcrypto)
AskValue = Callable[[dict], str]  # called with the `environments` entry of a required variable


@dataclass(frozen=True)
class DevPaths:
    """The per-project dev folder: `<user data>/blocklet/dev/<name>-<hash of the project path>`."""

    root: Path
    project_dir: Path

    @classmethod
    def for_project(cls, project_dir: Path, name: str, data_root: Path | None = None) -> DevPaths:
        project_dir = project_dir.resolve()
        digest = hashlib.sha256(str(project_dir).encode()).hexdigest()[:12]
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "blocklet"
        return cls((data_root or dev_root()) / f"{safe}-{digest}", project_dir)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def wallet_file(self) -> Path:
        return self.root / "app-wallet.json"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    def prepare(self, *, reset: bool = False) -> list[Path]:
        """Create data/logs/cache (emptied first with `reset`); return the folders emptied."""
        emptied = []
        for sub in DEV_SUBDIRS:
            folder = self.root / sub
            if reset and folder.exists():
                shutil.rmtree(folder)
                emptied.append(folder)
            folder.mkdir(parents=True, exist_ok=True)
        (self.root / "project").write_text(str(self.project_dir) + "\n", encoding="utf-8")
        return emptied


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def choose_port(paths: DevPaths, requested: int | None = None) -> int:
    """`requested` (ConflictError when taken), else the port of the last run when still free, else a
    free one; remembered in the dev folder so the URL stays the same between runs."""
    if requested is not None:
        if not 0 < requested < 65536:
            raise UsageError(f"--port must be between 1 and 65535, got {requested}")
        if not port_is_free(requested):
            raise ConflictError(f"port {requested} is already in use", hint="pick another --port or omit it")
        port = requested
    else:
        try:
            port = int(paths.port_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            port = 0
        if not (0 < port < 65536 and port_is_free(port)):
            port = free_port()
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.port_file.write_text(f"{port}\n", encoding="utf-8")
    return port


def load_wallet(path: Path, did_type: did_core.DidType = did_core.APPLICATION_TYPE) -> Wallet:
    """The wallet saved at `path` (0600 JSON with `sk`), created on first use."""
    if path.is_file():
        try:
            secret = json.loads(path.read_text(encoding="utf-8"))["sk"]
        except (ValueError, KeyError, TypeError):
            raise FileFormatError("not a wallet file (expected JSON with an `sk` key)", location=str(path)) from None
        return Wallet.from_secret_key(secret, did_type)
    wallet = Wallet.generate(did_type)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_secret_file(path, json.dumps(wallet.to_json(), indent=2) + "\n")
    return wallet


@dataclass
class DevEnvironment:
    """Variables given to the dev process, where the declared ones came from, and which are secret."""

    values: dict[str, str]
    secret_names: set[str] = field(default_factory=set)
    sources: dict[str, str] = field(default_factory=dict)  # declared variable -> default/.env…/environment/prompt
    ignored: list[str] = field(default_factory=list)  # dotenv keys not declared in `environments`

    def redacted(self) -> dict[str, str]:
        """The values with every secret replaced by `********` (safe to print or log)."""
        return {key: REDACTED if key in self.secret_names else value for key, value in self.values.items()}

    def process_env(self, base: Mapping[str, str]) -> dict[str, str]:
        """The full environment of the child: `base` (our own environment, less our credentials) overlaid
        with ours."""
        return {**without_own_credentials(base), **self.values}

    def to_dict(self) -> dict:
        return {"names": sorted(self.values), "secret": sorted(self.secret_names), "sources": self.sources}


STATUS_RUNNING, STATUS_STOPPED = 6, 8  # BlockletStatus of ArcBlock/blocklet-server blocklet/constant


@dataclass
class DevSettings:
    """What `compute_environment` needs besides the metadata."""

    project_dir: Path
    paths: DevPaths
    port: int
    app_wallet: Wallet
    node_wallet: Wallet
    host_version: str
    app_url: str | None = None
    expose_sk: bool = False
    mount_point: str = "/"
    public_port: int | None = None  # the port users open (the dev gateway's); default `port`


def compute_environment(meta: dict, settings: DevSettings, *, environ: Mapping[str, str] | None = None,
                        ask: AskValue | None = None) -> DevEnvironment:
    """The runtime environment of the blocklet `meta` in dev mode (as `getRuntimeEnvironments` makes it).

    Declared `environments` get their default, then the dotenv files, then the real environment
    (`environ`); a required variable still empty is asked through `ask`, or raises InputRequiredError.
    """
    environ = without_own_credentials(os.environ if environ is None else environ)
    env = DevEnvironment(values={})
    _declared(meta, settings.project_dir, environ, ask, env)
    env.values.update(_runtime(meta, settings))
    env.values.update(interface_ports(meta, {settings.port}))
    if settings.expose_sk:
        env.values["BLOCKLET_APP_SK"] = settings.app_wallet.secret_key_hex
        env.secret_names.add("BLOCKLET_APP_SK")
    return env


def _declared(meta: dict, project_dir: Path, environ: dict[str, str], ask: AskValue | None,
              env: DevEnvironment) -> None:
    entries = [e for e in meta.get("environments") or [] if isinstance(e, dict) and isinstance(e.get("name"), str)]
    declared = {entry["name"] for entry in entries}
    files = read_dotenv_files(project_dir)
    env.ignored = sorted({key for _, values in files for key in values} - declared)
    for entry in entries:
        name = entry["name"]
        value, source = None, None
        if entry.get("default") is not None:
            value, source = _single_line(entry["default"]), "default"
        for file_name, values in files:
            if name in values:
                value, source = values[name], file_name
        if name in environ:
            value, source = environ[name], "environment"
        if entry.get("secure"):
            env.secret_names.add(name)
        if not value and entry.get("required"):
            if ask is None:
                raise InputRequiredError(
                    f"environment variable {name} is required (declared in blocklet.yml) and has no value",
                    hint=f"set {name} in .env.development.local or in the environment")
            value, source = _single_line(ask(entry)), "prompt"
            if not value:
                raise InputRequiredError(f"environment variable {name} is required and was left empty")
        if value is not None:
            env.values[name] = value
            env.sources[name] = source or "default"


def _runtime(meta: dict, s: DevSettings) -> dict[str, str]:
    did = str(meta.get("did") or did_core.to_blocklet_did(str(meta.get("name"))))
    name = str(meta.get("name") or did)
    version = str(meta.get("version") or "")
    title = str(meta.get("title") or name)
    front = s.public_port or s.port
    app_url = (s.app_url or f"http://127.0.0.1:{front}").rstrip("/")
    app_data = s.paths.data
    mount: dict[str, Any] = {"title": title, "did": did, "name": name, "version": version, "mountPoint": s.mount_point,
             "status": STATUS_RUNNING, "port": s.port, "containerPort": "", "resources": [], "resourcesV2": [],
             "group": meta.get("group"), "isGreen": False}
    values = {
        "BLOCKLET_PORT": str(s.port),
        "PORT": str(s.port),
        "BLOCKLET_APP_DIR": str(s.project_dir),
        "BLOCKLET_DATA_DIR": str(app_data / did),
        "BLOCKLET_LOG_DIR": str(s.paths.logs / did),
        "BLOCKLET_CACHE_DIR": str(s.paths.cache / did),
        "BLOCKLET_APP_DATA_DIR": str(app_data),
        "BLOCKLET_APP_SHARE_DIR": str(app_data / ".share"),
        "BLOCKLET_SHARE_DIR": str(app_data / ".share" / did),
        # an app's DID (and name) is its wallet's address, the blocklet is its component at `/`: as the server's
        # installApplicationFromGeneral makes them (BLOCKLET_DID is always BLOCKLET_APP_PID, environment.js)
        "BLOCKLET_DID": s.app_wallet.address,
        "BLOCKLET_COMPONENT_DID": did,
        "BLOCKLET_COMPONENT_VERSION": version,
        "BLOCKLET_REAL_DID": f"{s.app_wallet.address}/{did}",
        "BLOCKLET_REAL_NAME": f"{s.app_wallet.address}/{name}",
        "BLOCKLET_APP_ID": s.app_wallet.address,
        "BLOCKLET_APP_IDS": s.app_wallet.address,  # every DID the app had (one: it was never migrated)
        "BLOCKLET_APP_CHAIN_TYPE": "arcblock",  # the app's chain config the server sets by default
        "BLOCKLET_INSTANCE_ID": "0",  # the process's index among its instances (pm2's; one here)
        "BLOCKLET_APP_PID": s.app_wallet.address,
        "BLOCKLET_APP_PK": s.app_wallet.public_key_hex,
        "BLOCKLET_APP_NAME": _single_line(title),
        "BLOCKLET_APP_DESCRIPTION": _single_line(meta.get("description") or ""),
        "BLOCKLET_APP_URL": app_url,
        "BLOCKLET_APP_VERSION": version,
        "BLOCKLET_APP_TENANT_MODE": "single",
        "BLOCKLET_MODE": "development",
        "BLOCKLET_DEV_MOUNT_POINT": s.mount_point,
        "BLOCKLET_MOUNT_POINTS": json.dumps([mount], separators=(",", ":")),
        "NODE_ENV": "development",
        "BROWSER": "none",
        "ABT_NODE": s.host_version,
        "ABT_NODE_VERSION": s.host_version,
        "ABT_NODE_DID": s.node_wallet.address,
        "ABT_NODE_PK": s.node_wallet.public_key_hex,
        "ABT_NODE_PORT": str(front),
        "ABT_NODE_MODE": "development",
        "ABT_NODE_URL": f"http://127.0.0.1:{front}",
        "ABT_NODE_DOMAIN": "127.0.0.1",
        "ABT_NODE_PROTOCOL": "http",
    }
    for folder in ("BLOCKLET_DATA_DIR", "BLOCKLET_LOG_DIR", "BLOCKLET_CACHE_DIR", "BLOCKLET_SHARE_DIR"):
        Path(values[folder]).mkdir(parents=True, exist_ok=True)
    values.update(dict.fromkeys(BLANKED, ""))
    return values


def interface_ports(meta: dict, taken: set[int]) -> dict[str, str]:
    """A free port for each extra interface port variable (`port: NAME` or `port: {internal: NAME}`),
    as the server allocates one per interface."""
    ports: dict[str, str] = {}
    for interface in meta.get("interfaces") or []:
        port = interface.get("port") if isinstance(interface, dict) else None
        name = port.get("internal") if isinstance(port, dict) else port
        if not isinstance(name, str) or name in ("BLOCKLET_PORT", "PORT") or name in ports:
            continue
        number = free_port()
        while number in taken:
            number = free_port()
        taken.add(number)
        ports[name] = str(number)
    return ports


def _single_line(value: object) -> str:
    """Env values are single-line: objects JSON-encoded, newlines turned into spaces (as the server does)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    else:
        text = str(value)
    return text.replace("\r\n", " ").replace("\n", " ")


def dev_script(meta: dict, meta_path: str | None = None) -> str:
    """`scripts.dev` of a dapp; a MetaError naming the field when it is missing or empty."""
    script = (meta.get("scripts") or {}).get("dev")
    if not isinstance(script, str) or not script.strip():
        raise MetaError("missing `scripts.dev` field: a dapp needs the command that runs it in development",
                        issues=[MetaIssue("/scripts/dev", "is required to run `blocklet dev`")], path=meta_path,
                        hint="add `scripts: {dev: node index.js}` (your dev command) to blocklet.yml")
    return script


def hook_script(meta: dict, hook: str) -> str | None:
    """A lifecycle hook (`preFlight`, `preStart`, `postStart`), also under its kebab-case name."""
    scripts = meta.get("scripts") or {}
    kebab = re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), hook)
    script = scripts.get(hook) or scripts.get(kebab)
    return script if isinstance(script, str) and script.strip() else None
