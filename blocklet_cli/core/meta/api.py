"""The metadata API used by every command: locate, load (YAML 1.2 with positions), normalise (the fix
step), validate (the schema and the rules it cannot express), in the modes the commands need.

Reference: `parse` and `validateMeta` of `@blocklet/meta` (ArcBlock/blocklet-server blocklet/meta/src/parse.ts,
validate.ts) and the meta file lookup of blocklet/meta/src/file.ts (`blocklet.yml`, else `blocklet.yaml`).
Unlike the reference, every problem is reported at once, each with its JSON pointer and position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from blocklet_cli.core.errors import FileFormatError, MetaError, MetaIssue, NotFoundError

META_FILE_NAMES = ("blocklet.yml", "blocklet.yaml")

# "meta": `blocklet meta` path (unknown keys stripped, no store check)
# "bundle": strict (unknown keys rejected, files must exist, reserved env, static index.html)
# "dev": strict like bundle but without the file checks
# "release": the release step (defaults, unknown keys stripped)
ParseMode = Literal["meta", "bundle", "dev", "release"]
PARSE_MODES: tuple[str, ...] = ("meta", "bundle", "dev", "release")


@dataclass
class MetaDocument:
    """A loaded metadata file: the raw data (js-yaml `json: true` semantics) and node positions."""

    path: Path
    text: str
    data: Any
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)  # JSON pointer -> (line, col), 1-based

    def position(self, pointer: str) -> tuple[int, int] | None:
        """Line and column of the node at `pointer`, else of its nearest ancestor that has one."""
        while True:
            if pointer in self.positions:
                return self.positions[pointer]
            if not pointer:
                return None
            pointer = pointer.rsplit("/", 1)[0]


@dataclass
class ValidationReport:
    """The outcome of validating one metadata file."""

    path: Path
    valid: bool
    issues: list[MetaIssue]
    meta: dict[str, Any] | None = None  # the normalised metadata when valid
    warnings: list[MetaIssue] = field(default_factory=list)  # what `bundle` would refuse on top (meta mode)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "valid": self.valid, "errors": [i.to_dict() for i in self.issues],
                "warnings": [i.to_dict() for i in self.warnings]}


def find_meta_file(path: str | Path) -> Path:
    """`blocklet.yml`, else `blocklet.yaml`, in a folder; a path to a file is returned as is.

    A folder with only legacy metadata (blocklet.json, package.json#blocklet) raises LegacyProjectError."""
    path = Path(path)
    if path.is_dir():
        for name in META_FILE_NAMES:
            if (path / name).is_file():
                return path / name
        from blocklet_cli.core.meta.legacy import legacy_project_error, legacy_sources

        sources = legacy_sources(path)
        if sources:  # a first-generation project: one line saying so, exit 3
            raise legacy_project_error(path, sources)
        raise NotFoundError(f"no blocklet.yml or blocklet.yaml found in {path}")
    if path.is_file():
        return path
    raise NotFoundError(f"{path} does not exist")


def load_meta(path: str | Path) -> MetaDocument:
    """Read and parse a metadata file. Raises FileFormatError with file:line:column on bad input
    (broken YAML, binary, too large, alias bomb), NotFoundError when there is none."""
    from blocklet_cli.core.meta.yaml12 import MAX_FILE_BYTES, check_text, load_yaml

    meta_path = find_meta_file(path)
    try:
        size = meta_path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileFormatError(f"the file is too large ({size} bytes; the limit is {MAX_FILE_BYTES})",
                                  location=str(meta_path))
        raw = meta_path.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"cannot read the file: {exc.strerror or exc}", location=str(meta_path)) from None
    text = check_text(raw, str(meta_path))
    data, positions = load_yaml(text, str(meta_path))
    return MetaDocument(path=meta_path, text=text, data=data, positions=positions)


def parse_meta(path: str | Path, *, mode: ParseMode = "meta", default_store_url: str | None = None,
               ensure_component_store: bool | None = None) -> dict[str, Any]:
    """Locate, load, normalise and validate; return the normalised metadata (reference key order).

    Raises NotFoundError, FileFormatError, or MetaError listing every issue with its position.
    """
    report = validate_path(path, mode=mode, default_store_url=default_store_url,
                           ensure_component_store=ensure_component_store, raise_bad_input=True)
    if not report.valid:
        count = len(report.issues)
        raise MetaError(f"not valid blocklet metadata ({count} problem{'s' if count != 1 else ''})",
                        issues=report.issues, path=str(report.path))
    assert report.meta is not None
    return report.meta


