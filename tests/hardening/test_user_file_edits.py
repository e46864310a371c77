"""Editing files users own (`add`, `remove`, `version`): one lock shared with `bundle` and concurrent edits
(real console scripts, several processes), the same input checks as `validate`, line endings and forms kept,
read-only files refused, symlinked files written through (in process, the `cli` fixture)."""

from __future__ import annotations

import fcntl
import os
import subprocess

import pytest
import yaml

from blocklet_cli.core.identity.did import to_blocklet_did
from tests.conftest import BLOCKLET
from tests.unit.test_components import FakeStore, new_store, store_meta  # noqa: F401

ENV = {"BLOCKLET_HTTP_RETRIES": "0"}


def _meta(components: str = "", newline: str = "\n") -> str:
    text = (f"name: my-app\ndid: {to_blocklet_did('my-app')}\nversion: 1.0.0\ndescription: An app\n"
            f"{components}")
    return text.replace("\n", newline)


@pytest.fixture
def store(new_store) -> FakeStore:  # noqa: F811
    store = new_store()
    for name in ("one", "two", "three"):
        store.publish(store_meta(name))
    return store


@pytest.fixture
def app(tmp_path):
    folder = tmp_path / "my-app"
    folder.mkdir()
    (folder / "blocklet.yml").write_text(_meta())
    return folder


def _names(folder) -> list[str]:
    return [c["name"] for c in yaml.safe_load((folder / "blocklet.yml").read_text()).get("components") or []]


def _spawn(*args: str, cwd) -> subprocess.Popen:
    env = {**os.environ, "CI": "1", "NO_COLOR": "1", **ENV}
    return subprocess.Popen([str(BLOCKLET), *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_concurrent_adds_both_land(app, store):
    procs = [_spawn("add", name, "--store", store.url, cwd=app) for name in ("one", "two", "three")]
    results = [(proc.wait(timeout=120), proc.stderr.read()) for proc in procs]
    assert all(code == 0 for code, _ in results), results
    assert sorted(_names(app)) == ["one", "three", "two"]


@pytest.mark.parametrize("args", [("remove", "one"), ("version", "patch")])
def test_edits_wait_for_the_bundle_lock(app, args, run_blocklet, store):
    assert run_blocklet("add", "one", "--store", store.url, cwd=app, env=ENV).returncode == 0
    before = (app / "blocklet.yml").read_bytes()
    with open(app / ".blocklet" / ".lock", "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # what a running `blocklet bundle` holds
        proc = _spawn(*args, cwd=app)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        assert (app / "blocklet.yml").read_bytes() == before
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert (app / "blocklet.yml").read_bytes() != before


HOSTILE = {
    "binary": b"name: a\x00\x01\x02\n",
    "not-utf8": b"name: \xff\xfe\n",
    "too-large": b"name: a\n" + b"# padding\n" * 600_000,
    "nesting": b"name: a\nversion: 1.0.0\nx: " + b"[" * 600 + b"]" * 600 + b"\n",
    "huge-integer": b"name: a\nversion: 1.0.0\nx: 1" + b"0" * 5000 + b"\n",
    "broken": b"name: a\nversion: [1.0.0\n",
}


@pytest.mark.parametrize("command", [("add", "one"), ("remove", "one"), ("version", "patch")])
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_bad_input_is_one_clean_line_like_validate(app, cli, store, command, case):
    (app / "blocklet.yml").write_bytes(HOSTILE[case])
    args = [*command, "--store", store.url] if command[0] == "add" else list(command)
    result = cli(*args, cwd=app, env=ENV)
    assert result.returncode == 5, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("✖")]
    assert len(errors) == 1 and "blocklet.yml" in errors[0], result.stderr
    assert (app / "blocklet.yml").read_bytes() == HOSTILE[case]


def test_package_json_gets_the_same_checks(app, cli):
    (app / "package.json").write_bytes(b'{"name": "a", "version": "1.0.0", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    result = cli("version", "patch", cwd=app)
    assert result.returncode == 5, result.stderr
    assert "internal error" not in result.stderr and "package.json" in result.stderr
    assert "version: 1.0.0" in (app / "blocklet.yml").read_text()


def test_version_keeps_crlf_and_a_byte_order_mark(app, cli):
    (app / "blocklet.yml").write_bytes(b"\xef\xbb\xbf" + _meta(newline="\r\n").encode())
    (app / "package.json").write_bytes(b'{\r\n  "name": "my-app",\r\n  "version": "1.0.0"\r\n}\r\n')
    result = cli("version", "patch", cwd=app)
    assert result.returncode == 0, result.stderr
    assert (app / "blocklet.yml").read_bytes() == b"\xef\xbb\xbf" + _meta(newline="\r\n").replace(
        "1.0.0", "1.0.1").encode()
    assert (app / "package.json").read_bytes() == b'{\r\n  "name": "my-app",\r\n  "version": "1.0.1"\r\n}\r\n'


@pytest.mark.parametrize("components", ["", "components: []\n", "components: [] # none yet\nkeywords: []\n"],
                         ids=["absent", "empty-flow", "empty-flow-commented"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("final_newline", [True, False], ids=["final-newline", "no-final-newline"])
def test_add_then_remove_is_byte_identical(app, cli, store, components, newline, final_newline):
    text = _meta(components, newline)
    if not final_newline:
        text = text.removesuffix(newline)
    (app / "blocklet.yml").write_bytes(text.encode())
    assert cli("add", "one", "--store", store.url, cwd=app, env=ENV).returncode == 0
    assert _names(app) == ["one"]
    assert cli("remove", "one", cwd=app).returncode == 0
    assert (app / "blocklet.yml").read_bytes() == text.encode()


@pytest.mark.parametrize("name, command", [
    ("blocklet.yml", ("version", "patch")), ("package.json", ("version", "patch")),
    ("blocklet.yml", ("remove", "one")), ("blocklet.yml", ("add", "two"))])
def test_a_read_only_file_is_refused_not_replaced(app, cli, store, name, command):
    assert cli("add", "one", "--store", store.url, cwd=app, env=ENV).returncode == 0
    (app / "package.json").write_text('{"name": "my-app", "version": "1.0.0"}\n')
    target = app / name
    target.chmod(0o444)
    before = {path.name: path.read_bytes() for path in (app / "blocklet.yml", app / "package.json")}
    args = [*command, "--store", store.url] if command[0] == "add" else list(command)
    result = cli(*args, cwd=app, env=ENV)
    assert result.returncode == 13, result.stderr
    assert "read-only" in result.stderr and "Traceback" not in result.stderr
    assert {path.name: path.read_bytes() for path in (app / "blocklet.yml", app / "package.json")} == before
    assert target.stat().st_mode & 0o777 == 0o444


def test_a_symlinked_config_file_is_written_through(app, cli, store, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "blocklet.yml").write_text(_meta())
    (shared / "package.json").write_text('{"name": "my-app", "version": "1.0.0"}\n')
    for name in ("blocklet.yml", "package.json"):
        (app / name).unlink(missing_ok=True)
        (app / name).symlink_to(shared / name)
    assert cli("version", "minor", cwd=app).returncode == 0
    assert cli("add", "one", "--store", store.url, cwd=app, env=ENV).returncode == 0
    for name in ("blocklet.yml", "package.json"):
        assert (app / name).is_symlink()
    assert "version: 1.1.0" in (shared / "blocklet.yml").read_text()
    assert '"version": "1.1.0"' in (shared / "package.json").read_text()
    assert _names(shared) == ["one"]
