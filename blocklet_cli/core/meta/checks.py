"""Value checks the schema uses that are not plain types: DIDs, semver (semver 6), URIs (Joi `uri`),
emails, ISO dates, IP addresses, cjk-length, navigation ids and links, mount points, docker commands
and volumes.

Reference: ArcBlock/blocklet-server blocklet/meta/src/schema.ts (field rules, navigation validators),
npm `@abtnode/docker-utils` (docker command and volume validators) and Joi 17's message shapes.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from blocklet_cli.core.identity import did as did_core


class LazyRegex:
    """A regular expression compiled on first use (keeps `blocklet` start-up fast)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return getattr(self._compiled, name)

# -- semver 6 ----------------------------------------------------------------------------------------
_NUM = r"(?:0|[1-9]\d*)"
_PRE_ID = r"(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)"
_BUILD = r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)"
_PRE = rf"(?:-{_PRE_ID}(?:\.{_PRE_ID})*)"
SEMVER = LazyRegex(rf"^v?{_NUM}\.{_NUM}\.{_NUM}{_PRE}?{_BUILD}?$")
_XR = r"(?:0|[1-9]\d*|x|X|\*)"
_PARTIAL = rf"v?{_XR}(?:\.{_XR}(?:\.{_XR}(?:{_PRE}|-?{_PRE_ID}(?:\.{_PRE_ID})*)?{_BUILD}?)?)?"
_PARTIAL_SIMPLE = rf"v?{_XR}(?:\.{_XR}(?:\.{_XR}{_PRE}?{_BUILD}?)?)?"
_COMPARATOR = LazyRegex(rf"^(?:~>?|\^|[<>]?=?)\s*{_PARTIAL_SIMPLE}$")
_HYPHEN = LazyRegex(rf"^\s*({_PARTIAL_SIMPLE})\s+-\s+({_PARTIAL_SIMPLE})\s*$")


def is_semver(value: str) -> bool:
    return len(value) <= 256 and bool(SEMVER.match(value))


def semver_tuple(value: str) -> tuple[int, int, int]:
    core = value.lstrip("v").split("-")[0].split("+")[0]
    major, minor, patch = (int(x) for x in core.split("."))
    return major, minor, patch


def is_semver_range(value: str) -> bool:
    """semver 6 `validRange` (not loose)."""
    for part in re.split(r"\s*\|\|\s*", value.strip()):
        if _HYPHEN.match(part):
            continue
        part = re.sub(r"(~>?|\^|[<>]=?|=)\s+", r"\1", part.strip())
        for comparator in part.split():
            if not _COMPARATOR.match(comparator):
                return False
    return True


