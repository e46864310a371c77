"""Configuration profiles in the reference's INI file (`$ABT_NODE_HOME/blocklet.ini`, npm `ini` v2,
default profile = top-level keys, other profiles = sections), and the keys `config set` accepts.

Reference: ArcBlock/blocklet-server core/cli/lib/constant.js (`$ABT_NODE_HOME/blocklet.ini`, where
`ABT_NODE_HOME` is `$ABT_NODE_CUSTOM_DATA_DIR` or `~/.arcblock`: `core/paths.py`),
core/cli/lib/util/blocklet/config.js (npm `ini` v2, default profile = top-level keys, other profiles =
sections) and core/cli/lib/commands/blocklet/config.js (keys and their validation). The file is shared
with the reference CLI, so it is read and written with the same semantics (`core/config/ini.py`); keys
and sections we do not know are kept. Which variable overrides which key, and the order, are the
settings table (`core/settings.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blocklet_cli.core import paths
from blocklet_cli.core.config import ini
from blocklet_cli.core.errors import FileFormatError, NotFoundError, UsageError
from blocklet_cli.core.settings import BY_NAME, DEFAULT_PROFILE, MASK, Resolved
from blocklet_cli.core.settings import DEFAULT_STORE as DEFAULT_STORE  # re-exported
from blocklet_cli.core.store_address import is_http_url

KEYS = ("store", "accessToken", "registry", "developerDid", "name", "email")
SECRET_KEYS = frozenset(key for key in KEYS if BY_NAME[key].secret)
ENV_VARS = {key: BY_NAME[key].env_vars[0] for key in KEYS}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def is_secret(key: str) -> bool:
    return key in SECRET_KEYS


def mask(key: str, value: Any) -> Any:
    """The value to show for `key`: secrets become `MASK`."""
    return MASK if is_secret(key) and value not in (None, "") else value


@dataclass
class ConfigFile:
    """The whole INI file as npm `ini` decodes it (top-level keys = the default profile)."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> ConfigFile:
        path = Path(path) if path else paths.config_file()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path, {})
        except UnicodeDecodeError:
            raise FileFormatError("the config file is not UTF-8 text", location=str(path)) from None
        except OSError as exc:
            raise FileFormatError(f"cannot read the config file: {exc.strerror}", location=str(path)) from None
        return cls(path, ini.decode(text))

    def text(self) -> str:
        return ini.encode(self.data)

    def save(self) -> None:
        """Write the file (mode 0600: it holds access tokens), atomically."""
        from blocklet_cli.core.fsutil import write_secret_file

        write_secret_file(self.path, self.text())

    def has_profile(self, profile: str) -> bool:
        return profile == DEFAULT_PROFILE or isinstance(self.data.get(profile), dict)

    def profile(self, profile: str | None = None) -> dict[str, Any]:
        """The scalar settings of a profile (empty when it does not exist)."""
        profile = profile or DEFAULT_PROFILE
        section = self.data if profile == DEFAULT_PROFILE else self.data.get(profile)
        if not isinstance(section, dict):
            return {}
        return {key: value for key, value in section.items() if not isinstance(value, dict)}

    def get(self, key: str, profile: str | None = None) -> Any:
        return self.profile(profile).get(key)

    def set(self, key: str, value: str, profile: str | None = None) -> None:
        profile = profile or DEFAULT_PROFILE
        _check_profile_name(profile)
        if profile == DEFAULT_PROFILE:
            section = self.data
        else:
            found = self.data.get(profile)
            section = found if isinstance(found, dict) else {}
            self.data[profile] = section
        section[key] = value

    def delete(self, key: str, profile: str | None = None) -> bool:
        """Remove `key`; True when it was there. A missing profile is a NotFoundError."""
        profile = profile or DEFAULT_PROFILE
        if not self.has_profile(profile):
            raise NotFoundError(f"no config found for profile {profile}", location=str(self.path))
        section = self.data if profile == DEFAULT_PROFILE else self.data[profile]
        if key in section and not isinstance(section[key], dict):
            del section[key]
            return True
        return False


def _check_profile_name(profile: str) -> None:
    if not profile or "." in profile or "[" in profile or "]" in profile or profile != profile.strip():
        raise UsageError(f"invalid profile name {profile!r}: no dots, brackets or surrounding spaces")


def validate_value(key: str, value: str) -> None:
    """Check a value for `config set` (the reference's rules, but localhost URLs are fine)."""
    if key not in KEYS:
        raise UsageError(f"unknown config key {key!r}; supported keys are: {', '.join(KEYS)}")
    if key in ("store", "registry"):
        if not (is_http_url(value) or value.startswith("file://")):
            raise UsageError(f"invalid {key} url: {value!r} (expected http(s)://host[:port][/path] or file://…)")
    elif key == "accessToken":
        from blocklet_cli.core.identity.wallet import Wallet

        try:
            Wallet.from_secret_key(value)
        except UsageError as exc:
            raise UsageError(f"invalid access token: {exc.message}") from None
    elif key == "developerDid":
        from blocklet_cli.core.identity import did

        if not did.is_valid(value):
            raise UsageError(f"invalid developerDid: {value!r} is not a valid DID")
    elif key == "email" and not _EMAIL.match(value):
        raise UsageError(f"invalid email: {value!r}")


def resolve(key: str, profile: str | None = None, flag_value: str | None = None,
            config: ConfigFile | None = None) -> Resolved:
    """Resolve the profile setting `key` through the settings table: flag > environment > profile >
    default. `store` falls back to `registry`, then (default profile only) to the public store, as the
    reference's `upload` does. The config file is read only when the flag and environment say nothing."""
    from blocklet_cli.core import settings

    profile = profile or DEFAULT_PROFILE
    found = settings.resolve(key, flag_value, use_default=False)
    if found.source is not None:
        return found
    config = config or ConfigFile.load()
    return settings.resolve(key, None, profile=config.profile(profile), profile_name=profile,
                            use_default=profile == DEFAULT_PROFILE)

