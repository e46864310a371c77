"""Blocklet name rules (`validateName`: validate-npm-package-name 3.0.0 for new packages, then 32
characters at most) and lodash `camelCase` for top-level keys.

Reference: ArcBlock/blocklet-server blocklet/meta/src/name.ts (`validateName`) and the camelCase step of
blocklet/meta/src/parse.ts.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.meta.checks import LazyRegex

MAX_NAME_LENGTH = 32
_BLACKLIST = {"node_modules", "favicon.ico"}
_CORE_MODULES = {
    "assert", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram", "dns",
    "domain", "events", "fs", "http", "https", "module", "net", "os", "path", "process", "punycode",
    "querystring", "readline", "repl", "stream", "string_decoder", "timers", "tls", "tty", "url", "util",
    "v8", "vm", "zlib",
}
_SCOPED = re.compile(r"^(?:@([^/]+?)/)?([^/]+?)$")
_SPECIAL = re.compile(r"[~'!()*]")


def _url_friendly(text: str) -> bool:
    """encodeURIComponent(text) === text."""
    return quote(text, safe="-_.!~*'()") == text


def name_problem(name: str) -> str | None:
    """The first reason `name` is not a valid Blocklet name (None when it is valid)."""
    if did_core.is_valid(name):
        if did_core.role_of(name) != did_core.ROLE_BLOCKLET:
            return "Blocklet DID's type must be ROLE_BLOCKLET"
        return None
    problem = npm_name_problem(name)
    if problem:
        return problem
    if len(name) > MAX_NAME_LENGTH:
        return "Blocklet name is too long"
    return None


def npm_name_problem(name: str) -> str | None:
    """validate-npm-package-name 3.0.0: the first error, else the first warning."""
    if len(name) == 0:
        return "name length must be greater than zero"
    if name.startswith("."):
        return "name cannot start with a period"
    if name.startswith("_"):
        return "name cannot start with an underscore"
    if name.strip() != name:
        return "name cannot contain leading or trailing spaces"
    if name.lower() in _BLACKLIST:
        return f"{name.lower()} is a blacklisted name"
    if not _url_friendly(name):
        match = _SCOPED.match(name)
        if not (match and match[1] and _url_friendly(match[1]) and _url_friendly(match[2])):
            return "name can only contain URL-friendly characters"
    if name.lower() in _CORE_MODULES:
        return f"{name} is a core module name"
    if len(name) > 214:
        return "name can no longer contain more than 214 characters"
    if name.lower() != name:
        return "name can no longer contain capital letters"
    if _SPECIAL.search(name.split("/")[-1]):
        return "name can no longer contain special characters (\"~'!()*\")"
    return None


# lodash `words` for the strings top-level keys are made of (ASCII and Latin-1 letters, digits)
_UPPER = "A-Z\xc0-\xd6\xd8-\xde"
_LOWER = "a-z\xdf-\xf6\xf8-\xff"
_WORD = LazyRegex(
    rf"[{_UPPER}]?[{_LOWER}]+(?=[^{_UPPER}{_LOWER}0-9]|[{_UPPER}]|$)"
    rf"|[{_UPPER}]+(?=[^{_UPPER}{_LOWER}0-9]|[{_UPPER}][{_LOWER}]|$)"
    rf"|[{_UPPER}]?[{_LOWER}]+"
    rf"|[{_UPPER}]+"
    r"|\d*(?:1ST|2ND|3RD|(?![123])\dTH)(?=\b|[a-z_])|\d*(?:1st|2nd|3rd|(?![123])\dth)(?=\b|[A-Z_])"
    r"|\d+"
    r"|[^\x00-\x7f\s\w]+|[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f" + _UPPER[3:] + _LOWER[3:] + r"]+"
)
_ASCII_WORD = LazyRegex(r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
_HAS_UNICODE_WORD = LazyRegex(r"[a-z][A-Z]|[A-Z]{2}[a-z]|[0-9][a-zA-Z]|[a-zA-Z][0-9]|[^a-zA-Z0-9 ]")


def camel_case(key: str) -> str:
    """lodash `camelCase` (removes apostrophes, splits into words, lower-cases, capitalises)."""
    text = re.sub("['\u2019]", "", key)
    pattern = _WORD if _HAS_UNICODE_WORD.search(text) else _ASCII_WORD
    words = [w for w in pattern.findall(text) if w]
    out = []
    for index, word in enumerate(words):
        lowered = word.lower()
        out.append(lowered if index == 0 else lowered[:1].upper() + lowered[1:])
    return "".join(out)


def url_path_friendly(name: str, *, keep_slash: bool = True, one_segment: bool = False) -> str:
    """`@blocklet/meta` `urlPathFriendly` (blocklet/blocklet-server core/meta/src/url-path-friendly.ts):
    control and non-ASCII characters dropped, other characters outside `[A-Za-z0-9_.-/]` become `-`,
    runs of `-`, `.` and `/` collapse; without `keep_slash` a leading/trailing `/` goes.

    `one_segment` (our default mount point of an added component): `/` becomes `-` too and leading or
    trailing `-` go, so `@scope/pkg` gives `scope-pkg`."""
    text = re.sub(r"[^\x20-\x7f]", "", name.strip())
    text = re.sub(r"[^a-zA-Z0-9_.\-]" if one_segment else r"[^a-zA-Z0-9_.\-/]", "-", text)
    text = re.sub(r"\.+", ".", re.sub(r"-+", "-", text))
    text = re.sub(r"/+", "/", text)
    if one_segment:
        return text.strip("-")
    return text if keep_slash else re.sub(r"^/|/$", "", text)
