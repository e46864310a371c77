"""Real-dapp benchmark: release size and bundle time of ours against the reference CLI (@blocklet/cli 1.17.12)
in zip and compact modes, on the real test dapps (tests/real_dapps.py, installed by scripts/install-real-dapps.sh),
in one run.

Each run bundles a fresh copy of the installed dapp with `bundle --create-release [--compact]`. Compact mode
records the externals for the server to install, as the reference does; harbor-notes-api (sqlite3) is also
measured with `--ship-externals`, which carries them in the release.
The reference runs with HOME in a temporary folder; its compact mode ends with `bun install` of the externals
(network, minutes), which is replaced by a `bun` that does nothing, so its time is the bundling alone (that
favours the reference). Peak RSS is read from the kernel (wait4 rusage: the largest process of the run,
children such as esbuild or ncc included). Targets (issue 12): size <= 1.2x the reference in each mode,
compact >= 10x faster, zip >= 3x faster, peak RSS <= 150 MB. Prints figures and ratios; asserts nothing.

    .venv/bin/python benchmarks/real_dapps.py [--runs 2] [--only harbor-notes-api]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.real_dapps import ALL, CACHE, INSTALL_SCRIPT, installed_path, scratch_copy  # noqa: E402

OURS = str(Path(sys.executable).parent / "blocklet")
REFERENCE = CACHE / "server" / "node_modules" / ".bin" / "blocklet"
DAPPS = {dapp.name: dapp.blocklet for dapp in ALL}
FAKE_BUN = "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo 1.2.18; fi\nexit 0\n"


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int, str]:
    """Wall seconds, peak RSS (bytes), exit code and the output tail of one command."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        tail = out.read().decode("utf-8", "replace")[-600:]
    return seconds, usage.ru_maxrss * 1024, process.returncode, tail


def release_size(project: Path) -> int:
    tarballs = list((project / ".blocklet" / "release").glob("*.tgz"))
    return tarballs[0].stat().st_size if len(tarballs) == 1 else 0


def copy_project(name: str, into: Path) -> Path:
    source = installed_path(name)
    assert source is not None
    return scratch_copy(name, into, source) / DAPPS[name]


def measure(tool: str, name: str, mode: str, work: Path, env: dict[str, str], extra: list[str]) -> dict:
    project = copy_project(name, work / f"{tool}-{mode}-{time.monotonic_ns()}")
    binary = OURS if tool == "ours" else str(REFERENCE)
    command = [binary, "bundle", "--create-release", *(["--compact"] if mode.startswith("compact") else []), *extra]
    seconds, rss, code, tail = run(command, project, env)
    size = release_size(project)
    shutil.rmtree(project.parents[len(Path(DAPPS[name]).parts)], ignore_errors=True)
    return {"seconds": seconds, "rss": rss, "code": code, "size": size, "tail": tail}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="timed runs per case (the best counts)")
    parser.add_argument("--only", action="append", help="dapp name (repeatable)")
    args = parser.parse_args()
    names = args.only or list(DAPPS)
    missing = [name for name in names if installed_path(name) is None]
    if missing or not REFERENCE.exists():
        print(f"not installed: {missing or REFERENCE} (run {INSTALL_SCRIPT} and "
              "scripts/install-blocklet-server.sh)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-real-dapps-") as tmp:
        work = Path(tmp)
        fake_bin = work / "bin"
        fake_bin.mkdir()
        (fake_bin / "bun").write_text(FAKE_BUN)
        (fake_bin / "bun").chmod(0o755)
        (work / "home").mkdir()
        base = {key: value for key, value in os.environ.items() if key != "NODE_PATH"}
        envs = {"ours": {**base, "CI": "1"},
                "reference": {**base, "HOME": str(work / "home"), "PATH": f"{fake_bin}:{base.get('PATH', '')}",
                              "CI": "1", "NO_UPDATE_NOTIFIER": "1"}}
        # warm-up (file cache, our esbuild fetch): one untimed run of each tool
        for tool in ("ours", "reference"):
            measure(tool, names[0], "compact", work, envs[tool], [])
        cases = [(name, mode) for name in names for mode in ("zip", "compact")]
        if "harbor-notes-api" in names:
            cases.append(("harbor-notes-api", "compact --ship-externals"))
        rows = []
        for name, mode in cases:
            results = {}
            for tool in ("ours", "reference"):
                extra = ["--ship-externals"] if tool == "ours" and "ship" in mode else []
                runs = [measure(tool, name, mode, work, envs[tool], extra) for _ in range(args.runs)]
                failed = [item for item in runs if item["code"] != 0]
                if failed:
                    print(f"{tool} failed on {name} ({mode}): exit {failed[0]['code']}\n{failed[0]['tail']}",
                          file=sys.stderr)
                results[tool] = {"seconds": min(item["seconds"] for item in runs),
                                 "rss": max(item["rss"] for item in runs), "size": runs[-1]["size"],
                                 "ok": not failed}
            rows.append((name, mode, results))
    print(f"{'dapp':18} {'mode':32} {'ours size':>10} {'ref size':>10} {'size x':>7} {'ours s':>7} {'ref s':>7} "
          f"{'faster':>7} {'ours RSS':>9} {'ref RSS':>9}")
    for name, mode, results in rows:
        ours, ref = results["ours"], results["reference"]
        size_ratio = ours["size"] / ref["size"] if ref["size"] and ref["ok"] else float("nan")
        speed = ref["seconds"] / ours["seconds"] if ours["seconds"] and ref["ok"] else float("nan")
        print(f"{name:18} {mode:32} {ours['size'] / 1e6:9.2f}M {ref['size'] / 1e6:9.2f}M {size_ratio:6.2f}x "
              f"{ours['seconds']:7.2f} {ref['seconds']:7.2f} {speed:6.1f}x {ours['rss'] / 1e6:8.0f}M "
              f"{ref['rss'] / 1e6:8.0f}M" + ("" if ours["ok"] and ref["ok"] else "  (a run failed)"))
    print("targets: size <= 1.2x; compact >= 10x faster; zip >= 3x faster; our peak RSS <= 150 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
