"""`blocklet dev` through the real console script: a dapp reporting its environment over HTTP, a static
site over real HTTP, signals leaving no process behind, exit codes, errors, --open/--watch/--reset."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.identity.wallet import Wallet
from tests.conftest import BLOCKLET
from tests.unit.test_components import FakeStore, store_meta

ENV_SERVER = """
const http = require('http');
const { spawn } = require('child_process');
const grandchild = spawn('sleep', ['300'], { stdio: 'ignore' });
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ pid: process.pid, grandchild: grandchild.pid, headers: req.headers, env: process.env }));
}).listen(Number(process.env.BLOCKLET_PORT), '127.0.0.1', () => console.log('env server up'));
"""
SECRET = "local-secret-token-do-not-ship"  # FERRY_API_TOKEN in the fixture's .env.local


def alive(pid: int) -> bool:
    """A process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def fetch(url: str, attempts: int = 600) -> bytes:
    """GET `url`, retrying while the server is not up yet."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


class DevProcess:
    """`blocklet [global options] dev --json …` in the background; stdout's first document parsed."""

    def __init__(self, project: Path, *args: str, global_args: tuple[str, ...] = (), env: dict | None = None,
                 json_output: bool = True, base_env: dict | None = None) -> None:
        self.stderr_path = project.parent / f"dev-stderr-{time.monotonic_ns()}.txt"
        self.stderr_file = self.stderr_path.open("w")
        argv = [str(BLOCKLET), *global_args, "dev", *(["--json"] if json_output else []), *args]
        self.proc = subprocess.Popen(argv, cwd=project, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.stderr_file, text=True,
                                     env={**(os.environ if base_env is None else base_env), "CI": "1", "NO_COLOR": "1",
                                          **(env or {})})
        self.doc: dict = {}
        if json_output:
            lines = []
            for line in self.proc.stdout:
                lines.append(line)
                if line.rstrip() == "}":
                    break
            assert lines, self.stop_and_read()
            self.doc = json.loads("".join(lines))

    def url_line(self, timeout: float = 180) -> str:
        """The first stdout line in text mode on a pipe: it must come within `timeout` and be a loopback URL."""
        import re
        import select

        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, "no URL line on stdout"
        url = self.proc.stdout.readline().rstrip("\n")
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
        return url

    def signal(self, signum: int) -> tuple[int, str, str]:
        self.proc.send_signal(signum)
        return self.stop_and_read()

    def stop_and_read(self) -> tuple[int, str, str]:
        try:
            code = self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        rest = self.proc.stdout.read()
        self.stderr_file.close()
        return code, rest, self.stderr_path.read_text()


@pytest.fixture
def env_dapp(project_copy) -> Path:
    project = project_copy("node-dapp")
    (project / "api" / "env.js").write_text(ENV_SERVER)
    meta = project / "blocklet.yml"
    meta.write_text(meta.read_text().replace("dev: node api/index.js", "dev: node api/env.js"))
    return project


