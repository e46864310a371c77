"""`blocklet migrate`: bring a project's metadata to today's `blocklet.yml`.

A legacy project (`blocklet.json` or package.json#blocklet, see `core.meta.legacy`) first goes through the
reference migration of @abtnode/cli 1.7.7 (ArcBlock/blocklet-server core/cli/lib/commands/blocklet/migrate/,
replayed by `legacy.to_spec_102`), then forward to the current spec: `children` → `components`, `charging` →
`payment`, `requirements.abtnode` → `requirements.server`, `specVersion` → the current one. Unlike the reference,
values it dropped silently (hooks, hookFiles, `capabilities.dynamicPathPrefix`, admin/config/doc urls, provider,
color, unknown keys) are carried over or kept visible as comments and notes, and the defaults it filled in
are left to the parser. A modern `blocklet.yml` with legacy keys is rewritten in place, keeping comments.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blocklet_cli.core.errors import ConflictError, MetaError, NotFoundError
from blocklet_cli.core.meta import legacy
from blocklet_cli.core.meta.legacy import CURRENT_SPEC_VERSION, LEGACY_FILE, PACKAGE_FIELD, PACKAGE_FILE

META_FILE = "blocklet.yml"
KEY_ORDER = ("name", "did", "version", "title", "description", "author", "contributors", "maintainers", "keywords",
             "license", "homepage", "repository", "community", "documentation", "support", "logo", "group", "main",
             "scripts", "environments", "interfaces", "capabilities", "requirements", "timeout", "payment",
             "components", "files", "screenshots", "navigation", "theme", "engine", "specVersion")
COMMENTS = {
    "name": "Identity: `did` is derived from `name` (`blocklet did <name>`); do not change either once published.",
    "version": "Semantic version; bump it with `blocklet version patch|minor|major`.",
    "title": "Shown in stores and dashboards.",
    "author": "People and links.",
    "logo": "The logo shown in stores and dashboards.",
    "group": "static: files served by Blocklet Server from `main`; dapp: a program started from `main`.",
    "scripts": "Lifecycle hooks (and `dev`, what `blocklet dev` runs).",
    "environments": "Environment variables the user sets when installing (was `requiredEnvironments`).",
    "interfaces": "How the Blocklet is reached: its web interface on the port Blocklet Server assigns.",
    "capabilities": "What the Blocklet can do.",
    "requirements": "Where it can run.",
    "payment": "Price and revenue share.",
    "components": "Blocklets composed into this one.",
    "files": "Extra files and folders to pack into the bundle (besides `main`, logo and screenshots).",
    "screenshots": "Store screenshots (files in screenshots/).",
    "specVersion": "Version of the blocklet.yml format this file follows.",
}
# Keys the 1.7.7 schema fills in when absent; left to the parser unless the sources gave them.
OLD_DEFAULTS = ("community", "documentation", "homepage", "license", "payment", "timeout", "requirements",
                "environments", "capabilities", "screenshots", "children", "scripts")
DEFAULT_FILES = ("blocklet.md", "screenshots")
# Keys that are npm's own business when they come from package.json (not legacy blocklet values).
_NO_HOME_KEYS = ("provider", "color", "admin_url", "config_url", "doc_url")


@dataclass
class MigrationResult:
    """What `blocklet migrate` does (or would do) to a project."""

    root: Path
    kind: str  # "legacy", "modern" or "current" (nothing to do)
    meta_path: Path
    new_text: str
    old_text: str | None = None
    sources: list[str] = field(default_factory=list)
    intermediate: dict | None = None  # the reference migration's document (spec 1.0.2), legacy projects only
    removed: list[str] = field(default_factory=list)  # "package.json#blocklet", "blocklet.json"
    writes: dict[Path, str] = field(default_factory=dict)
    deletes: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    written: bool = False
    commit: str | None = None
    meta: dict | None = None  # the new file as today's parser normalises it
    originals: dict[Path, bytes | None] = field(default_factory=dict)  # what the plan read, checked before writing

    @property
    def changed(self) -> bool:
        return bool(self.writes or self.deletes)

    def diff(self) -> str:
        """A unified diff of every file it writes or removes."""
        out: list[str] = []
        for path, text in self.writes.items():
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            name = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)
            out.extend(difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True),
                                            f"a/{name}" if old else "/dev/null", f"b/{name}"))
        for path in self.deletes:
            old = path.read_text(encoding="utf-8")
            name = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)
            out.extend(difflib.unified_diff(old.splitlines(keepends=True), [], f"a/{name}", "/dev/null"))
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out)

    def to_dict(self) -> dict:
        return {"root": str(self.root), "kind": self.kind, "metaPath": str(self.meta_path), "changed": self.changed,
                "written": self.written, "sources": self.sources, "removed": self.removed,
                "changes": self.changes, "notes": self.notes, "blockletYml": self.new_text,
                "intermediate": self.intermediate, "commit": self.commit}


# -- legacy projects ------------------------------------------------------------------------------------------

def forward(project: legacy.LegacyProject, intermediate: dict) -> tuple[dict, dict[str, list[str]], list[str]]:
    """Carry the reference migration's document to the current spec.

    Returns (document in key order, comment lines per key — `""` for the trailing block, notes)."""
    meta = copy.deepcopy(intermediate)
    raw = project.merged
    notes: list[str] = []
    comments: dict[str, list[str]] = {}
    given = {_camel(k) for k, src in project.provenance.items() if src != PACKAGE_FILE or _camel(k) in
             legacy.PACKAGE_KEYS}
    if "requiredEnvironments" in given:
        given.add("environments")
    if "tags" in given:
        given.add("keywords")
    for key in OLD_DEFAULTS:  # defaults the old schema filled in: today's parser fills its own
        if key in meta and key not in given and not (key == "screenshots" and meta[key]):
            del meta[key]
    _trim_filled_defaults(meta, raw)
    if not meta.get("logo"):
        logo = next((n for n in ("logo.png", "logo.svg", "logo.jpg") if (project.root / n).is_file()), None)
        if logo:
            meta["logo"] = logo
            notes.append(f"logo: {logo} found in the folder (`blocklet bundle` needs a logo)")
        else:
            notes.append("logo: none in the legacy sources; `blocklet bundle` needs one (`logo: logo.png`)")
    if "description" not in given:
        del meta["description"]
        notes.append("description: none in the legacy sources; the parser shows `Blocklet from <folder>` "
                     "until you add one")
    if "files" not in given:
        kept = [f for f in meta.get("files", []) if f not in DEFAULT_FILES or (project.root / f).exists()]
        dropped = [f for f in meta.get("files", []) if f not in kept]
        if dropped:
            notes.append(f"files: left out {', '.join(dropped)} (the reference's default, missing here)")
        if kept:
            meta["files"] = kept
        else:
            meta.pop("files", None)
    # hooks and hookFiles (the 1.7.7 schema dropped them before its own migration could use them)
    hooks = raw.get("hooks")
    if isinstance(hooks, dict) and hooks:
        scripts = meta.setdefault("scripts", {})
        for name, command in hooks.items():
            camel = legacy.HOOK_NAMES.get(name, _camel(name))
            if camel == "preDeploy":
                comments.setdefault("", []).append(f"hooks.{name}: {_flat(command)}")
                notes.append(f"hooks.{name}: no pre-deploy hook today; kept as a comment")
            else:
                scripts.setdefault(camel, command)
        notes.append("hooks: moved to scripts")
    scripts = meta.get("scripts")
    if isinstance(scripts, dict) and "preDeploy" in scripts:
        comments.setdefault("", []).append(f"scripts.preDeploy: {_flat(scripts.pop('preDeploy'))}")
        notes.append("scripts.preDeploy: no pre-deploy hook today; kept as a comment")
    if isinstance(scripts, dict) and not scripts:
        meta.pop("scripts")
    hook_files = raw.get("hookFiles")
    if isinstance(hook_files, list) and hook_files:
        meta["files"] = list(dict.fromkeys([*meta.get("files", []), *(f for f in hook_files if isinstance(f, str))]))
        notes.append("hookFiles: added to files")
    # capabilities.dynamicPathPrefix decides the prefix of the interfaces made from the urls
    capabilities = raw.get("capabilities")
    dynamic = capabilities.get("dynamicPathPrefix", True) if isinstance(capabilities, dict) else True
    if dynamic is False and not (isinstance(raw.get("interfaces"), list) and raw["interfaces"]):
        for item in meta.get("interfaces", []):
            if isinstance(item, dict):
                item["prefix"] = "/"
        notes.append("capabilities.dynamicPathPrefix: false became `prefix: /` on the interfaces")
    if isinstance(raw.get("publicUrl"), str) and "public_url" not in raw and not raw.get("interfaces"):
        for item in meta.get("interfaces", []):  # the reference's default `public_url: /` overrode it
            if isinstance(item, dict) and item.get("name") == "publicUrl" and item.get("path") != raw["publicUrl"]:
                item["path"] = raw["publicUrl"]
                notes.append("publicUrl: the web interface's path (the reference replaced it with /)")
    if isinstance(raw.get("exposeServices"), list) and raw["exposeServices"] and not raw.get("interfaces"):
        services = {"interfaces": [], "exposeServices": raw["exposeServices"]}
        legacy.fix_interfaces(services, dynamic)
        meta.setdefault("interfaces", []).extend(services["interfaces"])
        notes.append("exposeServices: became service interfaces")
    doc_url = raw.get("doc_url", raw.get("docUrl"))
    if isinstance(doc_url, str) and re.match(r"^https?://", doc_url) and not meta.get("documentation"):
        meta["documentation"] = doc_url
        notes.append("doc_url: became documentation")
        doc_url = None
    for key in _NO_HOME_KEYS:
        spelt = key if key in raw else _camel(key)  # `admin_url` or `adminUrl`
        value = doc_url if key == "doc_url" else raw.get(spelt)
        if value is None or project.source_of(spelt) == "default":
            continue
        comments.setdefault("", []).append(f"{key}: {_flat(value)}")
        notes.append(f"{key}: no equivalent in blocklet.yml today; kept as a comment")
    known = set(legacy.OLD_KEYS) | {"public_url", "publicUrl", "admin_url", "config_url", "doc_url", "hooks",
                                    "hookFiles", "exposeServices", "charging", "blocklet", *_NO_HOME_KEYS}
    for key, source in project.provenance.items():
        if source != PACKAGE_FILE and key not in known and _camel(key) not in known:
            comments.setdefault("", []).append(f"{key}: {_flat(raw[key])}")
            notes.append(f"{key}: unknown key (from {source}); kept as a comment")
    if "charging" in raw:
        meta.pop("payment", None)
        payment, left = charging_to_payment(raw["charging"])
        if payment:
            meta["payment"] = payment
        for line in left:
            comments.setdefault("", []).append(line)
        notes.append("charging: became payment" + ("; `charging.price` has no equivalent, kept as a comment"
                                                   if left else ""))
    modern_notes = _forward_modern(meta)
    notes.extend(modern_notes)
    return _ordered(meta), comments, notes


def _trim_filled_defaults(meta: dict, raw: dict) -> None:
    """Drop what the 1.7.7 schema filled into values the sources did give (env and capability defaults)."""
    raw_envs = raw.get("requiredEnvironments", raw.get("environments"))
    if isinstance(raw_envs, dict):
        raw_envs = [raw_envs]
    if isinstance(raw_envs, list) and isinstance(meta.get("environments"), list):
        meta["environments"] = [{k: v for k, v in env.items() if k in given} if isinstance(env, dict)
                                and isinstance(given, dict) else env
                                for env, given in zip(meta["environments"], raw_envs, strict=False)]
    raw_caps = raw.get("capabilities")
    if isinstance(meta.get("capabilities"), dict):
        kept = {k: v for k, v in meta["capabilities"].items() if isinstance(raw_caps, dict) and k in raw_caps}
        if kept:
            meta["capabilities"] = kept
        else:
            del meta["capabilities"]


def charging_to_payment(charging: Any) -> tuple[dict, list[str]]:
    """`charging` (@blocklet/meta 1.3) as `payment`: tokens → price, shares → share (the reference upload's
    own conversion); the primary-token `price` has no equivalent and comes back as comment lines."""
    if not isinstance(charging, dict):
        return {}, [f"charging: {_flat(charging)}"]
    payment: dict = {}
    tokens = [t for t in charging.get("tokens") or [] if isinstance(t, dict)]
    if tokens:
        payment["price"] = [{"address": t.get("address"), "value": t.get("price")} for t in tokens]
    shares = [s for s in charging.get("shares") or [] if isinstance(s, dict)]
    if shares:
        payment["share"] = [{"name": s.get("name"), "address": s.get("address"), "value": s.get("share")}
                            for s in shares]
    left = [f"charging.price: {_flat(charging['price'])}"] if charging.get("price") else []
    return payment, left


def _forward_modern(meta: dict) -> list[str]:
    """The spec changes after 1.0.2, on a document (in place): returns notes."""
    notes = []
    if "children" in meta:
        children = meta.pop("children")
        if children:
            meta["components"] = [_component(c) for c in children]
            notes.append("children: became components")
    requirements = meta.get("requirements")
    if isinstance(requirements, dict) and "abtnode" in requirements:
        value = requirements.pop("abtnode")
        requirements.setdefault("server", value)
        notes.append("requirements.abtnode: became requirements.server")
    if meta.get("specVersion") != CURRENT_SPEC_VERSION:
        meta["specVersion"] = CURRENT_SPEC_VERSION
    return notes


def _component(child: Any) -> Any:
    if not isinstance(child, dict):
        return child
    out = {k: v for k, v in child.items() if k not in ("resolved", "mountPoints")}
    if "resolved" in child:
        out["source"] = {"url": child["resolved"]}
    points = child.get("mountPoints")
    if "mountPoint" not in out and isinstance(points, list) and points and isinstance(points[0], dict):
        prefix = (points[0].get("root") or {}).get("prefix")
        if prefix:
            out["mountPoint"] = prefix
    order = ("name", "title", "description", "source", "mountPoint", "required", "services")
    return {**{k: out[k] for k in order if k in out}, **{k: v for k, v in out.items() if k not in order}}


def _camel(key: str) -> str:
    from blocklet_cli.core.meta.names import camel_case

    return camel_case(key)


def _flat(value: Any) -> str:
    """A value on one comment line (JSON unless it is a plain printable string)."""
    if isinstance(value, str) and value.isprintable():
        return value
    return json.dumps(value, ensure_ascii=not isinstance(value, str) or not value.isprintable())


def _ordered(meta: dict) -> dict:
    return {**{k: meta[k] for k in KEY_ORDER if k in meta}, **{k: v for k, v in meta.items() if k not in KEY_ORDER}}


def dump_yaml(value: dict) -> str:
    """Block-style YAML like the reference's js-yaml dump, without folding long lines."""
    from blocklet_cli.core.meta.yaml_dump import dump_yaml as js_yaml_dump

    return js_yaml_dump(value, width=10_000)


