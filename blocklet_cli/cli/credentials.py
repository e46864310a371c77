"""Secrets from the environment, a file or stdin, never required on the command line.

A secret setting (`accessToken`, `deployAccessSecret`) comes from, highest first: its flag, its file flag
(`--access-token-file PATH`, `-` for stdin), its environment variable, the variable naming a file
(`BLOCKLET_ACCESS_TOKEN_FILE`, which suits GitLab's "File" variables), then the config profile. A file that
others may read or write gets a warning, as ssh gives for keys (it is used anyway). A secret given on the
command line while CI is set gets a warning naming the alternatives (the secret itself is never printed).
"""

from __future__ import annotations

from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from blocklet_cli.core.settings import Resolved


def in_ci(ui) -> bool:
    return ui.env.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def warn_secret_on_argv(ui, flag: str, env_var: str, file_flag: str) -> None:
    """In CI, a secret passed as `flag` shows in process lists and may reach logs: say what to use instead."""
    if in_ci(ui):
        ui.warn(f"{flag} puts a secret on the command line, where other processes and CI logs can see it; "
                f"set ${env_var}, or pass {file_flag} PATH ({file_flag} - reads stdin)")


def read_secret_file(name: str, ui, what: str) -> tuple[str, str]:
    """The stripped content of the file `name` (`-`: stdin) and its source label (`file:<path>`, `stdin`)."""
    import stat

    from blocklet_cli.core.errors import FileFormatError, FileSystemError, NotFoundError, UsageError

    if name == "-":
        if ui.env.stdin_isatty and not in_ci(ui):
            ui.info(f"Reading the {what} from stdin (end with Ctrl-D)")
        value, source = ui.env.stdin.read(), "stdin"
    else:
        path = Path(name).expanduser()
        source = f"file:{path}"
        try:
            mode = path.stat().st_mode
            value = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise NotFoundError(f"the {what} file {path} does not exist") from None
        except UnicodeDecodeError:
            raise FileFormatError(f"the {what} file is not UTF-8 text", location=str(path)) from None
        except OSError as exc:
            raise FileSystemError.from_os_error(exc, f"cannot read the {what} file") from None
        if stat.S_ISREG(mode) and mode & 0o077:
            ui.warn(f"the {what} file {path} is accessible by others (mode {stat.S_IMODE(mode):04o}); "
                    f"restrict it: chmod 600 {path}")
    value = value.strip()
    if not value:
        raise UsageError(f"the {what} from {source} is empty")
    return value, source


def resolve_secret(key: str, flag_value: str | None, file_key: str, file_value: str | None, ui, *,
                   profile: str | None = None, what: str = "secret", flag_names: tuple[str, str] | None = None
                   ) -> Resolved:
    """Setting `key` from its flag, `file_value` (the file flag), its environment variables, the file named by
    setting `file_key`'s environment variables, then (with `profile`) the config profile."""
    from blocklet_cli.core.errors import UsageError
    from blocklet_cli.core.settings import BY_NAME, Resolved, resolve

    setting, file_setting = BY_NAME[key], BY_NAME[file_key]
    flag, file_flag = flag_names or (setting.flag or key, file_setting.flag or file_key)
    given = flag_value is not None and flag_value.strip() != ""
    if given and file_value:
        raise UsageError(f"pass {flag} or {file_flag}, not both")
    if given:
        warn_secret_on_argv(ui, flag, setting.env_vars[0], file_flag)
        found = resolve(key, flag_value)
    elif file_value:
        value, source = read_secret_file(file_value, ui, what)
        found = Resolved(key, value, source, True)
    else:
        found = resolve(key, None, use_default=False)
        if found.source is None:
            named = resolve(file_key, None, use_default=False)
            if named.source is not None:
                value, source = read_secret_file(str(named.value), ui, what)
                found = Resolved(key, value, f"{source} ({named.source})", True)
            elif profile is not None:
                from blocklet_cli.core.config import profiles as config

                found = config.resolve(key, profile)
    ui.verbose(found.describe())
    return found
