"""`make demo`: run the main job end to end in a temporary folder, with the real console script.

It grows with each capability; every step prints the command it runs.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

BLOCKLET = str(Path(sys.executable).parent / "blocklet")


def step(*args: str, cwd: Path) -> str:
    print(f"\n$ blocklet {shlex.join(args)}", flush=True)
    done = subprocess.run([BLOCKLET, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "CI": "1"})
    sys.stdout.write(done.stdout)
    sys.stdout.write(done.stderr)
    if done.returncode != 0:
        sys.exit(f"demo failed at: blocklet {shlex.join(args)} (exit {done.returncode})")
    return done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="blocklet-demo-") as tmp:
        work = Path(tmp)
        print(f"demo folder: {work}")
        step("did", "harbor-lights", "my-blocklet", cwd=work)
    print("\ndemo finished: every step succeeded")


if __name__ == "__main__":
    main()