# -- URIs, emails, dates, IPs ---------------------------------------------------------------------------
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@%])"
_HOST = r"(?:\[[0-9A-Fa-f:.vV]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)"
_USER = r"(?:(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*@)?"
_AUTHORITY = rf"{_USER}{_HOST}(?::\d*)?"
URI = LazyRegex(
    rf"^([A-Za-z][A-Za-z0-9+.\-]*):(?://{_AUTHORITY}(?:/{_PCHAR}*)*|///{_PCHAR}*(?:/{_PCHAR}*)*|/(?:{_PCHAR}+(?:/{_PCHAR}*)*)?|{_PCHAR}+(?:/{_PCHAR}*)*)"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?$"
)
_ATOM = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]|[^\x00-\x7f])+"
_LABEL = r"(?:[A-Za-z0-9]|[^\x00-\x7f])(?:(?:[A-Za-z0-9\-]|[^\x00-\x7f]){0,61}(?:[A-Za-z0-9]|[^\x00-\x7f]))?"
_EMAIL = LazyRegex(rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+{_LABEL}$")
_ISO = LazyRegex(
    r"^(?:[-+]\d{2})?(?:\d{4}(?!\d{2}\b))(?:(-?)(?:(?:0[1-9]|1[0-2])(?:\1(?:[12]\d|0[1-9]|3[01]))?"
    r"|W(?:[0-4]\d|5[0-2])(?:-?[1-7])?|(?:00[1-9]|0[1-9]\d|[12]\d{2}|3(?:[0-5]\d|6[1-6])))"
    r"(?![T]$|[T][\d]+Z$)(?:[T\s](?:(?:(?:[01]\d|2[0-3])(?:(:?)[0-5]\d)?|24\:?00)(?:[.,]\d+(?!:))?)"
    r"(?:\2[0-5]\d(?:[.,]\d+)?)?(?:[Z]|(?:[+-])(?:[01]\d|2[0-3])(?::?[0-5]\d)?)?)?)?$"
)


def is_uri(value: str, schemes: tuple[str, ...] | None = None) -> bool:
    match = URI.match(value)
    if not match:
        return False
    return schemes is None or match[1].lower() in schemes


def is_email(value: str) -> bool:
    return len(value) <= 254 and bool(_EMAIL.match(value)) and len(value.split("@")[0]) <= 64 \
        and not value.rsplit(".", 1)[-1].isdigit()


_V8_ISO = LazyRegex(
    r"^([+-]\d{6}|\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def iso_date(value: str) -> str | None:
    """Joi `isoDate()`: the value as `new Date(value).toISOString()`, or None when it is not an ISO date
    (Joi's pattern, then what V8's Date parser makes of it: days overflow into the next month)."""
    if not _ISO.match(value):
        return None
    match = _V8_ISO.match(value)
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    hour, minute, second = int(match[4] or 0), int(match[5] or 0), int(match[6] or 0)
    millis = int((match[7] or "0")[:3].ljust(3, "0"))
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute <= 59 and second <= 59):
        return None
    if hour == 24 and (minute or second or millis):
        return None
    try:
        stamp = _dt.datetime(year, month, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(
            days=day - 1, hours=hour, minutes=minute, seconds=second, milliseconds=millis)
    except (ValueError, OverflowError):
        return None
    zone = match[8]
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        stamp -= sign * _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    # a local time without offset is read in the process time zone by Node; we read it as UTC (CI runs in UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def is_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_network(value, strict=False) if "/" in value else ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_did(value: str) -> bool:
    return did_core.is_valid(value)


# -- cjk-length ------------------------------------------------------------------------------------------
_CJK = [(0x1100, 0x11F9), (0x3000, 0x303F), (0x3041, 0x3094), (0x3099, 0x309E), (0x30A1, 0x30FE),
        (0x3131, 0x318E), (0x3190, 0x319F), (0x3200, 0x321C), (0x3220, 0x3243), (0x3260, 0x32B0),
        (0x32C0, 0x3376), (0x337B, 0x33DD), (0x33E0, 0x33FE), (0x4E00, 0x9FA5), (0xAC00, 0xD7A3),
        (0xE000, 0xE757), (0xF900, 0xFA2D), (0xFE30, 0xFE44), (0xFE49, 0xFE52), (0xFE54, 0xFE6B),
        (0xFF01, 0xFF5E), (0xFFE0, 0xFFE6)]


def cjk_length(text: str) -> int:
    total = 0
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF or any(lo <= code <= hi for lo, hi in _CJK):
            total += 2
        else:
            total += 1
    return total


# -- navigation id / link, mount point -------------------------------------------------------------------
_JS_RESERVED = {
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else",
    "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof",
    "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void",
    "while", "with",
}


def _is_identifier(text: str) -> bool:
    text = text.strip()
    if not text or text in _JS_RESERVED:
        return False
    if not (text[0].isidentifier() or text[0] == "$"):
        return False
    return all(ch.isidentifier() or ch.isdigit() or ch in "$\u200c\u200d" or ("_" + ch).isidentifier()
               for ch in text[1:])


def is_var_name(value: str) -> bool:
    """is-var-name: `new Function(value, 'var ' + value)` compiles (identifiers; `a,b` and `x = 1` too)."""
    if _is_identifier(value) and value.strip() == value:
        return True
    if "," in value:
        return all(_is_identifier(part) for part in value.split(","))
    if "=" in value and "==" not in value:
        target, _, rest = value.partition("=")
        operand = r"\s*(?:[\w$]+|'[^']*'|\"[^\"]*\")\s*"
        if not _is_identifier(target) or not re.match(rf"^{operand}(?:={operand})*$", rest):
            return False
        parts = [p.strip() for p in rest.split("=")]
        literals = {"true", "false", "null", "this"}
        return all(_is_identifier(p) for p in parts[:-1]) and parts[-1] not in _JS_RESERVED - literals
    return False


def check_link(value: str) -> bool:
    absolute = bool(re.match(r"^[a-zA-Z][a-zA-Z\d+\-.]*?:", value)) and not re.match(r"^[a-zA-Z]:\\", value)
    return absolute or bool(re.match(r"^/(?:[^/]+/)*$", value) or re.match(r"^/(?:[^/]+/)*[^/]+$", value))


def is_valid_url_path(value: str) -> bool:
    return not re.search(r"[^\x20-\x7F]", value) and bool(re.match(r"^[a-z0-9/\-._]*$", value, re.I)) \
        and "//" not in value


# -- docker ---------------------------------------------------------------------------------------------
_DANGEROUS = [" -- ", "~", "&", "|", ">", "<", "{", "}", "[", "]", ";", "$", "!", "*", "%", ","]
_STRICT_COMMAND = LazyRegex(r"^(?:(?:[a-zA-Z0-9\-_./:=\s]+)|(?:@{1,2}[a-zA-Z_][a-zA-Z0-9_]*))+$")


def docker_command_ok(command: str) -> bool:
    if command == "":
        return True
    if re.search(r"(\n|\\n|\\\n|\t|\\t|\\\t)", command):
        return False
    lowered = command.lower()
    if "rm " in lowered or "sudo " in lowered:
        return False
    if any(item in command for item in _DANGEROUS):
        return False
    return bool(_STRICT_COMMAND.match(command))


def docker_volume_problem(volume: str) -> str | None:
    host = volume.split(":")[0]
    if not host:
        return "Volume must start with key:value"
    if host.startswith(("/", "./", "../", "~", "$BLOCKLET")) and not volume.startswith(
            ("$BLOCKLET_APP_DIR/", "$BLOCKLET_DATA_DIR/")):
        return "Volume must start with $BLOCKLET_APP_DIR or $BLOCKLET_DATA_DIR"
    if ".." in volume:
        return 'Volume cannot contain ".."'
    return None


# -- is-glob 4 (strict) -----------------------------------------------------------------------------------
_PAIRS = {"{": "}", "(": ")", "[": "]"}


def _is_extglob(text: str) -> bool:
    while text:
        match = re.search(r"(\\).|([@?!+*]\(.*\))", text)
        if not match:
            return False
        if match[2]:
            return True
        text = text[match.end():]
    return False


def _find(text: str, char: str, start: int) -> int:
    return text.find(char, start)


GLOB_CHARS = frozenset("*?[]{}!")


def is_glob(text: str, *, any_glob_char: bool = False) -> bool:
    """is-glob 4 with its default strict check (what the validator's `files` rule skips).

    With `any_glob_char`, any of `*?[]{}!` anywhere makes a pattern (what the bundler expands)."""
    if any_glob_char:
        return any(char in GLOB_CHARS for char in text)
    if not text:
        return False
    if _is_extglob(text) or text[0] == "!":
        return True

    def at(i: int) -> str:
        return text[i] if 0 <= i < len(text) else ""

    index, pipe, close_square, close_curly, close_paren, backslash = 0, -2, -2, -2, -2, -2
    while index < len(text):
        if at(index) == "*":
            return True
        if at(index + 1) == "?" and at(index) in "].+)" and at(index):
            return True
        if close_square != -1 and at(index) == "[" and at(index + 1) != "]":
            if close_square < index:
                close_square = _find(text, "]", index)
            if close_square > index:
                if backslash == -1 or backslash > close_square:
                    return True
                backslash = _find(text, "\\", index)
                if backslash == -1 or backslash > close_square:
                    return True
        if close_curly != -1 and at(index) == "{" and at(index + 1) != "}":
            close_curly = _find(text, "}", index)
            if close_curly > index:
                backslash = _find(text, "\\", index)
                if backslash == -1 or backslash > close_curly:
                    return True
        if close_paren != -1 and at(index) == "(" and at(index + 1) == "?" and at(index + 2) in ":!=" \
                and at(index + 2) and at(index + 3) != ")":
            close_paren = _find(text, ")", index)
            if close_paren > index:
                backslash = _find(text, "\\", index)
                if backslash == -1 or backslash > close_paren:
                    return True
        if pipe != -1 and at(index) == "(" and at(index + 1) != "|":
            if pipe < index:
                pipe = _find(text, "|", index)
            if pipe != -1 and at(pipe + 1) != ")":
                close_paren = _find(text, ")", pipe)
                if close_paren > pipe:
                    backslash = _find(text, "\\", pipe)
                    if backslash == -1 or backslash > close_paren:
                        return True
        if at(index) == "\\":
            opened = at(index + 1)
            index += 2
            closing = _PAIRS.get(opened)
            if closing:
                found = _find(text, closing, index)
                if found != -1:
                    index = found + 1
            if at(index) == "!":
                return True
        else:
            index += 1
    return False