def test_dapp_runs_with_every_server_variable_and_ctrl_c_leaves_no_process(env_dapp: Path) -> None:
    dev = DevProcess(env_dapp, global_args=("--verbose",), env={"FERRY_REGION": "from-shell"})
    doc = dev.doc
    port = doc["port"]
    report = json.loads(fetch(doc["url"]))
    env = report["env"]
    data_home = Path(os.environ["XDG_DATA_HOME"]) / "blocklet" / "dev"
    did = "z8iZpiQ1rTM58cyPWgVymbDBqtu3wFtqYBJPE"

    assert doc["url"] == f"http://127.0.0.1:{port}" and doc["group"] == "dapp" and doc["did"] == did
    assert env["BLOCKLET_PORT"] == env["PORT"] == str(doc["appPort"]) != str(port)  # its own port, behind the gateway
    assert env["BLOCKLET_APP_DIR"] == str(env_dapp.resolve())
    for key, sub in (("BLOCKLET_DATA_DIR", "data"), ("BLOCKLET_LOG_DIR", "logs"), ("BLOCKLET_CACHE_DIR", "cache")):
        folder = Path(env[key])
        assert folder.is_dir() and folder.parent.name == sub and folder.name == did
        assert folder.parent.parent.parent == data_home == Path(doc["devDir"]).parent
    app = env["BLOCKLET_APP_PID"]  # the app's DID is its wallet's, as on a server; the blocklet is its component
    assert env["BLOCKLET_DID"] == app and env["BLOCKLET_COMPONENT_DID"] == did
    assert env["BLOCKLET_COMPONENT_VERSION"] == "1.4.0"
    assert did_core.role_of(env["BLOCKLET_APP_ID"]) == did_core.ROLE_APPLICATION
    assert did_core.from_public_key(bytes.fromhex(env["BLOCKLET_APP_PK"][2:]),
                                    did_core.APPLICATION_TYPE) == env["BLOCKLET_APP_ID"]
    assert "BLOCKLET_APP_SK" not in env
    assert env["BLOCKLET_APP_NAME"] == "Ferry Ledger"
    assert env["BLOCKLET_APP_URL"] == doc["url"]
    assert env["BLOCKLET_MODE"] == "development"
    assert json.loads(env["BLOCKLET_MOUNT_POINTS"])[0]["mountPoint"] == "/"
    assert did_core.role_of(env["ABT_NODE_DID"]) == 1 and env["ABT_NODE_PK"].startswith("0x")
    assert env["ABT_NODE_URL"] == doc["url"] and env["ABT_NODE_PROTOCOL"] == "http"
    assert env["FERRY_REGION"] == "from-shell"  # the real environment wins over .env (south)
    assert env["FERRY_API_TOKEN"] == SECRET  # .env.local wins over .env
    assert sorted(doc["env"]["names"]) == doc["env"]["names"] and "FERRY_API_TOKEN" in doc["env"]["names"]
    assert doc["env"]["secret"] == ["FERRY_API_TOKEN"]
    assert alive(doc["pid"]) and alive(report["grandchild"])
    # the gateway in front answers `/__blocklet__.js` as the server does, and routes the rest with its headers
    settings = json.loads(fetch(doc["url"] + "/__blocklet__.js?type=json"))
    assert settings["appUrl"] == doc["url"] and settings["appId"] == env["BLOCKLET_APP_ID"]
    assert settings["prefix"] == "/" and settings["componentId"] == f"{app}/{did}"
    assert report["headers"]["x-path-prefix"] == "/" and report["headers"]["x-blocklet-component-id"] == f"{app}/{did}"
    app_data = Path(env["BLOCKLET_APP_DATA_DIR"])
    assert app_data == Path(env["BLOCKLET_DATA_DIR"]).parent
    assert Path(env["BLOCKLET_APP_SHARE_DIR"]) == app_data / ".share"
    assert Path(env["BLOCKLET_SHARE_DIR"]) == app_data / ".share" / did
    assert env["BLOCKLET_REAL_DID"] == f"{app}/{did}" and env["BLOCKLET_REAL_NAME"] == f"{app}/ferry-ledger"
    assert env["BLOCKLET_APP_PID"] == env["BLOCKLET_APP_ID"]
    assert env["BLOCKLET_APP_DESCRIPTION"] == "Tracks ferry crossings and ticket sales for a harbor office"
    assert env["BLOCKLET_APP_VERSION"] == "1.4.0" and env["BLOCKLET_APP_TENANT_MODE"] == "single"
    assert env["BLOCKLET_DEV_MOUNT_POINT"] == "/" and env["NODE_ENV"] == "development" and env["BROWSER"] == "none"
    assert env["ABT_NODE_PORT"] == str(port) and env["ABT_NODE_DOMAIN"] == "127.0.0.1"
    assert env["ABT_NODE"] == env["ABT_NODE_VERSION"] != "" and env["ABT_NODE_MODE"] == "development"
    assert env["ABT_NODE_SK"] == env["ABT_NODE_HOME"] == env["PM2_HOME"] == ""
    assert set(doc["env"]["names"]) <= set(env)  # every variable the document names reached the process

    code, rest, stderr = dev.signal(signal.SIGINT)
    assert code == 130
    assert rest == ""  # one JSON document only
    assert not any(alive(pid) for pid in (doc["pid"], report["pid"], report["grandchild"]))
    assert "preStart | ferry-ledger pre-start check passed" in stderr
    assert "env server up" in stderr and "FERRY_API_TOKEN=********" in stderr  # --verbose, redacted
    assert SECRET not in stderr and SECRET not in json.dumps(doc)
    assert "Traceback" not in stderr


def test_sigterm_stops_the_run_and_the_childs_exit_code_becomes_ours(env_dapp: Path, run_blocklet) -> None:
    dev = DevProcess(env_dapp)
    report = json.loads(fetch(dev.doc["url"]))
    code, _, _ = dev.signal(signal.SIGTERM)
    assert code == 128 + signal.SIGTERM
    assert not alive(report["pid"]) and not alive(report["grandchild"])

    meta = env_dapp / "blocklet.yml"
    meta.write_text(meta.read_text().replace("dev: node api/env.js", "dev: echo bye; exit 7"))
    result = run_blocklet("dev", cwd=env_dapp)
    assert result.returncode == 7
    assert "ferry-ledger | bye" in result.stderr  # piped stdout: the app's lines go to stderr


