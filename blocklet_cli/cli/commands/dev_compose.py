"""`blocklet dev` for a composed app: every component started, one gateway port in front (the rendering side of
core/dev/composition.py, core/dev/gateway.py and the `Fleet` of core/dev/supervisor.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from blocklet_cli.core.dev.gateway import Gateway
    from blocklet_cli.core.dev.supervisor import Fleet

READY_TIMEOUT = 120.0


@dataclass
class Options:
    port: int | None = None
    reset: bool = False
    watch: bool = False
    open_browser: bool = False
    expose_sk: bool = False
    app_url: str | None = None
    offline: bool = False
    store_url: str | None = None
    links: dict[str, Path] = field(default_factory=dict)
    start_all: bool = True  # False: only the components run from source (this project, --link ones) start


def parse_links(values: list[str] | None, base: Path) -> dict[str, Path]:
    """`--link NAME=DIR` values as {name: absolute folder}."""
    from blocklet_cli.core.errors import NotFoundError, UsageError

    links: dict[str, Path] = {}
    for value in values or []:
        name, sep, folder = value.partition("=")
        if not sep or not name.strip() or not folder.strip():
            raise UsageError(f"--link expects NAME=DIR, got {value!r}")
        path = (base / Path(folder.strip()).expanduser()).resolve()
        if not path.is_dir():
            raise NotFoundError(f"--link {name}: the folder {path} does not exist")
        links[name.strip()] = path
    return links


class ComposedRun:
    """Start static servers, the fleet of processes and the gateway; stop them all on a signal."""

    def __init__(self, ui, meta: dict, plan, app_env, paths, options: Options) -> None:
        self.ui = ui
        self.meta = meta
        self.plan = plan
        self.app_env = app_env
        self.paths = paths
        self.options = options
        self.lock = threading.Lock()
        self.ready: set[str] = set()
        self.ended: set[str] = set()
        self.announced = False
        self.url = (options.app_url or f"http://127.0.0.1:{plan.port}").rstrip("/")
        self.fleet: Fleet | None = None
        self.gateway: Gateway | None = None

    # -- output ---------------------------------------------------------------------------------
    def output(self, label: str, stream: str, line: str) -> None:
        from blocklet_cli.cli.output import sanitize

        # the app's stdout is ours only on a terminal: piped, our stdout holds the URL line (or the --json document)
        to_stdout = stream == "stdout" and not self.ui.json_mode and self.ui.env.stdout_isatty
        target = sys.stdout if to_stdout else sys.stderr
        with self.lock, contextlib.suppress(OSError):
            target.write(f"{sanitize(label)} | {sanitize(line)}\n")
            target.flush()

    def say(self, kind: str, message: str) -> None:
        with self.lock:
            getattr(self.ui, kind)(message)

    def event(self, name: str, details: dict) -> None:
        label = details.get("name", "")
        if name == "hook":
            self.say("info", f"{label}: running hook {details['hook']}")
        elif name == "started":
            for unit in self.plan.units:
                if unit.name == label:
                    unit.pid = details["pid"]
            if details["restarts"]:
                self.say("info", f"{label} restarted (pid {details['pid']})")
        elif name == "ready":
            self.mark_ready(label)
        elif name == "crashed":
            self.say("warn", f"{label} exited with code {details['exitCode']} (the other components keep running)")
            self.mark_ended(label)
        elif name == "ended":
            self.say("info", f"{label} exited")
            self.mark_ended(label)
        elif name == "failed":
            self.say("warn", f"{label} did not start: {details['message']}")
            self.mark_ended(label)
        elif name == "hook-failed":
            self.say("warn", f"{label}: {details['message']}")

    def mark_ready(self, label: str) -> None:
        with self.lock:
            self.ready.add(label)
        self.maybe_announce()

    def mark_ended(self, label: str) -> None:
        with self.lock:
            self.ended.add(label)
        self.maybe_announce()

    def document(self) -> dict:
        return {"name": self.meta.get("name"), "did": self.meta.get("did"), "appDid": self.plan.app_did,
                "url": self.url,
                "gateway": {"url": f"http://127.0.0.1:{self.plan.port}", "port": self.plan.port},
                "devDir": str(self.paths.root), "watch": self.options.watch,
                "components": [unit.to_dict() for unit in self.plan.units]}

    def announce_anyway(self) -> None:
        """After READY_TIMEOUT: say which components do not answer yet, and print the document regardless."""
        waiting = [u for u in self.plan.units
                   if u.kind != "none" and u.started and u.name not in self.ready and u.name not in self.ended]
        if waiting and not self.announced:
            self.say("warn", "Not answering yet after {:.0f} s: {}".format(
                READY_TIMEOUT, ", ".join(f"{u.name} (port {u.port})" for u in waiting)))
            self.maybe_announce(force=True)

    def maybe_announce(self, force: bool = False) -> None:
        running = [u.name for u in self.plan.units if u.kind != "none" and u.started]
        with self.lock:
            if self.announced or not (force or all(n in self.ready or n in self.ended for n in running)):
                return
            self.announced = True
        document = self.document()
        with self.lock:
            if self.ui.json_mode:
                self.ui.result(document)
            else:
                self.ui.table([(u["name"], u["mountPoint"], str(u["port"]),
                                str(u["pid"] or "") if u["started"] else "not started", u["source"])
                               for u in document["components"]],
                              headers=("component", "mount point", "port", "pid", "source"))
                self.ui.success(f"Ready: {self.url}")
                self.ui.result_url(self.url)
        if self.options.open_browser:
            import webbrowser

            with contextlib.suppress(webbrowser.Error):
                webbrowser.get().open(self.url)

    # -- run ------------------------------------------------------------------------------------
    def run(self) -> int:
        from blocklet_cli.core.dev.gateway import Gateway, Route
        from blocklet_cli.core.dev.pages import page_handler
        from blocklet_cli.core.dev.static_server import serve_static
        from blocklet_cli.core.dev.supervisor import Fleet, Member, RunSpec, watch_changes

        plan, did = self.plan, self.plan.app_did
        routed = [u for u in plan.units if u.kind != "none"]
        units = [u for u in routed if u.started]
        members = [Member(RunSpec(command=u.command, cwd=u.directory, env=u.env.process_env(os.environ), port=u.port,
                                  label=u.name, hooks_before=u.hooks_before, hooks_after=u.hooks_after),
                          u.directory if u.is_local else None) for u in units if u.kind == "dapp"]
        fleet = self.fleet = Fleet(members, on_output=self.output, on_event=self.event)
        statics = []
        previous = {s: signal.signal(s, lambda number, frame: fleet.request_stop(number))
                    for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            routes = [Route(u.mount_point, u.port, u.name, did=did, component_id=f"{did}/{u.did}",
                            rule_id=str(uuid.uuid4())) for u in routed]
            self.gateway = Gateway(routes, plan.port, local=page_handler(plan, dict(self.app_env.values)),
                                   on_request=self.request).start()
            for unit in units:
                if unit.kind == "static":
                    statics.append(serve_static(unit.static_root, unit.port, front_port=plan.port))
                    unit.pid = os.getpid()
            self.ui.info(f"Dev folder: {self.paths.root}")
            idle = [u.name for u in routed if not u.started]
            if idle:
                self.ui.info(f"Not started (--no-start-all-components): {', '.join(idle)}; "
                             "the gateway answers 502 for them")
            for unit in units:
                if unit.kind == "static":
                    self.mark_ready(unit.name)
            if self.options.watch:
                for member in members:
                    if member.watch_root is not None:
                        watch_changes(member.watch_root, self.changed(member.spec.label), fleet.stop)
            if not members:
                self.maybe_announce()
            timer = threading.Timer(READY_TIMEOUT, self.announce_anyway)
            timer.daemon = True
            timer.start()
            code = fleet.run()
            timer.cancel()
        finally:
            fleet.request_stop(fleet.stop_signal)
            for server in statics:
                server.close()
            if self.gateway is not None:
                self.gateway.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if fleet.stop.is_set():
            self.ui.info(f"Stopped ({signal.Signals(fleet.stop_signal).name}): every component is down")
        return code

    def changed(self, label: str):
        def restart(paths: list[str]) -> None:
            shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
            self.say("info", f"{label}: changed {shown}: restarting")
            if self.fleet is not None:
                self.fleet.restart(label)

        return restart

    def request(self, method: str, path: str, status: int, name: str) -> None:
        from blocklet_cli.cli.output import sanitize

        self.ui.verbose(f"{method} {sanitize(path)} {status}" + (f" -> {name}" if name else ""))


def _app_for_component(ui, meta: dict, project_dir: Path, options: Options, *, app_did: str | None,
                       app_dir: Path | None, mount_point: str | None) -> tuple[dict, Path, str]:
    """The app this project runs in as a component: (app meta, app folder, source "app" or "store"). The project
    becomes (or replaces) the app's entry of the same name, run from source at `mount_point`."""
    from blocklet_cli.core.dev.gateway import Route
    from blocklet_cli.core.errors import NotFoundError, UsageError
    from blocklet_cli.core.meta import parse_meta

    name = str(meta.get("name"))
    source = "app"
    if app_dir is not None:
        folder = app_dir.resolve()
        if not folder.is_dir():
            raise NotFoundError(f"--app: the folder {folder} does not exist")
        app_meta = parse_meta(folder, mode="dev", default_store_url=options.store_url)
    elif app_did:
        app_meta, folder, source = _app_from_store(ui, app_did, project_dir, options)
    else:
        raise UsageError("--component needs the app: --app-did DID (from the store) or --app DIR (a project folder)")
    if app_did and app_dir is not None and app_meta.get("did") != app_did:
        raise UsageError(f"--app-did {app_did} is not the DID of the app in {app_dir} ({app_meta.get('did')})")
    entries = [dict(e) for e in app_meta.get("components") or [] if isinstance(e, dict)]
    mine = next((e for e in entries if e.get("name") == name), None)
    if mine is None:
        mine = {"name": name}
        entries.append(mine)
    if mount_point or not mine.get("mountPoint"):
        mine["mountPoint"] = Route.normalise(mount_point or f"/{name}")
    mine["source"] = {"url": project_dir.as_uri()}
    options.links[name] = project_dir
    return {**app_meta, "components": entries}, folder, source


