"""Every network command against a hostile remote (real local HTTP servers, see faults.HOSTILE): a
gzip bomb (1 MiB inflating to 1 GiB), a store trickling one byte a second, 200 000 nested `[`, and
terminal escape sequences in the reason phrase and the error body. Each must give one clear error line,
the documented exit code, no traceback, no raw control character on the terminal, valid `--json`, and
leave every file as it was. Component sources that are hostile are skipped for the next source."""

from __future__ import annotations

import json

import pytest

from blocklet_cli.core.components.resolve import verify_tree
from tests.hardening.faults import ESCAPES, HOSTILE, hostile_server
from tests.hardening.test_network_faults import APP, KEY, commands, one_error_line, snapshot
from tests.unit.test_components import new_store, project, store_entry, store_meta  # noqa: F401

# the read timeout (5 s) never fires against a 1 byte/s trickle: only the overall deadline (3 s) can end it
HOSTILE_ENV = {"BLOCKLET_HTTP_TIMEOUT": "5", "BLOCKLET_HTTP_DEADLINE": "3", "BLOCKLET_HTTP_RETRIES": "0",
               "BLOCKLET_DEPLOY_ACCESS_SECRET": KEY.secret_key_hex}
UNREACHABLE, ANSWERED_BADLY, COMPONENT = 8, 9, 7
EXPECTED = {"bomb": ANSWERED_BADLY, "trickle": UNREACHABLE, "deep-json": ANSWERED_BADLY, "escapes": ANSWERED_BADLY}
RAW_CONTROLS = [chr(code) for code in (*range(0, 9), *range(11, 32), *range(0x7F, 0xA0))]


def no_raw_controls(text: str) -> None:
    found = [char for char in RAW_CONTROLS if char in text]
    assert not found, f"raw control characters {found!r} reached the terminal: {text[:500]!r}"


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("command", ["add", "bundle", "dev", "publish", "connect", "deploy"])
def test_hostile_remote_is_one_clean_line_right_code_and_writes_nothing(command, kind, tmp_path, isolated_home,
                                                                        run_blocklet):
    with hostile_server(kind) as url:
        argv, cwd = commands(url, tmp_path)[command]
        if command == "deploy":
            argv = [arg for arg in argv if arg not in ("--timeout", "1")]
        before = snapshot(tmp_path, isolated_home)
        done = run_blocklet(*argv, "--json", cwd=cwd, env=HOSTILE_ENV, timeout=60)
    line = one_error_line(done.stderr)
    assert done.returncode == (COMPONENT if command in ("add", "bundle", "dev") else EXPECTED[kind]), done.stderr
    assert url.split("//")[1] in line  # the message names the remote
    if kind == "bomb":  # refused while inflating, not after holding a GiB
        assert "bytes allowed (after decompression)" in line
    no_raw_controls(done.stderr)
    no_raw_controls(done.stdout)
    document = json.loads(done.stdout.encode("utf-8"))  # valid UTF-8, valid JSON
    assert document["exitCode"] == done.returncode
    assert len(line) < 1000  # store error bodies are capped
    assert snapshot(tmp_path, isolated_home) == before, "a failed network command changed files"


@pytest.mark.parametrize("kind", ["bomb", "deep-json", "trickle"])
def test_a_hostile_source_falls_back_to_the_next_one(kind, new_store, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("BLOCKLET_HTTP_DEADLINE", "2")
    good = new_store()
    good.publish(store_meta("static-demo"))
    with hostile_server(kind) as bad:
        tree = verify_tree(project("hub", [store_entry("static-demo", [bad, good.url])]), project_dir=tmp_path,
                           timeout=5)
    node = tree.components[0]
    assert node.source_index == 1 and node.meta_url.startswith(good.url)
    reason = node.skipped[0].reason
    assert {"bomb": "after decompression", "deep-json": "nested deeper than", "trickle": "within 2s"}[kind] in reason


def test_component_titles_with_control_characters_are_not_written(new_store, tmp_path, run_blocklet,  # noqa: F811
                                                                  isolated_home):
    from tests.hardening.test_network_faults import project as app_project

    store = new_store()
    store.publish(store_meta("first-one"))
    store.publish(store_meta("static-demo", title="Static " + ESCAPES + " Demo"))
    app = app_project(tmp_path / "app", store.url)
    done = run_blocklet("add", "static-demo", "--store", store.url, cwd=app, env=HOSTILE_ENV)
    assert done.returncode == 0, done.stderr
    written = (app / "blocklet.yml").read_text(encoding="utf-8")
    no_raw_controls(written)
    assert "title: Static ]0;pwned [2J [31mEvil 1m Demo" in written
    no_raw_controls(done.stderr)
    refused = run_blocklet("add", "first-one", "--store", store.url, "--title", "a\x1b[2Jb", cwd=app, env=HOSTILE_ENV)
    assert refused.returncode == 2 and "--title must not contain control characters" in refused.stderr


def test_deeply_nested_package_json_and_release_meta_are_clean_errors(project_copy, tmp_path, run_blocklet):
    root = project_copy("node-dapp", tmp_path / "app")
    (root / "package.json").write_text("[" * 200000)
    done = run_blocklet("bundle", cwd=root)
    assert done.returncode == 5, done.stderr
    assert "nested deeper than 128 levels" in one_error_line(done.stderr)
    release = tmp_path / "rel"
    release.mkdir()
    (release / "blocklet.json").write_text("{\"a\": " * 100000)
    for argv in (["publish", str(release / "blocklet.json"), "--store", str(tmp_path / "store"),
                  "--access-token", KEY.secret_key_hex],
                 ["deploy", str(release), "--dry-run", "--endpoint", "http://127.0.0.1:9", "--app-id", APP,
                  "--access-key", KEY.address]):
        done = run_blocklet(*argv, env=HOSTILE_ENV)
        assert done.returncode == 5, done.stderr
        assert "nested deeper than 128 levels" in one_error_line(done.stderr)