def render(meta: dict, comments: dict[str, list[str]], sources: list[str]) -> str:
    """The document as YAML with a comment before each group of keys and the kept legacy values last."""

    lines = [f"# blocklet.yml: what this Blocklet is, migrated from {' and '.join(sources)} by `blocklet migrate`.",
             "# Check it with `blocklet validate`; `blocklet bundle` packs it.", ""]
    for key, value in meta.items():
        note = COMMENTS.get(key)
        if note:
            lines.append(f"# {note}")
        lines.append(dump_yaml({key: value}).rstrip("\n"))
    left = comments.get("")
    if left:
        lines += ["", "# Kept from the legacy metadata; nothing reads these today:"]
        lines += [f"# {line}" for line in left]
    return "\n".join(lines) + "\n"


def remove_json_member(text: str, key: str, *, name: str = PACKAGE_FILE) -> str:
    """JSON `text` without the top-level member `key`, every other byte unchanged."""
    from blocklet_cli.core.errors import FileFormatError
    from blocklet_cli.core.project.edit import _json_top_level_members

    try:
        members = _json_top_level_members(text)
    except ValueError as exc:
        raise FileFormatError(f"invalid JSON: {exc}", location=name) from exc
    for index, (member, key_start, _, value_end) in enumerate(members):
        if member != key:
            continue
        if index + 1 < len(members):  # up to the next member's key
            return text[:key_start] + text[members[index + 1][1]:]
        if index > 0:  # the last one: from the end of the previous value
            return text[:members[index - 1][3]] + text[value_end:]
        end = text.index("}", value_end)
        start = text.index("{") + 1
        return text[:start] + text[end:]
    return text


