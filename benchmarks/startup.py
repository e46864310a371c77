"""Start-up benchmark: median wall time of common commands against `python -c pass`, in one run.

Targets (issue "Foundation"): `--help` <= 0.12 s, `validate` of one project <= 0.2 s,
500 files in one `validate` call <= 2 s. Prints absolute medians and ratios to the baseline.

    .venv/bin/python benchmarks/startup.py [--runs N]
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
BLOCKLET = str(Path(sys.executable).parent / "blocklet")


def median_time(command: list[str], runs: int, cwd: Path) -> tuple[float, int]:
    samples = []
    code = 0
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, env={**os.environ, "CI": "1"})
        samples.append(time.perf_counter() - started)
        code = done.returncode
    return statistics.median(samples), code


def make_metas(folder: Path, count: int) -> list[str]:
    source = (FIXTURES / "projects" / "static-site" / "blocklet.yml").read_text(encoding="utf-8")
    paths = []
    for index in range(count):
        path = folder / f"meta-{index:03d}.yml"
        path.write_text(source, encoding="utf-8")
        paths.append(str(path))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blocklet-bench-") as tmp:
        work = Path(tmp)
        project = work / "static-site"
        shutil.copytree(FIXTURES / "projects" / "static-site", project,
                        ignore=shutil.ignore_patterns("EXPECTED.md"))
        many = work / "many"
        many.mkdir()
        metas = make_metas(many, 500)
        cases = [
            ("python -c pass (baseline)", [sys.executable, "-c", "pass"], work, None),
            ("blocklet --help", [BLOCKLET, "--help"], work, 0.12),
            ("blocklet did x", [BLOCKLET, "did", "x"], work, None),
            ("blocklet validate (one project)", [BLOCKLET, "validate", str(project)], work, 0.2),
            ("blocklet validate (500 files)", [BLOCKLET, "validate", *metas], work, 2.0),
        ]
        results = []
        for label, command, cwd, target in cases:
            runs = max(3, args.runs // 5) if "500" in label else args.runs
            seconds, code = median_time(command, runs, cwd)
            results.append((label, seconds, code, target))
        baseline = results[0][1]
        print(f"{'command':36} {'median':>9} {'x baseline':>11} {'target':>8}  exit")
        for label, seconds, code, target in results:
            verdict = "" if target is None else ("ok" if seconds <= target else "OVER")
            target_text = "" if target is None else f"{target:.2f}s"
            print(f"{label:36} {seconds:8.3f}s {seconds / baseline:10.1f}x {target_text:>8}  {code} {verdict}")


if __name__ == "__main__":
    main()
