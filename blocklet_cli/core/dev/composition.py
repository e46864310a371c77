"""The plan of a composed dev run: which components run, from where, on which port, with which environment.

Reference: ArcBlock/blocklet-server core/state/lib/util/blocklet/environment.js (`getComponentSystemEnvironments`:
BLOCKLET_REAL_DID `<app did>/<component did>`, BLOCKLET_REAL_NAME, BLOCKLET_COMPONENT_DID/VERSION, per-component
data/log/cache folders; BLOCKLET_MOUNT_POINTS listing every component) and blocklet/meta/src/util.ts
(`getSharedConfigObj`: the app's variables are shared with its components; a sibling's variables marked
`shared: true` too, when the app has none of that name; a component keeps its own non-empty value unless it
marked it shared).

Each component is either *fetched* (a store or URL source: its release tarball downloaded once into the user cache,
integrity and size checked, expanded safely into the dev folder, run from its bundle) or *local* (a project folder,
from `--link NAME=DIR` or a `file:` source naming a folder: run from source with its own `scripts.dev`).

Never prints: progress goes through the `Reporter`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from blocklet_cli.core.dev import env as devenv
from blocklet_cli.core.errors import BundleError, ComponentError, NotFoundError
from blocklet_cli.core.paths import tarballs_cache_dir
from blocklet_cli.core.report import NULL_REPORTER, NullTask, Reporter

NOTHING_TO_RUN = ("gateway", "pack")


@dataclass
class Unit:
    """One component of the dev run (the app itself, when it runs something, is the unit at `/`)."""

    name: str
    did: str
    version: str
    title: str
    mount_point: str
    source: str  # "app", "local", "store", "url"
    meta: dict = field(repr=False)
    directory: Path  # where it runs (the project folder, or the expanded bundle)
    port: int = 0
    kind: str = "dapp"  # "dapp", "static" or "none"
    command: str = ""
    static_root: Path | None = None
    hooks_before: list[tuple[str, str]] = field(default_factory=list)
    hooks_after: list[tuple[str, str]] = field(default_factory=list)
    env: devenv.DevEnvironment | None = None
    services: list[dict] = field(default_factory=list)
    pid: int | None = None
    is_app: bool = False
    started: bool = True  # False: listed and routed, not run (`dev --no-start-all-components`)

    @property
    def is_local(self) -> bool:
        return self.source in ("app", "local")

    def to_dict(self) -> dict:
        return {"name": self.name, "did": self.did, "version": self.version, "title": self.title,
                "mountPoint": self.mount_point, "port": self.port, "pid": self.pid, "source": self.source,
                "kind": self.kind, "directory": str(self.directory), "services": self.services,
                "started": self.started}


@dataclass
class Plan:
    """Every unit, the app's identity, and the gateway port."""

    app_name: str
    app_did: str
    port: int
    units: list[Unit]

    def mount_points(self) -> list[dict]:
        """BLOCKLET_MOUNT_POINTS (`getComponentsInternalInfo`, ArcBlock/blocklet-server blocklet/meta/src/blocklet.ts:
        `status` a BlockletStatus number, `containerPort` the web interface's `containerPort` as text, "" without)."""
        return [{"title": u.title, "did": u.did, "name": u.name, "version": u.version, "mountPoint": u.mount_point,
                 "status": devenv.STATUS_RUNNING if u.started else devenv.STATUS_STOPPED, "port": u.port,
                 "containerPort": "", "resources": [], "resourcesV2": [], "group": u.meta.get("group"),
                 "isGreen": False} for u in self.units]

    def refresh_mount_points(self) -> None:
        """Write BLOCKLET_MOUNT_POINTS again into every unit's environment (after `started` changed)."""
        value = json.dumps(self.mount_points(), separators=(",", ":"))
        for unit in self.units:
            if unit.env is not None:
                unit.env.values["BLOCKLET_MOUNT_POINTS"] = value


# -- services ---------------------------------------------------------------------------------
def merge_services(parent_entry: Mapping | None, meta: dict) -> list[dict]:
    """The services of a component's first web interface: the parent's `components[].services` first, then the
    component's own `interfaces[].services` whose names the parent did not give."""
    given = [s for s in (parent_entry or {}).get("services") or [] if isinstance(s, dict)]
    interface = next((i for i in meta.get("interfaces") or [] if isinstance(i, dict) and i.get("type") == "web"),
                     None)
    own = [s for s in (interface or {}).get("services") or [] if isinstance(s, dict)]
    names = {s.get("name") for s in given}
    return [*given, *(s for s in own if s.get("name") not in names)]