def plan_legacy(root: Path, *, keep: bool = False) -> MigrationResult:
    """The migration of a legacy project, computed without writing anything."""
    project = legacy.read_legacy(root)
    intermediate = legacy.to_spec_102(project)
    meta, comments, notes = forward(project, intermediate)
    text = render(meta, comments, project.sources)
    result = MigrationResult(root=root, kind="legacy", meta_path=root / META_FILE, new_text=text,
                             sources=project.sources, intermediate=intermediate, notes=notes)
    result.writes[root / META_FILE] = text
    result.changes.append(f"write {META_FILE} (spec {CURRENT_SPEC_VERSION})")
    if not keep:
        if PACKAGE_FIELD in project.sources and project.package_text is not None:
            result.writes[root / PACKAGE_FILE] = remove_json_member(project.package_text, "blocklet")
            result.removed.append(PACKAGE_FIELD)
            result.changes.append("remove the `blocklet` field of package.json")
        if project.blocklet_json is not None:
            result.deletes.append(root / LEGACY_FILE)
            result.removed.append(LEGACY_FILE)
            result.changes.append(f"remove {LEGACY_FILE}")
    result.meta = _check_current(text, root / META_FILE)
    _remember(result)
    return result


def _remember(result: MigrationResult) -> None:
    for path in [*result.writes, *result.deletes]:
        result.originals[path] = path.read_bytes() if path.is_file() else None


