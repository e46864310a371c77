"""Process supervision for `blocklet dev`: output, events, exit codes, hooks, stopping the whole group,
restarts, and the file watcher."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
from pathlib import Path

import pytest

from blocklet_cli.core.dev.supervisor import RunSpec, Supervisor, exit_code_of, port_answers, run_hook, watch_changes
from blocklet_cli.core.errors import ExternalToolError
from tests.conftest import free_port

PY = shlex.quote(sys.executable)

# A server that starts a grandchild (sleep), writes both pids to a file, and answers on its port.
SERVER = """
import http.server, os, subprocess, sys
grandchild = subprocess.Popen(["sleep", "300"])
with open(sys.argv[1], "a") as f:
    f.write(f"{os.getpid()} {grandchild.pid}\\n")
print("listening", os.environ["BLOCKLET_PORT"], flush=True)
print("to stderr", file=sys.stderr, flush=True)
address = ("127.0.0.1", int(os.environ["BLOCKLET_PORT"]))
http.server.HTTPServer(address, http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def alive(pid: int) -> bool:
    """A process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


class Recorder:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str]] = []
        self.events: list[tuple[str, dict]] = []
        self.ready = threading.Event()

    def output(self, label: str, stream: str, line: str) -> None:
        self.lines.append((label, stream, line))

    def event(self, name: str, details: dict) -> None:
        self.events.append((name, details))
        if name == "ready":
            self.ready.set()


@pytest.fixture
def server_script(tmp_path: Path) -> Path:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    return script


def test_exit_code_output_and_environment_of_the_command(tmp_path: Path) -> None:
    rec = Recorder()
    spec = RunSpec(command="echo \"$GREETING from $(pwd)\"; echo oops >&2; exit 7", cwd=tmp_path,
                   env={**os.environ, "GREETING": "hello"}, label="app")
    result = Supervisor(spec, on_output=rec.output, on_event=rec.event).run()
    assert (result.exit_code, result.reason) == (7, "exited")
    assert ("app", "stdout", f"hello from {tmp_path}") in rec.lines
    assert ("app", "stderr", "oops") in rec.lines
    assert [name for name, _ in rec.events] == ["started", "exited"]


def test_hooks_run_before_and_post_start_after_the_port_answers(tmp_path: Path, server_script: Path) -> None:
    rec = Recorder()
    port = free_port()
    pids = tmp_path / "pids"
    spec = RunSpec(command=f"{PY} {server_script} {pids}", cwd=tmp_path,
                   env={**os.environ, "BLOCKLET_PORT": str(port)}, port=port, label="app",
                   hooks_before=[("preFlight", "echo flight"), ("preStart", "echo start")],
                   hooks_after=[("postStart", "echo after")])
    supervisor = Supervisor(spec, on_output=rec.output, on_event=rec.event)
    thread = threading.Thread(target=supervisor.run)
    thread.start()
    try:
        assert rec.ready.wait(60)
        for _ in range(200):
            if ("postStart", "stdout", "after") in rec.lines:
                break
            threading.Event().wait(0.05)
    finally:
        supervisor.request_stop(signal.SIGTERM)
        thread.join(30)
    order = [line for label, _, line in rec.lines if label in ("preFlight", "preStart", "postStart")]
    assert order == ["flight", "start", "after"]
    assert ("app", "stdout", f"listening {port}") in rec.lines
    names = [name for name, _ in rec.events]
    assert names.index("started") < names.index("ready") < names.index("stopped")


def test_a_failing_hook_stops_the_run(tmp_path: Path) -> None:
    rec = Recorder()
    spec = RunSpec(command="echo never", cwd=tmp_path, env=dict(os.environ), hooks_before=[("preStart", "exit 3")])
    with pytest.raises(ExternalToolError, match="preStart failed with exit code 3"):
        Supervisor(spec, on_output=rec.output, on_event=rec.event).run()
    assert ("dev", "stdout", "never") not in rec.lines
    with pytest.raises(ExternalToolError):
        run_hook("preFlight", "false", tmp_path, dict(os.environ), rec.output)


def test_stop_kills_the_whole_group_including_grandchildren(tmp_path: Path, server_script: Path) -> None:
    rec = Recorder()
    port = free_port()
    pids = tmp_path / "pids"
    spec = RunSpec(command=f"{PY} {server_script} {pids}", cwd=tmp_path,
                   env={**os.environ, "BLOCKLET_PORT": str(port)}, port=port)
    supervisor = Supervisor(spec, on_output=rec.output, on_event=rec.event)
    results = []
    thread = threading.Thread(target=lambda: results.append(supervisor.run()))
    thread.start()
    assert rec.ready.wait(60)
    shell_pid = supervisor.group.pid
    server_pid, grandchild_pid = map(int, pids.read_text().split())
    assert alive(grandchild_pid)
    supervisor.request_stop(signal.SIGINT)
    thread.join(30)
    assert results[0].exit_code == 130 and results[0].reason == "signal"
    assert not any(alive(pid) for pid in (shell_pid, server_pid, grandchild_pid))
    assert not port_answers(port)


def test_a_process_ignoring_sigterm_is_killed(tmp_path: Path) -> None:
    rec = Recorder()
    spec = RunSpec(command="trap '' TERM; echo up; while true; do sleep 0.1; done", cwd=tmp_path,
                   env=dict(os.environ))
    supervisor = Supervisor(spec, on_output=rec.output, on_event=rec.event, grace=0.5)
    results = []
    thread = threading.Thread(target=lambda: results.append(supervisor.run()))
    thread.start()
    for _ in range(600):
        if ("dev", "stdout", "up") in rec.lines:
            break
        threading.Event().wait(0.05)
    pid = supervisor.group.pid
    supervisor.request_stop(signal.SIGTERM)
    thread.join(30)
    assert results[0].exit_code == 128 + signal.SIGTERM
    assert not alive(pid)


def test_restart_starts_a_new_process(tmp_path: Path) -> None:
    rec = Recorder()
    spec = RunSpec(command="echo run; sleep 300", cwd=tmp_path, env=dict(os.environ))
    supervisor = Supervisor(spec, on_output=rec.output, on_event=rec.event)
    thread = threading.Thread(target=supervisor.run)
    thread.start()
    for _ in range(600):
        if rec.lines.count(("dev", "stdout", "run")) == 1:
            break
        threading.Event().wait(0.05)
    first = supervisor.group.pid
    supervisor.restart.set()
    for _ in range(600):
        if rec.lines.count(("dev", "stdout", "run")) == 2:
            break
        threading.Event().wait(0.05)
    second = supervisor.group.pid
    supervisor.request_stop()
    thread.join(30)
    assert first != second and not alive(first) and not alive(second)
    started = [details for name, details in rec.events if name == "started"]
    assert [s["restarts"] for s in started] == [0, 1]


def test_exit_code_of_a_signalled_process() -> None:
    assert exit_code_of(-signal.SIGKILL) == 137
    assert exit_code_of(3) == 3


def test_watcher_reports_changes_but_not_in_ignored_folders(tmp_path: Path) -> None:
    (tmp_path / "node_modules").mkdir()
    (tmp_path / ".blocklet").mkdir()
    changes: list[list[str]] = []
    seen = threading.Event()
    stop = threading.Event()

    def on_change(paths: list[str]) -> None:
        changes.append(paths)
        seen.set()

    thread = watch_changes(tmp_path, on_change, stop)
    try:
        threading.Event().wait(1)  # let the watcher start
        (tmp_path / "node_modules" / "dep.js").write_text("x")
        (tmp_path / ".blocklet" / "bundle.js").write_text("x")
        (tmp_path / "index.js").write_text("x")
        assert seen.wait(30)
    finally:
        stop.set()
        thread.join(10)
    flat = [path for batch in changes for path in batch]
    assert "index.js" in flat
    assert not any(path.startswith(("node_modules", ".blocklet")) for path in flat)


def test_stopping_during_a_hook_stops_the_hook_and_never_starts_the_command(tmp_path: Path) -> None:
    rec = Recorder()
    marker = tmp_path / "hook.pid"
    spec = RunSpec(command="echo never", cwd=tmp_path, env=dict(os.environ),
                   hooks_before=[("preStart", f"echo $$ > {marker}; sleep 300")])
    supervisor = Supervisor(spec, on_output=rec.output, on_event=rec.event)
    results = []
    thread = threading.Thread(target=lambda: results.append(supervisor.run()))
    thread.start()
    for _ in range(600):
        if marker.exists() and marker.read_text().strip():
            break
        threading.Event().wait(0.05)
    supervisor.request_stop(signal.SIGINT)
    thread.join(30)
    assert (results[0].exit_code, results[0].reason) == (130, "signal")
    assert not alive(int(marker.read_text()))
    assert ("dev", "stdout", "never") not in rec.lines
