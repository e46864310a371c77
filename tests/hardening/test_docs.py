"""The documentation stays true to the code and to the repository: the exit-code table is `ExitStatus`,
the settings table names every environment variable the code reads, every command has its page, every
module path a document names exists, and nothing cites a document that is not in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from blocklet_cli.cli.app import app
from blocklet_cli.cli.errors import ExitStatus
from blocklet_cli.core.settings import all_env_vars
from tests.conftest import REPO

DOCS = REPO / "docs"
README = (REPO / "README.md").read_text(encoding="utf-8")
# what the code hands to the app's process (dev) or derives for it is not configuration
PROVIDED_TO_APPS = re.compile(r"^(BLOCKLET_(APP|DEV_|COMPONENT|REAL|MOUNT|DATA|LOG|CACHE|SHARE|PORT|MODE|DID)\w*"
                              r"|NODE_ENV|BROWSER_?|GIT_\w+|LC_ALL|ABT_NODE_\w+_FILE|PORT)$")
ALIASES = {"upload": "publish"}
# The reference notes the project was written from live outside the repository: a citation of them (or of
# the folder beside the repository) means nothing to a reader of the repository.
FOREIGN_CITATION = re.compile(
    r"(?<![\w-])(?:cli|meta-schema|blocklet-server|real-projects|DESIGN|STYLE)\.md\b"
    r"|\.\./shared(?![\w'\"])|(?<![\w.-])shared/(?:reference|fixtures|tools|seeds)\b"
    r"|\bseeds? \d{3}\b|\u00a7")
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache", "build", "dist"}
TEXT_SUFFIXES = {".py", ".md", ".sh", ".js", ".yml", ".yaml", ".toml", ".json", ".txt", ".cfg", ".ini", ".html", ""}


def between(text: str, name: str) -> str:
    return text.split(f"<!-- BEGIN {name} -->", 1)[1].split(f"<!-- END {name} -->", 1)[0]


def repository_text_files() -> list[Path]:
    found = []
    for path in REPO.rglob("*"):
        parts = path.relative_to(REPO).parts
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in parts):
            continue
        if path.is_file() and path.suffix in TEXT_SUFFIXES and path.stat().st_size < 2_000_000:
            found.append(path)
    return found


def test_exit_code_table_is_exit_status():
    page = (DOCS / "exit-codes.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| (\w+) \|", page, re.MULTILINE)
    assert [(int(code), name) for code, name in rows] == [(int(s), s.name) for s in ExitStatus]


def code_env_vars() -> set[str]:
    found: set[str] = set()
    patterns = [r"environ(?:\.get)?\(\s*\"([A-Z][A-Z0-9_]+)\"", r"environ\[\"([A-Z][A-Z0-9_]+)\"\]",
                r"getenv\(\"([A-Z][A-Z0-9_]+)\"", r"envvar=\"([A-Z][A-Z0-9_]+)\"",
                r"^ENV_\w+ = \"([A-Z][A-Z0-9_]+)\"", r"_float_env\(\"([A-Z][A-Z0-9_]+)\"",
                r"\"\w+\": \"(BLOCKLET_[A-Z_]+)\",\s*$", r"\"([A-Z][A-Z0-9_]+)\" (?:not )?in os\.environ",
                r"\)\.get\(\"([A-Z][A-Z0-9_]+)\""]
    for path in (REPO / "blocklet_cli").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in patterns:
            found.update(re.findall(pattern, text, re.MULTILINE))
        for names in re.findall(r"^(?:CA_ENV_VARS|ENV_\w+) = \(([^)]*)\)", text, re.MULTILINE):
            found.update(re.findall(r"\"([A-Z][A-Z0-9_]+)\"", names))
    return found | all_env_vars()  # the settings table (core/settings.py) names the rest


def test_every_variable_the_code_reads_is_documented():
    table = between((DOCS / "configuration.md").read_text(encoding="utf-8"), "settings")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    read = {name for name in code_env_vars() if not PROVIDED_TO_APPS.match(name)}
    assert len(read) >= 20
    assert read - documented == set()


def test_every_command_has_a_page_linked_from_the_readme():
    names = sorted(typer.main.get_command(app).commands)
    assert {"init", "bundle", "publish", "upload", "config"} <= set(names)
    for name in names:
        page = f"docs/commands/{ALIASES.get(name, name)}.md"
        assert (REPO / page).is_file(), page
        assert f"]({page})" in README, f"README does not link {page}"
    assert "alias `upload`" in (DOCS / "commands" / "publish.md").read_text(encoding="utf-8")


def anchors(doc: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings (outside code blocks)."""
    found, fenced = set(), False
    for line in doc.read_text(encoding="utf-8").splitlines():
        fenced ^= line.startswith("```")
        if not fenced and (heading := re.match(r"^#{1,6} (.+)$", line)):
            found.add(re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-"))
    return found



def leaf_commands(command):
    """The commands under `command` that take options themselves (a group's subcommands, recursively)."""
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return [command]
    return [leaf for sub in subcommands.values() for leaf in leaf_commands(sub)]


def test_every_option_is_documented_on_its_command_page():
    from blocklet_cli.cli.context import GLOBAL_FLAGS

    root = typer.main.get_command(app)
    global_names = {name for _, names, _ in GLOBAL_FLAGS for name in names}  # documented once, in the README
    undocumented = []
    for name, command in root.commands.items():
        page = (DOCS / "commands" / f"{ALIASES.get(name, name)}.md").read_text(encoding="utf-8")
        for leaf in leaf_commands(command):
            options = [opt for param in leaf.params if param.param_type_name == "option"
                       for opt in [*param.opts, *param.secondary_opts] if opt.startswith("--")]
            undocumented += [f"{name} {opt}" for opt in options
                             if opt != "--help" and opt not in global_names
                             and not re.search(rf"(?<![\w-]){opt}(?![\w-])", page)]
    assert undocumented == []
    globals_ = [opt for param in root.params for opt in param.opts if opt.startswith("--") and "completion" not in opt]
    globals_ += [name for name in global_names if name.startswith("--")]
    assert len(globals_) >= 6
    assert [opt for opt in globals_ if opt != "--help" and f"`{opt}`" not in README] == []

def test_relative_links_between_documents_resolve():
    broken = []
    for doc in [REPO / "README.md", REPO / "CONTRIBUTING.md", *DOCS.rglob("*.md")]:
        for target, anchor in re.findall(r"\]\(([^)\s#]*)(?:#([^)\s]*))?\)", doc.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            path = (doc.parent / target) if target else doc
            if not path.exists():
                if target != "docs/setup.md":  # written by the set-up work, linked ahead of time
                    broken.append(f"{doc.relative_to(REPO)} -> {target}")
            elif anchor and path.suffix == ".md" and anchor not in anchors(path):
                broken.append(f"{doc.relative_to(REPO)} -> {target}#{anchor}")
    assert broken == []


def test_module_paths_named_in_documents_exist():
    """Documents and docstrings name modules by path (`core/identity/did.py`): those paths must exist."""
    missing = []
    sources = [REPO / "README.md", REPO / "CONTRIBUTING.md", *DOCS.rglob("*.md"),
               *(REPO / "blocklet_cli").rglob("*.py"), *(REPO / "tests").rglob("*.py"),
               *(REPO / "benchmarks").rglob("*.py")]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for path in re.findall(r"(?<![\w/.-])(?:blocklet_cli/)?((?:core|cli)/[\w/]+\.py)\b", text):
            if not (REPO / "blocklet_cli" / path).is_file():
                missing.append(f"{source.relative_to(REPO)}: {path}")
    assert missing == []


def test_nothing_cites_a_document_outside_the_repository():
    """Cite upstream code by its public repository path (ArcBlock/blocklet-server core/cli/lib/...), or state
    the fact itself."""
    found = []
    for path in repository_text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if FOREIGN_CITATION.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}")
    assert found == []
