"""JavaScript string semantics the reference tools rely on (trim set, UTF-16 lengths, UTF-8 of lone
surrogates): Joi's `trim()` and lengths, and `toBlockletDid` hashing a name's UTF-8 bytes."""

from __future__ import annotations

import re

# String.prototype.trim: ECMAScript WhiteSpace + LineTerminator.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def js_trim(text: str) -> str:
    """Trim like JavaScript's `String.prototype.trim` (not Python's `str.strip`)."""
    return text.strip(JS_WHITESPACE)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as JavaScript's `length` counts (an emoji counts 2)."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def js_utf8(text: str) -> bytes:
    """UTF-8 bytes as Node's `Buffer.from(text)` gives them: a lone surrogate becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text).encode("utf-8")
