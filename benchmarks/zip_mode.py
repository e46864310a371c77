"""Zip-mode benchmark on the real dapp test projects (installed by scripts/install-dapp-projects.sh).

For each install (npm, pnpm) of tests/fixtures/dapps/express-sqlite it measures, in one run:
- ours: `blocklet bundle` (zip mode, the tracer), wall time (median of --runs), blocklet.zip size,
  entries and unpacked bytes;
- closure: the dependency closure zip mode used before the tracer (every production dependency,
  transitively, at the place it was found: `deps.dependency_closure` + `deps.zip_layout`), written
  with the same zip writer;
- reference: `blocklet bundle --zip` of @blocklet/cli 1.17.12 when it is installed
  (~/.cache/blocklet-cli-tests/server), run with a throw-away HOME;
- other CLIs given with `--cli LABEL=PATH` (e.g. another checkout's .venv/bin/blocklet).
Prints absolute numbers and ratios to ours.

    .venv/bin/python benchmarks/zip_mode.py [--runs N] [--cli main=/path/to/blocklet]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("BLOCKLET_TEST_CACHE", Path.home() / ".cache" / "blocklet-cli-tests"))
BLOCKLET = str(Path(sys.executable).parent / "blocklet")
REFERENCE = CACHE / "server" / "node_modules" / ".bin" / "blocklet"
PROJECT = "express-sqlite"


def installs() -> dict[str, Path]:
    done = subprocess.run(["bash", str(REPO / "scripts" / "install-dapp-projects.sh")], capture_output=True,
                          text=True, check=True)
    found = {}
    for line in done.stdout.splitlines():
        if f"{PROJECT} (" in line and " ready in " in line:
            manager = line.split(" (")[1].split(")")[0]
            found[manager] = Path(line.split(" ready in ")[1].strip())
    return found


def make_project(install: Path, into: Path) -> Path:
    project = into / PROJECT
    shutil.copytree(REPO / "tests" / "fixtures" / "dapps" / PROJECT, project)
    shutil.copytree(install / "node_modules", project / "node_modules", symlinks=True)
    return project


def zip_numbers(path: Path) -> tuple[int, int, int]:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    return path.stat().st_size, len(infos), sum(info.file_size for info in infos)


def timed(command: list[str], cwd: Path, runs: int, env: dict | None = None) -> float | str:
    """Median wall time, or the last line of the error when the command fails."""
    samples = []
    for _ in range(runs):
        shutil.rmtree(cwd / ".blocklet", ignore_errors=True)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                              env={**os.environ, "CI": "1", **(env or {})})
        if done.returncode:
            lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            return next((line for line in lines if "Error" in line or "✖" in line), lines[-1] if lines else "failed")
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure(label: str, command: list[str], project: Path, runs: int, env: dict | None = None):
    seconds = timed(command, project, runs, env)
    if isinstance(seconds, str):
        return label, seconds, None
    return label, seconds, zip_numbers(project / ".blocklet" / "bundle" / "blocklet.zip")


def closure_zip(project: Path, out: Path) -> float:
    from blocklet_cli.core.bundle import deps
    from blocklet_cli.core.bundle.archive import ArchiveEntry, write_zip

    started = time.perf_counter()
    packages = deps.dependency_closure(project)
    _, entries = deps.zip_layout(project, packages)
    entries["api/index.js"] = project / "api" / "index.js"
    write_zip(out, [ArchiveEntry.of(name, Path(source)) for name, source in entries.items()])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cli", action="append", default=[], help="LABEL=PATH of another blocklet executable")
    args = parser.parse_args()
    others = [item.split("=", 1) for item in args.cli]
    for manager, install in sorted(installs().items()):
        with tempfile.TemporaryDirectory() as scratch:
            project = make_project(install, Path(scratch) / "ours")
            rows = [measure("ours (tracer)", [BLOCKLET, "bundle", "--skip-components-check"], project, args.runs)]
            out = Path(scratch) / "closure.zip"
            rows.append(("closure (before)", closure_zip(project, out), zip_numbers(out)))  # in process
            for label, path in others:
                other = make_project(install, Path(scratch) / label)
                rows.append(measure(label, [path, "bundle", "--skip-components-check"], other, args.runs))
            if REFERENCE.exists():
                ref = make_project(install, Path(scratch) / "reference")
                home = Path(scratch) / "home"
                home.mkdir()
                rows.append(measure("reference 1.17.12 --zip", [str(REFERENCE), "bundle", "--zip"], ref, 1,
                                    env={"HOME": str(home)}))
            base_time, (base_size, _, _) = rows[0][1], rows[0][2]
            print(f"{PROJECT} installed with {manager}:")
            print(f"  {'':26} {'time':>8} {'zip':>10} {'entries':>8} {'unpacked':>10}  ratios to ours (time, zip)")
            for label, seconds, numbers in rows:
                if numbers is None:
                    print(f"  {label:26} failed: {seconds[:100]}")
                    continue
                size, count, unpacked = numbers
                print(f"  {label:26} {seconds:7.2f}s {size / 1e6:9.2f}M {count:8d} {unpacked / 1e6:9.2f}M"
                      f"  {seconds / base_time:5.1f}x {size / base_size:6.1f}x")


if __name__ == "__main__":
    main()
