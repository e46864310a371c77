"""`blocklet init`: create a Blocklet project offline from `templates/<group>/`.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/init.js (and items 1, 2, 14 of
docs/migrating-from-node-cli.md: `init -y` always fails, package.json's version is ignored, the dapp
template prints a fixed port — none of that here). The DID is derived from the name
(`did.to_blocklet_did`) or is a new random Blocklet DID whose wallet is saved 0600 in the user's config
folder. The generated `blocklet.yml` is validated by the metadata validator before the
first file is written.

Templates: each `templates/<group>/` is a complete project (the commented `blocklet.yml` with
`{{placeholders}}`, `blocklet.md`, `logo.png`, `gitignore` written as `.gitignore`, the entry file), plus
`templates/common/`: three placeholder screenshots (a store wants at least 3; scripts/gen_placeholder_screenshots.py).
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from blocklet_cli.core import paths, safejson
from blocklet_cli.core.errors import ConflictError, FileSystemError, MetaError, MetaIssue, UsageError
from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.project.edit import yaml_scalar

GROUPS = ("static", "dapp", "gateway")
COMMON_TEMPLATE = "common"  # files of every template (the placeholder screenshots)
DID_TYPES = ("name", "blocklet")
DEFAULT_MAIN = {"static": "www", "dapp": "index.js"}
TEMPLATE_ENTRY = {"static": "www/index.html", "dapp": "index.js"}
PACKAGE_DEFAULT_KEYS = ("name", "description", "version", "author", "keywords", "repository")
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
_EMPTY_EXTRA = re.compile(r"^\{\{extra\}\}\n", re.MULTILINE)


@dataclass
class InitOptions:
    """Everything `init_project` needs; the CLI fills what flags or answers gave."""

    root: Path
    name: str
    title: str
    description: str
    group: str
    main: str | None = None
    did: str | None = None
    did_type: str = "name"
    version: str = "1.0.0"
    author: object = None
    keywords: object = None
    repository: object = None
    force: bool = False


@dataclass
class InitResult:
    """What `init_project` did."""

    root: Path
    name: str
    did: str
    did_type: str
    group: str
    version: str
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)
    wallet_path: Path | None = None

    def to_dict(self) -> dict:
        return {"root": str(self.root), "name": self.name, "did": self.did, "didType": self.did_type,
                "group": self.group, "version": self.version, "created": self.created, "kept": self.kept,
                "overwritten": self.overwritten,
                "wallet": str(self.wallet_path) if self.wallet_path else None}


# -- defaults ---------------------------------------------------------------------------------------

def name_from_folder(folder: str) -> str:
    """A valid blocklet name made from a folder name: lowercase, URL-safe, no leading `.`/`_`,
    at most 32 characters (`My Cool App!` → `my-cool-app`)."""
    name = re.sub(r"[^a-z0-9._-]+", "-", folder.strip().lower())
    name = re.sub(r"-{2,}", "-", name).lstrip("._-")[:32].rstrip("._-") or "blocklet"
    if _name_problem(name):  # e.g. a Node core module name such as `http`
        name = f"{name[:23]}-blocklet"
    return name


def package_defaults(root: Path) -> dict:
    """The init defaults a `package.json` in `root` gives (name, description, version, author,
    keywords, repository); {} when there is none. A scoped npm name keeps only its package part."""
    path = Path(root) / "package.json"
    if not path.is_file():
        return {}
    try:
        data = safejson.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        from blocklet_cli.core.errors import FileFormatError

        raise FileFormatError(f"invalid JSON: {exc}", location=str(path)) from exc
    if not isinstance(data, dict):
        return {}
    found = {key: data[key] for key in PACKAGE_DEFAULT_KEYS if data.get(key) not in (None, "", [], {})}
    if isinstance(found.get("name"), str) and found["name"].startswith("@") and "/" in found["name"]:
        found["name"] = found["name"].split("/", 1)[1]
    return found


def default_main(root: Path, group: str) -> str:
    """The entry point `init` proposes: for a dapp in an existing Node project its `package.json` `main`
    (when it is a usable entry), else the template's (`www`, `index.js`)."""
    if group == "dapp":
        path = Path(root) / "package.json"
        try:
            data = safejson.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        except (OSError, ValueError, UnicodeDecodeError):
            data = None
        main = data.get("main") if isinstance(data, dict) else None
        if isinstance(main, str) and main.strip() and main_problem(group, main.strip()) is None:
            return main.strip()
    return DEFAULT_MAIN.get(group, "")


# -- checks (through the metadata validator, the one owner of the rules) ----------------------------

def _draft(name: str, did: str | None, key: str, value: object) -> dict:
    draft: dict[str, object] = {"name": name, "did": did or did_core.to_blocklet_did(name), "version": "1.0.0",
             "description": "A Blocklet"}
    draft[key] = value
    if key == "name":
        draft["did"] = did_core.to_blocklet_did(str(value))
    return draft


