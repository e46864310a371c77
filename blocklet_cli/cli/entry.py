"""The console script: Ctrl-C while the tool is still starting (importing) ends quietly with 130.

Kept tiny on purpose: nothing but `sys`, `os` and `signal` is imported before the handler is in place.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

INTERRUPTED = 130


def _quiet_interrupt(signum: int, frame: object) -> None:
    sys.stderr.write("\n✖ interrupted\n")
    sys.stderr.flush()
    os._exit(INTERRUPTED)  # nothing to clean up yet: no file is open for writing during start-up


def main() -> None:
    """Install the start-up handler and run the application (`app.main` takes Ctrl-C over once it can
handle a KeyboardInterrupt)."""
    with contextlib.suppress(ValueError):  # not the main thread (embedded use)
        signal.signal(signal.SIGINT, _quiet_interrupt)
    from blocklet_cli.cli.app import main as run

    run()


if __name__ == "__main__":
    main()
