"""`blocklet dev`: run a blocklet locally with the Blocklet Server environment, no server needed
(reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/dev.js, which needs a running server)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from blocklet_cli.core.settings import default_sentence

NOTHING_TO_RUN = ("gateway", "pack")


def dev(
    directory: Annotated[Path | None, typer.Argument(help="Project folder (default: the current folder).")] = None,
    port: Annotated[
        int | None, typer.Option("--port", "-p", help="Port to run on (default: the last one, or a free one).")
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Empty the dev data, log and cache folders first.")] = False,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the app in the browser once it answers.")] = False,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Restart when project files change.")] = False,
    unsafe_expose_sk: Annotated[
        bool, typer.Option("--unsafe-expose-sk", help="Also give the app's secret key (BLOCKLET_APP_SK).")
    ] = False,
    app_url: Annotated[
        str | None, typer.Option("--app-url", help="BLOCKLET_APP_URL (default: http://127.0.0.1:<port>).")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Check components against the local cache only (no network).")
    ] = False,
    store_url: Annotated[
        str | None, typer.Option(
            "--store-url", help=f"Store of components whose source names none {default_sentence('componentStore')}.")
    ] = None,
    link: Annotated[
        list[str] | None, typer.Option("--link", metavar="NAME=DIR",
                                       help="Run component NAME from the project folder DIR (repeatable).")
    ] = None,
    component: Annotated[
        bool, typer.Option("--component", help="Run this project as a component of an app (--app-did or --app).")
    ] = False,
    app_did: Annotated[
        str | None, typer.Option("--app-did", "--app-id",
                                 help="The app (by DID, from the store) to run this project in as a component "
                                      f"{default_sentence('devAppDid')}.")
    ] = None,
    app_dir: Annotated[
        Path | None, typer.Option("--app", help="The app (a project folder) to run this project in as a component.")
    ] = None,
    plan_only: Annotated[
        bool, typer.Option("--plan", help="Check and list the components (merged services too), start nothing.")
    ] = False,
    start_all_components: Annotated[
        bool, typer.Option("--start-all-components/--no-start-all-components",
                           help="Start every component of a composed app (the default), or only the ones run "
                                "from source (this project and the --link ones).")
    ] = True,
    mount_point: Annotated[
        str | None, typer.Option("--mount-point",
                                 help="Mount point of this project in the app "
                                      f"{default_sentence('devMountPoint', 'its entry, or /<name>')}.")
    ] = None,
) -> int:
    """Run the blocklet in DIRECTORY as Blocklet Server would, with no server.

    Validates blocklet.yml, gives the process the server's environment (BLOCKLET_*, ABT_NODE_*, the
    declared `environments` from defaults, .env files and the real environment), then runs
    `scripts.dev` (dapp) or serves `main` over HTTP (static). Ctrl-C stops everything.

    Examples:

      blocklet dev

      blocklet dev ./my-app --port 8090 --open

      blocklet dev --watch --reset

      blocklet dev --json          # one JSON document (url, port, pid, env names) when it starts

      blocklet dev --link api=../api-project      # a composed app with one component run from source

      blocklet dev --component --app-did z8ia...  # this project as a component of an app, behind the gateway
    """
    from blocklet_cli import __version__
    from blocklet_cli.cli.options import setting
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.dev import env as devenv
    from blocklet_cli.core.errors import NotFoundError
    from blocklet_cli.core.meta import find_meta_file, parse_meta
    from blocklet_cli.core.paths import node_wallet_file

    ui = UI()
    store_url = setting("componentStore", store_url, ui=ui).value or None
    app_did = setting("devAppDid", app_did, ui=ui).value or None
    mount_point = setting("devMountPoint", mount_point, ui=ui).value or None
    project_dir = (directory or Path.cwd()).resolve()
    if not project_dir.is_dir():
        raise NotFoundError(f"the project folder {project_dir} does not exist")
    meta_path = find_meta_file(project_dir)
    meta = parse_meta(project_dir, mode="dev", default_store_url=store_url or None)
    name = str(meta.get("name") or meta.get("did"))
    group = meta.get("group") or "dapp"
    if plan_only or group == "pack":
        return _nothing_to_run(ui, meta, group, _verify_components(ui, meta, project_dir, offline, store_url))
    if component or app_did or app_dir or link or meta.get("components"):
        from blocklet_cli.cli.commands import dev_compose

        options = dev_compose.Options(
            port=port, reset=reset, watch=watch, open_browser=open_browser, expose_sk=unsafe_expose_sk,
            app_url=app_url, offline=offline, store_url=store_url or None,
            links=dev_compose.parse_links(link, Path.cwd()), start_all=start_all_components)
        return dev_compose.main(ui, meta, project_dir, options, component=component or bool(app_did or app_dir),
                                app_did=app_did, app_dir=app_dir, mount_point=mount_point)
    script = devenv.dev_script(meta, str(meta_path)) if group not in (*NOTHING_TO_RUN, "static") else ""
    static_root = project_dir / str(meta.get("main") or ".")
    if group == "static" and not static_root.is_dir():
        raise NotFoundError(f"the static folder {static_root} does not exist (`main` in blocklet.yml)")
    tree = _verify_components(ui, meta, project_dir, offline, store_url)
    if group in NOTHING_TO_RUN:
        return _nothing_to_run(ui, meta, group, tree)

    paths = devenv.DevPaths.for_project(project_dir, name)
    for folder in paths.prepare(reset=reset):
        ui.info(f"Emptied {folder}")
    chosen_port = devenv.choose_port(paths, port)  # the gateway's: what users open
    app_port = devenv.free_port()  # the blocklet's own (BLOCKLET_PORT), behind the gateway as on a server
    while app_port == chosen_port:
        app_port = devenv.free_port()
    settings = devenv.DevSettings(
        project_dir=project_dir, paths=paths, port=app_port,
        app_wallet=devenv.load_wallet(paths.wallet_file),
        node_wallet=devenv.load_wallet(node_wallet_file(), devenv.NODE_TYPE),
        host_version=__version__, app_url=app_url, expose_sk=unsafe_expose_sk, public_port=chosen_port)

    def ask(entry: dict) -> str:
        question = f"{entry['name']}" + (f" ({entry['description']})" if entry.get("description") else "")
        return ui.prompt(question, flag=f"{entry['name']} in .env.development.local", env=entry["name"],
                         secret=bool(entry.get("secure")))

    env = devenv.compute_environment(meta, settings, ask=ask if ui.env.interactive else None)
    if env.ignored:
        ui.verbose(f"Not passed (not declared in `environments`): {', '.join(env.ignored)}")
    for key, value in sorted(env.redacted().items()):
        ui.verbose(f"{key}={value}")
    url = settings.app_url or f"http://127.0.0.1:{chosen_port}"
    run = _Run(ui, meta, project_dir, paths, env, url, open_browser, app_port)
    if unsafe_expose_sk:
        ui.warn("BLOCKLET_APP_SK is given to the process (--unsafe-expose-sk)")
    ui.info(f"Dev folder: {paths.root}")
    gateway = run.front(chosen_port)
    try:
        if group == "static":
            return run.static(static_root, chosen_port, watch)
        return run.dapp(script, chosen_port, watch)
    finally:
        gateway.close()


def _verify_components(ui, meta: dict, project_dir: Path, offline: bool, store_url: str | None = None):
    """The verified component tree (as `bundle` and `add` check it), or None when the blocklet has no components."""
    from blocklet_cli.core.components.resolve import verify_tree

    if not meta.get("components"):
        return None
    with ui.spinner("Checking components"):
        tree = verify_tree(meta, project_dir=project_dir, offline=offline,
                           default_store=store_url)
    ui.success(f"{tree.count} component(s) verified" + (" (offline)" if tree.offline else ""))
    return tree


def _nothing_to_run(ui, meta: dict, group: str, tree) -> int:
    from blocklet_cli.core.dev.composition import merge_services

    components = tree.to_dict()["components"] if tree is not None else []
    entries = {e.get("name"): e for e in meta.get("components") or [] if isinstance(e, dict)}
    for document, resolved in zip(components, tree.components if tree is not None else [], strict=True):
        document["services"] = merge_services(entries.get(resolved.name), resolved.meta)
    if ui.json_mode:
        ui.result({"name": meta.get("name"), "did": meta.get("did"), "group": group, "running": False,
                   "components": components})
        return 0
    if group in NOTHING_TO_RUN:
        ui.info(f"{meta.get('name')} is a {group} blocklet: there is nothing to run locally of its own "
                "(without --plan, `blocklet dev` runs its components behind one port).")
    else:
        ui.info(f"{meta.get('name')} ({group}): components checked, nothing started (--plan)")
    if components:
        ui.table([(c["name"], c["version"], c["mountPoint"] or "", c["metaUrl"]) for c in components],
                 headers=("component", "version", "mount point", "source"))
    else:
        ui.info("It declares no components.")
    return 0


class _Run:
    """The rendering side of one dev run: output lines, events, signals, the start document."""

    def __init__(self, ui, meta: dict, project_dir: Path, paths, env, url: str, open_browser: bool,
                 app_port: int) -> None:
        import threading

        self.app_port = app_port
        self.ui = ui
        self.meta = meta
        self.project_dir = project_dir
        self.paths = paths
        self.env = env
        self.url = url
        self.open_browser = open_browser
        self.lock = threading.Lock()
        self.announced = False

    # -- output ---------------------------------------------------------------------------------
    def output(self, label: str, stream: str, line: str) -> None:
        import contextlib
        import sys

        # the app's stdout is ours only on a terminal: piped, our stdout holds the URL line (or the --json document)
        to_stdout = stream == "stdout" and not self.ui.json_mode and self.ui.env.stdout_isatty
        target = sys.stdout if to_stdout else sys.stderr
        with self.lock, contextlib.suppress(OSError):  # a closed stdout must not stall the app's output pipe
            target.write(f"{label} | {line}\n")
            target.flush()

    def announce(self, port: int, pid: int, watch: bool) -> None:
        """The start document (--json) or the human start lines; once per run."""
        if self.announced:
            return
        self.announced = True
        document = {
            "name": self.meta.get("name"), "did": self.meta.get("did"), "group": self.meta.get("group") or "dapp",
            "projectDir": str(self.project_dir), "devDir": str(self.paths.root), "url": self.url, "port": port,
            "appPort": self.app_port, "pid": pid, "watch": watch, "env": self.env.to_dict(),
        }
        with self.lock:
            if self.ui.json_mode:
                self.ui.result(document)
            else:
                self.ui.success(f"{self.meta.get('name')} is starting on {self.url} (pid {pid})")

    def ready(self) -> None:
        with self.lock:
            self.ui.success(f"Ready: {self.url}")
            self.ui.result_url(self.url)
        if self.open_browser:
            self._open()

    def _open(self) -> None:
        import webbrowser

        try:
            browser = webbrowser.get()
        except webbrowser.Error:
            self.ui.warn(f"No browser found: open {self.url} yourself")
            return
        browser.open(self.url)

    # -- signals --------------------------------------------------------------------------------
    def trap(self, on_signal) -> dict:
        import signal

        previous = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda number, frame: on_signal(number))
        return previous

    @staticmethod
    def untrap(previous: dict) -> None:
        import signal

        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def stopped_message(self, signum: int) -> None:
        import signal

        self.ui.info(f"Stopped ({signal.Signals(signum).name})")

    # -- runs -----------------------------------------------------------------------------------
    def front(self, port: int):
        """The dev gateway on `port` in front of the blocklet's own port: it routes everything to the blocklet
        with the router's headers, and answers what the server answers itself (`/__blocklet__.js`, the
        well-known service paths), as for a composed app."""
        import uuid

        from blocklet_cli.cli.output import sanitize
        from blocklet_cli.core.dev.gateway import Gateway, Route
        from blocklet_cli.core.dev.pages import standalone_handler

        app = self.env.values["BLOCKLET_DID"]  # the app's DID: its wallet's address, as on a server
        did = str(self.meta.get("did") or "")
        route = Route("/", self.app_port, str(self.meta.get("name")), did=app, component_id=f"{app}/{did}",
                      rule_id=str(uuid.uuid4()))

        def on_request(method: str, path: str, status: int, name: str) -> None:
            self.ui.verbose(f"{method} {sanitize(path)} {status}")

        return Gateway([route], port, local=standalone_handler(self.meta, dict(self.env.values), self.app_port),
                       on_request=on_request).start()

    def static(self, root: Path, port: int, watch: bool) -> int:
        import os
        import threading

        from blocklet_cli.core.dev.static_server import serve_static

        stop = threading.Event()
        received: list[int] = []

        def on_signal(signum: int) -> None:
            received.append(signum)
            stop.set()

        server = serve_static(root, self.app_port, front_port=port)
        previous = self.trap(on_signal)
        try:
            self.announce(port, os.getpid(), watch)
            if watch:
                self.ui.info("Static files are served as they are on disk: --watch has nothing to restart")
            self.ready()
            while not stop.wait(0.2):
                pass
        finally:
            server.close()
            self.untrap(previous)
        self.stopped_message(received[0])
        return 128 + received[0]

    def dapp(self, script: str, port: int, watch: bool) -> int:
        import os

        from blocklet_cli.core.dev import env as devenv
        from blocklet_cli.core.dev.supervisor import RunSpec, Supervisor, watch_changes

        hooks_before = [(hook, cmd) for hook in ("preFlight", "preStart")
                        if (cmd := devenv.hook_script(self.meta, hook))]
        post = devenv.hook_script(self.meta, "postStart")
        spec = RunSpec(command=script, cwd=self.project_dir, env=self.env.process_env(os.environ),
                       port=self.app_port,
                       label=str(self.meta.get("name")), hooks_before=hooks_before,
                       hooks_after=[("postStart", post)] if post else [])
        supervisor = Supervisor(spec, on_output=self.output, on_event=lambda name, details: self.event(
            name, details, port, watch))
        previous = self.trap(supervisor.request_stop)
        try:
            if watch:
                def changed(paths: list[str]) -> None:
                    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
                    with self.lock:
                        self.ui.info(f"Changed: {shown}: restarting")
                    supervisor.restart.set()

                watch_changes(self.project_dir, changed, supervisor.stop)
            result = supervisor.run()
        finally:
            supervisor.stop.set()
            self.untrap(previous)
        if result.reason == "signal":
            self.stopped_message(supervisor.stop_signal)
        elif result.exit_code != 0:
            self.ui.warn(f"{self.meta.get('name')} exited with code {result.exit_code}")
        else:
            self.ui.info(f"{self.meta.get('name')} exited")
        return result.exit_code

    def event(self, name: str, details: dict, port: int, watch: bool) -> None:
        if name == "hook":
            with self.lock:
                self.ui.info(f"Running hook {details['hook']}")
        elif name == "started":
            self.announce(port, details["pid"], watch)
            if details["restarts"]:
                with self.lock:
                    self.ui.info(f"Restarted (pid {details['pid']})")
        elif name == "ready" and details["first"]:
            self.ready()
        elif name == "hook-failed":
            with self.lock:
                self.ui.warn(details["message"])