def test_sk_only_with_the_unsafe_flag_and_reset_empties_the_dev_folders(env_dapp: Path, run_blocklet) -> None:
    meta = env_dapp / "blocklet.yml"
    script = ('echo "sk=${BLOCKLET_APP_SK:-none} pk=$BLOCKLET_APP_PK"; '
              'ls "$BLOCKLET_DATA_DIR"; touch "$BLOCKLET_DATA_DIR/mark"')
    meta.write_text(meta.read_text().replace("dev: node api/env.js", f"dev: '{script}'"))
    first = run_blocklet("dev", cwd=env_dapp)
    assert first.returncode == 0, first.stderr
    assert "ferry-ledger | sk=none" in first.stderr and "| mark" not in first.stderr
    second = run_blocklet("dev", "--unsafe-expose-sk", cwd=env_dapp)
    pk = re.search(r"pk=(0x[0-9a-f]+)", second.stderr).group(1)
    sk = re.search(r"sk=(0x[0-9a-f]+)", second.stderr).group(1)
    assert Wallet.from_secret_key(sk).public_key_hex == pk  # the same dev wallet, kept between runs
    assert pk in first.stderr
    assert "ferry-ledger | mark" in second.stderr  # data kept between runs
    third = run_blocklet("dev", "--reset", cwd=env_dapp)
    assert "| mark" not in third.stderr and "Emptied" in third.stderr


def test_hook_failure_is_an_error_and_nothing_starts(env_dapp: Path, cli) -> None:
    (env_dapp / ".env.local").unlink()
    (env_dapp / ".env").write_text("FERRY_API_TOKEN=x\n")
    meta = env_dapp / "blocklet.yml"
    meta.write_text(meta.read_text().replace("pre-start: node hooks/pre-start.js", "pre-start: exit 4"))
    result = cli("dev", cwd=env_dapp)
    assert result.returncode == 12
    assert "hook preStart failed with exit code 4" in result.stderr
    assert "env server up" not in result.stdout + result.stderr


def test_required_variable_missing_is_a_one_line_error_naming_it(env_dapp: Path, cli) -> None:
    (env_dapp / ".env.local").unlink()
    (env_dapp / ".env").unlink()
    result = cli("dev", "--json", cwd=env_dapp)
    assert result.returncode == 2
    assert "FERRY_API_TOKEN" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["error"]["type"] == "InputRequiredError"


def test_missing_dev_script_is_a_clear_error(env_dapp: Path, cli) -> None:
    meta = env_dapp / "blocklet.yml"
    meta.write_text(meta.read_text().replace("  dev: node api/env.js\n", ""))
    result = cli("dev", str(env_dapp))
    assert result.returncode == 3
    assert "missing `scripts.dev` field" in result.stderr.splitlines()[0]
    assert "Traceback" not in result.stderr


def test_taken_port_and_missing_folder_are_errors(env_dapp: Path, cli, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = cli("dev", "--port", str(busy.getsockname()[1]), cwd=env_dapp)
    assert result.returncode == 11 and "already in use" in result.stderr
    missing = cli("dev", str(tmp_path / "nowhere"))
    assert missing.returncode == 4 and "does not exist" in missing.stderr


def test_static_site_is_served_over_http_without_directory_escape(project_copy) -> None:
    project = project_copy("static-site")
    (project.parent / "outside.txt").write_text("private")
    dev = DevProcess(project)
    url = dev.doc["url"]
    home = fetch(url + "/").decode()
    assert home == (project / "www" / "index.html").read_text()
    with urllib.request.urlopen(url + "/style.css") as response:
        assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert fetch(url + "/about.html") == (project / "www" / "about.html").read_bytes()
    for raw in ("/../outside.txt", "/%2e%2e/outside.txt", "/..%2f..%2foutside.txt", "/../blocklet.yml"):
        conn = http.client.HTTPConnection("127.0.0.1", dev.doc["port"], timeout=10)
        conn.putrequest("GET", raw)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        conn.close()
        assert response.status in (400, 403, 404) and b"private" not in body and b"harbor" not in body
    # what the server answers to every page itself (not the site's files): the settings script, the services
    with urllib.request.urlopen(url + "/__blocklet__.js") as response:
        assert response.headers["content-type"] == "application/javascript; charset=utf-8"
        script = response.read().decode()
    assert script.startswith("window.blocklet = {") and '"prefix": "/"' in script and "<html" not in script.lower()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + "/.well-known/service/api/did/session")
    assert refused.value.code == 501 and json.loads(refused.value.read())["service"] == "api"
    assert dev.doc["pid"] == dev.proc.pid
    code, _, stderr = dev.signal(signal.SIGINT)
    assert code == 130 and "Stopped (SIGINT)" in stderr


