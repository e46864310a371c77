"""Routes of the dev gateway: which component owns a path, and the headers the router adds for it."""

from __future__ import annotations

from dataclasses import dataclass

# the headers the router sets on every request (the client's own are dropped first)
ROUTER_HEADERS = ("x-path-prefix", "x-group-path-prefix", "x-blocklet-did", "x-blocklet-component-id",
                  "x-routing-rule-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-forwarded-host")


@dataclass(frozen=True)
class Route:
    """One component behind the gateway: requests under `prefix` go to 127.0.0.1:`port` with the prefix removed."""

    prefix: str  # the mount point, "/" or "/name" (no trailing slash)
    port: int
    name: str
    did: str = ""  # x-blocklet-did: the app's DID
    component_id: str = ""  # x-blocklet-component-id: "<app did>/<component did>"
    group_prefix: str = "/"  # x-group-path-prefix: the app's mount point
    rule_id: str = ""  # x-routing-rule-id: the id of the routing rule (one per component)

    @staticmethod
    def normalise(mount_point: str) -> str:
        value = "/" + str(mount_point or "/").strip().strip("/")
        return value if value == "/" else value.rstrip("/")

    def upstream_path(self, target: str) -> str:
        """The request target with the mount point removed (`/a/b?q` under `/a` -> `/b?q`)."""
        if self.prefix == "/":
            return target
        rest = target[len(self.prefix):]
        return rest if rest.startswith("/") else "/" + rest

    def router_headers(self) -> bytes:
        """The headers the router sets for every request of this route, as head lines (CRLF before each)."""
        lines = [f"x-path-prefix: {self.prefix}", f"x-group-path-prefix: {self.group_prefix or '/'}"]
        if self.did:
            lines.append(f"x-blocklet-did: {self.did}")
        if self.component_id:
            lines.append(f"x-blocklet-component-id: {self.component_id}")
        if self.rule_id:
            lines.append(f"x-routing-rule-id: {self.rule_id}")
        return "".join("\r\n" + line for line in lines).encode("latin-1")


class RouteTable:
    """Routes matched as the server's router matches them: the longest mount point that is the path or a parent
    of it (on segment boundaries), the first of a tie. Sorted once."""

    def __init__(self, routes: list[Route]) -> None:
        self._longest_first = [(route.prefix, route.prefix + "/", route)
                               for route in sorted(routes, key=lambda route: -len(route.prefix))]  # stable sort

    def find(self, path: str) -> Route | None:
        for prefix, under, route in self._longest_first:
            if prefix == "/" or path == prefix or path.startswith(under):
                return route
        return None


def pick_route(routes: list[Route], path: str) -> Route | None:
    """The route owning `path`: the longest matching mount point."""
    return RouteTable(routes).find(path)