def _check_current(text: str, path: Path) -> dict:
    """Refuse to write a file today's parser would reject; return its normalised metadata."""
    from blocklet_cli.core.meta.api import MetaDocument, validate_document
    from blocklet_cli.core.meta.yaml12 import load_yaml

    data, positions = load_yaml(text, str(path))
    report = validate_document(MetaDocument(path, text, data, positions), mode="meta")
    if not report.valid or report.meta is None:  # a valid report has the metadata
        raise MetaError("the migrated blocklet.yml would not be valid; fix the legacy metadata first",
                        issues=report.issues, path=str(path))
    return report.meta


# -- modern files with legacy keys -----------------------------------------------------------------------------

def plan_modern(meta_path: Path) -> MigrationResult:
    """Rewrite the legacy keys of a modern metadata file in place (comments and formatting kept)."""
    from blocklet_cli.core.meta.api import load_meta

    document = load_meta(meta_path)
    text = document.text
    found = legacy.legacy_keys(document.data, document.positions)
    result = MigrationResult(root=meta_path.parent, kind="modern", meta_path=meta_path, new_text=text,
                             old_text=text, sources=[meta_path.name])
    leftovers = legacy.legacy_sources(meta_path.parent)
    if leftovers:
        result.notes.append(f"{' and '.join(leftovers)} also present: today's tools read only {meta_path.name} "
                            "(remove them when nothing else needs them)")
    if not found:
        result.kind = "current"
        return result
    new = rewrite_modern(text, document.data, result.notes, name=str(meta_path))
    result.new_text = new
    if new != text:
        result.writes[meta_path] = new
        result.changes.extend(f"rewrite {k.pointer[1:]}" for k in found)
    result.meta = _check_current(new, meta_path)
    _remember(result)
    return result


