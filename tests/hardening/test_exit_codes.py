"""File system failures get the FILESYSTEM code (not "internal error"), `--debug` adds a traceback only to
unexpected errors, and Ctrl-C while the tool starts prints no traceback."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time

import pytest

from blocklet_cli.cli.errors import ExitStatus, as_blocklet_error, exit_status_for
from blocklet_cli.core.errors import FileSystemError, NotFoundError
from tests.conftest import BLOCKLET


@pytest.mark.parametrize("number", [errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EIO])
def test_os_errors_map_to_the_filesystem_code(number):
    error = OSError(number, os.strerror(number), "/some/file")
    assert exit_status_for(error) is ExitStatus.FILESYSTEM
    converted = as_blocklet_error(error)
    assert isinstance(converted, FileSystemError)
    assert str(converted) == f"cannot access /some/file: {os.strerror(number)}"


def test_a_missing_file_is_not_found():
    assert isinstance(as_blocklet_error(FileNotFoundError(errno.ENOENT, "No such file", "x")), NotFoundError)
    assert exit_status_for(FileNotFoundError(errno.ENOENT, "No such file", "x")) is ExitStatus.NOT_FOUND


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [("did", "abc"), ("did", "abc", "--json"), ("--debug", "did", "abc")])
def test_disk_full_on_stdout_is_one_line_and_the_filesystem_code(args, tmp_path):
    env = {**os.environ, "CI": "1", "NO_COLOR": "1"}
    with open("/dev/full", "w") as full:
        result = subprocess.run([str(BLOCKLET), *args], stdout=full, stderr=subprocess.PIPE, text=True, env=env,
                                stdin=subprocess.DEVNULL, timeout=60, cwd=tmp_path)
    assert result.returncode == ExitStatus.FILESYSTEM, result.stderr
    assert result.stderr.count("✖") == 1 and "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


def test_debug_shows_no_traceback_for_an_expected_error(run_blocklet, tmp_path):
    result = run_blocklet("--debug", "validate", str(tmp_path / "missing"))
    assert result.returncode == ExitStatus.NOT_FOUND
    assert "Traceback" not in result.stderr and result.stderr.count("✖") == 1


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.1, 0.2, 0.4])
def test_ctrl_c_during_start_up_prints_no_traceback(delay, tmp_path):
    env = {**os.environ, "CI": "1", "NO_COLOR": "1"}
    proc = subprocess.Popen([str(BLOCKLET), "validate", str(tmp_path)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    # The interrupt may land before our code runs (the interpreter's start, the launcher pip wrote, which
    # imports `re` first): that is outside the package. From the first line of ours on, no traceback.
    assert "blocklet_cli" not in stderr, stderr
    if "Traceback" not in stderr:
        assert proc.returncode in (ExitStatus.INTERRUPTED, -signal.SIGINT, ExitStatus.NOT_FOUND), stderr
