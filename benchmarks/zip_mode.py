"""Zip-mode benchmark on the real test dapps (tests/real_dapps.py, installed by scripts/install-real-dapps.sh).

For each installed dapp (harbor-notes-api: Express, dotenv, sqlite3 compiled from source, npm;
lantern-vite-dapp: pnpm; tide-nest-api: NestJS; quay-workspace: npm workspaces; node-libs: pino, socket.io,
axios, lodash, …, pnpm) it measures, in one run:
- ours: `blocklet bundle` (zip mode, the tracer), wall time (median of --runs), blocklet.zip size,
  entries and unpacked bytes;
- tracer / closure, in process (best of --runs): the zip step alone — the tracer (parse, resolve,
  lay out, check, write) against the dependency closure zip mode used before the tracer (every production dependency,
  transitively, at the place it was found: `deps.dependency_closure` + `deps.zip_layout`), written
  with the same zip writer;
- reference: `blocklet bundle --zip` of @blocklet/cli 1.17.12 when it is installed
  (~/.cache/blocklet-cli-tests/server), run with a throw-away HOME;
- other CLIs given with `--cli LABEL=PATH` (e.g. another checkout's .venv/bin/blocklet).
Prints absolute numbers and ratios to ours (time: CLI runs to our CLI run, in-process runs to the
tracer's; size: to our blocklet.zip).

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
sys.path.insert(0, str(REPO))

from tests.real_dapps import ALL, CACHE, INSTALL_SCRIPT, RealDapp, installed_path, scratch_copy  # noqa: E402

BLOCKLET = str(Path(sys.executable).parent / "blocklet")
REFERENCE = CACHE / "server" / "node_modules" / ".bin" / "blocklet"


def make_project(dapp: RealDapp, into: Path) -> Path:
    source = installed_path(dapp.name)
    assert source is not None
    return scratch_copy(dapp.name, into, source) / dapp.blocklet


def app_code(project: Path) -> tuple[str, list[Path]]:
    """The entry (`main` of blocklet.yml) and the app's own JavaScript files (the entry's folder)."""
    import yaml

    main = yaml.safe_load((project / "blocklet.yml").read_text(encoding="utf-8"))["main"]
    return main, sorted((project / main).parent.rglob("*.js"))


def workspace_root(project: Path) -> Path:
    """The npm workspace root above `project` (quay-workspace's packages/app), else the project."""
    for folder in project.parents:
        if (folder / "package.json").is_file() and "workspaces" in (folder / "package.json").read_text():
            return folder
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
    packages = deps.dependency_closure(project, workspace_root(project))
    _, entries = deps.zip_layout(project, packages)
    for path in app_code(project)[1]:
        entries[path.relative_to(project).as_posix()] = path
    write_zip(out, [ArchiveEntry.of(name, Path(source)) for name, source in entries.items()])
    return time.perf_counter() - started


def tracer_zip(project: Path, out: Path) -> float:
    from blocklet_cli.core.bundle import trace
    from blocklet_cli.core.bundle.archive import ArchiveEntry, write_zip

    main, code = app_code(project)
    started = time.perf_counter()
    traced = trace.trace_app(project, [main], app_code=[path.relative_to(project).as_posix() for path in code],
                             boundary=workspace_root(project))
    entries, _ = trace.layout_packages(traced)
    for path in code:
        entries[path.relative_to(project).as_posix()] = path
    trace.verify_bundle(traced, entries)
    write_zip(out, [ArchiveEntry.of(name, Path(source)) for name, source in entries.items()])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cli", action="append", default=[], help="LABEL=PATH of another blocklet executable")
    args = parser.parse_args()
    others = [item.split("=", 1) for item in args.cli]
    missing = [dapp.name for dapp in ALL if installed_path(dapp.name) is None]
    if missing:
        sys.exit(f"not installed: {missing} (run {INSTALL_SCRIPT})")
    for dapp in ALL:
        with tempfile.TemporaryDirectory() as scratch:
            project = make_project(dapp, Path(scratch) / "ours")
            command = [BLOCKLET, "bundle", "--skip-components-check"]
            rows = [measure("ours: blocklet bundle", command, project, args.runs)]
            out = Path(scratch) / "tracer.zip"
            rows.append(("  tracer, in process", min(tracer_zip(project, out) for _ in range(args.runs)),
                         zip_numbers(out)))
            out = Path(scratch) / "closure.zip"
            rows.append(("  closure (before), in process", min(closure_zip(project, out) for _ in range(args.runs)),
                         zip_numbers(out)))
            for label, path in others:
                other = make_project(dapp, Path(scratch) / label)
                rows.append(measure(label, [path, "bundle", "--skip-components-check"], other, args.runs))
            if REFERENCE.exists():
                ref = make_project(dapp, Path(scratch) / "reference")
                home = Path(scratch) / "home"
                home.mkdir()
                rows.append(measure("reference 1.17.12 --zip", [str(REFERENCE), "bundle", "--zip"], ref, 1,
                                    env={"HOME": str(home)}))
            base_size = rows[0][2][0]
            bases = {False: rows[0][1], True: rows[1][1]}  # CLI runs vs CLI, in-process vs in-process
            print(f"{dapp.name} ({dapp.build}):")
            print(f"  {'':30} {'time':>8} {'zip':>10} {'entries':>8} {'unpacked':>10}  ratios to ours (time, zip)")
            for label, seconds, numbers in rows:
                if numbers is None:
                    print(f"  {label:30} failed: {seconds[:100]}")
                    continue
                size, count, unpacked = numbers
                base_time = bases[label.startswith(" ")]
                print(f"  {label:30} {seconds:7.2f}s {size / 1e6:9.2f}M {count:8d} {unpacked / 1e6:9.2f}M"
                      f"  {seconds / base_time:5.1f}x {size / base_size:6.1f}x")


if __name__ == "__main__":
    main()
