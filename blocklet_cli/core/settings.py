"""Every setting the tool reads, in one table, and the one resolver that says where a value came from.

A setting is taken from, highest first: its flag, its environment variables (in the order listed),
its keys in the config profile (`blocklet.ini`, see `config.profiles`), its default. `resolve()`
returns the value with its source (`flag`, `env:<VAR>`, `profile:<profile>`, `default`) so `--verbose`
can say where a value came from; secret values are never shown (`Resolved.shown`).

The help texts quote `precedence()`, and `scripts/gen_settings_doc.py` writes `markdown_table()` into
docs/configuration.md (a test keeps both in step with this table). Variables the code reads that are
not settings of ours (CI, NO_COLOR, proxies, …) are listed in `OTHER_VARIABLES`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

MASK = "********"
DEFAULT_PROFILE = "default"
DEFAULT_STORE = "https://store.blocklet.dev"


class Setting:
    """One setting: where it can come from, its default, whether it is secret, what it means.
    (A plain class, not a dataclass: this module is imported by every command, and start-up matters.)"""

    __slots__ = ("commands", "default", "env_vars", "flag", "help", "name", "profile_keys", "secret")

    def __init__(self, name: str, flag: str | None, env_vars: tuple[str, ...], profile_keys: tuple[str, ...],
                 default: str | None, secret: bool, help: str, commands: str = "") -> None:
        self.name, self.flag, self.env_vars, self.profile_keys = name, flag, env_vars, profile_keys
        self.default, self.secret, self.help, self.commands = default, secret, help, commands

    def __repr__(self) -> str:
        return f"Setting({self.name!r}, flag={self.flag!r}, env_vars={self.env_vars!r})"


SETTINGS: tuple[Setting, ...] = (
    Setting("profile", "--profile", ("BLOCKLET_PROFILE",), (), DEFAULT_PROFILE, False,
            "the config profile (INI section) to use", "add, publish, config, connect"),
    Setting("store", "--store", ("BLOCKLET_STORE", "BLOCKLET_REGISTRY"), ("store", "registry"), DEFAULT_STORE, False,
            "the store: an http(s) URL, or a file-store folder / file:// URL for `publish`; the default applies "
            "to the default profile only", "publish, add, connect"),
    Setting("accessToken", "--access-token", ("BLOCKLET_ACCESS_TOKEN",), ("accessToken",), None, True,
            "the store access token (a secret key `0x…`) that signs releases", "publish"),
    Setting("accessTokenFile", "--access-token-file", ("BLOCKLET_ACCESS_TOKEN_FILE",), (), None, False,
            "a file holding the store access token (`-`: stdin); the flag ranks after --access-token, the variable "
            "after $BLOCKLET_ACCESS_TOKEN; a warning when others may read the file", "publish, connect (the flag)"),
    Setting("skipExisting", "--skip-existing", ("BLOCKLET_SKIP_EXISTING",), (), "false", False,
            "a version already on the store is skipped (exit 0) instead of an error (exit 14); "
            "`true`/`false`", "publish"),
    Setting("registry", None, ("BLOCKLET_REGISTRY",), ("registry",), None, False,
            "the reference's older name of `store` (its fallback)", "publish, add"),
    Setting("developerDid", None, ("BLOCKLET_DEVELOPER_DID",), ("developerDid",), None, False,
            "the developer's DID (written by `connect`)", "config"),
    Setting("name", None, ("BLOCKLET_NAME",), ("name",), None, False,
            "the developer's name (written by `connect`)", "config"),
    Setting("email", None, ("BLOCKLET_EMAIL",), ("email",), None, False,
            "the developer's e-mail (written by `connect`)", "config"),
    Setting("componentStore", "--store-url", ("COMPONENT_STORE_URL",), (), None, False,
            "the store of components whose `source` names none", "validate, bundle, dev"),
    Setting("check", "--check", ("BLOCKLET_CHECK",), (), "true", False,
            "run `blocklet check` first and stop on its errors (`--no-check` or `0`/`false` skip it)",
            "bundle, publish"),
    Setting("deployEndpoint", "--endpoint", ("BLOCKLET_DEPLOY_ENDPOINT",), (), None, False,
            "the Blocklet Server to deploy to (admin, daemon, app or …/api/gql URL)", "deploy"),
    Setting("deployAccessKey", "--access-key", ("BLOCKLET_DEPLOY_ACCESS_KEY",), (), None, False,
            "the access key id; else the app's section of access-key.ini", "deploy"),
    Setting("deployAccessSecret", "--access-secret", ("BLOCKLET_DEPLOY_ACCESS_SECRET",), (), None, True,
            "the access key's secret (prefer the variable or a file: a flag shows in `ps`)", "deploy"),
    Setting("deployAccessSecretFile", "--access-secret-file", ("BLOCKLET_DEPLOY_ACCESS_SECRET_FILE",), (), None,
            False, "a file holding the access key's secret (`-`: stdin; also `--access-token-file`); the flag ranks "
            "after --access-secret, the variable after $BLOCKLET_DEPLOY_ACCESS_SECRET", "deploy"),
    Setting("deployAppDid", "--app-id", ("BLOCKLET_DEPLOY_APP_DID", "BLOCKLET_DEPLOY_APP_ID"), (), None, False,
            "the DID of the app to deploy into (also `--app-did`)", "deploy"),
    Setting("deployMountPoint", "--mount-point", ("BLOCKLET_DEPLOY_MOUNT_POINT",), (), None, False,
            "where the component is mounted (default: / + its URL-friendly title)", "deploy"),
    Setting("deployTimeout", "--timeout", ("BLOCKLET_DEPLOY_TIMEOUT",), (), "1800", False,
            "seconds to wait for the server (the upload can take long)", "deploy"),
    Setting("devAppDid", "--app-did", ("BLOCKLET_DEV_APP_DID",), (), None, False,
            "the app (by DID, from the store) `dev --component` runs this project in (also `--app-id`)", "dev"),
    Setting("devMountPoint", "--mount-point", ("BLOCKLET_DEV_MOUNT_POINT",), (), None, False,
            "where `dev --component` mounts this project in the app (default: its entry's, else /<name>)", "dev"),
    Setting("httpTimeout", None, ("BLOCKLET_HTTP_TIMEOUT",), (), "20", False,
            "HTTP read timeout in seconds (publish uploads wait 1800 s unless it is set)", "every network command"),
    Setting("httpConnectTimeout", None, ("BLOCKLET_HTTP_CONNECT_TIMEOUT",), (), "10", False,
            "HTTP connect timeout in seconds (never more than the read timeout)", "every network command"),
    Setting("httpDeadline", None, ("BLOCKLET_HTTP_DEADLINE",), (), None, False,
            "overall deadline of one request in seconds, retries included (default 3 x the read timeout; "
            "uploads and downloads get 1 s more per 64 KiB)", "every network command"),
    Setting("httpMaxDownload", None, ("BLOCKLET_HTTP_MAX_DOWNLOAD",), (), "1G", False,
            "largest download (bytes, or with a K/M/G suffix); a download is also limited to its declared size",
            "every network command"),
    Setting("httpRetries", None, ("BLOCKLET_HTTP_RETRIES",), (), "2", False,
            "retries of idempotent requests on connection errors and 429/502/503/504 answers",
            "every network command"),
    Setting("caBundle", None, ("BLOCKLET_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"), (), None, False,
            "a CA bundle file or folder of certificates for private CAs", "every network command"),
    Setting("sourceDateEpoch", None, ("SOURCE_DATE_EPOCH",), (), None, False,
            "the timestamp of every release tarball entry (reproducible builds; default: a fixed date)",
            "bundle, publish, deploy"),
    Setting("dataDir", None, ("ABT_NODE_CUSTOM_DATA_DIR",), (), "~/.arcblock", False,
            "the folder of blocklet.ini, access-key.ini and blocklet wallets (as the reference)",
            "config, connect, publish, add, deploy, init"),
)
BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}

# Variables the code reads that are not settings of ours (documented, not resolved here).
OTHER_VARIABLES: dict[str, str] = {
    "CI": "set (to anything but `0`/`false`): never prompt; a missing answer is an error naming its flag/variable",
    "NO_COLOR": "no colours (as `--no-color`)",
    "HTTPS_PROXY": "proxies, as curl reads them (also `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, any case)",
    "XDG_CONFIG_HOME": "where the local publisher key and wallets live (platformdirs; also `XDG_CACHE_HOME`, "
                       "`XDG_DATA_HOME`, `HOME`)",
    "BROWSER": "the browser `dev --open` and `connect` open",
    "ESBUILD_BINARY_PATH": "the esbuild binary `bundle --compact` uses (else the project's, else the cached "
                           "pinned one)",
    "LANG": "the output encoding (also `LC_ALL`, `PYTHONIOENCODING`); any locale works",
}


class Resolved:
    """A setting's value and where it came from: `flag`, `env:<VAR>`, `profile:<profile>`, `default`,
    or None when it is not set."""

    __slots__ = ("key", "secret", "source", "value")

    def __init__(self, key: str, value: Any, source: str | None, secret: bool = False) -> None:
        self.key, self.value, self.source, self.secret = key, value, source, secret

    def __repr__(self) -> str:
        return f"Resolved({self.key!r}, {self.shown!r}, {self.source!r})"

    @property
    def shown(self) -> str | None:
        """The value to show: secrets become `MASK`."""
        return MASK if self.secret and self.value not in (None, "") else self.value

    def describe(self) -> str:
        """One line for `--verbose`, e.g. `store = https://… (from env:BLOCKLET_STORE)`; never a secret."""
        if self.source is None:
            return f"{self.key} is not set"
        return f"{self.key} = {self.shown} (from {self.source})"

    def to_dict(self, show_secrets: bool = False) -> dict:
        return {"key": self.key, "value": self.value if show_secrets else self.shown, "source": self.source}


def resolve(name: str, flag_value: Any = None, env: Mapping[str, str] | None = None,
            profile: Mapping[str, Any] | None = None, *, profile_name: str = DEFAULT_PROFILE,
            use_default: bool = True) -> Resolved:
    """The value of setting `name`: `flag_value`, else its environment variables in `env` (default
    `os.environ`; blank counts as unset, values are stripped), else its keys in `profile` (the
    profile's settings), else its default (unless `use_default` is false)."""
    setting = BY_NAME[name]
    if flag_value is not None and str(flag_value).strip():
        return Resolved(name, str(flag_value).strip() if isinstance(flag_value, str) else flag_value, "flag",
                        setting.secret)
    env = os.environ if env is None else env
    for var in setting.env_vars:
        value = env.get(var)
        if value is not None and value.strip():
            return Resolved(name, value.strip(), f"env:{var}", setting.secret)
    for key in setting.profile_keys:
        value = (profile or {}).get(key)
        if value not in (None, "", True, False):
            return Resolved(name, str(value), f"profile:{profile_name}", setting.secret)
    if use_default and setting.default is not None:
        return Resolved(name, setting.default, "default", setting.secret)
    return Resolved(name, None, None, setting.secret)


def all_env_vars() -> set[str]:
    return {var for setting in SETTINGS for var in setting.env_vars}


def precedence(name: str) -> str:
    """Where setting `name` comes from, highest first, e.g. `--store, then $BLOCKLET_STORE, …`."""
    setting = BY_NAME[name]
    steps = [setting.flag] if setting.flag else []
    steps += [f"${var}" for var in setting.env_vars]
    if setting.profile_keys:
        steps.append("the profile's " + " or ".join(f"`{key}`" for key in setting.profile_keys))
    if setting.default is not None:
        steps.append(setting.default)
    return ", then ".join(steps)


def default_sentence(name: str, then: str | None = None) -> str:
    """`(default: …)` for a flag's help text: what is used when the flag is not given (`then`: a last
    step the table does not hold, such as a value computed from the project)."""
    setting = BY_NAME[name]
    rest = precedence(name).split(", then ", 1)[1] if setting.flag else precedence(name)
    return f"(default: {rest}{', then ' + then if then else ''})"


def markdown_table() -> str:
    """The settings table of docs/configuration.md."""
    rows = ["| setting | flag | environment | profile key | default | secret | used by | meaning |",
            "|---|---|---|---|---|---|---|---|"]
    for s in SETTINGS:
        cells = [f"`{s.name}`", f"`{s.flag}`" if s.flag else "",
                 ", ".join(f"`{var}`" for var in s.env_vars),
                 ", ".join(f"`{key}`" for key in s.profile_keys),
                 f"`{s.default}`" if s.default is not None else "", "yes" if s.secret else "", s.commands,
                 s.help.replace("|", "\\|")]
        rows.append("| " + " | ".join(cells) + " |")
    lines = ["Each setting comes from, highest first: its flag, its environment variables (in the order",
             "listed), its profile keys in `blocklet.ini`, its default. `--verbose` says where each value came",
             "from (never a secret value). `deploy` also reads its variables from the project's `.env`, `.env.local`,",
             "`.env.development` and `.env.development.local` (the real environment wins).", "", *rows, "",
             "Other variables the tool reads:", "", "| variable | meaning |", "|---|---|"]
    lines += [f"| `{var}` | {meaning} |" for var, meaning in OTHER_VARIABLES.items()]
    return "\n".join(lines) + "\n"
