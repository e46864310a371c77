"""First-generation Blocklet projects: metadata in `blocklet.json` or in the `blocklet` field of package.json.

Reading follows `@blocklet/meta` 1.7.7 (ArcBlock/blocklet-server blocklet/meta/lib/parse.js, fix.js, schema.js):
package.json (without `scripts`) is merged with its `blocklet` field, then `blocklet.json` on top; defaults are
filled in (name from the folder, version 1.0.0, group and main guessed, `public_url: /`). `to_spec_102` then
replays the reference migration, `abtnode blocklet:migrate` of @abtnode/cli 1.7.7
(ArcBlock/blocklet-server core/cli/lib/commands/blocklet/migrate/: json → yml as 1.0.0, then 1.0.1, 1.0.2), and
gives the document it would write. `legacy_keys` explains legacy keys left in a modern `blocklet.yml`.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blocklet_cli.core import safejson
from blocklet_cli.core.errors import FileFormatError, MetaError, NotFoundError

LEGACY_FILE = "blocklet.json"
PACKAGE_FILE = "package.json"
PACKAGE_FIELD = "package.json#blocklet"
CURRENT_SPEC_VERSION = "1.2.8"  # BLOCKLET_LATEST_SPEC_VERSION of @blocklet/constant 1.17.12
OLD_REQUIREMENT_SERVER = ">=1.6.2"  # BLOCKLET_LATEST_REQUIREMENT_SERVER of @blocklet/meta 1.7.7
HOOK_NAMES = {"pre-install": "preInstall", "post-install": "postInstall", "pre-deploy": "preDeploy",
              "pre-start": "preStart", "pre-stop": "preStop", "pre-uninstall": "preUninstall",
              "pre-config": "preConfig"}
OLD_SCRIPT_KEYS = ("dev", "preInstall", "postInstall", "preDeploy", "preStart", "preStop", "preUninstall", "preConfig")
# Top-level keys of the 1.7.7 schema (after camelCase); everything else is dropped by it (stripUnknown).
OLD_KEYS = ("did", "version", "name", "description", "group", "main", "title", "logo", "specVersion", "author",
            "contributors", "maintainers", "community", "documentation", "homepage", "license", "support",
            "nftFactory", "payment", "keywords", "tags", "gitHash", "repository", "timeout", "requirements",
            "interfaces", "environments", "requiredEnvironments", "scripts", "capabilities", "files", "engine",
            "publicUrl", "adminUrl", "configUrl", "docUrl", "screenshots", "logoUrl", "dist", "stats", "htmlAst",
            "path", "signatures", "lastPublishedAt", "children", "navigation", "theme")
# What package.json contributes to a legacy blocklet (its other fields are npm's own).
PACKAGE_KEYS = tuple(k for k in OLD_KEYS if k not in ("scripts", "did", "path"))
SCREENSHOT = re.compile(r"\.(gif|jpe?g|png|webp|bmp|svg)$", re.IGNORECASE)

# Legacy keys: where their value lives today (None: nowhere).
LEGACY_HOMES: dict[str, str | None] = {
    "requiredEnvironments": "environments",
    "public_url": "interfaces (the `publicUrl` web interface's path)",
    "admin_url": None,
    "config_url": None,
    "doc_url": "documentation (when it is a full URL)",
    "provider": None,
    "color": None,
    "hooks": "scripts (camelCase hook names)",
    "hookFiles": "files",
    "exposeServices": "interfaces (type service)",
    "capabilities.dynamicPathPrefix": "interfaces[].prefix ('*' when true, '/' when false)",
    "children": "components",
    "charging": "payment",
    "requirements.abtnode": "requirements.server",
}


class LegacyProjectError(MetaError):
    """The folder holds a first-generation project (no blocklet.yml): `blocklet migrate` converts it."""


@dataclass
class LegacyProject:
    """The legacy sources of a project folder, merged the way the 1.7.7 parser merges them."""

    root: Path
    package_text: str | None
    package: dict[str, Any] | None
    blocklet_json_text: str | None
    blocklet_json: dict[str, Any] | None
    merged: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)  # top-level key -> source

    @property
    def sources(self) -> list[str]:
        found = []
        if self.blocklet_json is not None:
            found.append(LEGACY_FILE)
        if self.package is not None and isinstance(self.package.get("blocklet"), dict):
            found.append(PACKAGE_FIELD)
        return found

    def source_of(self, key: str) -> str:
        return self.provenance.get(key, "default")


def legacy_sources(root: str | Path) -> list[str]:
    """The legacy metadata sources in a folder (cheap; unreadable files count as present)."""
    root = Path(root)
    found = []
    if (root / LEGACY_FILE).is_file():
        found.append(LEGACY_FILE)
    package = root / PACKAGE_FILE
    if package.is_file():
        try:
            data = safejson.loads(package.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("blocklet"), dict):
            found.append(PACKAGE_FIELD)
    return found


def legacy_project_error(root: str | Path, sources: list[str]) -> LegacyProjectError:
    """The one-line error every command gives for a legacy project."""
    what = " and ".join(sources)
    return LegacyProjectError(f"{root} is a legacy Blocklet project (metadata in {what}, no blocklet.yml): "
                              f"`blocklet migrate {root}` converts it")


def _read_json(path: Path) -> tuple[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise FileFormatError(f"cannot read the file: {exc.strerror or exc}", location=str(path)) from None
    except UnicodeDecodeError:
        raise FileFormatError("the file is not UTF-8 text", location=str(path)) from None
    try:
        return text, safejson.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"invalid JSON: {exc.msg}", location=f"{path}:{exc.lineno}:{exc.colno}") from None


def read_legacy(root: str | Path) -> LegacyProject:
    """Read and merge the legacy sources of `root`. Raises NotFoundError when there are none,
    FileFormatError for unreadable JSON."""
    root = Path(root)
    project = LegacyProject(root, None, None, None, None)
    if (root / PACKAGE_FILE).is_file():
        text, data = _read_json(root / PACKAGE_FILE)
        if not isinstance(data, dict):
            raise FileFormatError("the document must be an object", location=str(root / PACKAGE_FILE))
        project.package_text, project.package = text, data
    if (root / LEGACY_FILE).is_file():
        text, data = _read_json(root / LEGACY_FILE)
        if not isinstance(data, dict):
            raise FileFormatError("the document must be an object", location=str(root / LEGACY_FILE))
        project.blocklet_json_text, project.blocklet_json = text, data
    if not project.sources:
        raise NotFoundError(f"no legacy blocklet metadata (blocklet.json or package.json#blocklet) in {root}")
    merged: dict[str, Any] = {}
    if project.package is not None:
        for key, value in project.package.items():
            if key != "scripts":
                merged[key] = copy.deepcopy(value)
                project.provenance[key] = PACKAGE_FILE
        blocklet = project.package.get("blocklet")
        for key, value in (blocklet.items() if isinstance(blocklet, dict) else ()):
            merged[key] = copy.deepcopy(value)
            project.provenance[key] = PACKAGE_FIELD
    for key, value in (project.blocklet_json or {}).items():
        merged[key] = copy.deepcopy(value)
        project.provenance[key] = LEGACY_FILE
    project.merged = merged
    return project


def _truthy(value: Any) -> bool:
    from blocklet_cli.core.meta.normalise import js_truthy

    return js_truthy(value)


def guess_main(root: Path) -> str | None:
    """`.` or the first folder (sorted) with an index.html/index.htm, as fixRequired guesses `main`."""
    for item in [".", *sorted(os.listdir(root))]:
        if (root / item / "index.html").exists() or (root / item / "index.htm").exists():
            return item
    return None


def fix_required(data: dict[str, Any], root: Path, directory: str) -> None:
    """fixRequired of @blocklet/meta 1.7.7: defaults for name, description, version, group, main, public_url."""
    if not _truthy(data.get("name")):
        data["name"] = root.name
    if not _truthy(data.get("description")):
        data["description"] = f"Blocklet from {directory}"
    if not _truthy(data.get("version")):
        data["version"] = "1.0.0"
    if not _truthy(data.get("main")) and not _truthy(data.get("group")):
        data["group"] = "static"
        main = guess_main(root)
        if main is not None:
            data["main"] = main
    if not _truthy(data.get("group")):
        main_path = root / str(data.get("main"))
        data["group"] = "dapp" if main_path.exists() and not main_path.is_dir() else "static"
    if not _truthy(data.get("specVersion")) and not _truthy(data.get("public_url")) and not _truthy(
            data.get("admin_url")):
        data["public_url"] = "/"


def _pick(value: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(value, dict):
        return value
    return {k: v for k, v in value.items() if k in keys}


def _old_schema(data: dict[str, Any]) -> dict[str, Any]:
    """The 1.7.7 Joi schema's effect on valid input: renames, unknown keys stripped, defaults filled."""
    if "requiredEnvironments" in data:
        data["environments"] = data.pop("requiredEnvironments")
    if "tags" in data:
        data["keywords"] = data.pop("tags")
    out = {k: v for k, v in data.items() if k in OLD_KEYS}
    for key in ("community", "documentation", "homepage", "license", "nftFactory"):
        out.setdefault(key, "")
    out.setdefault("payment", {"price": [], "share": []})
    out["payment"] = _pick(out["payment"], ("price", "share"))
    out["timeout"] = _pick(out.get("timeout", {"start": 60}), ("start",))
    if "requirements" in out:
        out["requirements"] = _pick(out["requirements"], ("abtnode", "server", "os", "cpu", "fuels"))
    else:
        out["requirements"] = {"server": OLD_REQUIREMENT_SERVER, "os": "*", "cpu": "*"}
    out.setdefault("interfaces", [])
    if isinstance(out["interfaces"], list):
        out["interfaces"] = [_old_interface(x) for x in out["interfaces"]]
    environments = out.get("environments", [])
    out["environments"] = [_old_environment(x) for x in environments] if isinstance(environments, list) \
        else environments
    found = out.get("capabilities")
    capabilities: dict[str, Any] = found if isinstance(found, dict) else {}
    out["capabilities"] = {"clusterMode": capabilities.get("clusterMode", False),
                           "component": capabilities.get("component", True)}
    if isinstance(out.get("scripts"), dict):
        scripts = {HOOK_NAMES.get(k, k): v for k, v in out["scripts"].items()}
        out["scripts"] = {k: v for k, v in scripts.items() if k in OLD_SCRIPT_KEYS}
    for key in ("author",):
        if isinstance(out.get(key), dict):
            out[key] = _pick(out[key], ("name", "email", "url"))
    for key in ("contributors", "maintainers"):
        if isinstance(out.get(key), list):
            out[key] = [_pick(x, ("name", "email", "url")) for x in out[key]]
    out.setdefault("screenshots", [])
    out.setdefault("children", [])
    if isinstance(out["children"], list):
        out["children"] = [_pick(x, ("name", "resolved", "mountPoints", "mountPoint", "services"))
                           for x in out["children"]]
    return out


