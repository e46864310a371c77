"""Start-up benchmark: wall time of common commands as ratios to bare `python -c pass`, measured in one run.

Targets: `blocklet --help` <= 8x and `blocklet validate` of one project <= 10x the baseline; 500 files in
one `validate` call is shown too, and `config list` as a command that runs through Typer (a group with a
callback and a context; `did`, `meta` and `validate` run without it, see `blocklet_cli/cli/direct.py`).
Each case runs once to warm up (byte-code caches), then `--runs` times, interleaved with the baseline so
that load on the machine hits all cases alike; medians are compared. The CPU time (user + system) of each
case is shown beside the wall time: on a machine shared with other jobs it moves much less.

    .venv/bin/python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BLOCKLET = str(Path(sys.executable).parent / "blocklet")
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"} | {"CI": "1"}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall time, CPU time (user + system: less disturbed by other jobs on the machine) and exit code."""
    started, cpu = time.perf_counter(), _cpu()
    done = subprocess.run(command, cwd=cwd, capture_output=True, env=ENV, check=False)
    return time.perf_counter() - started, _cpu() - cpu, done.returncode


def make_project(work: Path) -> Path:
    """A fresh static project made by `blocklet init` (nothing outside the repository is needed)."""
    project = work / "static-site"
    subprocess.run([BLOCKLET, "init", str(project), "--group", "static", "--yes", "--name", "static-site"],
                   check=True, capture_output=True, env=ENV)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blocklet-bench-") as tmp:
        work = Path(tmp)
        project = make_project(work)
        many = work / "many"
        many.mkdir()
        source = (project / "blocklet.yml").read_text(encoding="utf-8")
        metas = []
        for index in range(500):
            path = many / f"meta-{index:03d}.yml"
            path.write_text(source, encoding="utf-8")
            metas.append(str(path))
        cases = [  # label, command, target ratio, runs
            ("python -c pass (baseline)", [sys.executable, "-c", "pass"], None, args.runs),
            ("python -c 'import typer'", [sys.executable, "-c", "import typer"], None, args.runs),
            ("blocklet --help", [BLOCKLET, "--help"], 8.0, args.runs),
            ("blocklet --version", [BLOCKLET, "--version"], None, args.runs),
            ("blocklet did x", [BLOCKLET, "did", "x"], None, args.runs),
            ("blocklet meta (one project)", [BLOCKLET, "meta", str(project)], None, args.runs),
            ("blocklet config list (Typer)", [BLOCKLET, "config", "list"], None, args.runs),
            ("blocklet validate (one project)", [BLOCKLET, "validate", str(project)], 10.0, args.runs),
            ("blocklet validate (500 files)", [BLOCKLET, "validate", *metas], None, max(3, args.runs // 5)),
        ]
        samples: dict[str, list[float]] = {label: [] for label, *_ in cases}
        cpu: dict[str, list[float]] = {label: [] for label, *_ in cases}
        codes: dict[str, int] = {}
        for _, command, _, _ in cases:
            timed(command, work)  # warm-up: byte-code caches, file system caches
        for round_ in range(args.runs):
            for label, command, _, runs in cases:
                if round_ < runs:
                    seconds, cpu_seconds, codes[label] = timed(command, work)
                    samples[label].append(seconds)
                    cpu[label].append(cpu_seconds)
        baseline = statistics.median(samples[cases[0][0]])
        cpu_baseline = statistics.median(cpu[cases[0][0]])
        print(f"{'command':34} {'median':>9} {'x baseline':>11} {'target':>7}  exit  "
              f"{'CPU median':>10} {'x baseline':>11}")
        for label, _, target, _ in cases:
            seconds = statistics.median(samples[label])
            ratio = seconds / baseline
            verdict = "" if target is None else ("ok" if ratio <= target else "OVER")
            target_text = "" if target is None else f"{target:.0f}x"
            cpu_seconds = statistics.median(cpu[label])
            print(f"{label:34} {seconds:8.3f}s {ratio:10.1f}x {target_text:>7}  {codes[label]} {verdict:4} "
                  f"{cpu_seconds:9.3f}s {cpu_seconds / cpu_baseline:10.1f}x")


if __name__ == "__main__":
    main()
