"""The console script: Ctrl-C while the tool is still starting (importing) ends quietly with 130.

Kept tiny on purpose: the handler is installed by this module's first statements, before anything but `os`,
`signal` and `sys` (all loaded by the interpreter's own start already) is imported.
"""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED = 130


def _quiet_interrupt(signum: int, frame: object) -> None:
    sys.stderr.write("\n✖ interrupted\n")
    sys.stderr.flush()
    os._exit(INTERRUPTED)  # nothing to clean up yet: no file is open for writing during start-up


def _install() -> None:
    try:  # noqa: SIM105 - contextlib is not imported this early
        signal.signal(signal.SIGINT, _quiet_interrupt)
    except ValueError:  # not the main thread (embedded use)
        pass


_install()


def main() -> None:
    """Run the application (`app.main` takes Ctrl-C over once it can handle a KeyboardInterrupt)."""
    _install()
    import gc

    from blocklet_cli.cli.app import main as run

    try:
        run()
    finally:
        # The process ends here (`run` exits). Frozen objects are left out of the collections the interpreter
        # makes while it shuts down, which would otherwise walk every object of the run (about a tenth of
        # `blocklet validate`). Files, locks and temporary folders are closed by their `with` blocks and
        # atexit handlers, which run as before.
        gc.freeze()


if __name__ == "__main__":
    main()