def validate_path(path: str | Path, *, mode: ParseMode = "meta", default_store_url: str | None = None,
                  ensure_component_store: bool | None = None, description_dir: str | None = None,
                  raise_bad_input: bool = False, json_schema: bool = True) -> ValidationReport:
    """Validate one project folder or metadata file; never raises for invalid metadata (only for
    a missing file; for unreadable input too when `raise_bad_input`).

    `description_dir` is the folder named in the default description (`Blocklet from <dir>`);
    the absolute folder of the file by default, like the reference CLI. `json_schema` (on by default)
    checks the document against the published JSON Schema (`schemas/blocklet.schema.json`) too.
    """
    if mode not in PARSE_MODES:
        raise ValueError(f"unknown parse mode {mode!r}")
    meta_path = find_meta_file(path)
    try:
        document = load_meta(meta_path)
    except FileFormatError as exc:
        if raise_bad_input:
            raise
        line, column = location_numbers(exc.location)
        return ValidationReport(meta_path, False, [MetaIssue("", exc.message, line, column, rule="yaml")])
    return validate_document(document, mode=mode, default_store_url=default_store_url,
                             ensure_component_store=ensure_component_store, description_dir=description_dir,
                             json_schema=json_schema)


def location_numbers(location: str | None) -> tuple[int | None, int | None]:
    """The line and column of a `file:line:column` location (None, None when it has none)."""
    parts = (location or "").rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return int(parts[1]), int(parts[2])
    return None, None


def validate_document(document: MetaDocument, *, mode: ParseMode = "meta", default_store_url: str | None = None,
                      ensure_component_store: bool | None = None, description_dir: str | None = None,
                      json_schema: bool = True) -> ValidationReport:
    """The parse pipeline on an already loaded document: the fix step, the published JSON Schema
    (unless `json_schema=False`), then the rules JSON Schema cannot express."""
    from blocklet_cli.core.meta import blocklet_schema, normalise

    project_dir = document.path.parent.resolve()
    data = document.data
    if data is None:
        issue = MetaIssue("", "the file is empty: it must be a mapping of blocklet fields", 1, 1)
        return ValidationReport(document.path, False, [issue])
    if not isinstance(data, dict):
        line, column = document.position("") or (1, 1)
        issue = MetaIssue("", f"the document must be a mapping of blocklet fields, not a {_kind(data)}", line, column)
        return ValidationReport(document.path, False, [issue])
    directory = description_dir if description_dir is not None else str(project_dir)
    fixed, fix_issues = normalise.fix_meta(data, directory, default_store_url=default_store_url)
    strict = mode in ("bundle", "dev")
    store_check = (mode != "meta") if ensure_component_store is None else ensure_component_store
    value, schema_issues = blocklet_schema.validate(
        fixed, strip_unknown=not strict, ensure_files=mode == "bundle", base_dir=str(project_dir),
        ensure_component_store=store_check)
    issues = [*fix_issues, *schema_issues]
    if mode == "bundle" and isinstance(value, dict):
        issues.extend(bundle_checks(value, project_dir))
    if isinstance(fixed, dict):  # dot segments and two spellings of one mount point (core/meta/mount_point.py)
        from blocklet_cli.core.meta.mount_point import mount_point_issues

        issues.extend(mount_point_issues(fixed.get("components")))
    key_map = normalise.original_key_map(data)
    report_issues = _dedupe([_with_position(document, key_map, p, m) for p, m in issues])
    if json_schema:
        report_issues.extend(_json_schema_only(document, key_map, fixed, report_issues, strip_unknown=not strict))
    report_issues.sort(key=lambda i: (i.line or 0, i.column or 0))  # file order reads best
    if report_issues:
        return ValidationReport(document.path, False, report_issues)
    return ValidationReport(document.path, True, [], to_json_ready(value))


def bundle_checks(meta: dict[str, Any], project_dir: Path) -> list[tuple[str, str]]:
    """What `blocklet bundle` checks after parse: reserved env names, a static blocklet's index.html."""
    issues = []
    environments = meta.get("environments")
    for index, env in enumerate(environments if isinstance(environments, list) else []):
        name = env.get("name") if isinstance(env, dict) else None
        if isinstance(name, str) and name.startswith("ABT_NODE_"):
            issues.append((f"/environments/{index}/name",
                           "Blocklet key of environments can not start with `ABT_NODE_` or `BLOCKLET_`"))
    if meta.get("group") == "static":
        main_value = meta.get("main")
        main = main_value if isinstance(main_value, str) else "."
        main_dir = project_dir / main
        try:
            found = (main_dir / "index.html").exists() or (main_dir / "index.htm").exists()
        except (OSError, ValueError):  # a main with a NUL byte or a too long name
            found = False
        if not found:
            issues.append(("/main" if meta.get("main") else "/group",
                           f"Can not find index.html or index.htm in {main}"))
    return issues


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


