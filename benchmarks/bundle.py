"""Bundle benchmark: `blocklet bundle --create-release` against `tar -czf` of the same files, in one run.

Generates a static project of 4000 files / 150 MB (half compressible text, half random bytes), then
times both commands (median of --runs, alternating, each started after `sync` so that neither pays
for the other's or the generator's pending disk writes) and reads their peak RSS from the kernel (wait4 rusage, which
includes waited-for descendants such as tar's gzip). Targets (issue "bundle"): wall time <= 0.35 x
`tar -czf`, peak RSS <= 100 MB. Prints figures and ratios; asserts nothing.

    .venv/bin/python benchmarks/bundle.py [--runs 3] [--files 4000] [--megabytes 150]
"""

from __future__ import annotations

import argparse
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
FIXTURES = REPO / "tests" / "fixtures"
BLOCKLET = str(Path(sys.executable).parent / "blocklet")
WORDS = ['harbor', 'ferry', 'ledger', 'timetable', 'pier', 'crossing', 'ticket', 'island', 'north', 'south',
         'east', 'west', 'departure', 'arrival', 'schedule', 'weekly', 'printable', 'tracking', 'cookies',
         'region', 'header', 'token', 'config', '<div', 'class="row">', '</div>', 'function', 'return',
         'const', 'let', 'var', 'module', 'exports', 'require']


def make_project(root: Path, files: int, total: int, seed: int = 7) -> int:
    """A static blocklet whose `www/` holds `files` files of `total` bytes, half text, half random."""
    rng = random.Random(seed)
    fixture = FIXTURES / "projects" / "static-site"
    shutil.copytree(fixture, root, ignore=shutil.ignore_patterns("EXPECTED.md", "www"))
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    www = root / "www"
    www.mkdir()
    (www / "index.html").write_text("<h1>bench</h1>\n")
    weights = [rng.uniform(0.2, 1.8) for _ in range(files)]
    scale = total / sum(weights)
    text_block = " ".join(rng.choice(WORDS) for _ in range(400_000)).encode()
    written = 0
    for index, weight in enumerate(weights):
        size = int(weight * scale)
        folder = www / f"d{index % 40:02d}" / f"e{index % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        if index % 2:
            data = os.urandom(size)
            name = f"blob-{index:04d}.bin"
        else:
            start = rng.randrange(0, len(text_block) - size - 1) if size < len(text_block) else 0
            data = (text_block[start:start + size] * (size // max(1, len(text_block)) + 1))[:size]
            name = f"page-{index:04d}.html"
        (folder / name).write_bytes(data)
        written += size
    return written


def measure(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB (the process and its waited-for children), exit code."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors,
                                   env={**os.environ, "CI": "1", "NO_COLOR": "1"})
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code:
            errors.seek(0)
            sys.stderr.write(errors.read().decode(errors="replace"))
    return wall, usage.ru_maxrss / 1024, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=4000)
    parser.add_argument("--megabytes", type=int, default=150)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blocklet-bundle-bench-") as tmp:
        project = Path(tmp) / "bench-project"
        size = make_project(project, args.files, args.megabytes * 1_000_000)
        print(f"project: {args.files} files in www/, {size / 1e6:.1f} MB (half text, half random)")
        ours, theirs = [], []
        for _ in range(args.runs):  # alternate, and start each run with no pending disk writes
            os.sync()
            ours.append(measure([BLOCKLET, "bundle", "--create-release"], project))
            os.sync()
            theirs.append(measure(["tar", "-czf", str(Path(tmp) / "baseline.tgz"), "."], project / "www"))
        if any(code for *_, code in ours + theirs):
            sys.exit("a command failed")
        tarball = next((project / ".blocklet" / "release").glob("*.tgz"))
        our_wall, tar_wall = statistics.median(w for w, _, _ in ours), statistics.median(w for w, _, _ in theirs)
        our_rss, tar_rss = max(r for _, r, _ in ours), max(r for _, r, _ in theirs)
        print("runs (s):", [round(w, 2) for w, _, _ in ours], "tar:", [round(w, 2) for w, _, _ in theirs])
        print(f"blocklet bundle --create-release: {our_wall:6.2f} s  peak RSS {our_rss:6.1f} MB  "
              f"tgz {tarball.stat().st_size / 1e6:.1f} MB")
        print(f"tar -czf (gzip -6, 1 core):       {tar_wall:6.2f} s  peak RSS {tar_rss:6.1f} MB  "
              f"tgz {(Path(tmp) / 'baseline.tgz').stat().st_size / 1e6:.1f} MB")
        print(f"ratio wall time: {our_wall / tar_wall:.2f} x tar -czf (target <= 0.35)")
        print(f"peak RSS: {our_rss:.1f} MB (target <= 100 MB)")


if __name__ == "__main__":
    main()