def rewrite_modern(text: str, data: dict, notes: list[str], *, name: str = META_FILE) -> str:
    """`text` with `children`, `charging`, `requirements.abtnode` and an old `specVersion` brought up to date."""
    from blocklet_cli.core.project.edit import set_yaml_top_level_scalar

    if isinstance(data.get("requirements"), dict) and "abtnode" in data["requirements"]:
        text = _rename_nested_key(text, ("requirements", "abtnode"), "server" if "server" not in
                                  data["requirements"] else None, name)
        notes.append("requirements.abtnode: became requirements.server")
    if "children" in data:
        text = _rewrite_children(text, data["children"], name)
        notes.append("children: became components")
    if "charging" in data:
        payment, left = charging_to_payment(data["charging"])
        block = ""
        if payment and "payment" not in data:
            block = dump_yaml({"payment": payment})
        block += "".join(f"# {line}\n" for line in left)
        if "\r\n" in text:
            block = block.replace("\n", "\r\n")
        text = _replace_top_level_entry(text, "charging", block, name)
        notes.append("charging: became payment" + ("; `charging.price` kept as a comment" if left else ""))
    spec = data.get("specVersion")
    if isinstance(spec, str) and spec != CURRENT_SPEC_VERSION and legacy._older(spec, CURRENT_SPEC_VERSION):
        text = set_yaml_top_level_scalar(text, "specVersion", CURRENT_SPEC_VERSION, name=name)
        notes.append(f"specVersion: {spec} → {CURRENT_SPEC_VERSION}")
    return text


