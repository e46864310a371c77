"""Workspace benchmark: `blocklet bundle --all --create-release` with one job against several, in one run, and
against one `blocklet bundle` process per blocklet (what a shell loop over `blocklets/*` does).

Generates an npm-style workspace of --blocklets static blocklets (each copied from the static-site fixture,
renamed, with --megabytes of files under `www/`), then times (median of --runs, alternating, after `sync`)
`bundle --all -j 1`, `bundle --all -j N` and the loop. Prints figures and ratios; asserts nothing. On a
machine with few free cores the parallel run gains little: the ratio shows what this machine gives.

    .venv/bin/python benchmarks/workspace.py [--runs 3] [--blocklets 6] [--megabytes 8] [--jobs 4]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "projects" / "static-site"
BLOCKLET = str(Path(sys.executable).parent / "blocklet")


def make_workspace(root: Path, count: int, megabytes: int, seed: int = 11) -> list[Path]:
    from blocklet_cli.core.identity.did import to_blocklet_did

    rng = random.Random(seed)
    root.mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"name": "bench", "private": True, "workspaces": ["apps/*"]}))
    folders = []
    for index in range(count):
        folder = root / "apps" / f"site{index}"
        shutil.copytree(FIXTURE, folder, ignore=shutil.ignore_patterns("EXPECTED.md"))
        for path in [folder, *folder.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
        meta = folder / "blocklet.yml"
        text = meta.read_text().replace("name: harbor-lights", f"name: bench-site-{index}")
        meta.write_text(text.replace("did: z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ",
                                     f"did: {to_blocklet_did(f'bench-site-{index}')}"))
        for part in range(32):  # half compressible text, half random bytes
            size = megabytes * 1_000_000 // 32
            data = rng.randbytes(size) if part % 2 else (b"tide ferry ledger harbour " * (size // 26 + 1))[:size]
            (folder / "www" / f"asset{part}.bin").write_bytes(data)
        folders.append(folder)
    return folders


def timed(args: list[str], cwd: Path) -> float:
    subprocess.run(["sync"], check=False)
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "CI": "1"})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--blocklets", type=int, default=6)
    parser.add_argument("--megabytes", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=4)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blocklet-bench-workspace-") as tmp:
        root = Path(tmp) / "bench"
        folders = make_workspace(root, options.blocklets, options.megabytes)
        loop_script = " && ".join(f"{BLOCKLET} bundle {folder} --create-release" for folder in folders)
        cases = {"--all -j 1": [BLOCKLET, "bundle", "--all", "--create-release", "-j", "1"],
                 f"--all -j {options.jobs}": [BLOCKLET, "bundle", "--all", "--create-release", "-j", str(options.jobs)],
                 "one process per blocklet": ["sh", "-c", loop_script]}
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(options.runs):
            for name, args in cases.items():
                times[name].append(timed(args, root))
        medians = {name: statistics.median(values) for name, values in times.items()}
        baseline = medians["--all -j 1"]
        print(f"{options.blocklets} static blocklets of {options.megabytes} MB, {os.cpu_count()} CPUs, "
              f"median of {options.runs}")
        for name, value in medians.items():
            print(f"  bundle {name:<26} {value:7.2f} s   ratio to -j 1: {value / baseline:.2f}")


if __name__ == "__main__":
    main()
