"""Run one action on many blocklets of a workspace: dependencies first, independent ones in parallel
(a bounded thread pool), the dependents of a failed blocklet skipped, one result per blocklet."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blocklet_cli.core.errors import BlockletError
from blocklet_cli.core.report import NULL_REPORTER, NULL_TASK, Reporter, Task, Unit
from blocklet_cli.core.workspace.discover import Member

# action(member, reporter) -> fields of its result (a "detail" key becomes the result's detail line)
Action = Callable[[Member, Reporter], "dict[str, Any] | None"]
DEFAULT_WORKERS = 4


@dataclass
class MemberResult:
    """What happened to one blocklet: ok, failed (with the error) or skipped (a dependency failed)."""

    member: Member
    depends_on: list[str] = field(default_factory=list)  # names of the workspace blocklets it lists
    status: str = "pending"
    detail: str = ""
    duration: float = 0.0
    started: float | None = None  # seconds since the run started
    finished: float | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.member.name, "folder": self.member.rel, "did": self.member.did,
                                "status": self.status, "detail": self.detail, "duration": round(self.duration, 3),
                                "started": None if self.started is None else round(self.started, 3),
                                "finished": None if self.finished is None else round(self.finished, 3),
                                "dependsOn": self.depends_on, **self.fields}
        if self.error is not None:
            data["error"] = (self.error.to_dict() if isinstance(self.error, BlockletError)
                             else {"type": type(self.error).__name__, "message": str(self.error)})
        return data


@dataclass
class WorkspaceRun:
    """The results of one action over a workspace, in dependency order."""

    root: Path
    kind: str | None
    results: list[MemberResult]

    @property
    def ok(self) -> bool:
        return all(result.status == "ok" for result in self.results)

    @property
    def first_failure(self) -> MemberResult | None:
        return next((result for result in self.results if result.status == "failed"), None)

    def counts(self) -> dict[str, int]:
        found = {"ok": 0, "failed": 0, "skipped": 0}
        for result in self.results:
            found[result.status] = found.get(result.status, 0) + 1
        return found

    def to_dict(self) -> dict[str, Any]:
        return {"workspace": str(self.root), "kind": self.kind, "results": [r.to_dict() for r in self.results],
                "ok": self.ok}


class MemberReporter:
    """The reporter one blocklet's action gets: lines prefixed with its name; no progress bars of its own
    (several run at once: the run's own task shows how far the whole is)."""

    def __init__(self, reporter: Reporter, label: str) -> None:
        self.reporter, self.label = reporter, label

    def info(self, message: str) -> None:
        self.reporter.info(f"{self.label}: {message}")

    def warn(self, message: str) -> None:
        self.reporter.warn(f"{self.label}: {message}")

    def detail(self, message: str) -> None:
        self.reporter.detail(f"{self.label}: {message}")

    def task(self, description: str, total: float | None = None, unit: Unit = "items") -> Task:
        self.reporter.detail(f"{self.label}: {description}")
        return NULL_TASK


def default_workers() -> int:
    return max(1, min(DEFAULT_WORKERS, os.cpu_count() or 1))


def _first_line(error: BaseException) -> str:
    text = (error.message if isinstance(error, BlockletError) else str(error)).strip()
    return text.splitlines()[0] if text else type(error).__name__


class _Run:
    def __init__(self, members: list[Member], deps: dict[str, list[str]], action: Action, reporter: Reporter) -> None:
        by_rel = {member.rel: member for member in members}
        self.members, self.action, self.reporter = members, action, reporter
        self.results = {member.rel: MemberResult(member, depends_on=[by_rel[dep].name
                                                                      for dep in deps.get(member.rel, [])
                                                                      if dep in by_rel])
                        for member in members}
        self.waiting = {member.rel: {dep for dep in deps.get(member.rel, []) if dep in by_rel} for member in members}
        self.dependents: dict[str, set[str]] = {member.rel: set() for member in members}
        for rel, needs in self.waiting.items():
            for dep in needs:
                self.dependents[dep].add(rel)
        self.started = time.monotonic()

    def work(self, member: Member) -> None:
        result = self.results[member.rel]
        began = time.monotonic()
        result.started = began - self.started
        try:
            fields = dict(self.action(member, MemberReporter(self.reporter, member.name)) or {})
            result.detail = str(fields.pop("detail", "") or "")
            result.fields, result.status = fields, "ok"
        except Exception as error:  # anything but a BlockletError/OSError is a bug: `run` raises it at the end
            result.status, result.error, result.detail = "failed", error, _first_line(error)
        finally:
            now = time.monotonic()
            result.finished, result.duration = now - self.started, now - began

    def skip_dependents(self, rel: str) -> int:
        skipped = 0
        queue = [(dependent, rel) for dependent in sorted(self.dependents[rel])]
        while queue:
            current, cause = queue.pop(0)
            if current not in self.waiting:
                continue
            del self.waiting[current]
            result = self.results[current]
            result.status = "skipped"
            result.detail = f"not run: its component {self.results[cause].member.name} did not succeed"
            skipped += 1
            queue += [(dependent, current) for dependent in sorted(self.dependents[current])]
        return skipped

    def ready(self) -> list[Member]:
        found = [member for member in self.members if member.rel in self.waiting and not self.waiting[member.rel]]
        for member in found:
            del self.waiting[member.rel]
        return found

    def settle(self, rel: str) -> int:
        """Let the dependents of `rel` go on (it succeeded) or skip them; returns how many were skipped."""
        if self.results[rel].status == "ok":
            for needs in self.waiting.values():
                needs.discard(rel)
            return 0
        return self.skip_dependents(rel)


def run(members: list[Member], deps: dict[str, list[str]], action: Action, *, workers: int | None = None,
        reporter: Reporter = NULL_REPORTER, description: str = "Working") -> list[MemberResult]:
    """Run `action` on every member (given in dependency order), each after the members it depends on
    succeeded, up to `workers` at once. Returns the results in the members' order."""
    state = _Run(members, deps, action, reporter)
    workers = max(1, min(workers or default_workers(), len(members) or 1))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="workspace")
    running: dict[Future[None], Member] = {}
    with reporter.task(description, total=len(members)) as task:
        try:
            while True:
                for member in state.ready():
                    reporter.detail(f"{member.name}: started")
                    running[pool.submit(state.work, member)] = member
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    member = running.pop(future)
                    future.result()
                    result = state.results[member.rel]
                    skipped = state.settle(member.rel)
                    line = f"{member.name}: {result.status} in {result.duration:.1f}s"
                    (reporter.info if result.status == "ok" else reporter.warn)(
                        line if result.status == "ok" else f"{line}: {result.detail}")
                    task.advance(1 + skipped)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    pool.shutdown(wait=True)
    results = [state.results[member.rel] for member in members]
    for result in results:
        if result.error is not None and not isinstance(result.error, (BlockletError, OSError)):
            raise result.error
    return results