def field_problem(key: str, value: object, *, name: str = "blocklet", did: str | None = None) -> str | None:
    """The validator's message for `key: value` in an otherwise valid metadata, else None."""
    from blocklet_cli.core.meta import validate_meta_dict

    if key == "group":
        return None if value in GROUPS else f"group must be one of {', '.join(GROUPS)}"
    for issue in validate_meta_dict(_draft(name, did, key, value)):
        if issue.pointer in (f"/{key}", "") or (key == "name" and issue.pointer == "/did"):
            return issue.message if key in issue.message else f"{key}: {issue.message}"
    return None


def check_name(name: str) -> None:
    """UsageError when `name` is not a valid blocklet name."""
    problem = _name_problem(name)
    if problem:
        raise UsageError(f"invalid name {name!r}: {problem}")


def _name_problem(name: str) -> str | None:
    from blocklet_cli.core import meta

    if did_core.is_valid(name):
        return "a name must not be a DID (pass the DID with --did)"
    name_rules = getattr(meta, "name_problem", None)  # the meta package's name rules, once exported
    if name_rules is not None:
        return name_rules(name)
    return field_problem("name", name, name=name)


def check_did(value: str, name: str) -> None:
    """UsageError unless `value` is a valid DID usable for `name` (a Blocklet-role DID, or the DID
    derived from the name)."""
    if not did_core.is_valid(value):
        raise UsageError(f"invalid DID {value!r}: not an ABT DID (checksum or encoding wrong)")
    if did_core.is_blocklet_role(value):
        return
    expected = did_core.to_blocklet_did(name)
    if value != expected:
        raise UsageError(f"--did {value} is neither a Blocklet DID (role BLOCKLET) nor the DID of name "
                         f"{name!r} ({expected})")


def check_main(group: str, main: str | None) -> None:
    """UsageError when the entry point does not fit the group."""
    if group == "gateway":
        if main:
            raise UsageError("a gateway blocklet has no entry point: drop --main")
        return
    problem = main_problem(group, main or "")
    if problem:
        raise UsageError(f"invalid --main {main!r}: {problem}")


def main_problem(group: str, main: str) -> str | None:
    """Why `main` cannot be the entry of a `group` blocklet (None when it can)."""
    text = main.strip()
    if not text:
        return "the entry point cannot be empty"
    parts = Path(text).parts
    if Path(text).is_absolute() or ".." in parts or text.startswith("~"):
        return "use a path inside the project folder"
    if group == "dapp" and (text in (".", "./") or text.endswith("/")):
        return "a dapp's entry point is a file (e.g. index.js)"
    return None


# -- rendering --------------------------------------------------------------------------------------

def _yaml_block(key: str, value: object) -> list[str]:
    """`key: value` lines for the optional package.json fields (strings, lists and maps of strings)."""
    if isinstance(value, str):
        return [f"{key}: {yaml_scalar(value)}"]
    if isinstance(value, list):
        items = [item for item in value if isinstance(item, str) and item.strip()]
        return [f"{key}:", *[f"  - {yaml_scalar(item)}" for item in items]] if items else []
    if isinstance(value, dict):
        pairs = [(k, v) for k, v in value.items() if isinstance(k, str) and isinstance(v, str)]
        return [f"{key}:", *[f"  {yaml_scalar(k)}: {yaml_scalar(v)}" for k, v in pairs]] if pairs else []
    return []


def render_meta(template: str, values: dict[str, str], extra: dict[str, object]) -> str:
    """Fill the template `blocklet.yml`: `{{key}}` → a YAML scalar; the `{{extra}}` line → optional
    fields (author, keywords, repository) with a comment, or nothing."""
    lines: list[str] = []
    for key, value in extra.items():
        lines.extend(_yaml_block(key, value))
    block = ("# Who made it, search keywords and the source repository.\n" + "\n".join(lines) + "\n") if lines else ""
    text = _EMPTY_EXTRA.sub(lambda _: block, template)
    return _PLACEHOLDER.sub(lambda m: yaml_scalar(values[m.group(1)]), text)


def _render_text(template: str, values: dict[str, str], *, escape_html: bool = False) -> str:
    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key.endswith("_js"):
            return json.dumps(html.escape(values[key[:-3]]), ensure_ascii=False)
        return html.escape(values[key]) if escape_html else values[key]

    return _PLACEHOLDER.sub(fill, template)


def _template_files(group: str) -> dict[str, Path]:
    """Relative target path → template file of `templates/<group>/`, then of `templates/common/` (the
    placeholder screenshots; a group's own file of the same path wins)."""
    from blocklet_cli.resources import templates_dir

    found: dict[str, Path] = {}
    for folder in (templates_dir() / group, templates_dir() / COMMON_TEMPLATE):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found.setdefault(path.relative_to(folder).as_posix(), path)
    return found


def placeholder_files() -> dict[str, bytes]:
    """The images every template ships as placeholders (`logo.png`, `screenshots/…`), by relative path: a
    project still holding one of them has a placeholder to replace."""
    from blocklet_cli.resources import templates_dir

    found: dict[str, bytes] = {}
    for folder in (templates_dir() / COMMON_TEMPLATE, *(templates_dir() / group for group in GROUPS)):
        for path in sorted(folder.rglob("*.png")):
            found.setdefault(path.relative_to(folder).as_posix(), path.read_bytes())
    return found