def _app_from_store(ui, app_did: str, project_dir: Path, options: Options) -> tuple[dict, Path, str]:
    """The app's release from the store (run from its bundle), or, when no store has it, an empty app with that DID
    holding only this project (warned)."""
    from blocklet_cli.core import http
    from blocklet_cli.core.components.resolve import DEFAULT_STORE, ResolvedComponent, normalize_store, store_meta_url
    from blocklet_cli.core.dev import composition
    from blocklet_cli.core.dev import env as devenv
    from blocklet_cli.core.errors import BlockletError

    store = normalize_store(options.store_url or DEFAULT_STORE)
    url = store_meta_url(store, app_did)
    try:
        if options.offline:
            raise BlockletError("offline")
        app_meta = http.get_json(url)
        if not isinstance(app_meta, dict) or app_meta.get("did") != app_did or "dist" not in app_meta:
            raise BlockletError("not the app's release")
    except BlockletError as exc:
        ui.warn(f"App {app_did} not found in {store} ({exc}): running this project in an empty app with that DID")
        folder = devenv.DevPaths.for_project(project_dir, app_did).root / "app"
        folder.mkdir(parents=True, exist_ok=True)
        return {"name": app_did, "did": app_did, "version": "0.0.0", "title": app_did, "group": "gateway",
                "components": []}, folder, "app"
    release = ResolvedComponent(name=str(app_meta.get("name")), did=app_did, version=str(app_meta.get("version")),
                                title=app_meta.get("title"), mount_point="/", meta_url=url,
                                tarball=str(app_meta["dist"]["tarball"]), source_index=0, meta=app_meta)
    paths = devenv.DevPaths.for_project(project_dir, str(app_meta.get("name")))
    folder = composition.fetch_bundle(release, paths.root)
    return app_meta, folder, "store"


