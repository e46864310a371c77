"""What Blocklet Server serves to every app's pages, answered by the dev gateway.

`<mount point>/__blocklet__.js` is the page-side settings object (`window.blocklet`; `?type=json` gives the JSON)
that the create-blocklet Vite templates load (reference: ArcBlock/blocklet-server
core/blocklet-services/api/routes/blocklet.js). Paths under `/.well-known/service/` belong to the server's
services (auth, user center, studio, …): none of them runs here, so they answer 501 naming the service.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from blocklet_cli.core.dev.gateway import WELLKNOWN_SERVICE_PREFIX, Answer, Route, pick_route

SETTINGS_FILE = "/__blocklet__.js"


def blocklet_settings(plan, unit, app_values: dict[str, str]) -> dict:
    """The `window.blocklet` object for a page of `unit`."""
    return {
        "appId": app_values.get("BLOCKLET_APP_ID", ""),
        "appPid": app_values.get("BLOCKLET_APP_PID", ""),
        "appName": app_values.get("BLOCKLET_APP_NAME", plan.app_name),
        "appDescription": app_values.get("BLOCKLET_APP_DESCRIPTION", ""),
        "appUrl": app_values.get("BLOCKLET_APP_URL", ""),
        "appVersion": app_values.get("BLOCKLET_APP_VERSION", ""),
        "did": plan.app_did,
        "version": unit.version,
        "prefix": unit.mount_point if unit.mount_point.endswith("/") else unit.mount_point + "/",
        "groupPrefix": "/",
        "pageGroup": "",
        "componentId": f"{plan.app_did}/{unit.did}",
        "componentMountPoints": [
            {"title": u.title, "name": u.name, "did": u.did, "version": u.version, "mountPoint": u.mount_point,
             "status": "running"} for u in plan.units],
        "serverVersion": app_values.get("ABT_NODE_VERSION", ""),
        "mode": "development",
        "tenantMode": "single",
        "webWalletUrl": "https://web.abtwallet.io",
        "preferences": {},
        "theme": {},
        "languages": [{"code": "en", "name": "English"}],
        "alsoKnownAs": [],
    }


def page_handler(plan, app_values: dict[str, str]) -> Callable[[str, str, Mapping[str, str]], Answer | None]:
    """The gateway's `local` handler: `__blocklet__.js` and the well-known service paths."""
    units = {u.mount_point: u for u in plan.units if u.kind != "none"}
    routes = [Route(mount, 0, unit.name) for mount, unit in units.items()]

    def handle(method: str, target: str, headers: Mapping[str, str]) -> Answer | None:
        path, _, query = target.partition("?")
        if path.endswith(SETTINGS_FILE) and method in ("GET", "HEAD"):
            prefix = Route.normalise(path[: -len(SETTINGS_FILE)])
            route = pick_route(routes, prefix)
            if route is None:
                return None
            settings = blocklet_settings(plan, units[route.prefix], app_values)
            if "type=json" in query.split("&"):
                return Answer(200, json.dumps(settings).encode(), "application/json; charset=utf-8",
                              {"Cache-Control": "no-cache"})
            body = f"window.blocklet = {json.dumps(settings, indent=2)};\n"
            return Answer(200, body.encode(), "application/javascript; charset=utf-8", {"Cache-Control": "no-cache"})
        marker = path.find(WELLKNOWN_SERVICE_PREFIX + "/")
        if marker != -1 or path.endswith(WELLKNOWN_SERVICE_PREFIX):
            rest = path[marker + len(WELLKNOWN_SERVICE_PREFIX):].strip("/") if marker != -1 else ""
            service = rest.split("/", 1)[0] or "service"
            document = {"error": f"the Blocklet Server service `{service}` is not available in `blocklet dev` "
                                 "(no server runs): use a Blocklet Server to test it", "service": service}
            return Answer(501, json.dumps(document).encode(), "application/json; charset=utf-8")
        return None

    return handle


def standalone_handler(meta: dict, app_values: dict[str, str],
                       app_port: int) -> Callable[[str, str, Mapping[str, str]], Answer | None]:
    """`page_handler` for a blocklet run alone (no components): the app is the one component, at `/`."""
    from blocklet_cli.core.dev.composition import Plan, Unit

    name = str(meta.get("name") or meta.get("did"))
    did = str(meta.get("did") or "")
    unit = Unit(name=name, did=did, version=str(meta.get("version") or ""), title=str(meta.get("title") or name),
                mount_point="/", source="app", meta=meta, directory=Path("."), port=app_port,
                kind="static" if meta.get("group") == "static" else "dapp", is_app=True)
    app = app_values.get("BLOCKLET_DID") or did
    return page_handler(Plan(app_name=app, app_did=app, port=app_port, units=[unit]), app_values)