def _mapping_entries(text: str, name: str):
    from blocklet_cli.core.project.edit import _top_level_mapping

    root = _top_level_mapping(text, name)
    return list(root.value) if root is not None else []


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _replace_top_level_entry(text: str, key: str, block: str, name: str) -> str:
    """Replace the lines of the top-level entry `key` (block style) with `block`."""
    for key_node, value_node in _mapping_entries(text, name):
        if getattr(key_node, "value", None) == key:
            start = _line_start(text, key_node.start_mark.index)
            end = value_node.end_mark.index
            while end > start and text[end - 1] in " \t\r\n":  # keep the blank lines after it
                end -= 1
            return text[:start] + block + text[_line_end(text, end):]
    return text


def _rename_nested_key(text: str, path: tuple[str, str], new_key: str | None, name: str) -> str:
    """Rename (or, with `new_key` None, remove) the key `path[1]` of the top-level mapping `path[0]`."""
    import yaml

    for key_node, value_node in _mapping_entries(text, name):
        if getattr(key_node, "value", None) == path[0] and isinstance(value_node, yaml.MappingNode):
            for inner_key, inner_value in value_node.value:
                if getattr(inner_key, "value", None) == path[1]:
                    if new_key is None:
                        start = _line_start(text, inner_key.start_mark.index)
                        return text[:start] + text[_line_end(text, inner_value.end_mark.index - 1):]
                    start, end = inner_key.start_mark.index, inner_key.end_mark.index
                    return text[:start] + new_key + text[end:]
    return text


