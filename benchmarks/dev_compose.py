"""Composed `blocklet dev` start-up: a gateway app of 5 components (3 static, 2 Node dapps) from a file store, warm
tarball cache, timed from the command's start to every component answering through the gateway.

Builds the projects and the store in a temporary folder (`blocklet init` + `publish --store`), runs `blocklet dev
--json` once to warm the caches, then --runs timed starts (each stopped with SIGINT). Target (issue "dev compose"):
serving in <= 2 s from a warm cache. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/dev_compose.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BLOCKLET = str(Path(sys.executable).parent / "blocklet")
DAPP = """require('http').createServer((req, res) => res.end('ok'))
  .listen(Number(process.env.BLOCKLET_PORT), '127.0.0.1');
"""


def step(*args: str, cwd: Path) -> None:
    done = subprocess.run([BLOCKLET, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, "CI": "1"})
    if done.returncode:
        raise SystemExit(f"blocklet {' '.join(args)} failed: {done.stderr}")


def build(root: Path) -> Path:
    store = root / "store"
    names = [("lamp-a", "static"), ("lamp-b", "static"), ("lamp-c", "static"), ("motor-a", "dapp"), ("motor-b", "dapp")]
    for name, group in names:
        step("init", name, "--group", group, "--yes", cwd=root)
        if group == "dapp":
            (root / name / "index.js").write_text(DAPP)
        step("publish", "--store", str(store), cwd=root / name)
    step("init", "harbor", "--group", "gateway", "--yes", cwd=root)
    for name, _ in names:
        step("add", name, "--store", str(store), "--mount-point", f"/{name}", cwd=root / "harbor")
    return root / "harbor"


def start_once(app: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen([BLOCKLET, "dev", "--json"], cwd=app, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env={**os.environ, "CI": "1"})
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.rstrip() == "}":
            break
    doc = json.loads("".join(lines))
    for component in doc["components"]:
        with urllib.request.urlopen(f"{doc['gateway']['url']}{component['mountPoint']}/", timeout=10) as response:
            response.read()
    elapsed = time.perf_counter() - started
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = build(Path(tmp))
        cold = start_once(app)
        warm = [start_once(app) for _ in range(args.runs)]
    print(f"5 components: first start {cold:.2f} s; warm cache median {statistics.median(warm):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in warm)}; target <= 2 s)")


if __name__ == "__main__":
    main()