def _old_interface(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = _pick(item, ("type", "name", "path", "prefix", "protocol", "port", "services", "endpoints"))
    out.setdefault("path", "/")
    out.setdefault("prefix", "*")
    out.setdefault("protocol", "http")
    out.setdefault("port", "BLOCKLET_PORT")
    return out


def _old_environment(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = _pick(item, ("name", "description", "default", "required", "secure", "validation", "shared"))
    out.setdefault("default", "")
    out.setdefault("required", False)
    out.setdefault("secure", False)
    out.setdefault("shared", not out["secure"])
    return out


def parse_legacy(project: LegacyProject, directory: str | None = None) -> dict[str, Any]:
    """What @blocklet/meta 1.7.7 `parse(dir)` returns for the legacy sources (for valid input).

    `directory` is the folder named in a default description (the absolute folder, like the reference)."""
    from blocklet_cli.core.identity.did import to_blocklet_did
    from blocklet_cli.core.meta.names import camel_case
    from blocklet_cli.core.meta.normalise import fix_shared_fields
    from blocklet_cli.core.meta.persons import fix_person

    data = copy.deepcopy(project.merged)
    if isinstance(data.get("requiredEnvironments"), dict):  # the seed's single-object form; 1.7.7 rejects it
        data["requiredEnvironments"] = [data["requiredEnvironments"]]
    root = project.root
    fix_required(data, root, directory if directory is not None else str(root.resolve()))
    fix_shared_fields(data)
    if _truthy(data.get("author")):
        data["author"] = fix_person(data["author"])
    for key in ("maintainers", "contributors"):
        if isinstance(data.get(key), list):
            data[key] = [fix_person(x) for x in data[key]]
    data["path"] = f"/{data.get('group')}/{data.get('name')}"
    data["did"] = to_blocklet_did(str(data["name"]))
    camel = {camel_case(k): v for k, v in data.items()}
    return _old_schema(camel)


def to_spec_102(project: LegacyProject, directory: str | None = None) -> dict[str, Any]:
    """The document `abtnode blocklet:migrate` (@abtnode/cli 1.7.7) writes to blocklet.yml: json → yml
    (specVersion 1.0.0), 1.0.1 (hooks merged into scripts, default files, interfaces from public_url),
    1.0.2 (screenshots from screenshots/)."""
    meta = parse_legacy(project, directory)
    for key in ("path", "folder", "htmlAst", "stats", "nftFactory", "signatures", "lastPublishedAt"):
        meta.pop(key, None)
    meta.setdefault("specVersion", "1.0.0")
    meta["specVersion"] = "1.0.0"
    # 1.0.1
    meta["scripts"] = {**(meta.pop("hooks", None) or {}), **(meta.get("scripts") or {})}
    files = meta.get("files") or ["blocklet.md", "screenshots"]
    meta["files"] = list(dict.fromkeys(x for x in files if isinstance(x, str) and x))
    fix_interfaces(meta)
    meta["specVersion"] = "1.0.1"
    # 1.0.2
    if not isinstance(meta.get("screenshots"), list):
        meta["screenshots"] = []
    shots = project.root / "screenshots"
    if not meta["screenshots"] and shots.is_dir():
        meta["screenshots"] = [x for x in sorted(os.listdir(shots)) if SCREENSHOT.search(x)]
    meta["specVersion"] = "1.0.2"
    return meta


def fix_interfaces(meta: dict[str, Any], dynamic_path_prefix: Any = True) -> None:
    """fixInterfaces of @blocklet/meta 1.7.7: a `publicUrl` web interface from `publicUrl`, services from
    `exposeServices`, then the url keys removed."""
    if not isinstance(meta.get("interfaces"), list):
        meta["interfaces"] = []
    if meta["interfaces"]:
        for item in meta["interfaces"]:
            if isinstance(item, dict) and item.get("type") == "web":
                item["protocol"] = "http"
    else:
        prefix = "*" if dynamic_path_prefix is not False else "/"
        if _truthy(meta.get("publicUrl")):
            meta["interfaces"].append({"type": "web", "name": "publicUrl", "path": meta["publicUrl"],
                                       "prefix": prefix, "port": "BLOCKLET_PORT", "protocol": "http"})
        for service in meta.get("exposeServices") or []:
            if isinstance(service, dict):
                protocol = str(service.get("protocol"))
                meta["interfaces"].append({
                    "type": "service", "name": protocol, "path": "/", "prefix": prefix,
                    "port": {"internal": f"BLOCKLET_{protocol}_PORT".upper(), "external": service.get("port")},
                    "protocol": protocol})
    for key in ("publicUrl", "adminUrl", "configUrl", "docUrl", "exposeServices"):
        meta.pop(key, None)
    if isinstance(meta.get("capabilities"), dict):
        meta["capabilities"].pop("dynamicPathPrefix", None)


@dataclass
class LegacyKey:
    """A legacy key found in a modern metadata file."""

    pointer: str
    message: str
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "message": self.message, "line": self.line, "column": self.column}


def _older(version: str, than: str) -> bool:
    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.+-]", text)[:3])
    try:
        return parts(version) < parts(than)
    except ValueError:
        return False


