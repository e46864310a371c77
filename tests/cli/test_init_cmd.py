"""`blocklet init` through the real console script (and a real pseudo-terminal for the questions)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.project.init import name_from_folder
from tests.conftest import BLOCKLET


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) if root.exists() else []


def test_yes_creates_a_project_and_json_reports_it(cli, tmp_path: Path) -> None:
    proc = cli("init", "harbor", "--yes", "--group", "static", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    root = tmp_path / "harbor"
    assert report["root"] == str(root)
    assert report["name"] == "harbor" and report["did"] == did_core.to_blocklet_did("harbor")
    assert set(report["created"]) == {"blocklet.yml", "blocklet.md", "logo.png", ".gitignore", "www/index.html",
                                      "screenshots/screenshot-1.png", "screenshots/screenshot-2.png",
                                      "screenshots/screenshot-3.png"}
    assert report["kept"] == [] and report["wallet"] is None
    meta = yaml.safe_load((root / "blocklet.yml").read_text())
    assert (meta["title"], meta["group"], meta["main"]) == ("harbor", "static", "www")
    validate = cli("validate", cwd=root)
    assert validate.returncode == 0, validate.stdout + validate.stderr


@pytest.mark.parametrize(("group", "did_type"), [("static", "name"), ("dapp", "name"), ("gateway", "name"),
                                              ("static", "blocklet")])
def test_every_template_passes_check_with_only_its_placeholders_to_replace(cli, tmp_path: Path, group: str,
                                                                          did_type: str) -> None:
    """`blocklet init` then `blocklet check` (the store's rules): no error; the only warnings are the placeholder
    logo and screenshots, which the author replaces; with real images in their place, even --strict passes."""
    from tests.images import png

    root = tmp_path / "harbor"
    proc = cli("init", str(root), "--yes", "--group", group, "--did-type", did_type)
    assert proc.returncode == 0, proc.stderr
    checked = cli("check", str(root), "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    assert report["errors"] == 0
    shots = [("placeholder-screenshot", f"replace screenshots/screenshot-{n}.png") for n in (1, 2, 3)]
    assert sorted((f["code"], f["fix"].split(" with ")[0]) for f in report["findings"]) == [
        ("placeholder-logo", "replace logo.png"), *shots]
    assert all(f["severity"] == "warning" and f["line"] for f in report["findings"])
    (root / "logo.png").write_bytes(png(256, 256))
    for number in (1, 2, 3):
        (root / "screenshots" / f"screenshot-{number}.png").write_bytes(png(640 * number, 360 * number))
    strict = cli("check", str(root), "--strict")
    assert strict.returncode == 0, strict.stdout + strict.stderr


def test_human_output(cli, tmp_path: Path) -> None:
    proc = cli("init", "--yes", "--title", "Ferry", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    name = name_from_folder(tmp_path.name)
    assert proc.stderr.splitlines()[0] == f"✔ Created dapp blocklet {name} in {tmp_path}"
    assert "derived from the name" in proc.stderr


def test_package_json_fills_the_defaults(cli, tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({
        "name": "ferry-times", "description": "Ferry timetable", "version": "0.4.2", "author": "Mara <m@x.example>",
        "keywords": ["ferry"], "repository": "github:mara/ferry"}))
    proc = cli("init", "--yes", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    meta = yaml.safe_load((tmp_path / "blocklet.yml").read_text())
    assert {k: meta[k] for k in ("name", "description", "version", "author", "keywords", "repository")} == {
        "name": "ferry-times", "description": "Ferry timetable", "version": "0.4.2", "author": "Mara <m@x.example>",
        "keywords": ["ferry"], "repository": "github:mara/ferry"}
    assert json.loads((tmp_path / "package.json").read_text())["name"] == "ferry-times"  # untouched


@pytest.mark.parametrize("package_main, expected", [
    ("server/app.js", "server/app.js"), ("./lib/main.js", "./lib/main.js"), ("", "index.js"), (None, "index.js")])
def test_an_existing_node_project_keeps_its_package_json_main(run_blocklet, tmp_path: Path, package_main,
                                                              expected) -> None:
    package = {"name": "ferry-times", "version": "0.4.2"}
    if package_main is not None:
        package["main"] = package_main
    (tmp_path / "package.json").write_text(json.dumps(package))
    if package_main:
        (tmp_path / package_main).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / package_main).write_text("console.log('mine')\n")
    proc = run_blocklet("init", "--yes", "--group", "dapp", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    meta = yaml.safe_load((tmp_path / "blocklet.yml").read_text())
    assert meta["main"] == expected
    assert meta["scripts"]["dev"] == f"node {expected}"
    if package_main:
        assert (tmp_path / package_main).read_text() == "console.log('mine')\n"
        assert not (tmp_path / "index.js").exists()


def test_random_blocklet_did_never_prints_the_secret(run_blocklet, tmp_path: Path, isolated_home: Path) -> None:
    proc = run_blocklet("init", "p", "--yes", "--did-type", "blocklet", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    wallet = json.loads(Path(report["wallet"]).read_text())
    assert wallet["address"] == report["did"] and did_core.is_blocklet_role(report["did"])
    secret = wallet["sk"][2:]
    assert secret not in proc.stdout + proc.stderr
    assert secret not in "".join(p.read_text(errors="replace") for p in (tmp_path / "p").rglob("*") if p.is_file())


def test_without_tty_and_without_yes_it_names_the_missing_flag(cli, tmp_path: Path) -> None:
    proc = cli("init", "p", "--group", "static", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == "✖ Title is required and cannot be asked here: pass --title"
    assert "--yes" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "p").exists()


def test_existing_meta_refused_without_force(cli, tmp_path: Path) -> None:
    (tmp_path / "blocklet.yml").write_text("name: mine\n")
    proc = cli("init", "--yes", cwd=tmp_path)
    assert proc.returncode == 11
    assert "blocklet.yml already exists" in proc.stderr.splitlines()[0]
    assert (tmp_path / "blocklet.yml").read_text() == "name: mine\n"
    assert listing(tmp_path) == ["blocklet.yml"]
    assert cli("init", "--yes", "--force", cwd=tmp_path).returncode == 0
    assert yaml.safe_load((tmp_path / "blocklet.yml").read_text())["name"] == name_from_folder(tmp_path.name)


@pytest.mark.parametrize(("args", "message"), [
    (["--name", "Harbor"], "capital letters"),
    (["--name", "my app"], "URL-friendly"),
    (["--name", "app~1"], "special characters"),
    (["--name", "app(1)"], "special characters"),
    (["--name", ".hidden"], "cannot start with a period"),
    (["--name", "_private"], "cannot start with an underscore"),
    (["--name", "a" * 33], "too long"),
    (["--did", "zNotADid"], "invalid DID"),
    (["--group", "spa"], "unknown group 'spa'"),
    (["--did-type", "random"], "unknown --did-type"),
    (["--group", "gateway", "--main", "index.js"], "no entry point"),
    (["--title", "x" * 41], "title length should not exceed 40"),
    (["--description", "ab"], "description"),
])
def test_bad_input_one_line_nothing_written(cli, tmp_path: Path, args: list[str], message: str) -> None:
    proc = cli("init", "p", "--yes", *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("✖ ") and message in lines[0]
    assert all(line.startswith("hint: ") for line in lines[1:])
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "p").exists()


def _as_nobody() -> list[str]:
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_unwritable_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="blocklet-ro-"))  # outside pytest's 0700 folder, for `nobody`
    try:
        base.chmod(0o755)
        readonly = base / "readonly"
        readonly.mkdir(mode=0o555)
        readonly.chmod(0o555)
        env = {**os.environ, "CI": "1", "NO_COLOR": "1", "HOME": str(base), "XDG_CONFIG_HOME": str(base / "cfg")}
        proc = subprocess.run([*_as_nobody(), str(BLOCKLET), "init", str(readonly / "p"), "--yes"], env=env,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
        assert proc.returncode == 13, proc.stderr  # FILESYSTEM
        assert proc.stderr.strip() == f"✖ cannot write to {readonly}: permission denied"
        assert list(readonly.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


class Terminal:
    """A child process on a pseudo-terminal: read what it shows, type answers."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200"})
        self.proc = subprocess.Popen(args, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     close_fds=True)
        os.close(slave)
        self.seen = ""

    def expect(self, pattern: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.seen):
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never appeared; screen so far:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal
                    if not re.search(pattern, self.seen):
                        raise AssertionError(f"{pattern!r} never appeared:\n{self.seen}") from None

    def send(self, line: str) -> None:
        self.seen = ""
        os.write(self.master, (line + "\r").encode())

    def wait(self) -> int:
        try:
            while True:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                if ready:
                    self.seen += os.read(self.master, 4096).decode("utf-8", "replace")
                elif self.proc.poll() is not None:
                    break
        except OSError:
            pass
        os.close(self.master)
        return self.proc.wait(timeout=30)


