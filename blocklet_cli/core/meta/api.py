"""The metadata API (contract used by every command).

PROVISIONAL IMPLEMENTATION: the signatures and return types are the contract; the bodies are a
minimal stand-in until the full loader/normaliser/validator lands (issue "Foundation").
"""

from __future__ import annotations

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
    meta: dict | None = None  # the normalised metadata when valid

    def to_dict(self) -> dict:
        return {"path": str(self.path), "valid": self.valid, "errors": [i.to_dict() for i in self.issues]}


def find_meta_file(path: str | Path) -> Path:
    """`blocklet.yml`, else `blocklet.yaml`, in a folder; a path to a file is returned as is."""
    path = Path(path)
    if path.is_dir():
        for name in META_FILE_NAMES:
            if (path / name).is_file():
                return path / name
        raise NotFoundError(f"no blocklet.yml or blocklet.yaml found in {path}")
    if path.is_file():
        return path
    raise NotFoundError(f"{path} does not exist")


def load_meta(path: str | Path) -> MetaDocument:
    """Read and parse a metadata file. Raises FileFormatError with file:line:column on bad YAML."""
    import yaml

    meta_path = find_meta_file(path)
    text = meta_path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FileFormatError(f"invalid YAML: {exc}", location=str(meta_path)) from exc
    return MetaDocument(path=meta_path, text=text, data=data)


def parse_meta(path: str | Path, *, mode: ParseMode = "meta", default_store_url: str | None = None,
               ensure_component_store: bool | None = None) -> dict:
    """Locate, load, normalise and validate; return the normalised metadata (reference key order).

    Raises NotFoundError, FileFormatError, or MetaError listing every issue with its position.
    """
    report = validate_path(path, mode=mode, default_store_url=default_store_url,
                           ensure_component_store=ensure_component_store)
    if not report.valid:
        raise MetaError(f"{report.path} is not valid blocklet metadata ({len(report.issues)} problem(s))",
                        issues=report.issues, path=str(report.path))
    assert report.meta is not None
    return report.meta


def validate_path(path: str | Path, *, mode: ParseMode = "meta", default_store_url: str | None = None,
                  ensure_component_store: bool | None = None) -> ValidationReport:
    """Validate one project folder or metadata file; never raises for invalid metadata (only for
    a missing file)."""
    from blocklet_cli.core import did as did_core

    document = load_meta(path)
    data = document.data
    if not isinstance(data, dict):
        return ValidationReport(document.path, False, [MetaIssue("", "the document must be a mapping")])
    meta = dict(data)
    meta.setdefault("description", f"Blocklet from {document.path.parent}")
    meta.setdefault("version", "1.0.0")
    issues = []
    if "did" not in meta:
        issues.append(MetaIssue("/did", "is required"))
    elif did_core.is_blocklet_role(meta["did"]):
        meta["name"] = meta["did"]
    elif meta.get("name") and did_core.to_blocklet_did(str(meta["name"])) != meta["did"]:
        issues.append(MetaIssue("/did", f"should be {did_core.to_blocklet_did(str(meta['name']))}"))
    return ValidationReport(document.path, not issues, issues, None if issues else meta)


def validate_meta_dict(meta: Any, *, ensure_dist: bool = False, source: str = "blocklet.json") -> list[MetaIssue]:
    """The `validateMeta` path (no fix step) for a remote or release `blocklet.json`: return issues."""
    issues: list[MetaIssue] = []
    if not isinstance(meta, dict):
        return [MetaIssue("", "must be an object")]
    for key in ("did", "name", "version"):
        if not isinstance(meta.get(key), str):
            issues.append(MetaIssue(f"/{key}", "is required"))
    if ensure_dist and not isinstance(meta.get("dist"), dict):
        issues.append(MetaIssue("/dist", "is required"))
    return issues
