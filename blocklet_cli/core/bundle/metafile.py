"""The files of a bundle that describe it (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/bundle/bundle.js and bundlers/blocklet.js, core/util/lib/create-blocklet-release.js).

`blocklet.yml`: the normalised metadata, js-yaml `dump` style (2-space indent, sequences indented
under their key, no key sorting, `''` quoting where needed, line width 80). `package.json`: the
reference's subset, 2-space JSON without a trailing newline. `blocklet.json`: the release metadata,
same JSON style. Release tarball names: `slugify(name)-version.tgz`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from blocklet_cli.core.meta.yaml_dump import dump_yaml as js_yaml_dump

DROPPED_KEYS = ("path", "folder", "htmlAst", "stats", "nftFactory", "signatures", "lastPublishedAt", "dist")
PACKAGE_KEYS = ("name", "version", "type", "description", "keywords", "author", "repository", "bugs", "publishConfig")




def dump_yaml(meta: dict) -> str:
    return js_yaml_dump(meta, width=80)


def bundled_meta(meta: dict, *, main: str | None, screenshots: list[str] | None, git_hash: str | None) -> dict:
    """The metadata written into the bundle: `main` and `screenshots` rewritten, `gitHash` added,
    runtime-only keys dropped, `specVersion` defaulted."""
    out = {key: value for key, value in meta.items() if key not in DROPPED_KEYS}
    if main is not None:
        out["main"] = main
    if screenshots is not None:
        out["screenshots"] = screenshots
    out.setdefault("specVersion", "1.0.0")
    out.pop("gitHash", None)
    if git_hash:
        out["gitHash"] = git_hash
    return out


def bundled_package_json(package_json: dict, externals: dict[str, str] | None = None) -> str:
    """The reference subset of the project's package.json, as written into the bundle. `externals`
    (name → version) are the packages the server installs: `dependencies`,
    `blockletExternalDependencies` and `trustedDependencies`."""
    out = {key: package_json[key] for key in PACKAGE_KEYS if key in package_json}
    names = list(externals or {})
    out.update({"dependencies": dict(externals or {}), "externalManager": "bun", "blockletExternalDependencies": names})
    if names:
        out["trustedDependencies"] = names
    return to_json(out)


CREDENTIAL_KEY = re.compile(r"(?:^|[:_])(?:_?authtoken|_auth|_password|password|token|secret|access[-_]?key)$",
                            re.IGNORECASE)
URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]*@)")


def strip_credentials(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """`value` without credentials: keys naming a token or password are dropped (`_authToken`,
    `//registry.npmjs.org/:_authToken`, `_password`, …), credentials are removed from URLs.
    Returns the clean value and where something was removed (`publishConfig._authToken`)."""
    removed: list[str] = []
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if CREDENTIAL_KEY.search(str(key)) and isinstance(item, (str, int, float)):
                removed.append(where)
                continue
            out[key], found = strip_credentials(item, where)
            removed += found
        return out, removed
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            clean, found = strip_credentials(item, f"{path}[{index}]")
            items.append(clean)
            removed += found
        return items, removed
    if isinstance(value, str) and URL_USERINFO.search(value):
        clean = URL_USERINFO.sub(_without_credentials, value)
        if clean != value:
            return clean, [f"{path} (user:password@ in a URL)"]
    return value, removed


def _without_credentials(match: re.Match) -> str:
    """Drop the userinfo of a URL when it is a credential: any `user:password@`, and any userinfo of an
    http(s) URL (`https://<token>@host`); `git+ssh://git@host` names only the ssh user and stays."""
    scheme, userinfo = match.group("scheme"), match.group("userinfo")
    if ":" in userinfo or scheme.lower().rstrip(":/").split("+")[-1] in ("http", "https"):
        return scheme
    return match.group(0)


def bundled_package_json_checked(package_json: dict, externals: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """`bundled_package_json` with credentials removed, and the list of what was removed."""
    subset = {key: package_json[key] for key in PACKAGE_KEYS if key in package_json}
    clean, removed = strip_credentials(subset)
    return bundled_package_json(clean, externals), removed


def to_json(value) -> str:
    """`JSON.stringify(value, null, 2)` (no trailing newline)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def release_meta(meta: dict, *, tarball: str, integrity: str, size: int) -> dict:
    """The release `blocklet.json`: the re-parsed bundle metadata plus `dist`."""
    out = {key: value for key, value in meta.items() if key != "dist"}
    out["dist"] = {"tarball": tarball, "integrity": integrity, "size": size}
    return out


def slugify(name: str) -> str:
    """`slugify` 1.6 as the reference names tarballs: `&`→`and`, diacritics folded, `/` and other
    unsafe characters removed, spaces → `-`."""
    text = unicodedata.normalize("NFKD", name.replace("&", " and "))
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"[^\w\s$*_+~.()'\"!\-:@]+", "", text)
    return re.sub(r"\s+", "-", text.strip())


def tarball_name(meta: dict) -> str:
    return f"{slugify(str(meta['name']))}-{meta['version']}.tgz"