def _raw_pointer(pointer: str, key_map: dict[str, str], data: dict[str, Any]) -> str:
    """The pointer of the node as written in the file (before camelCase and renames)."""
    from blocklet_cli.core.meta.blocklet_schema import SCRIPT_RENAMES

    if not pointer:
        return pointer
    parts = pointer.split("/")
    head = parts[1]
    if head == "components" and "components" not in key_map and "children" in key_map:
        head = "children"
    parts[1] = key_map.get(head, "/" + head)[1:]
    if len(parts) > 2 and head == "scripts":
        scripts = data.get(parts[1])
        for kebab, camel in SCRIPT_RENAMES:
            if parts[2] == camel and isinstance(scripts, dict) and camel not in scripts and kebab in scripts:
                parts[2] = kebab
    return "/".join(parts)


def _with_position(document: MetaDocument, key_map: dict[str, str], pointer: str, message: str) -> MetaIssue:
    position = document.position(_raw_pointer(pointer, key_map, document.data))
    line, column = position if position else (None, None)
    if message.endswith('" is not allowed'):  # an unknown key: name the known one it most likely means
        from blocklet_cli.core.meta.blocklet_schema import nearest_key

        nearest = nearest_key(pointer)
        if nearest:
            message = f"{message}; did you mean \"{nearest}\"?"
    return MetaIssue(pointer, message, line, column)


def with_bundle_warnings(report: ValidationReport, *, default_store_url: str | None = None,
                         description_dir: str | None = None, json_schema: bool = True) -> ValidationReport:
    """`report` (a meta-mode validation) with `warnings`: every problem `blocklet bundle` would refuse that
    the meta mode does not (unknown keys — with the nearest known one —, missing files, reserved names)."""
    bundle = validate_path(report.path, mode="bundle", default_store_url=default_store_url,
                           description_dir=description_dir, json_schema=json_schema)
    seen = {(issue.pointer, issue.message) for issue in report.issues}
    report.warnings = [issue for issue in bundle.issues if (issue.pointer, issue.message) not in seen]
    return report


def _json_schema_only(document: MetaDocument, key_map: Any, fixed: Any, reported: list[MetaIssue], *,
                      strip_unknown: bool) -> list[MetaIssue]:
    """The published JSON Schema's findings that the rules did not already report.

    The schema describes the file as written (raw key names such as `pre-start` or `children`), so a
    finding is a duplicate when it concerns the same node (same position) or a node inside or around
    one already reported."""
    from blocklet_cli.core.meta.schema_file import json_schema_issues

    places = {(issue.line, issue.column) for issue in reported if issue.line is not None}
    pointers = [issue.pointer for issue in reported]
    extra = []
    for pointer, message in json_schema_issues(fixed, strip_unknown=strip_unknown):
        if any(pointer == p or pointer.startswith(p + "/") or p.startswith(pointer + "/") for p in pointers):
            continue
        issue = _with_position(document, key_map, pointer, message)
        if (issue.line, issue.column) in places:
            continue
        extra.append(issue)
    return extra


def _dedupe(issues: list[MetaIssue]) -> list[MetaIssue]:
    seen = set()
    out = []
    for issue in issues:
        key = (issue.pointer, issue.message)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


def to_json_ready(value: Any) -> Any:
    """What `JSON.parse(JSON.stringify(x))` gives: dates as ISO strings, NaN/Infinity as null."""
    from blocklet_cli.core.meta.yaml12 import JsDate

    if isinstance(value, dict):
        return {k: to_json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json_ready(v) for v in value]
    if isinstance(value, JsDate):
        return value.iso()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def check_meta_dict(meta: Any, *, ensure_dist: bool = False, ensure_component_store: bool = True,
                    ensure_name: bool = False, skip_validate_did_name: bool = False,
                    fix_services: bool = True) -> tuple[Any, list[MetaIssue]]:
    """The `validateMeta` path (no fix step, unknown keys stripped): (validated value, issues).

    `fix_services` runs `fixAndValidateService` first, as the server does for remote metas."""
    from blocklet_cli.core.meta import blocklet_schema, normalise

    if not isinstance(meta, dict):
        return meta, [MetaIssue("", "must be of type object")]
    issues: list[tuple[str, str]] = []
    data = meta
    if fix_services:
        import copy

        data = copy.deepcopy(meta)
        normalise.fix_services(data, issues)
    value, schema_issues = blocklet_schema.validate(
        data, strip_unknown=True, ensure_dist=ensure_dist, ensure_component_store=ensure_component_store,
        ensure_name=ensure_name, skip_validate_did_name=skip_validate_did_name, base_dir=None)
    found = _dedupe([MetaIssue(p, m) for p, m in [*issues, *schema_issues]])
    return (None if found else to_json_ready(value)), found


def validate_meta_dict(meta: Any, *, ensure_dist: bool = False, source: str = "blocklet.json",
                       fix_services: bool = True, ensure_component_store: bool = True) -> list[MetaIssue]:
    """The `validateMeta` path (no fix step) for a remote or release `blocklet.json`: return issues.

    `source` names where the document came from (kept for messages by callers)."""
    del source
    return check_meta_dict(meta, ensure_dist=ensure_dist, fix_services=fix_services,
                           ensure_component_store=ensure_component_store)[1]