def composed_meta(meta: dict, project_dir: Path, tree, local: list[tuple[dict, Path]]) -> dict:
    """`meta` with each direct component's `services` merged with its own (what `blocklet meta --composed` and
    `dev --plan` show); `tree` resolves the remote entries, `local` the ones run from folders."""
    from blocklet_cli.core.meta import parse_meta

    metas = {c.name: c.meta for c in (tree.components if tree is not None else [])}
    for entry, folder in local:
        metas[entry.get("name")] = parse_meta(folder, mode="meta")
    result = dict(meta)
    components = []
    for entry in meta.get("components") or []:
        if isinstance(entry, dict) and entry.get("name") in metas:
            entry = {**entry, "services": merge_services(entry, metas[entry["name"]])}
        components.append(entry)
    result["components"] = components
    return result


# -- sources ------------------------------------------------------------------------------------
def local_folder(entry: Mapping, project_dir: Path, links: Mapping[str, Path]) -> Path | None:
    """The folder a component runs from when it is local: `--link NAME=DIR`, or a `file:` source naming a folder."""
    name = entry.get("name")
    if isinstance(name, str) and name in links:
        return links[name]
    source = entry.get("source")
    urls = source.get("url") if isinstance(source, dict) else None
    for url in urls if isinstance(urls, list) else [urls]:
        if isinstance(url, str) and url.startswith("file:"):
            from blocklet_cli.core.http import file_url_path

            path = file_url_path(url)
            path = path if path.is_absolute() else project_dir / path
            if path.is_dir():
                return path.resolve()
    return None


def split_entries(meta: dict, project_dir: Path, links: Mapping[str, Path]) -> tuple[list, list[tuple[dict, Path]]]:
    """The `components` entries to resolve remotely, and the local ones with their folders."""
    remote, local = [], []
    unknown = set(links)
    for entry in meta.get("components") or []:
        if not isinstance(entry, dict):
            remote.append(entry)
            continue
        folder = local_folder(entry, project_dir, links)
        unknown.discard(entry.get("name"))
        if folder is None:
            remote.append(entry)
        else:
            local.append((entry, folder))
    if unknown:
        raise ComponentError(f"--link names no component of {meta.get('name')}: {', '.join(sorted(unknown))}",
                             hint="use the `name` of an entry of `components` in blocklet.yml")
    return remote, local


def _sri_matches(path: Path, integrity: str) -> bool:
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in ("sha256", "sha384", "sha512"):
        return False
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode() == expected


def fetch_bundle(component, dev_root: Path, *, client=None, cache_dir: Path | None = None,
                 offline: bool = False) -> Path:
    """The folder of `component`'s expanded release (a `ResolvedComponent`): the tarball is downloaded once into
    the cache (integrity and size checked), then expanded into `dev_root/components/<name>-<version>`.
    `offline` uses the cache only (ComponentError when the tarball is not there)."""
    from blocklet_cli.core import http
    from blocklet_cli.core.safe_extract import extract_tar, extract_zip

    dist = component.meta.get("dist") or {}
    integrity = str(dist.get("integrity") or "")
    size = dist.get("size") if isinstance(dist.get("size"), int) else None
    url = urljoin(component.meta_url, component.tarball)
    cache = cache_dir or tarballs_cache_dir()
    key = hashlib.sha256((integrity or url).encode()).hexdigest()[:32]
    archive = cache / f"{key}.tgz"
    if not (archive.is_file() and (not integrity or _sri_matches(archive, integrity))):
        if offline and not url.startswith("file:"):
            raise ComponentError(f"the release of {component.name} {component.version} is not in the cache "
                                 f"({cache}) and --offline forbids downloading it", hint="run once without --offline")
        cache.mkdir(parents=True, exist_ok=True)
        if client is None:
            with http.client() as own:
                own.download(url, archive, size=size)
        else:
            client.download(url, archive, size=size)
        if integrity and not _sri_matches(archive, integrity):
            archive.unlink(missing_ok=True)
            raise BundleError(f"the tarball of {component.name} {component.version} ({url}) does not match its "
                              f"integrity {integrity[:20]}…")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{component.name}-{component.version}")
    target = dev_root / "components" / safe
    marker = target / ".blocklet-dev-source"
    if marker.is_file() and marker.read_text(encoding="utf-8") == key:
        return _package_root(target)
    if target.exists():
        shutil.rmtree(target)
    extract_tar(archive, target)
    root = _package_root(target)
    bundle_zip = root / "blocklet.zip"
    if bundle_zip.is_file():
        extract_zip(bundle_zip, root)
    marker.write_text(key, encoding="utf-8")
    return root


def _package_root(target: Path) -> Path:
    return target / "package" if (target / "package").is_dir() else target


