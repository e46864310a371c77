"""Fuzzing (hypothesis): random metadata documents through the loader and the validator in every
mode, and random argument lists through `blocklet_cli.cli.app.main` in-process. Nothing may end in
a traceback: no INTERNAL exit code (1), no "Traceback" in the output.

`BLOCKLET_FUZZ_EXAMPLES` scales the runs (default 5000 metadata documents in batches of 5, 500 argument lists,
50 `dev` argument lists; the same documents every run: the examples are derandomized)."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocklet_cli.cli import app as cli_app
from blocklet_cli.cli.errors import ExitStatus
from blocklet_cli.core.errors import BlockletError
from blocklet_cli.core.identity.did import to_blocklet_did
from blocklet_cli.core.meta.api import PARSE_MODES, MetaDocument, validate_document
from blocklet_cli.core.meta.blocklet_schema import top_level_keys
from blocklet_cli.core.meta.yaml12 import load_yaml
from tests.hardening.faults import closed_port_url

META_EXAMPLES = int(os.environ.get("BLOCKLET_FUZZ_EXAMPLES", "5000"))
BATCH = 5  # metadata documents per hypothesis example
ARGV_EXAMPLES = max(1, META_EXAMPLES // 10)
FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# -- metadata --------------------------------------------------------------------------------
KEYS = [*top_level_keys(), "type", "name", "path", "prefix", "port", "protocol", "source", "store", "mountPoint",
        "title", "link", "id", "items", "services", "value", "address", "share", "price", "secure", "default",
        "required", "shared", "url", "email", "section", "role", "engine", "interpreter", "args", "tarball",
        "integrity", "size", "cacheable"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "web", "service", "wellknown", "dapp", "static", "gateway", "1.0.0", "1.0.0-beta.1",
                     "latest", "^1.0.0", "https://store.example", "http://127.0.0.1:1", "a@b.co", "*", "/", "/a/b",
                     "BLOCKLET_PORT", "http", "tcp", "true", "no", "0x1f", "0o17", "1_000", "12:30:00",
                     "2024-01-01", "z2qaLJbHXzqr3G19Wvnqew2Z1Q5MnPsxx57t8", to_blocklet_did("demo"), "..", "../x",
                     "/etc/passwd", "C:\\x", "\ufeff", "中文标题", "😀", "\u202e", "\x00", "a\nb", "${X}"]),
    st.text(max_size=16),
)
DATA = st.recursive(SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4),
    st.dictionaries(st.sampled_from(KEYS) | st.text(string.ascii_letters + "-_$", max_size=8), children,
                    max_size=6)), max_leaves=16)
BASE = {"name": "demo", "did": to_blocklet_did("demo"), "version": "1.0.0", "description": "A demo app",
        "group": "static", "main": "."}
DOCUMENTS = st.one_of(
    DATA,  # anything at the top
    st.builds(lambda extra: {**BASE, **extra}, st.dictionaries(st.sampled_from(KEYS), DATA, max_size=5)),
)


def _check_document(text: str, folder: Path) -> None:
    try:
        data, positions = load_yaml(text, "blocklet.yml")
    except BlockletError as exc:  # only our own errors, each with a message
        assert str(exc)
        return
    document = MetaDocument(folder / "blocklet.yml", text, data, positions)
    for mode in PARSE_MODES:
        report = validate_document(document, mode=mode, json_schema=mode == "meta")
        assert report.valid == (not report.issues)
        assert all(issue.message for issue in report.issues)
        report.to_dict()  # the --json shape can always be made


@pytest.mark.slow
@settings(FUZZ, max_examples=META_EXAMPLES // BATCH)
@given(documents=st.lists(DOCUMENTS, min_size=BATCH, max_size=BATCH))
def test_random_metadata_documents_in_every_mode(documents, tmp_path: Path) -> None:
    """Documents come in batches (the engine's own cost per example is several times the validator's)."""
    import json

    for number, document in enumerate(documents):
        style = ("block", "flow", "json")[number % 3]
        if style == "json":
            text = json.dumps(document, ensure_ascii=False, default=str, allow_nan=True)
        else:
            text = yaml.safe_dump(document, allow_unicode=True, default_flow_style=style == "flow", sort_keys=False)
        _check_document(text, tmp_path)


# -- command lines -----------------------------------------------------------------------------
def _command_tree() -> dict[str, list[str]]:
    """Every command path (`config set`, ...) with its option names, read from the real app."""
    tree: dict[str, list[str]] = {}

    def walk(command, path: str) -> None:  # Typer's own (vendored) Click objects
        tree[path] = [name for param in command.params if param.param_type_name == "option"
                      for name in (*param.opts, *param.secondary_opts)]
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())

    walk(cli_app.build_command(), "")
    return tree


TREE = _command_tree()
# `dev` serves until Ctrl-C: only its parsing is fuzzed (with --help). Everything else runs for real.
RUNNABLE = [path for path in TREE if path and path.split()[0] != "dev"]
OPTIONS = sorted({name for names in TREE.values() for name in names} - {"--install-completion"})
VALUES = st.one_of(
    st.sampled_from(["", "-", "--", ".", "..", "/", "/nonexistent", "blocklet.yml", "x" * 300, "0", "-1", "65536",
                     "1.0.0", "2.0.0-rc.1", "major", "minor", "patch", "prerelease", "latest", "static", "dapp",
                     "yaml", "json", "store", "accessToken", "registry", "name", "a=b", "中文", "名字 with space",
                     "http://", "file:///nonexistent", "ftp://x", "@", "static-demo@1.0.0", "zNotADid",
                     to_blocklet_did("demo"), "\udcff", "--help"]),
    st.text(st.characters(blacklist_characters="\x00"), max_size=10),  # a real argv never holds NUL
)
ARGV = st.builds(
    lambda command, tail, head: [*head, *command.split(), *tail],
    st.sampled_from(RUNNABLE),
    st.lists(st.one_of(st.sampled_from(OPTIONS), VALUES), max_size=6),
    st.lists(st.sampled_from(["--json", "--verbose", "--debug", "--no-input", "--no-color"]), max_size=2),
)


@pytest.fixture
def fuzz_project(tmp_path: Path, project_copy, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable project as the working folder; every remote is a closed port (fails at once)."""
    project = project_copy("static-site", tmp_path / "work")
    monkeypatch.chdir(project)
    dead = closed_port_url()
    for name in ("BLOCKLET_STORE", "COMPONENT_STORE_URL", "BLOCKLET_DEPLOY_ENDPOINT"):
        monkeypatch.setenv(name, dead)
    monkeypatch.setenv("BLOCKLET_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("BLOCKLET_HTTP_RETRIES", "0")
    monkeypatch.setenv("CI", "1")
    monkeypatch.setenv("BROWSER", "true")
    return project


def _run_in_process(argv: list[str]) -> int:
    try:
        cli_app.main(argv)
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def _assert_no_traceback(argv: list[str], code: int, capsys: pytest.CaptureFixture) -> None:
    out, err = capsys.readouterr()
    if "--debug" not in argv:  # --debug asks for tracebacks of our own errors
        assert "Traceback" not in out + err, (argv, err)
    assert code != ExitStatus.INTERNAL, (argv, err)
    assert code in {int(status) for status in ExitStatus}, (argv, code)


@pytest.mark.slow
@settings(FUZZ, max_examples=ARGV_EXAMPLES)
@given(argv=ARGV)
def test_random_command_lines(argv: list[str], fuzz_project: Path, capsys: pytest.CaptureFixture) -> None:
    _assert_no_traceback(argv, _run_in_process(argv), capsys)


@settings(FUZZ, max_examples=max(1, ARGV_EXAMPLES // 10))
@given(tail=st.lists(st.one_of(st.sampled_from(TREE["dev"]), VALUES), max_size=5))
def test_random_dev_command_lines_parse(tail: list[str], fuzz_project: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["dev", "--help", *tail]  # first, so no option can take it as its value and start a server
    _assert_no_traceback(argv, _run_in_process(argv), capsys)
