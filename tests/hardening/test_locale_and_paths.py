"""The user's environment as it comes: C/POSIX/UTF-8 locales with PYTHONIOENCODING unset, an ASCII
output encoding, undecodable bytes in argv, folders with spaces and non-ASCII names, and a read-only
project for the commands that only read."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_dev_cmd import DevProcess, fetch
from tests.conftest import BLOCKLET

LOCALES = {
    "C": {"LANG": "C", "LC_ALL": "C"},
    "POSIX": {"LC_ALL": "POSIX"},
    "C.UTF-8": {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    "ascii-output": {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"},
}
TITLE = "Hafen Übersicht 港口 🚢"


@pytest.fixture
def locale_env(request, monkeypatch) -> dict[str, str]:
    for name in ("LANG", "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8"):
        monkeypatch.delenv(name, raising=False)
    return LOCALES[request.param]


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, (done.args, done.stderr)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    return done


@pytest.mark.parametrize("locale_env", sorted(LOCALES), indirect=True)
def test_the_main_job_in_odd_locales_and_odd_folders(locale_env, tmp_path, run_blocklet):
    """init, validate, meta, bundle --create-release, publish to a file store, add from it, dev: in a
    folder with spaces and non-ASCII letters, with a non-ASCII title."""
    base = tmp_path / "mes projets ünï 中文"
    app = base / "harbor app ö"
    store = base / "file store ß"
    run = lambda *args, cwd=app: run_blocklet(*args, cwd=cwd, env=locale_env)  # noqa: E731
    ok(run("init", str(app), "--yes", "--group", "static", "--name", "harbor-app", "--title", TITLE, cwd=tmp_path))
    ok(run("validate"))
    meta = json.loads(ok(run("meta", "--json")).stdout)
    assert meta["title"] == TITLE  # JSON escapes, if any, decode to the same text
    assert json.loads(ok(run("--json", "validate")).stdout)["results"][0]["valid"] is True
    ok(run("bundle", "--create-release"))
    published = json.loads(ok(run("--json", "publish", "--store", str(store))).stdout)
    assert published["store"] == store.as_uri()

    host = base / "host app 名"
    ok(run("init", str(host), "--yes", "--group", "static", "--name", "host-app", cwd=tmp_path))
    ok(run("add", "harbor-app", "--store", store.as_uri(), "--mount-point", "/harbor", cwd=host))
    assert "harbor-app" in (host / "blocklet.yml").read_text()
    ok(run("bundle", "--create-release", cwd=host))

    dev = DevProcess(app, env=locale_env)
    assert fetch(dev.doc["url"] + "/")
    code, _, stderr = dev.signal(signal.SIGINT)
    assert code == 130 and "Traceback" not in stderr


def test_ascii_output_escapes_instead_of_crashing(tmp_path, run_blocklet, monkeypatch):
    monkeypatch.delenv("PYTHONUTF8", raising=False)
    env = {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    app = tmp_path / "app"
    ok(run_blocklet("init", str(app), "--yes", "--group", "static", "--title", TITLE, env=env))
    done = ok(run_blocklet("meta", cwd=app, env=env))
    assert done.stdout.isascii() and json.loads(done.stdout)["title"] == TITLE
    assert ok(run_blocklet("did", TITLE, env=env)).stdout.isascii()


def test_undecodable_bytes_in_argv_are_one_line_errors(tmp_path):
    name = b"caf\xe9-\xff"  # Latin-1 bytes: not UTF-8
    for encoding in (None, "utf-8"):
        env = {**os.environ, "CI": "1", "NO_COLOR": "1"}
        env.pop("PYTHONIOENCODING", None)
        if encoding:
            env["PYTHONIOENCODING"] = encoding
        done = subprocess.run([bytes(BLOCKLET), b"--json", b"meta", name], cwd=tmp_path, env=env,
                              capture_output=True, stdin=subprocess.DEVNULL)
        assert done.returncode == 4, done.stderr
        # the file name's own bytes come back as they were given (or escaped when the encoding is strict)
        error = json.loads(done.stdout.decode("utf-8", "surrogateescape"))["error"]
        assert error["type"] == "NotFoundError" and error["message"].startswith("caf")
        assert b"Traceback" not in done.stderr and done.stderr.count(b"\n") == 1


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size) for p in [root, *root.rglob("*")]}


def test_read_only_project_for_commands_that_only_read(project_copy, run_blocklet):
    """validate, meta, did and dev of a static site: nothing is created or changed in the project
    (checked by snapshot, so it also holds when the tests run as root), and with the folder made
    read-only they still succeed."""
    project = project_copy("static-site")
    for path in [project, *project.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    before = snapshot(project)
    try:
        for args in (["validate"], ["--json", "validate", "--mode", "bundle"], ["meta"], ["meta", "--format", "yaml"],
                     ["did", "harbor-lights"], ["version", "--help"], ["validate", str(project / "blocklet.yml")]):
            ok(run_blocklet(*args, cwd=project))
        dev = DevProcess(project)  # a static site is served from a read-only folder too
        assert fetch(dev.doc["url"] + "/") == (project / "www" / "index.html").read_bytes()
        code, _, stderr = dev.signal(signal.SIGINT)
        assert code == 130 and "Traceback" not in stderr
        assert snapshot(project) == before
    finally:
        for path in [project, *project.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