def test_open_uses_the_browser_once_ready(project_copy, tmp_path: Path) -> None:
    project = project_copy("static-site")
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    dev = DevProcess(project, "--open", env={"BROWSER": f"{browser} %s"})
    for _ in range(600):
        if opened.exists() and opened.read_text().strip():
            break
        time.sleep(0.1)
    dev.signal(signal.SIGINT)
    assert opened.read_text().strip() == dev.doc["url"]


def test_watch_restarts_the_process_when_a_file_changes(env_dapp: Path) -> None:
    dev = DevProcess(env_dapp, "--watch")
    first = json.loads(fetch(dev.doc["url"]))
    time.sleep(1)  # let the watcher start before the change
    (env_dapp / "node_modules" / "ignored.js").write_text("// ignored")
    (env_dapp / "api" / "libs" / "format.js").write_text((env_dapp / "api" / "libs" / "format.js").read_text() + "\n")
    second = first
    for _ in range(600):
        with contextlib.suppress(AssertionError):
            second = json.loads(fetch(dev.doc["url"], attempts=1))
        if second["pid"] != first["pid"]:
            break
        time.sleep(0.1)
    code, _, stderr = dev.signal(signal.SIGINT)
    assert second["pid"] != first["pid"]
    assert "Changed: api/libs/format.js: restarting" in stderr and "ignored.js" not in stderr
    assert not any(alive(pid) for pid in (first["pid"], first["grandchild"], second["pid"], second["grandchild"]))
    assert code == 130


def gateway_with_store(project_copy, httpserver) -> Path:
    """The gateway fixture with its store address pointing at a real local store holding both components."""
    store = FakeStore(httpserver)
    store.publish(store_meta("harbor-lights", "0.3.1"))
    store.publish(store_meta("ferry-ledger", "1.4.0", group="dapp"))
    project = project_copy("gateway-with-components")
    meta = project / "blocklet.yml"
    meta.write_text(meta.read_text().replace("https://store.blocklet.dev", store.url))
    return project


def test_gateway_checks_its_components_and_lists_them(project_copy, httpserver, cli) -> None:
    project = gateway_with_store(project_copy, httpserver)
    result = cli("dev", "--plan", "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["running"] is False and doc["group"] == "gateway"
    assert [(c["name"], c["version"], c["mountPoint"]) for c in doc["components"]] == [
        ("harbor-lights", "0.3.1", "/timetable"), ("ferry-ledger", "1.4.0", "/ledger")]
    human = cli("dev", "--plan", cwd=project)
    assert "nothing to run" in human.stderr and "2 component(s) verified" in human.stderr
    assert "harbor-lights" in human.stderr and "/ledger" in human.stderr


def test_unreachable_component_stops_dev_before_anything_runs(project_copy, cli) -> None:
    project = project_copy("gateway-with-components")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    meta = project / "blocklet.yml"
    meta.write_text(meta.read_text().replace("https://store.blocklet.dev", dead))
    result = cli("dev", cwd=project)
    assert result.returncode == 7
    assert "Traceback" not in result.stderr and dead in result.stderr


def _read_pty(fd: int, deadline: float) -> bytes:
    """What the terminal shows next; b"" at end of output; fails instead of hanging past `deadline`."""
    import select

    ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
    if not ready:
        raise AssertionError("no output from blocklet dev before the deadline")
    try:
        return os.read(fd, 4096)
    except OSError:
        return b""


def test_required_variable_is_prompted_on_a_terminal_without_echo(env_dapp: Path) -> None:
    import pty
    import termios

    (env_dapp / ".env.local").unlink()
    (env_dapp / ".env").unlink()
    meta = env_dapp / "blocklet.yml"
    meta.write_text(meta.read_text().replace("dev: node api/env.js", 'dev: echo "token has ${#FERRY_API_TOKEN} chars"'))
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI",)}
    process = subprocess.Popen([str(BLOCKLET), "dev"], stdin=secondary, stdout=secondary, stderr=secondary,
                               env={**env, "NO_COLOR": "1", "COLUMNS": "200"}, cwd=env_dapp, close_fds=True)
    os.close(secondary)
    text = b""
    deadline = time.monotonic() + 60
    while b"FERRY_API_TOKEN" not in text:
        chunk = _read_pty(primary, deadline)
        assert chunk, text
        text += chunk
    for _ in range(600):  # wait until the prompt has turned echo off (input typed before would be flushed)
        if not termios.tcgetattr(primary)[3] & termios.ECHO:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the prompt never turned echo off")
    os.write(primary, b"typed-secret-99\r")
    deadline = time.monotonic() + 60
    while chunk := _read_pty(primary, deadline):
        text += chunk
    os.close(primary)
    assert process.wait(timeout=30) == 0
    output = text.decode("utf-8", "replace")
    assert "Token for the ticketing API" in output  # the prompt shows the description
    assert "token has 15 chars" in output
    assert "typed-secret-99" not in output  # secure: typed without echo, never printed
