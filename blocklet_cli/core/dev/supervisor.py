"""Supervise the dev process of a blocklet: hooks, the `scripts.dev` command, restarts, shutdown.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/dev.js and
core/state/lib/util/blocklet/process-manager.js (cwd = the project folder, `scripts.dev` run through the shell,
hooks `preFlight`/`preStart` before and `postStart` after start). Instead of pm2 we run the command in its own
session (process group), stream its output line by line through a callback, and stop the whole group on request:
SIGTERM, then SIGKILL after a grace period (5 s).

Never prints: output lines and lifecycle events go to the `on_output` / `on_event` callbacks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from blocklet_cli.core.errors import ExternalToolError, NotFoundError

OnOutput = Callable[[str, str, str], None]  # (source, stream "stdout"/"stderr", line without newline)
OnEvent = Callable[[str, dict], None]  # (event name, details)
GRACE_SECONDS = 5.0
POLL_SECONDS = 0.1
WATCH_IGNORED_DIRS = (".blocklet", "node_modules", ".git")


@dataclass
class RunSpec:
    """What to run: a shell command in a folder with an environment, and the port it should answer on."""

    command: str
    cwd: Path
    env: dict[str, str]
    port: int | None = None
    label: str = "dev"
    hooks_before: list[tuple[str, str]] = field(default_factory=list)  # (hook name, shell command)
    hooks_after: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class RunResult:
    """How the run ended: the exit code to return, and why."""

    exit_code: int
    reason: str  # "exited", "signal", "hook-failed"
    restarts: int = 0

    def to_dict(self) -> dict:
        return {"exitCode": self.exit_code, "reason": self.reason, "restarts": self.restarts}


def shell_argv(command: str) -> list[str]:
    """`bash -c <command>` when bash exists (as pm2 does), else `sh -c`."""
    from shutil import which

    shell = which("bash") or which("sh")
    if shell is None:
        raise NotFoundError("no shell (bash or sh) found to run the dev script")
    return [shell, "-c", command]


def exit_code_of(returncode: int) -> int:
    """A Popen return code as a shell exit status (killed by signal N -> 128 + N)."""
    return 128 - returncode if returncode < 0 else returncode


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class ProcessGroup:
    """One child in its own session; its output pumped to a callback by reader threads."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], label: str, on_output: OnOutput) -> None:
        self.label = label
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)
        self.pgid = self.process.pid  # session leader: its pid is the group id
        self._readers = [
            threading.Thread(target=self._pump, args=(stream, name, on_output), daemon=True)
            for stream, name in ((self.process.stdout, "stdout"), (self.process.stderr, "stderr"))
        ]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _pump(self, stream, name: str, on_output: OnOutput) -> None:
        for raw in iter(stream.readline, b""):
            on_output(self.label, name, raw.decode("utf-8", "replace").rstrip("\r\n"))
        stream.close()

    def poll(self) -> int | None:
        return self.process.poll()

    def group_alive(self) -> bool:
        """True while any member of the group (the child or a grandchild) still exists."""
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, signum)

    def stop(self, grace: float = GRACE_SECONDS) -> int:
        """SIGTERM the whole group, SIGKILL whatever is left after `grace` seconds; return the exit code."""
        if self.group_alive():
            self._signal_group(signal.SIGTERM)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                if self.process.poll() is not None and not self.group_alive():
                    break
                time.sleep(POLL_SECONDS / 2)
            else:
                self._signal_group(signal.SIGKILL)
        return self.wait()

    def wait(self) -> int:
        code = self.process.wait()
        for reader in self._readers:
            reader.join(timeout=1)
        return exit_code_of(code)


def run_hook(name: str, command: str, cwd: Path, env: dict[str, str], on_output: OnOutput,
             stop: threading.Event | None = None) -> None:
    """Run one hook to completion (stopped with the run); ExternalToolError when it fails."""
    group = ProcessGroup(shell_argv(command), cwd, env, name, on_output)
    while group.poll() is None:
        if stop is not None and stop.wait(POLL_SECONDS):
            group.stop()
            raise ExternalToolError(f"hook {name} interrupted")
        if stop is None:
            time.sleep(POLL_SECONDS)
    code = group.wait()
    if group.group_alive():  # a hook that left a background process: do not leave it behind
        group.stop()
    if code != 0:
        raise ExternalToolError(f"hook {name} failed with exit code {code}: {command}")