def _rewrite_children(text: str, children: Any, name: str) -> str:
    """`children:` → `components:`; in each block-style item `resolved: URL` → `source:\\n  url: URL` and
    `mountPoints` → `mountPoint: <root prefix>`. Edits go from the end so offsets stay valid."""
    import yaml

    edits: list[tuple[int, int, str]] = []
    for key_node, value_node in _mapping_entries(text, name):
        if getattr(key_node, "value", None) != "children":
            continue
        edits.append((key_node.start_mark.index, key_node.end_mark.index, "components"))
        if not isinstance(value_node, yaml.SequenceNode) or value_node.flow_style:
            if isinstance(value_node, yaml.SequenceNode):
                block = dump_yaml({"components": [_component(c) for c in children]})
                block = block.replace("\n", "\r\n") if "\r\n" in text else block
                return _replace_top_level_entry(text, "children", block, name)
            continue
        for item in value_node.value:
            if not isinstance(item, yaml.MappingNode) or item.flow_style:
                continue
            for inner_key, inner_value in item.value:
                key = getattr(inner_key, "value", None)
                if key == "resolved" and isinstance(inner_value, yaml.ScalarNode):
                    indent = " " * inner_key.start_mark.column
                    scalar = text[inner_value.start_mark.index:inner_value.end_mark.index]
                    nl = "\r\n" if "\r\n" in text else "\n"
                    edits.append((inner_key.start_mark.index, inner_value.end_mark.index,
                                  f"source:{nl}{indent}  url: {scalar}"))
                elif key == "mountPoints" and isinstance(inner_value, yaml.SequenceNode):
                    prefix = _first_prefix(inner_value)
                    if prefix is not None:
                        from blocklet_cli.core.project.edit import yaml_scalar

                        end = inner_value.end_mark.index
                        while end > 0 and text[end - 1] in " \n\r":
                            end -= 1
                        edits.append((inner_key.start_mark.index, end, f"mountPoint: {yaml_scalar(prefix)}"))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _first_prefix(node) -> str | None:
    import yaml

    for point in node.value:
        if isinstance(point, yaml.MappingNode):
            for k, v in point.value:
                if getattr(k, "value", None) == "root" and isinstance(v, yaml.MappingNode):
                    for kk, vv in v.value:
                        if getattr(kk, "value", None) == "prefix" and isinstance(vv, yaml.ScalarNode):
                            return vv.value
    return None


# -- entry points ----------------------------------------------------------------------------------------------

def plan_migration(path: str | Path = ".", *, keep: bool = False) -> MigrationResult:
    """What `blocklet migrate` would do for the project at `path` (a folder or its blocklet.yml)."""
    from blocklet_cli.core.meta.api import META_FILE_NAMES

    path = Path(path)
    if path.is_file():
        return plan_modern(path)
    if not path.is_dir():
        raise NotFoundError(f"{path} does not exist")
    for meta_name in META_FILE_NAMES:
        if (path / meta_name).is_file():
            return plan_modern(path / meta_name)
    if legacy.legacy_sources(path):
        return plan_legacy(path, keep=keep)
    raise NotFoundError(f"no blocklet.yml, blocklet.json or package.json#blocklet in {path}")


def apply_migration(result: MigrationResult, *, git_commit: bool = False) -> MigrationResult:
    """Write the planned changes all-or-nothing (and commit them with `git_commit`)."""
    import contextlib
    import os

    from blocklet_cli.core.project import git
    from blocklet_cli.core.project.edit import write_all

    if not result.changed:
        return result
    files = [*result.writes, *result.deletes]
    for path in files:
        now = path.read_bytes() if path.is_file() else None
        if path in result.originals and now != result.originals[path]:
            raise ConflictError(f"{path} changed since the migration was planned; run it again")
    root = None
    if git_commit:
        root = git.repo_root(result.root)
        git.check_can_commit(root, files)
    backups: list[tuple[Path, Path]] = []
    try:
        for path in result.deletes:  # moved aside first, put back if a write fails
            backup = path.with_name(f".{path.name}.migrate-backup")
            os.replace(path, backup)
            backups.append((path, backup))
        write_all(result.writes)
    except BaseException:
        for path, backup in reversed(backups):
            with contextlib.suppress(OSError):
                os.replace(backup, path)
        raise
    for _, backup in backups:
        with contextlib.suppress(OSError):
            backup.unlink()
    result.written = True
    if git_commit and root is not None:
        message = f"Migrate blocklet metadata to {META_FILE} (spec {CURRENT_SPEC_VERSION})"
        result.commit = _commit(root, files, message)
    return result


def _commit(root: Path, files: list[Path], message: str) -> str:
    from blocklet_cli.core.project import git

    names = [git.relative(root, path) for path in files if path.exists()
             or git._run(["ls-files", "--", git.relative(root, path)], root).stdout.strip()]
    git._run(["add", "-A", "--", *names], root)
    git._run(["commit", "-q", "-m", message, "--", *names], root)
    return git._run(["rev-parse", "HEAD"], root).stdout.strip()
