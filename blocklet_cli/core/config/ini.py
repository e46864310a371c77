"""INI files exactly as npm `ini` v2 reads and writes them (the reference's config files).

Reference: ArcBlock/blocklet-server core/cli/lib/util/blocklet/config.js (the reference reads and writes its files with
npm `ini`) and npm `ini` 2.0.0 lib/ini.js. `decode` and `encode` follow it (`ini.parse` / `ini.stringify`):
top-level `key=value` lines are the default section; `[name]` sections are nested objects; a `.` in
a section name makes nested sections (escaped as `\\.` on write); values are JSON-quoted on write
when they contain `=`, CR/LF, start with `[`, are quoted, or have surrounding spaces, and `;`/`#` are
backslash-escaped otherwise; on read `true`/`false`/`null` become literals, a key without `=` is
`true`, and `key[]` lines build lists. Python's configparser differs on every one of these points.
"""

from __future__ import annotations

import json
import re
from typing import Any

IniValue = Any  # str | bool | None | list | dict (a section)

_LINE = re.compile(r"^\[([^\]]*)\]$|^([^=]+)(=(.*))?$")
_COMMENT = re.compile(r"^\s*[;#]")


def decode(text: str) -> dict[str, IniValue]:
    """Parse INI text like `ini.parse` (npm `ini` v2)."""
    out: dict[str, IniValue] = {}
    current = out
    for line in re.split(r"[\r\n]+", text):
        if not line or _COMMENT.match(line):
            continue
        match = _LINE.match(line)
        if not match:
            continue
        if match.group(1) is not None:
            section = _unsafe(match.group(1))
            if section == "__proto__":
                current = {}
                continue
            existing = out.get(section)
            if not isinstance(existing, dict):
                existing = {}
                out[section] = existing
            current = existing
            continue
        raw_key = _unsafe(match.group(2))
        is_list = len(raw_key) > 2 and raw_key.endswith("[]")
        key = raw_key[:-2] if is_list else raw_key
        if key == "__proto__":
            continue
        raw_value = _unsafe(match.group(4)) if match.group(3) else True
        value = json.loads(raw_value) if raw_value in ("true", "false", "null") else raw_value
        if is_list:
            if key not in current:
                current[key] = []
            elif not isinstance(current[key], list):
                current[key] = [current[key]]
        if isinstance(current.get(key), list):
            current[key].append(value)
        else:
            current[key] = value
    _nest_dotted_sections(out)
    return out


def encode(data: dict[str, IniValue], section: str | None = None) -> str:
    """Serialise like `ini.stringify` (npm `ini` v2, `\\n` line ends, no whitespace around `=`)."""
    out = ""
    children = []
    for key, value in data.items():
        if isinstance(value, list):
            for item in value:
                out += f"{_safe(key + '[]')}={_safe(item)}\n"
        elif isinstance(value, dict):
            children.append(key)
        else:
            out += f"{_safe(key)}={_safe(value)}\n"
    if section and out:
        out = f"[{_safe(section)}]\n{out}"
    for key in children:
        name = "\\.".join(_dot_split(key))
        child = encode(data[key], f"{section}.{name}" if section else name)
        if out and child:
            out += "\n"
        out += child
    return out


def _nest_dotted_sections(out: dict[str, IniValue]) -> None:
    """`{"a.b": {...}}` becomes `{"a": {"b": {...}}}` (and `a\\.b` stays one name `a.b`)."""
    remove = []
    for key in list(out):
        if not isinstance(out[key], dict):
            continue
        parts = _dot_split(key)
        last = parts.pop()
        plain = last.replace("\\.", ".")
        parent = out
        for part in parts:
            if part == "__proto__":
                continue
            if not isinstance(parent.get(part), dict):
                parent[part] = {}
            parent = parent[part]
        if parent is out and plain == last:
            continue
        parent[plain] = out[key]
        remove.append(key)
    for key in remove:
        out.pop(key, None)


def _dot_split(text: str) -> list[str]:
    marked = text.replace("\\.", "\u0001")
    return [part.replace("\u0001", "\\.") for part in marked.split(".")]


def _is_quoted(text: str) -> bool:
    return (text[:1] == '"' and text[-1:] == '"') or (text[:1] == "'" and text[-1:] == "'")


def _js_trim(text: str) -> str:
    from blocklet_cli.core.jsstr import js_trim

    return js_trim(text)


def _safe(value: IniValue) -> str:
    if (not isinstance(value, str) or re.search(r"[=\r\n]", value) or value.startswith("[")
            or (len(value) > 1 and _is_quoted(value)) or value != _js_trim(value)):
        return _js_json(value)
    return value.replace(";", "\\;").replace("#", "\\#")


def _js_json(value: IniValue) -> str:
    """`JSON.stringify` of a scalar (strings keep non-ASCII characters raw)."""
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _unsafe(value: str | None) -> str:
    text = _js_trim(value or "")
    if _is_quoted(text):
        if text[0] == "'":
            text = text[1:-1]
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        return parsed if isinstance(parsed, str) else text
    escaped = False
    result = []
    for char in text:
        if escaped:
            result.append(char if char in "\\;#" else "\\" + char)
            escaped = False
        elif char in ";#":
            break
        elif char == "\\":
            escaped = True
        else:
            result.append(char)
    if escaped:
        result.append("\\")
    return _js_trim("".join(result))
