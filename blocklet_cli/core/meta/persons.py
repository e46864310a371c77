"""Person fields (`author`, `contributors[]`, `maintainers[]`): format to "Name <email> (url)", then
parse back to `{name, email, url}` — the reference's round trip, quirks included.

Reference: `fixPerson` in ArcBlock/blocklet-server blocklet/meta/src/fix.ts.
"""

from __future__ import annotations

import re
from typing import Any

from blocklet_cli.core.jsstr import js_trim

_NAME = re.compile(r"^([^(<]+)")
_URL = re.compile(r"\(([^)]+)\)")
_EMAIL = re.compile(r"<([^>]+)>")


def _truthy(value: Any) -> bool:
    return not (value is None or value is False or value == "" or (isinstance(value, (int, float))
                                                                    and not isinstance(value, bool) and value == 0))


def _js_str(value: Any) -> str:
    if value is True:
        return "true"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join("" if v is None else _js_str(v) for v in value)
    return str(value)


def format_person(person: Any) -> Any:
    """formatPerson: a string passes; an object becomes "name <email> (url)"; anything else ''."""
    if not _truthy(person):
        return ""
    if isinstance(person, str):
        return person
    if not isinstance(person, dict):
        return ""  # numbers, booleans, arrays: the reference reads .name/.email/.url of them: nothing
    name = person.get("name") if _truthy(person.get("name")) else ""
    url = person.get("url") if _truthy(person.get("url")) else person.get("web")
    email = person.get("email") if _truthy(person.get("email")) else person.get("mail")
    text = _js_str(name) if name != "" else ""
    if _truthy(email):
        text += f" <{_js_str(email)}>"
    if _truthy(url):
        text += f" ({_js_str(url)})"
    return text


def parse_person(person: Any) -> Any:
    """parsePerson: "Name <email> (url)" -> {name, email, url}."""
    if not isinstance(person, str):
        return person
    result: dict[str, str] = {}
    name = _NAME.match(person)
    if name and js_trim(name[1]):
        result["name"] = js_trim(name[1])
    email = _EMAIL.search(person)
    if email:
        result["email"] = email[1]
    url = _URL.search(person)
    if url:
        result["url"] = url[1]
    return result


def fix_person(value: Any) -> Any:
    return parse_person(format_person(value))
