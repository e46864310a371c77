"""`make demo`: the main job end to end in a temporary folder, with the real console script and no
server or account: create two blocklets, publish one to a static file store, add it to the other as a
component, bundle the other with a release, and validate the result.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

BLOCKLET = str(Path(sys.executable).parent / "blocklet")


ENV = {**os.environ, "CI": "1"}


def step(*args: str, cwd: Path) -> str:
    """Run one command, show it and what it printed; stop the demo if it fails."""
    print(f"\n$ blocklet {shlex.join(args)}", flush=True)
    done = subprocess.run([BLOCKLET, *args], cwd=cwd, capture_output=True, text=True, env=ENV)
    sys.stdout.write(done.stderr)
    if "--json" not in args:
        sys.stdout.write(done.stdout)
    if done.returncode != 0:
        sys.stdout.write(done.stdout)
        sys.exit(f"demo failed at: blocklet {shlex.join(args)} (exit {done.returncode})")
    return done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="blocklet-demo-") as tmp:
        work = Path(tmp)
        print(f"demo folder: {work}")
        # Keep the user's own configuration, keys and caches out of it.
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"),
                         ("ABT_NODE_CUSTOM_DATA_DIR", "arcblock")):
            ENV[var] = str(work / sub)
        store = work / "store"
        step("init", "lighthouse", "--group", "static", "--title", "Lighthouse",
             "--description", "A static page served as a component", "--yes", cwd=work)
        step("init", "harbor", "--group", "gateway", "--title", "Harbor",
             "--description", "An app made of components", "--yes", cwd=work)
        step("validate", "lighthouse", "harbor", cwd=work)
        step("did", "lighthouse", "harbor", cwd=work)
        published = json.loads(step("publish", "--store", str(store), "--json", cwd=work / "lighthouse"))
        print(f"published: {published['name']} {published['version']} -> {published['result']['metaUrl']}")
        step("add", "lighthouse", "--store", str(store), "--mount-point", "/lighthouse", cwd=work / "harbor")
        bundled = json.loads(step("bundle", "--create-release", "--json", cwd=work / "harbor"))
        print(f"release: {json.dumps(bundled.get('release', bundled), indent=2)[:600]}")
        step("validate", str(work / "harbor" / ".blocklet" / "bundle"), cwd=work)
        step("meta", "harbor", cwd=work)
    print("\ndemo finished: every step succeeded")


if __name__ == "__main__":
    main()