def legacy_keys(data: Any, positions: dict[str, tuple[int, int]] | None = None) -> list[LegacyKey]:
    """Legacy keys in a modern (blocklet.yml) document, each with what replaces it today."""
    if not isinstance(data, dict):
        return []
    found: list[tuple[str, str]] = []
    if "children" in data:
        found.append(("/children", "`children` is the old name of `components` (each `resolved: URL` becomes "
                                   "`source: {url: URL}`, `mountPoints` becomes `mountPoint`)"))
    if "charging" in data:
        found.append(("/charging", "`charging` is the old form of `payment` (`tokens` become `payment.price`, "
                                   "`shares` become `payment.share`); Blocklet Server ignores it"))
    requirements = data.get("requirements")
    if isinstance(requirements, dict) and "abtnode" in requirements:
        found.append(("/requirements/abtnode", "`requirements.abtnode` is the old name of `requirements.server`"))
    spec = data.get("specVersion")
    if isinstance(spec, str) and _older(spec, CURRENT_SPEC_VERSION):
        found.append(("/specVersion", f"specVersion {spec} is older than the current {CURRENT_SPEC_VERSION}"))
    for key in ("requiredEnvironments", "public_url", "admin_url", "config_url", "doc_url", "provider", "color",
                "hooks", "hookFiles", "exposeServices"):
        if key in data:
            home = LEGACY_HOMES[key]
            found.append((f"/{key}", f"`{key}` is a first-generation key: "
                                     + (f"today it is {home}" if home else "it has no equivalent today")))
    capabilities = data.get("capabilities")
    if isinstance(capabilities, dict) and "dynamicPathPrefix" in capabilities:
        found.append(("/capabilities/dynamicPathPrefix", "`capabilities.dynamicPathPrefix` is a first-generation "
                                                          "key: today it is the interface's `prefix`"))
    out = []
    for pointer, message in found:
        where = None
        probe = pointer
        while positions is not None and where is None and probe:
            where = positions.get(probe)
            probe = probe.rsplit("/", 1)[0]
        out.append(LegacyKey(pointer, message + "; `blocklet migrate` rewrites it",
                             *(where if where else (None, None))))
    return out