# -- creating ---------------------------------------------------------------------------------------

def existing_meta(root: Path) -> Path | None:
    for name in ("blocklet.yml", "blocklet.yaml"):
        if (Path(root) / name).exists():
            return Path(root) / name
    return None


def check_target(root: Path, *, force: bool) -> None:
    """Raise unless a project can be created in `root` (checked before any question is asked)."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a folder")
    found = existing_meta(root)
    if found and not force:
        raise ConflictError(f"{found} already exists", hint="pass --force to overwrite it (other files are kept)")
    if not found and not force and root.is_dir():
        from blocklet_cli.core.meta.legacy import legacy_project_error, legacy_sources

        sources = legacy_sources(root)
        if sources:  # its metadata would be ignored: migrating keeps it
            raise legacy_project_error(root, sources)
    probe = root
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise FileSystemError(f"cannot write to {probe}: permission denied")


def init_project(options: InitOptions) -> InitResult:
    """Create the project described by `options`; return what was created and kept.

    All checks (target folder, name, DID, entry point, the whole generated `blocklet.yml` through the
    metadata validator) run before anything is written. Existing files other than `blocklet.yml`
    are kept; `blocklet.yml` is replaced only with `force`.
    """
    from blocklet_cli.core.fsutil import atomic_write_bytes, write_secret_file

    root = Path(os.path.abspath(options.root))
    group = options.group
    if group not in GROUPS:
        raise UsageError(f"unknown group {group!r}: use one of {', '.join(GROUPS)}")
    if options.did_type not in DID_TYPES:
        raise UsageError(f"unknown --did-type {options.did_type!r}: use name or blocklet")
    check_target(root, force=options.force)
    main = options.main if group == "gateway" else (options.main or default_main(root, group)).strip()
    check_main(group, main)
    wallet = None
    if options.did:
        did = options.did.strip()
        check_did(did, options.name)
        did_type = "blocklet" if did_core.is_blocklet_role(did) else "name"
    elif options.did_type == "blocklet":
        from blocklet_cli.core.identity.wallet import Wallet

        wallet = Wallet.generate(did_core.BLOCKLET_TYPE)
        did, did_type = wallet.address, "blocklet"
    else:
        did, did_type = did_core.to_blocklet_did(options.name), "name"
    name = did if did_type == "blocklet" else options.name
    if did_type == "name":
        check_name(name)

    values = {"name": name, "did": did, "version": options.version, "title": options.title.strip(),
              "description": options.description.strip(), "main": main or "",
              "dev": f"node {main}" if group == "dapp" else ""}
    extra = {"author": options.author, "keywords": options.keywords, "repository": options.repository}
    templates = _template_files(group)
    meta_text = render_meta(templates.pop("blocklet.yml").read_text(encoding="utf-8"), values, extra)
    _validate_generated(meta_text, root / "blocklet.yml")

    planned: dict[str, bytes] = {}
    for relative, source in templates.items():
        if relative.endswith(".gitkeep"):
            continue
        target = relative
        if relative == "gitignore":
            target = ".gitignore"
        elif relative == TEMPLATE_ENTRY.get(group) and main is not None:  # gateway: no main, no entry
            target = f"{main.rstrip('/')}/index.html" if group == "static" else main
            target = os.path.normpath(target)
        if source.suffix in (".md", ".html", ".js"):
            text = _render_text(source.read_text(encoding="utf-8"), values, escape_html=source.suffix == ".html")
            planned[target] = text.encode("utf-8")
        else:
            planned[target] = source.read_bytes()

    result = InitResult(root=root, name=name, did=did, did_type=did_type, group=group, version=options.version)
    try:
        root.mkdir(parents=True, exist_ok=True)
        if wallet is not None:
            result.wallet_path = paths.wallets_dir() / f"{did}.json"
            write_secret_file(result.wallet_path, json.dumps(wallet.to_json(), indent=2) + "\n")
        meta_path = root / "blocklet.yml"
        (result.overwritten if meta_path.exists() else result.created).append("blocklet.yml")
        atomic_write_bytes(meta_path, meta_text.encode("utf-8"))
        for relative, data in planned.items():
            path = root / relative
            if path.exists() or path.is_symlink():
                result.kept.append(relative)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
            result.created.append(relative)
    except OSError as exc:
        raise FileSystemError.from_os_error(exc, "cannot write") from None
    return result


def _validate_generated(text: str, final_path: Path) -> None:
    """Run the metadata validator on the generated file (in a scratch folder); MetaError if invalid."""
    from blocklet_cli.core.meta import validate_path

    with tempfile.TemporaryDirectory(prefix="blocklet-init-") as scratch:
        path = Path(scratch) / "blocklet.yml"
        path.write_text(text, encoding="utf-8")
        report = validate_path(path, mode="meta")
    if not report.valid:
        first = report.issues[0]
        raise MetaError(f"the generated blocklet.yml would be invalid: {first.pointer or '/'}: {first.message}",
                        issues=[MetaIssue(i.pointer, i.message, i.line, i.column, i.rule) for i in report.issues],
                        path=str(final_path))

