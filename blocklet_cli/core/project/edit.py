"""Round-trip edits of files users own: change one value, keep every other byte.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/version.js (item 7 of
docs/migrating-from-node-cli.md) — the reference `blocklet version` re-serialises the whole
`blocklet.yml` (comments, quoting and key order lost) and never touches `package.json`; we edit in
place instead. YAML values are located with PyYAML compose marks (character offsets), JSON values with
a small scanner; several files are written all-or-nothing (`write_all`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from blocklet_cli.core import safejson
from blocklet_cli.core.errors import BlockletError, FileFormatError, FileSystemError

BOM = "\ufeff"
EDIT_LOCK_WAIT = 30.0  # seconds an edit waits for another edit or a bundle run of the same project

# Plain YAML scalars that a YAML 1.2 (js-yaml) or 1.1 (PyYAML) loader would not read as a string.
_YAML_NON_STRING = re.compile(
    r"""^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+(?:[eE][-+]?[0-9]+)?
        |0o[0-7]+|0x[0-9a-fA-F]+|0b[01]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
        |~|null|Null|NULL|true|True|TRUE|false|False|FALSE
        |y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[0-9:]+(?::[0-9]+)+)$""",
    re.VERBOSE,
)
_YAML_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_DATE_LIKE = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")


def yaml_plain_ok(value: str) -> bool:
    """True when `value` can be written as a plain YAML scalar and read back as the same string."""
    if not value or value != value.strip() or value[0] in _YAML_INDICATORS:
        return False
    if any(ch in value for ch in "\n\r\t") or ": " in value or " #" in value or value.endswith(":"):
        return False
    if _YAML_NON_STRING.match(value) or _DATE_LIKE.match(value):
        return False
    return all(ch.isprintable() for ch in value)


def yaml_scalar(value: str, style: str | None = None) -> str:
    """`value` as a YAML scalar: in `style` (None plain, "'" single, '"' double) when possible, else
    the nearest safe style (plain → single → double quotes)."""
    if style is None and yaml_plain_ok(value):
        return value
    if style != '"' and all(ch.isprintable() for ch in value):
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


def _compose(text: str, name: str):
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FileFormatError(f"invalid YAML: {problem}", location=where) from exc


def _top_level_mapping(text: str, name: str):
    import yaml

    root = _compose(text, name)
    if root is None:
        return None
    if not isinstance(root, yaml.MappingNode):
        raise FileFormatError("the document must be a mapping", location=name)
    return root


def yaml_top_level_value(text: str, key: str, *, name: str = "blocklet.yml") -> tuple[str | None, bool]:
    """The scalar text of the top-level `key` (last occurrence wins, as in js-yaml) and whether it exists."""
    import yaml

    root = _top_level_mapping(text, name)
    found: tuple[str | None, bool] = (None, False)
    for key_node, value_node in root.value if root is not None else []:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found = (value_node.value if isinstance(value_node, yaml.ScalarNode) else None, True)
    return found


def set_yaml_top_level_scalar(text: str, key: str, value: str, *, name: str = "blocklet.yml",
                              after: tuple[str, ...] = ()) -> str:
    """Return `text` with the top-level `key` set to the string `value`, every other byte unchanged.

    An existing scalar keeps its quoting style (a plain one is quoted only if the new value needs it).
    A missing key is added on its own line after the first of `after` that exists (else at the end),
    or right after `{` in a flow-style document.
    """
    import yaml

    root = _top_level_mapping(text, name)
    nl = _newline(text)
    if root is None:
        return text + ("" if not text or text.endswith("\n") else nl) + f"{key}: {yaml_scalar(value)}{nl}"
    entries = [(k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)]
    matches = [v for k, v in entries if k.value == key]
    if matches:
        node = matches[-1]
        if not isinstance(node, yaml.ScalarNode):
            raise FileFormatError(f"`{key}` is not a single value", location=_where(name, node))
        style = node.style if node.style in ("'", '"') else None
        start, end = node.start_mark.index, node.end_mark.index
        prefix_match = re.match(r"(?:[&!]\S*\s+)*", text[start:end])  # keep an anchor or a tag
        prefix = prefix_match.group() if prefix_match else ""
        start += len(prefix)
        new = yaml_scalar(value, style)
        if node.style in ("|", ">"):  # a block scalar ends with its line break: keep one
            new += _newline(text)
        elif start == end and text[start - 1 : start] == ":":  # `version:` with no value
            new = " " + new
        return text[:start] + new + text[end:]
    if root.flow_style:
        brace = root.start_mark.index + 1
        return text[:brace] + f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}, " + text[brace:]
    line = f"{key}: {yaml_scalar(value)}{nl}"
    for anchor in after:
        for key_node, value_node in entries:
            if key_node.value == anchor and isinstance(value_node, yaml.ScalarNode):
                eol = text.find("\n", value_node.end_mark.index)
                if eol < 0:
                    return text + nl + line
                indent = " " * key_node.start_mark.column
                return text[: eol + 1] + indent + line + text[eol + 1 :]
    return text + ("" if text.endswith("\n") else nl) + line


def _newline(text: str) -> str:
    """The line break the file uses (CRLF or LF)."""
    return "\r\n" if "\r\n" in text else "\n"


def _where(name: str, node) -> str:
    return f"{name}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


# -- JSON ---------------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_SKIP = re.compile(r"[ \t\r\n]*")


def _skip_space(text: str, pos: int) -> int:
    """The offset of the first non-whitespace character at or after `pos`."""
    match = _JSON_SKIP.match(text, pos)
    return match.end() if match else pos  # the pattern matches the empty string: always a match


def _json_top_level_members(text: str) -> list[tuple[str, int, int, int]]:
    """Members of a top-level JSON object: (key, key start, value start, value end) offsets."""
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if not text.startswith("{", pos):
        raise ValueError("not an object")
    pos = _skip_space(text, pos + 1)
    members: list[tuple[str, int, int, int]] = []
    if text.startswith("}", pos):
        return members
    while True:
        key_match = _JSON_STRING.match(text, pos)
        if not key_match:
            raise ValueError("expected a key")
        key = json.loads(key_match.group())
        pos = _skip_space(text, key_match.end())
        if not text.startswith(":", pos):
            raise ValueError("expected ':'")
        value_start = _skip_space(text, pos + 1)
        _, value_end = decoder.raw_decode(text, value_start)
        members.append((key, key_match.start(), value_start, value_end))
        pos = _skip_space(text, value_end)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
            continue
        if text.startswith("}", pos):
            return members
        raise ValueError("expected ',' or '}'")


def set_json_top_level_string(text: str, key: str, value: str, *, name: str = "package.json",
                              after: str | None = None) -> str:
    """Return JSON `text` with the top-level `key` set to the string `value`, formatting unchanged.

    A missing key is inserted after the member `after` (else first), with the spacing used between
    the existing members.
    """
    try:
        safejson.loads(text)
        members = _json_top_level_members(text)
    except ValueError as exc:
        raise FileFormatError(f"invalid JSON: {exc}", location=name) from exc
    literal = json.dumps(value, ensure_ascii=False)
    matches = [m for m in members if m[0] == key]
    if matches:
        _, _, start, end = matches[-1]
        return text[:start] + literal + text[end:]
    separator = ": "
    if members:
        key_match = _JSON_STRING.match(text, members[0][1])
        assert key_match is not None  # every member starts with its key string
        key_end = key_match.end()
        separator = text[key_end : members[0][2]]
    if len(members) >= 2:
        gap = text[members[0][3] : members[1][1]]  # e.g. ",\n  "
    elif members:
        gap = "," + text[text.rfind("\n", 0, members[0][1]) : members[0][1]] if "\n" in text[: members[0][1]] else ", "
    else:
        brace = text.index("{")
        return text[: brace + 1] + f"{json.dumps(key)}{separator}{literal}" + text[brace + 1 :]
    anchor = next((m for m in members if m[0] == after), None)
    if anchor is None:
        first = members[0]
        return text[: first[1]] + f"{json.dumps(key)}{separator}{literal}" + gap + text[first[1] :]
    return text[: anchor[3]] + gap + f"{json.dumps(key)}{separator}{literal}" + text[anchor[3] :]


def json_top_level_value(text: str, key: str, *, name: str = "package.json") -> object:
    """The value of a top-level key of a JSON object (None when absent)."""
    try:
        data = safejson.loads(text)
    except ValueError as exc:
        raise FileFormatError(f"invalid JSON: {exc}", location=name) from exc
    if not isinstance(data, dict):
        raise FileFormatError("the document must be an object", location=name)
    return data.get(key)


# -- reading and writing files users own ---------------------------------------------------------

@dataclass
class UserFile:
    """A text file the user owns, read for an in-place edit: `path` as named, `target` with symlinks
    resolved (the file really written), `text` without a byte-order mark (`bom` remembers it)."""

    path: Path
    target: Path
    text: str
    bom: bool = False


def read_user_file(path: str | Path, kind: str = "yaml") -> UserFile:
    """Read `path` with the same checks as `blocklet validate` (size limit, binary, UTF-8, nesting, huge
    integers for YAML; the depth-limited JSON loader for JSON): FileFormatError with a position, never a
    traceback."""
    from blocklet_cli.core.meta.yaml12 import check_text, load_yaml

    path = Path(path)
    target = path.resolve()
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        from blocklet_cli.core.errors import NotFoundError

        raise NotFoundError(f"{path} does not exist") from None
    except OSError as exc:
        raise FileSystemError.from_os_error(exc, "cannot read") from None
    bom = raw.startswith(BOM.encode("utf-8"))
    text = check_text(raw, str(path))  # the byte-order mark removed
    if kind == "yaml":
        load_yaml(text, str(path))
    else:
        try:
            safejson.loads(text)
        except ValueError as exc:
            raise FileFormatError(f"invalid JSON: {exc}", location=str(path)) from None
    return UserFile(path, target, text, bom)


def check_writable(file: UserFile) -> None:
    """Refuse to replace a file its owner made read-only (mode without the owner's write bit, or not
    writable by us): an atomic rename would silently replace it otherwise, even as root."""
    try:
        mode = file.target.stat().st_mode
    except OSError as exc:
        raise FileSystemError.from_os_error(exc) from None
    if not mode & stat.S_IWUSR or not os.access(file.target, os.W_OK):
        raise FileSystemError(f"{file.path} is read-only; nothing was changed",
                              hint=f"make it writable first (chmod u+w {file.path})")


def write_user_files(changes: list[tuple[UserFile, str]]) -> list[Path]:
    """Write new texts of user files all or nothing (`write_all`), through symlinks (the link stays a
    link), keeping each file's byte-order mark and permissions; read-only files are refused before
    anything is written. Returns the paths (as named) whose bytes changed."""
    pending = [(file, text) for file, text in changes if text != file.text]
    for file, _ in pending:
        check_writable(file)
    write_all({file.target: (BOM if file.bom else "") + text for file, text in pending})
    return [file.path for file, _ in pending]


@contextlib.contextmanager
def editing(project_dir: str | Path, action: str) -> Iterator[None]:
    """Hold the project lock (the one `blocklet bundle` takes) around a read-modify-write of its files."""
    from blocklet_cli.core.fsutil import project_lock

    with project_lock(Path(project_dir), action, wait=EDIT_LOCK_WAIT):
        yield


# -- writing --------------------------------------------------------------------------------------

def write_all(changes: dict[Path, str]) -> None:
    """Replace several files with new text, all or nothing.

    Each file is replaced atomically (`fsutil.atomic_write_bytes`); if one write fails, the files
    already replaced get their old bytes back (again atomically) before the error is raised.
    """
    from blocklet_cli.core.fsutil import atomic_write_bytes

    originals = {Path(path): Path(path).read_bytes() if Path(path).exists() else None for path in changes}
    done: list[Path] = []
    try:
        for path, text in changes.items():
            atomic_write_bytes(Path(path), text.encode("utf-8"))
            done.append(Path(path))
    except BaseException:
        for path in reversed(done):
            old = originals[path]
            with contextlib.suppress(OSError, BlockletError):
                if old is None:
                    path.unlink()
                else:
                    atomic_write_bytes(path, old)
        raise
