"""The one place where failures become exit codes and messages.

Every error class of `blocklet_cli.core.errors` maps to exactly one `ExitStatus` (the nearest class
in its MRO wins). The table is documented in the README ("Exit codes").
"""

from __future__ import annotations

from enum import IntEnum

from blocklet_cli.core import errors as core_errors


class ExitStatus(IntEnum):
    """Exit codes of `blocklet` (stable; documented in the README)."""

    OK = 0
    INTERNAL = 1  # a bug: an unexpected exception (traceback only with --debug)
    USAGE = 2  # bad arguments or options, or a value that must be given as a flag/env in CI
    INVALID = 3  # metadata is invalid (validate or check found problems, or a command refused invalid meta)
    NOT_FOUND = 4  # a file, folder, key, component or remote object does not exist
    BAD_INPUT = 5  # a file cannot be read as what it should be (broken YAML/JSON, binary, too big)
    BUNDLE = 6  # the project cannot be bundled (assets, unsafe paths)
    COMPONENT = 7  # a component cannot be resolved or the component tree breaks a rule
    NETWORK = 8  # a remote could not be reached or timed out
    REMOTE = 9  # a remote answered with an error or with something invalid
    AUTH = 10  # credentials missing, malformed or refused
    CONFLICT = 11  # would overwrite or duplicate something (use --force), or a lock is held
    EXTERNAL = 12  # a program we ran (git, a hook) failed
    FILESYSTEM = 13  # the file system refused: permission denied, read-only, disk full, a file changed meanwhile
    EXISTS = 14  # publish: the version is already on the store (--skip-existing skips it)
    INTERRUPTED = 130  # Ctrl-C / SIGINT


EXIT_CODES: dict[type[BaseException], ExitStatus] = {
    core_errors.UsageError: ExitStatus.USAGE,
    core_errors.MetaError: ExitStatus.INVALID,
    core_errors.CheckError: ExitStatus.INVALID,
    core_errors.NotFoundError: ExitStatus.NOT_FOUND,
    core_errors.FileFormatError: ExitStatus.BAD_INPUT,
    core_errors.BundleError: ExitStatus.BUNDLE,
    core_errors.ComponentError: ExitStatus.COMPONENT,
    core_errors.NetworkError: ExitStatus.NETWORK,
    core_errors.AuthError: ExitStatus.AUTH,
    core_errors.RemoteError: ExitStatus.REMOTE,
    core_errors.AlreadyPublishedError: ExitStatus.EXISTS,
    core_errors.ConflictError: ExitStatus.CONFLICT,
    core_errors.ExternalToolError: ExitStatus.EXTERNAL,
    core_errors.FileSystemError: ExitStatus.FILESYSTEM,
    core_errors.BlockletError: ExitStatus.INTERNAL,
}


def as_blocklet_error(error: OSError) -> core_errors.BlockletError:
    """An OSError that escaped the core, as the error the user sees: a missing file is NOT_FOUND, every
    other refusal of the file system (EACCES, EROFS, ENOSPC, EDQUOT, EIO, ...) is FILESYSTEM."""
    import errno

    converted = core_errors.FileSystemError.from_os_error(error)
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return core_errors.NotFoundError(converted.message)
    return converted


def exit_status_for(error: BaseException) -> ExitStatus:
    """The exit status of an exception: the entry of the nearest class in its MRO (an OSError that
    escaped the core is a file system failure, not a bug)."""
    if isinstance(error, OSError) and not isinstance(error, core_errors.BlockletError):
        return exit_status_for(as_blocklet_error(error))
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return ExitStatus.INTERNAL


def error_lines(error: core_errors.BlockletError) -> list[str]:
    """Human lines for an error: the message first, then issues and a hint."""
    lines = [str(error)]
    if isinstance(error, core_errors.MetaError):
        for issue in error.issues:
            where = error.path or ""
            if issue.line is not None:
                where = f"{where}:{issue.line}:{issue.column or 1}"
            lines.append(f"  {where}: {issue.pointer or '/'}: {issue.message}".replace("  : ", "  "))
    if isinstance(error, core_errors.CheckError):  # `blocklet check`'s findings, as `check` prints them
        for finding in (f for f in error.findings if f.get("severity") == "error"):
            where = finding.get("file") or ""
            if where and finding.get("line"):
                where = f"{where}:{finding['line']}:{finding.get('column') or 1}"
            lines.append(f"  {where + ': ' if where else ''}{finding['severity']}: [{finding['code']}] "
                         f"{finding['message']}")
            if finding.get("fix"):
                lines.append(f"    fix: {finding['fix']}")
    if error.hint:
        lines.append(f"hint: {error.hint}")
    return lines
