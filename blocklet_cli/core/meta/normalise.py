"""The fix step of `parse` (ArcBlock/blocklet-server blocklet/meta/src/fix.ts and parse.ts): required
defaults, repository, files, keywords/tags, name from a ROLE_BLOCKLET did, persons, services, default store,
camelCase top-level keys.

It works on the raw keys as written and returns the problems it finds (the reference throws on the
first one) as (pointer, message) pairs.
"""

from __future__ import annotations

import re
from typing import Any

from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.meta.blocklet_schema import AUTH_CONFIG
from blocklet_cli.core.meta.dsl import Ctx, esc
from blocklet_cli.core.meta.names import camel_case
from blocklet_cli.core.meta.persons import fix_person
from blocklet_cli.core.meta.repository import fix_repository

_SPLIT = re.compile(r",\s+")


def js_truthy(value: Any) -> bool:
    if value is None or value is False or value == "":
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value == value and value != 0
    return True


def fix_shared_fields(meta: dict[str, Any]) -> None:
    """The fixes @blocklet/meta's parse applies alike in every version we mirror (today's and 1.7.7's legacy
    parse): `repository` normalised, `files` kept only as a list of non-empty strings, `keywords`/`tags` as lists."""
    fix_repository(meta)
    if not isinstance(meta.get("files"), list):
        meta.pop("files", None)
    else:
        meta["files"] = [x for x in meta["files"] if isinstance(x, str) and x]
    _fix_list(meta, "keywords")
    _fix_list(meta, "tags")


def _fix_list(meta: dict[str, Any], key: str) -> None:
    value = meta.get(key)
    if isinstance(value, str):
        value = meta[key] = _SPLIT.split(value) if value else [""]
    if js_truthy(value) and not isinstance(value, list):
        del meta[key]
    elif isinstance(value, list):
        meta[key] = [x for x in value if isinstance(x, str) and x]


def fix_services(meta: dict[str, Any], issues: list[tuple[str, str]]) -> None:
    """fixAndValidateService: each interface service must be `auth` with a valid config."""
    interfaces = meta.get("interfaces")
    if not js_truthy(interfaces) or isinstance(interfaces, (bool, int, float, dict)):
        return
    if isinstance(interfaces, str):
        issues.append(("/interfaces", "must be an array"))
        return
    if not isinstance(interfaces, list):  # a date has no `length`: the reference leaves it to the schema
        return
    for index, interface in enumerate(interfaces):
        if interface is None:
            issues.append((f"/interfaces/{index}", "must be of type object"))
            continue
        services = interface.get("services") if isinstance(interface, dict) else None
        if not js_truthy(services) or not isinstance(services, list):
            continue
        for position, service in enumerate(services):
            ptr = f"/interfaces/{index}/services/{position}"
            if not isinstance(service, dict):
                if service is None:
                    issues.append((ptr, "must be of type object"))
                else:
                    issues.append((ptr + "/name", "service name should not be empty"))
                continue
            name = service.get("name")
            if not js_truthy(name):
                issues.append((ptr + "/name", "service name should not be empty"))
                continue
            if name != "auth":
                issues.append((ptr + "/name", f"service {name} does not exist"))
                continue
            config = service.get("config") if js_truthy(service.get("config")) else {}
            ctx = Ctx(strip_unknown=True)
            value = AUTH_CONFIG.check(config, ctx, ptr + "/config")
            for pointer, message in ctx.issues:
                issues.append((pointer, f"Invalid blocklet service config: {message}"))
            if not ctx.issues:
                service["config"] = value


def fix_meta(raw: dict[str, Any], directory: str, *,
             default_store_url: str | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Apply the fix step to a copy of `raw`; return (fixed meta with camelCase keys, problems)."""
    import copy

    meta = copy.deepcopy(raw)
    issues: list[tuple[str, str]] = []
    if not js_truthy(meta.get("description")):
        meta["description"] = f"Blocklet from {directory}"
    if not js_truthy(meta.get("version")):
        meta["version"] = "1.0.0"
    fix_shared_fields(meta)
    if did_core.role_of(meta.get("did")) == did_core.ROLE_BLOCKLET:
        meta["name"] = meta["did"]
    if js_truthy(meta.get("author")):
        meta["author"] = fix_person(meta["author"])
    for key in ("maintainers", "contributors"):
        if isinstance(meta.get(key), list):
            meta[key] = [fix_person(x) for x in meta[key]]
    fix_services(meta, issues)
    components = meta.get("components")
    if default_store_url and isinstance(components, list):
        for component in components:
            source = component.get("source") if isinstance(component, dict) else None
            if isinstance(source, dict) and ("name" in source or "did" in source) and not source.get("store"):
                source["store"] = default_store_url
    fixed: dict[str, Any] = {}
    for key, value in meta.items():
        fixed[camel_case(key)] = value
    return fixed, issues


def original_key_map(raw: dict[str, Any]) -> dict[str, str]:
    """camelCase key -> the pointer of the key as written (for positions)."""
    mapping: dict[str, str] = {}
    for key in raw:
        mapping[camel_case(key)] = "/" + esc(key)
    return mapping