class Supervisor:
    """Run a `RunSpec` until the process exits or `stop` is set; restart when `restart` is set.

    `stop_signal` (set by whoever sets `stop`) decides the exit code of an interrupted run
    (128 + signal number, e.g. 130 for SIGINT).
    """

    def __init__(self, spec: RunSpec, *, on_output: OnOutput, on_event: OnEvent | None = None,
                 grace: float = GRACE_SECONDS) -> None:
        self.spec = spec
        self.on_output = on_output
        self.on_event = on_event or (lambda name, details: None)
        self.grace = grace
        self.stop = threading.Event()
        self.restart = threading.Event()
        self.stop_signal: int = signal.SIGINT
        self.group: ProcessGroup | None = None

    def request_stop(self, signum: int = signal.SIGINT) -> None:
        self.stop_signal = signum
        self.stop.set()

    def _hooks(self, hooks: Iterable[tuple[str, str]]) -> None:
        for name, command in hooks:
            self.on_event("hook", {"hook": name})
            run_hook(name, command, self.spec.cwd, self.spec.env, self.on_output, self.stop)

    def run(self) -> RunResult:
        spec = self.spec
        restarts = 0
        try:
            self._hooks(spec.hooks_before)
        except ExternalToolError:
            if self.stop.is_set():
                return RunResult(128 + int(self.stop_signal), "signal")
            raise
        while True:
            self.restart.clear()
            self.group = ProcessGroup(shell_argv(spec.command), spec.cwd, spec.env, spec.label, self.on_output)
            self.on_event("started", {"pid": self.group.pid, "restarts": restarts})
            outcome = self._supervise(self.group, announce=restarts == 0)
            if outcome == "restart":
                restarts += 1
                self.on_event("restarting", {"pid": self.group.pid})
                self.group.stop(self.grace)
                continue
            if outcome == "stop":
                self.group.stop(self.grace)
                self.on_event("stopped", {"signal": int(self.stop_signal)})
                return RunResult(128 + int(self.stop_signal), "signal", restarts)
            code = self.group.wait()
            if self.group.group_alive():  # the command exited but left processes behind
                self.group.stop(self.grace)
            self.on_event("exited", {"exitCode": code})
            return RunResult(code, "exited", restarts)

    def _supervise(self, group: ProcessGroup, *, announce: bool) -> str:
        ready = self.spec.port is None
        while True:
            if self.stop.wait(POLL_SECONDS):
                return "stop"
            if self.restart.is_set():
                return "restart"
            if group.poll() is not None:
                return "exited"
            if not ready and self.spec.port is not None and port_answers(self.spec.port):
                ready = True
                self.on_event("ready", {"pid": group.pid, "port": self.spec.port, "first": announce})
                if announce and self.spec.hooks_after:
                    threading.Thread(target=self._post_start, daemon=True).start()

    def _post_start(self) -> None:
        try:
            self._hooks(self.spec.hooks_after)
        except ExternalToolError as exc:
            self.on_event("hook-failed", {"message": str(exc)})


def watch_changes(root: Path, on_change: Callable[[list[str]], None], stop: threading.Event,
                  ignored: tuple[str, ...] = WATCH_IGNORED_DIRS) -> threading.Thread:
    """Watch `root` (watchfiles) in a thread; call `on_change(relative paths)` for each batch of changes
    outside the `ignored` folders, until `stop` is set."""
    from watchfiles import DefaultFilter, watch

    class _Filter(DefaultFilter):
        def __call__(self, change, path: str) -> bool:
            parts = Path(path).relative_to(root).parts if path.startswith(str(root)) else ()
            return super().__call__(change, path) and not any(part in ignored for part in parts)

    def loop() -> None:
        for changes in watch(root, watch_filter=_Filter(), stop_event=stop, debounce=300, rust_timeout=500,
                             yield_on_timeout=False):
            paths = sorted({os.path.relpath(path, root) for _, path in changes})
            if paths:
                on_change(paths)

    thread = threading.Thread(target=loop, daemon=True, name="blocklet-dev-watch")
    thread.start()
    return thread
