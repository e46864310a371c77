"""One exception hierarchy for the whole library.

The core raises these and nothing else on purpose (bad input, network, remote answers); the CLI
maps each class to one exit code and one message in one place (`blocklet_cli.cli.errors`).
Messages are one line, plain words, and never contain secrets. `location` is "file:line:column"
(or "file") when known.
"""

from __future__ import annotations

from dataclasses import dataclass


class BlockletError(Exception):
    """Base class: a failure the user can act on."""

    def __init__(self, message: str, *, hint: str | None = None, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

    def to_dict(self) -> dict:
        data = {"type": type(self).__name__, "message": self.message}
        if self.location:
            data["location"] = self.location
        if self.hint:
            data["hint"] = self.hint
        return data


class UsageError(BlockletError):
    """An argument or option value is wrong."""


class InputRequiredError(UsageError):
    """A value is missing and we may not prompt for it (CI, no TTY, --no-input)."""


class NotFoundError(BlockletError):
    """A file, folder, metadata file, component, profile key or remote object does not exist."""


class FileFormatError(BlockletError):
    """A file cannot be read as what it should be (broken YAML/JSON, binary, too large, alias bomb)."""


@dataclass
class MetaIssue:
    """One metadata problem: where (JSON pointer and file position) and what."""

    pointer: str
    message: str
    line: int | None = None
    column: int | None = None
    rule: str | None = None

    def to_dict(self) -> dict:
        return {"pointer": self.pointer, "message": self.message, "line": self.line, "column": self.column}


class MetaError(BlockletError):
    """Metadata is invalid; `issues` lists every problem found."""

    def __init__(self, message: str, *, issues: list[MetaIssue] | None = None, path: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint, location=path)
        self.issues: list[MetaIssue] = issues or []
        self.path = path

    def to_dict(self) -> dict:
        data = super().to_dict()
        data["issues"] = [issue.to_dict() for issue in self.issues]
        return data


class CheckError(BlockletError):
    """`blocklet check` found problems the store or the server would refuse (`bundle` and `publish` stop
    on them); `findings` are the `Finding.to_dict()`s of the report."""

    def __init__(self, message: str, *, findings: list[dict] | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.findings: list[dict] = findings or []

    def to_dict(self) -> dict:
        return {**super().to_dict(), "findings": self.findings}


class BundleError(BlockletError):
    """The project cannot be bundled (assets, file selection, unsafe paths)."""


class UnsafePathError(BundleError):
    """A path leads outside its root (symlink, `..`, absolute path in an archive)."""


class ComponentError(BlockletError):
    """A component cannot be resolved or its tree breaks a rule (cycle, gateway, mount point)."""


class NetworkError(BlockletError):
    """A remote could not be reached or did not answer in time."""


class RemoteError(BlockletError):
    """A remote answered, but with an error or with something that is not what it should be."""

    def __init__(self, message: str, *, status: int | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.status = status


class AuthError(RemoteError):
    """Credentials are missing, malformed or refused."""


class ConflictError(BlockletError):
    """The action would overwrite or duplicate something (existing file, same version, lock held)."""


class AlreadyPublishedError(ConflictError):
    """The release's version is already on the store (`publish --skip-existing` skips it instead)."""

    def __init__(self, message: str, *, store: str, did: str, version: str, url: str, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.store, self.did, self.version, self.url = store, did, version, url

    def to_dict(self) -> dict:
        return {**super().to_dict(), "store": self.store, "did": self.did, "version": self.version, "url": self.url}


class FileSystemError(BlockletError):
    """The file system refused (permission denied, read-only, disk full) or a file changed under us."""

    def __init__(self, message: str, *, errno: int | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.errno = errno

    @classmethod
    def from_os_error(cls, exc: OSError, action: str = "cannot access") -> FileSystemError:
        """One line for an OSError: `<action> <file>: <reason>` (no Python repr, no traceback)."""
        reason = exc.strerror or str(exc) or type(exc).__name__
        if not exc.filename:
            return cls(f"the file system refused: {reason}", errno=exc.errno)
        return cls(f"{action} {exc.filename}: {reason}", errno=exc.errno)


class ExternalToolError(BlockletError):
    """A program we run (git, a hook script) failed."""
