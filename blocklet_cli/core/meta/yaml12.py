"""Read `blocklet.yml` the way the reference does: js-yaml 4 `load(text, {json: true})` (YAML 1.2 core
schema plus timestamps and merge keys, duplicate keys allowed with the last one winning), keeping the
line and column of every node as a JSON pointer -> (line, column) map (1-based).

Reference: ArcBlock/blocklet-server blocklet/meta/src/parse.ts (reads the file with js-yaml `load`).

PyYAML only composes the node graph (its C parser when available); scalars are resolved here with the
YAML 1.2 core rules js-yaml uses (`yes`/`on` stay strings, `0o17` = 15, `017` = 17, `1:20` a string).
Aliases are expanded while building, with a budget on the number of nodes built, so an alias bomb is
refused instead of eating the memory.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import TYPE_CHECKING, Any

from blocklet_cli.core.errors import FileFormatError

if TYPE_CHECKING:
    import yaml

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 100_000  # nodes built, counting alias expansions
MAX_DEPTH = 500
MAX_INT_DIGITS = 4000  # below Python's int/str conversion limit (4300 digits)

_PLAIN = "tag:blocklet:plain"
_INT_DEC = re.compile(r"^[-+]?[0-9]+$")
_INT_BIN = re.compile(r"^[-+]?0b[01]+$")
_INT_OCT = re.compile(r"^[-+]?0o[0-7]+$")
_INT_HEX = re.compile(r"^[-+]?0x[0-9a-fA-F]+$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9]+)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_TIMESTAMP = re.compile(
    r"^([0-9]{4})-([0-9][0-9]?)-([0-9][0-9]?)(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9]{2}))?))?$"
)
_ARRAY_INDEX = re.compile(r"^(?:0|[1-9][0-9]{0,9})$")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUES = {"true", "True", "TRUE"}
_FALSES = {"false", "False", "FALSE"}


class JsDate(_dt.datetime):
    """A YAML timestamp (a JavaScript Date in the reference): never a string to the schema."""

    def iso(self) -> str:
        return self.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.microsecond // 1000:03d}Z"


def _loader_class() -> type[Any]:
    import yaml

    try:
        from yaml._yaml import CParser  # the C extension yaml.cyaml wraps

        bases: tuple[Any, ...] = (CParser,)
    except ImportError:  # pure-Python PyYAML
        bases = (yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer)

    class Loader12(*bases, yaml.resolver.BaseResolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            if len(bases) == 1:
                bases[0].__init__(self, stream)
            else:
                yaml.reader.Reader.__init__(self, stream)
                yaml.scanner.Scanner.__init__(self)
                yaml.parser.Parser.__init__(self)
                yaml.composer.Composer.__init__(self)
            yaml.resolver.BaseResolver.__init__(self)

    # every plain scalar gets one tag; js-yaml's resolution happens in `_scalar` below
    Loader12.yaml_implicit_resolvers = {}
    Loader12.add_implicit_resolver(_PLAIN, re.compile(r"(?s).*"), None)
    return Loader12


_LOADER: type[Any] | None = None


def _js_number_key(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def js_key(value: Any) -> str:
    """The property name JavaScript gives a non-string YAML key."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _js_number_key(value)
    if isinstance(value, JsDate):
        return value.strftime("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)")
    if isinstance(value, list):
        return ",".join(js_key(v) if v is not None else "" for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def js_key_order(mapping: dict[str, Any]) -> dict[str, Any]:
    """JavaScript objects list integer-like keys first, ascending; then the others in insertion order."""
    if not any(_ARRAY_INDEX.match(k) for k in mapping):
        return mapping
    ints = sorted((k for k in mapping if _ARRAY_INDEX.match(k) and int(k) < 2**32 - 1), key=int)
    rest = [k for k in mapping if k not in set(ints)]
    return {k: mapping[k] for k in [*ints, *rest]}


def _scalar(value: str, tag: str, style: str | None) -> Any:
    if tag != _PLAIN:
        if tag.endswith(":str") or tag == "!" or style is not None:
            if tag.endswith(":int"):
                return _resolve_plain(value, only="int")
            if tag.endswith(":float"):
                return _resolve_plain(value, only="float")
            if tag.endswith(":bool"):
                return _resolve_plain(value, only="bool")
            if tag.endswith(":null"):
                return None
            return value
        only = tag.rsplit(":", 1)[-1]
        return _resolve_plain(value, only=only)
    return _resolve_plain(value)


def _resolve_plain(value: str, only: str | None = None) -> Any:
    if only in (None, "null") and value in _NULLS:
        return None
    if only in (None, "bool"):
        if value in _TRUES:
            return True
        if value in _FALSES:
            return False
    if only in (None, "int") and (value.startswith(("0b", "-0b", "+0b", "0o", "-0o", "+0o", "0x", "-0x", "+0x"))
                                  or _INT_DEC.match(value)):
        sign = -1 if value.startswith("-") else 1
        body = value.lstrip("+-")
        if len(body) > MAX_INT_DIGITS:
            raise ValueError(f"an integer of {len(body)} digits is too large (the limit is {MAX_INT_DIGITS})")
        if _INT_BIN.match(value):
            return sign * int(body[2:], 2)
        if _INT_OCT.match(value):
            return sign * int(body[2:], 8)
        if _INT_HEX.match(value):
            return sign * int(body[2:], 16)
        if _INT_DEC.match(value):
            return sign * int(body, 10)
    if only in (None, "float") and _FLOAT.match(value):
        lowered = value.lower()
        if lowered.endswith(".inf"):
            return -math.inf if value.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if only in (None, "timestamp"):
        stamp = _timestamp(value)
        if stamp is not None:
            return stamp
    if only in (None, "str"):
        return value
    raise ValueError(f"cannot read {value!r} as {only}")


def _timestamp(value: str) -> JsDate | None:
    match = _DATE.match(value)
    if match:
        try:
            return JsDate(int(match[1]), int(match[2]), int(match[3]), tzinfo=_dt.timezone.utc)
        except ValueError:
            return None
    match = _TIMESTAMP.match(value)
    if not match:
        return None
    fraction = (match[7] or "")[:6].ljust(6, "0")
    try:
        stamp = JsDate(int(match[1]), int(match[2]), int(match[3]), int(match[4]), int(match[5]),
                       int(match[6]), int(fraction), tzinfo=_dt.timezone.utc)
    except ValueError:
        return None
    if match[9]:
        offset = _dt.timedelta(hours=int(match[10]), minutes=int(match[11] or 0))
        stamp = stamp - offset if match[9] == "+" else stamp + offset
        stamp = JsDate(stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second,
                       stamp.microsecond, tzinfo=_dt.timezone.utc)
    return stamp


class _Builder:
    """Turns a composed node graph into Python data plus a pointer -> position map."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.positions: dict[str, tuple[int, int]] = {}
        self.count = 0

    def fail(self, node: yaml.Node, message: str) -> FileFormatError:
        mark = node.start_mark
        return FileFormatError(message, location=f"{self.location}:{mark.line + 1}:{mark.column + 1}")

    def build(self, node: yaml.Node, pointer: str, depth: int = 0, record: bool = True) -> Any:
        import yaml

        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"the document is too large once aliases are expanded (over {MAX_NODES} nodes)")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"the document nests deeper than {MAX_DEPTH} levels")
        if record and pointer not in self.positions:
            self.positions[pointer] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            try:
                return _scalar(node.value, node.tag, node.style)
            except ValueError as exc:
                raise self.fail(node, str(exc)) from None
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, f"{pointer}/{i}", depth + 1, record)
                    for i, child in enumerate(node.value)]
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and (
                    key_node.tag.endswith(":merge") or (key_node.value == "<<" and key_node.tag == _PLAIN)):
                self._merge(result, value_node, pointer, depth)
                continue
            key = js_key(self.build(key_node, pointer, depth + 1, record=False))
            child = pointer + "/" + key.replace("~", "~0").replace("/", "~1")
            if record and key in result:  # duplicate key: the last one wins, forget the first one's places
                for stale in [p for p in self.positions if p == child or p.startswith(child + "/")]:
                    del self.positions[stale]
            if record:
                anchor = value_node if isinstance(value_node, yaml.ScalarNode) else key_node
                self.positions[child] = (anchor.start_mark.line + 1, anchor.start_mark.column + 1)
            result[key] = self.build(value_node, child, depth + 1, record)
        return js_key_order(result)

    def _merge(self, result: dict[str, Any], node: yaml.Node, pointer: str, depth: int) -> None:
        import yaml

        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise self.fail(source, "cannot merge mappings; the provided source object is unacceptable")
            merged = self.build(source, pointer, depth + 1, record=False)
            for key, value in merged.items():
                if key not in result:
                    result[key] = value


def check_text(raw: bytes, location: str) -> str:
    """Refuse what is not a text file of sane size; return the decoded text."""
    if len(raw) > MAX_FILE_BYTES:
        raise FileFormatError(f"the file is too large ({len(raw)} bytes; the limit is {MAX_FILE_BYTES})",
                              location=location)
    if b"\x00" in raw:
        raise FileFormatError("the file is binary, not YAML text", location=location)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"the file is not UTF-8 text (byte {exc.start})", location=location) from None
    return text[1:] if text.startswith("\ufeff") else text


def load_yaml(text: str, location: str) -> tuple[Any, dict[str, tuple[int, int]]]:
    """Parse YAML text into (data, positions). Raises FileFormatError with file:line:column."""
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _loader_class()
    loader = _LOADER(text)
    try:
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{location}:{mark.line + 1}:{mark.column + 1}" if mark else location
        problem = exc.problem or exc.context or "invalid YAML"
        raise FileFormatError(f"invalid YAML: {problem}", location=where) from None
    except yaml.YAMLError as exc:
        raise FileFormatError(f"invalid YAML: {exc}".splitlines()[0], location=location) from None
    except RecursionError:
        raise FileFormatError("invalid YAML: the document nests too deeply", location=location) from None
    if node is None:
        return None, {}
    builder = _Builder(location)
    try:
        data = builder.build(node, "")
    except RecursionError:
        raise FileFormatError("invalid YAML: the document nests too deeply", location=location) from None
    return data, builder.positions