# -- what each unit runs ------------------------------------------------------------------------
def runnable(unit: Unit) -> None:
    """Fill `kind`, `command`, `static_root` and hooks of a unit from its meta."""
    meta, group = unit.meta, unit.meta.get("group") or "dapp"
    if group in NOTHING_TO_RUN:
        unit.kind = "none"
        return
    if group == "static":
        unit.kind = "static"
        root = unit.directory / str(meta.get("main") or ".")
        if not root.is_dir():
            raise NotFoundError(f"the static folder {root} of {unit.name} does not exist (`main` in blocklet.yml)")
        unit.static_root = root
        return
    unit.kind = "dapp"
    if unit.is_local:
        unit.command = devenv.dev_script(meta, str(unit.directory / "blocklet.yml"))
    else:
        entry = "blocklet.js" if (unit.directory / "blocklet.js").is_file() else str(meta.get("main") or "")
        if not entry or not (unit.directory / entry).is_file():
            raise NotFoundError(f"component {unit.name} {unit.version} has no entry point to start "
                                f"(blocklet.js or `main`) in {unit.directory}")
        unit.command = f"node {_quote(entry)}"
    unit.hooks_before = [(hook, cmd) for hook in ("preFlight", "preStart") if (cmd := devenv.hook_script(meta, hook))]
    post = devenv.hook_script(meta, "postStart")
    unit.hooks_after = [("postStart", post)] if post else []


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def assign_ports(units: list[Unit], taken: set[int]) -> None:
    for unit in units:
        if unit.kind == "none":
            continue
        port = devenv.free_port()
        while port in taken:
            port = devenv.free_port()
        taken.add(port)
        unit.port = port


# -- environments -------------------------------------------------------------------------------
def shared_values(app_meta: dict, app_env: devenv.DevEnvironment, unit: Unit, siblings: list[Unit]) -> dict[str, str]:
    """`getSharedConfigObj(app, component, includeSecure=true)`: what the app and siblings share with `unit`. The app's
    variables are its blocklet's `environments`: the server's app container takes them (`_addBlocklet`,
    ArcBlock/blocklet-server core/state/lib/blocklet/manager/disk) and shares its configs with every component."""
    own = {e["name"]: e for e in unit.meta.get("environments") or [] if isinstance(e, dict) and e.get("name")}
    own_values = unit.env.values if unit.env is not None else {}
    result: dict[str, str] = {}
    app_names = [e["name"] for e in app_meta.get("environments") or [] if isinstance(e, dict) and e.get("name")]
    for name in app_names:
        if name not in app_env.values or name.startswith(("BLOCKLET_", "ABT_NODE_")):
            continue
        config = own.get(name)
        if config is None or config.get("shared") is True or not own_values.get(name):
            result[name] = app_env.values[name]
    for sibling in siblings:
        if sibling is unit or sibling.env is None:
            continue
        for entry in sibling.meta.get("environments") or []:
            if not (isinstance(entry, dict) and entry.get("shared") is True and entry.get("name")):
                continue
            name = entry["name"]
            if name in app_names or name not in sibling.env.values:
                continue
            if name not in own or not own_values.get(name):
                result[name] = sibling.env.values[name]
    return result


def component_environment(unit: Unit, plan: Plan, app_values: Mapping[str, str]) -> None:
    """Overlay the per-component variables on the unit's own environment (computed by `dev.env`)."""
    assert unit.env is not None
    values = unit.env.values
    app_level = ("BLOCKLET_DID", "BLOCKLET_APP_ID", "BLOCKLET_APP_PID", "BLOCKLET_APP_PK", "BLOCKLET_APP_NAME",
                 "BLOCKLET_APP_DESCRIPTION", "BLOCKLET_APP_URL", "BLOCKLET_APP_VERSION", "BLOCKLET_APP_DATA_DIR",
                 "BLOCKLET_APP_SHARE_DIR", "ABT_NODE_PORT", "ABT_NODE_URL")
    for key in app_level:
        if key in app_values:
            values[key] = app_values[key]
    values.update({
        "BLOCKLET_REAL_DID": f"{plan.app_did}/{unit.did}",
        "BLOCKLET_REAL_NAME": f"{plan.app_name}/{unit.name}",
        "BLOCKLET_COMPONENT_DID": unit.did,
        "BLOCKLET_COMPONENT_VERSION": unit.version,
        "BLOCKLET_DEV_MOUNT_POINT": unit.mount_point,
        "BLOCKLET_MOUNT_POINTS": json.dumps(plan.mount_points(), separators=(",", ":")),
    })
    if unit.kind != "none" and unit.port:
        values["BLOCKLET_PORT"] = values["PORT"] = str(unit.port)