def test_interactive_questions_reask_until_valid(tmp_path: Path) -> None:
    term = Terminal([str(BLOCKLET), "init", "ferry", "--name", "ferry-times"], tmp_path)
    term.expect(r"Title \(ferry-times\):")
    term.send("x" * 41)  # too long: asked again
    term.expect(r"title length should not exceed 40")
    term.expect(r"Title \(ferry-times\):")
    term.send("Ferry Times")
    term.expect(r"Description \(A Blocklet project\):")
    term.send("ab")
    term.expect(r"at least 3 characters")
    term.send("Timetable of the ferry")
    term.expect(r"Group \(static, dapp, gateway\) \(dapp\):")
    term.send("spa")
    term.expect(r"choose one of static, dapp, gateway")
    term.send("static")
    term.expect(r"Entry point \(www\):")
    term.send("")
    status = term.wait()
    assert status == 0, term.seen
    meta = yaml.safe_load((tmp_path / "ferry" / "blocklet.yml").read_text())
    assert {k: meta[k] for k in ("name", "title", "description", "group", "main")} == {
        "name": "ferry-times", "title": "Ferry Times", "description": "Timetable of the ferry",
        "group": "static", "main": "www"}


def test_dapp_template_serves_on_blocklet_port_and_prints_its_url(cli, tmp_path: Path) -> None:
    if not shutil.which("node"):
        pytest.skip("node is not installed")
    assert cli("init", "d", "--yes", "--group", "dapp", "--title", "Ferry <Times>",
                        cwd=tmp_path).returncode == 0
    server = subprocess.Popen(["node", "index.js"], cwd=tmp_path / "d", env={**os.environ, "BLOCKLET_PORT": "0"},
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        match = re.fullmatch(r"Blocklet ready at (http://127\.0\.0\.1:(\d+)/)\n", line)
        assert match and match[2] != "0", line
        body = urllib.request.urlopen(match[1], timeout=10).read().decode()
        assert "<h1>Ferry &lt;Times&gt;</h1>" in body
    finally:
        server.terminate()
        assert server.wait(timeout=10) in (0, -15)


def test_help_lists_every_option(cli) -> None:
    proc = cli("init", "--help")
    assert proc.returncode == 0
    for option in ("--name", "--title", "--description", "--group", "--main", "--did", "--did-type", "--yes",
                   "--force", "--json", "Examples:"):
        assert option in proc.stdout


@pytest.mark.parametrize(("group", "did_type"), [("static", "name"), ("dapp", "blocklet"), ("gateway", "name")])
def test_bundle_create_release_works_without_edits(cli, tmp_path: Path, group: str, did_type: str) -> None:
    root = tmp_path / "p"
    assert cli("init", str(root), "--yes", "--group", group, "--did-type", did_type).returncode == 0
    proc = cli("bundle", "--create-release", cwd=root)
    assert proc.returncode == 0, proc.stderr
    release = json.loads((root / ".blocklet" / "release" / "blocklet.json").read_text())
    meta = yaml.safe_load((root / "blocklet.yml").read_text())
    assert (release["did"], release["version"], release["group"]) == (meta["did"], "1.0.0", group)
    assert (root / ".blocklet" / "release" / release["dist"]["tarball"]).is_file()


def test_broken_package_json(cli, tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": ')
    proc = cli("init", "--yes", cwd=tmp_path)
    assert proc.returncode == 5
    assert proc.stderr == "✖ package.json: invalid JSON: Expecting value: line 1 column 10 (char 9)\n"
    assert listing(tmp_path) == ["package.json"]