def main(ui, meta: dict, project_dir: Path, options: Options, *, component: bool, app_did: str | None,
         app_dir: Path | None, mount_point: str | None) -> int:
    """Plan, announce and run a composed dev session."""
    app_meta, app_folder, app_source = meta, project_dir, "app"
    if component:
        app_meta, app_folder, app_source = _app_for_component(ui, meta, project_dir, options, app_did=app_did,
                                                              app_dir=app_dir, mount_point=mount_point)

    def ask(entry: dict) -> str:
        question = f"{entry['name']}" + (f" ({entry['description']})" if entry.get("description") else "")
        return ui.prompt(question, flag=f"{entry['name']} in .env.development.local", env=entry["name"],
                         secret=bool(entry.get("secure")))

    paths, plan, app_env = _plan(ui, app_meta, app_folder, project_dir, options, app_source,
                                 ask if ui.env.interactive else None, app_did if component else None)
    for unit in plan.units:  # the reference starts only the component under development unless told otherwise
        unit.started = options.start_all or unit.source == "local" or unit.directory == project_dir
    plan.refresh_mount_points()
    if options.expose_sk:
        ui.warn("BLOCKLET_APP_SK is given to every component (--unsafe-expose-sk)")
    return ComposedRun(ui, app_meta, plan, app_env, paths, options).run()


def _plan(ui, app_meta: dict, app_folder: Path, project_dir: Path, options: Options, app_source: str, ask,
          app_identity: str | None = None):
    from blocklet_cli import __version__
    from blocklet_cli.core.components.resolve import verify_tree
    from blocklet_cli.core.dev import composition
    from blocklet_cli.core.dev import env as devenv
    from blocklet_cli.core.paths import node_wallet_file

    name = str(app_meta.get("name") or app_meta.get("did"))
    remote, local = composition.split_entries(app_meta, app_folder, options.links)
    tree = None
    if remote:  # first: a component that cannot be resolved stops dev before anything is written
        with ui.spinner("Checking components"):
            tree = verify_tree({**app_meta, "components": remote}, project_dir=app_folder, offline=options.offline,
                               default_store=options.store_url)
        ui.success(f"{tree.count} component(s) verified" + (" (offline)" if tree.offline else ""))
    paths = devenv.DevPaths.for_project(project_dir, name)
    for folder in paths.prepare(reset=options.reset):
        ui.info(f"Emptied {folder}")
    port = devenv.choose_port(paths, options.port)
    settings = devenv.DevSettings(
        project_dir=app_folder, paths=paths, port=port, app_wallet=devenv.load_wallet(paths.wallet_file),
        node_wallet=devenv.load_wallet(node_wallet_file(), devenv.NODE_TYPE), host_version=__version__,
        app_url=options.app_url or f"http://127.0.0.1:{port}", expose_sk=options.expose_sk, public_port=port)
    plan, app_env = composition.build_plan(app_meta, app_folder, paths, settings, tree, local, ask=ask, reporter=ui,
                                           app_source=app_source, offline=options.offline,
                                           app_identity=app_identity)
    return paths, plan, app_env