def build_plan(app_meta: dict, project_dir: Path, paths: devenv.DevPaths, settings: devenv.DevSettings, tree,
               local: list[tuple[dict, Path]], *, ask=None, reporter: Reporter = NULL_REPORTER,
               fetch=fetch_bundle, app_source: str = "app", offline: bool = False,
               app_identity: str | None = None) -> tuple[Plan, devenv.DevEnvironment]:
    """Resolve every unit (fetching bundles), give each a port and its environment. `project_dir` is the app's
    folder (its project, or its expanded release when `app_source` is "store"). `app_identity`: the app's DID on
    a server (its wallet's address, also its name there; default the dev wallet's); the blocklet in `project_dir`
    is its component at `/`."""
    from blocklet_cli.core.meta import parse_meta

    app_name = str(app_meta.get("name") or app_meta.get("did"))
    app_did = str(app_meta.get("did") or "")
    units: list[Unit] = []
    app_unit = Unit(name=app_name, did=app_did, version=str(app_meta.get("version") or ""),
                    title=str(app_meta.get("title") or app_name), mount_point="/", source=app_source, meta=app_meta,
                    directory=project_dir, is_app=True)
    runnable(app_unit)
    if app_unit.kind != "none":
        units.append(app_unit)
    entries = {e.get("name"): e for e in app_meta.get("components") or [] if isinstance(e, dict)}
    for entry, folder in local:
        meta = parse_meta(folder, mode="dev")
        unit = Unit(name=str(meta.get("name")), did=str(meta.get("did") or ""), version=str(meta.get("version") or ""),
                    title=str(entry.get("title") or meta.get("title") or meta.get("name")),
                    mount_point=_mount(entry.get("mountPoint"), meta), source="local", meta=meta, directory=folder,
                    services=merge_services(entry, meta))
        runnable(unit)
        units.append(unit)
    if tree is not None:
        components = list(tree.walk())
        task = reporter.task("Fetching components", total=len(components), unit="items") if components else NullTask()
        with task:
            seen = {u.did for u in units}
            for component in components:
                if component.did in seen:  # the same component reached twice in the tree runs once
                    task.advance(1)
                    continue
                seen.add(component.did)
                directory = fetch(component, paths.root, offline=offline)
                meta = component.meta
                entry = entries.get(component.name) or {}
                source = _source_kind(entry, component.meta_url)
                unit = Unit(name=component.name, did=component.did, version=component.version,
                            title=str(component.title or meta.get("title") or component.name),
                            mount_point=_mount(component.mount_point, meta), source=source, meta=meta,
                            directory=directory, services=merge_services(entry, meta))
                runnable(unit)
                units.append(unit)
                task.advance(1)
    _check_mounts(units)
    assign_ports(units, {settings.port})
    identity = app_identity or settings.app_wallet.address
    plan = Plan(app_name=identity, app_did=identity, port=settings.port, units=units)
    app_env = devenv.compute_environment(
        app_meta, _settings_for(settings, project_dir, app_unit.port or settings.port, "/"), ask=ask)
    app_env.values["BLOCKLET_DID"] = identity
    app_values = dict(app_env.values)
    for unit in units:
        if unit.is_app:
            unit.env = app_env
        else:
            unit.env = devenv.compute_environment(
                unit.meta, _settings_for(settings, unit.directory, unit.port, unit.mount_point), ask=ask)
    for unit in units:
        if not unit.is_app and unit.env is not None:
            shared = shared_values(app_meta, app_env, unit, units)
            unit.env.values.update(shared)
            unit.env.secret_names.update(name for name in shared if _is_secret(name, app_env, units))
        component_environment(unit, plan, app_values)
    return plan, app_env


def _settings_for(settings: devenv.DevSettings, directory: Path, port: int, mount: str) -> devenv.DevSettings:
    from dataclasses import replace

    return replace(settings, project_dir=directory, port=port, mount_point=mount)


def _mount(value, meta: dict) -> str:
    from blocklet_cli.core.dev.gateway import Route

    if isinstance(value, str) and value.strip():
        return Route.normalise(value)
    return Route.normalise(f"/{meta.get('name')}")


def _is_secret(name: str, app_env: devenv.DevEnvironment, units: list[Unit]) -> bool:
    return name in app_env.secret_names or any(u.env is not None and name in u.env.secret_names for u in units)


def _source_kind(entry: Mapping, meta_url: str) -> str:
    """"store" (a `source.store` entry) or "url"; nested components (no entry here) by the shape of their URL."""
    source = entry.get("source")
    if isinstance(source, dict):
        return "url" if source.get("url") is not None else "store"
    return "store" if "/api/blocklets/" in meta_url else "url"


def _check_mounts(units: list[Unit]) -> None:
    seen: dict[str, str] = {}
    for unit in units:
        if unit.kind == "none":
            continue
        if unit.mount_point in seen:
            raise ComponentError(f"components {seen[unit.mount_point]} and {unit.name} are both mounted at "
                                 f"{unit.mount_point}")
        seen[unit.mount_point] = unit.name
