"""`deploy`: install or upgrade a blocklet as a component of an existing app on a Blocklet Server.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/deploy.js (folder rules, mount point,
node_modules refusal, request order). Orchestration only: settings are resolved here through the
settings table (`core/settings.py`: flag > environment and dotenv files > access-key.ini), the release
is built with the bundler when it is missing or older than the project's version, and the requests
live in `core/server/client.py`.

`plan_deploy()` works offline (what `--dry-run` shows); `run_deploy()` talks to the server.
"""

from __future__ import annotations

import json
import os
import re
import tarfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from blocklet_cli.core import safejson
from blocklet_cli.core.errors import BundleError, FileFormatError, NotFoundError, RemoteError, UsageError
from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.report import NULL_REPORTER, Reporter
from blocklet_cli.core.server import client as server
from blocklet_cli.core.settings import BY_NAME, resolve

ENV_ENDPOINT = BY_NAME["deployEndpoint"].env_vars[0]
ENV_ACCESS_KEY = BY_NAME["deployAccessKey"].env_vars[0]
ENV_ACCESS_SECRET = BY_NAME["deployAccessSecret"].env_vars[0]
DEFAULT_TIMEOUT = 1800.0  # seconds, like the reference's 30 minutes

STAGES = {"discover": "Finding the server's GraphQL endpoint", "app": "Checking the app",
          "verify": "Checking the result"}  # descriptions of the deploy task while it is not uploading
# The app states in which Blocklet Server 1.17.12 refuses an upload with "Can not deploy blocklet when it
# is <status>" (ArcBlock/blocklet-server core/state/lib/blocklet/manager/helper/install-component-from-upload.js,
# whose busy states are @blocklet/meta's `isInProgress`): deploy waits for them to pass and tries again.
BUSY_STATUSES = frozenset({"downloading", "waiting", "starting", "installing", "extracting", "stopping",
                           "upgrading", "restarting", "deleting"})
BUSY_ANSWER = re.compile(r"can ?not deploy blocklet when it is (\w+)", re.IGNORECASE)
BUSY_POLL = 2.0


@dataclass
class ReleaseFiles:
    """Where the release to upload is, and the project it comes from (None for a bare release)."""

    release_dir: Path
    project_dir: Path | None
    bundle_dir: Path | None

    @property
    def meta_path(self) -> Path:
        return self.release_dir / "blocklet.json"


@dataclass
class DeployPlan:
    """Everything deploy will send, computed offline."""

    folder: Path
    endpoint_url: str
    app_did: str | None
    key: server.AccessKey
    meta: dict
    tarball: Path
    mount_point: str
    mount_point_source: str
    built: bool = False
    build_reason: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # setting -> where it came from (for --verbose)

    @property
    def size(self) -> int:
        return self.tarball.stat().st_size

    @property
    def integrity(self) -> str:
        return str(self.meta["dist"]["integrity"])

    def component(self) -> dict:
        return {key: self.meta.get(key) for key in ("did", "name", "title", "version")}

    @property
    def label(self) -> str:
        """`title@version` (the name when there is no title)."""
        return f"{self.meta.get('title') or self.meta.get('name')}@{self.meta.get('version')}"

    def to_dict(self) -> dict:
        """The request as it would be sent; the secret and the signature are never included."""
        operations = server.install_operations(self.app_did or "<app id>", self.mount_point, self.tarball.name,
                                               self.integrity)
        return {
            "dryRun": True,
            "component": self.component(),
            "app": {"did": self.app_did},
            "endpoint": self.endpoint_url,
            "mountPoint": self.mount_point,
            "mountPointSource": self.mount_point_source,
            "release": {"tarball": str(self.tarball), "size": self.size, "integrity": self.integrity,
                        "built": self.built, "buildReason": self.build_reason},
            "accessKey": {"id": self.key.key_id, "source": self.key.source},
            "request": {
                "method": "POST",
                "url": "<endpoint>/api/gql (after discovery)",
                "headers": {"x-access-key-id": self.key.key_id, "x-access-stamp": "<milliseconds at send time>",
                            "x-access-signature": "<Ed25519 signature, not shown>",
                            "x-access-blocklet": self.app_did or "<app id>"},
                "parts": {"operations": operations, "map": json.loads(server.MULTIPART_MAP),
                          "file0": {"filename": self.tarball.name, "contentType": "application/octet-stream",
                                    "size": self.size}},
            },
        }


@dataclass
class DeployResult:
    """A finished deploy."""

    component: dict
    app: dict
    mount_point: str
    url: str | None
    endpoint: server.Endpoint
    status: str | None
    size: int
    built: bool
    seconds: float

    def to_dict(self) -> dict:
        return {"component": self.component, "app": self.app, "mountPoint": self.mount_point, "url": self.url,
                "endpoint": self.endpoint.to_dict(), "status": self.status, "size": self.size,
                "built": self.built, "seconds": round(self.seconds, 3)}


# -- settings ---------------------------------------------------------------------------------
def _first(*values: str | None) -> str | None:
    for value in values:
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def resolve_app_did(flag: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """`--app-id` > `$BLOCKLET_DEPLOY_APP_DID` > `$BLOCKLET_DEPLOY_APP_ID`; `did:abt:` stripped."""
    value = resolve("deployAppDid", flag, environ).value
    if value is None:
        return None
    value = did_core.strip_prefix(value)
    if not did_core.is_valid(value):
        raise UsageError(f"the app id {value!r} is not a valid DID", hint="pass the app's DID with --app-id")
    return value


def resolve_access_key(app_did: str | None, key_flag: str | None, secret_flag: str | None,
                       environ: Mapping[str, str] | None = None, *,
                       secret_source: str | None = None) -> server.AccessKey:
    """Flags, else the environment (and dotenv files), else the app's section of access-key.ini
    (`secret_source`: where a `secret_flag` read by the caller came from, e.g. `file:<path>`)."""
    from blocklet_cli.core import paths
    from blocklet_cli.core.server import access_keys

    key_id = resolve("deployAccessKey", key_flag, environ).value
    secret = resolve("deployAccessSecret", secret_flag, environ).value
    flags = _first(key_flag) or _first(secret_flag)
    source = "--access-key/--access-secret" if flags else f"{ENV_ACCESS_KEY}/{ENV_ACCESS_SECRET}"
    if secret_source and _first(secret_flag):
        source = f"{'--access-key' if _first(key_flag) else ENV_ACCESS_KEY} and the secret from {secret_source}"
    if key_id and secret:
        return server.AccessKey.parse(key_id, secret, source=source)
    if key_id or secret:
        missing = "--access-secret or $" + ENV_ACCESS_SECRET if key_id else "--access-key or $" + ENV_ACCESS_KEY
        raise UsageError(f"an access key needs both its id and its secret: also pass {missing}")
    stored = access_keys.load_access_key(app_did) if app_did else None
    if stored is None:
        where = f" (nor in {paths.access_key_file()} for app {app_did})" if app_did else ""
        raise UsageError(f"no access key given{where}",
                         hint=f"pass --access-key and --access-secret, or set ${ENV_ACCESS_KEY} and "
                              f"${ENV_ACCESS_SECRET}")
    return stored


# -- the release ------------------------------------------------------------------------------
def locate_release(folder: Path) -> ReleaseFiles:
    """A project folder, its `.blocklet/bundle` folder, or a release folder (with blocklet.json + tgz)."""
    folder = Path(os.path.expanduser(str(folder)))
    if not folder.is_dir():
        raise NotFoundError(f"cannot deploy from {folder}: the folder does not exist")
    folder = folder.resolve()
    if folder.parent.name == ".blocklet" and folder.name in ("bundle", "release"):
        project = folder.parent.parent
        has_meta = any((project / name).is_file() for name in ("blocklet.yml", "blocklet.yaml"))
        return ReleaseFiles(folder.parent / "release", project if has_meta else None, folder.parent / "bundle")
    if any((folder / name).is_file() for name in ("blocklet.yml", "blocklet.yaml")) or (folder / ".blocklet").is_dir():
        return ReleaseFiles(folder / ".blocklet" / "release", folder, folder / ".blocklet" / "bundle")
    from blocklet_cli.core.meta.legacy import legacy_project_error, legacy_sources

    sources = legacy_sources(folder)
    if (folder / "blocklet.json").is_file() and not (sources and not _has_dist(folder / "blocklet.json")):
        return ReleaseFiles(folder, None, None)
    if sources:  # a first-generation project: its blocklet.json is metadata, not a release
        raise legacy_project_error(folder, sources)
    raise NotFoundError(f"{folder} is not a blocklet project, bundle or release folder (no blocklet.yml)")


def _has_dist(path: Path) -> bool:
    """True when `path` reads as release metadata (it has `dist`); unreadable files count as releases (the
    release reader reports them)."""
    try:
        data = safejson.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return not isinstance(data, dict) or "dist" in data


def read_release_meta(files: ReleaseFiles) -> tuple[dict, Path] | None:
    """The release's blocklet.json and tarball, None when either is missing."""
    try:
        meta = safejson.loads(files.meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"the release meta is not valid JSON: {exc}", location=str(files.meta_path)) from None
    dist = meta.get("dist") if isinstance(meta, dict) else None
    if not isinstance(dist, dict) or not dist.get("tarball") or not dist.get("integrity"):
        raise FileFormatError("the release meta has no dist.tarball/dist.integrity", location=str(files.meta_path))
    tarball = files.release_dir / Path(str(dist["tarball"])).name
    return (meta, tarball) if tarball.is_file() else None


def _project_version(project: Path) -> str | None:
    from blocklet_cli.core.meta.api import load_meta

    data = load_meta(project).data
    return str(data.get("version")) if isinstance(data, dict) and data.get("version") is not None else None


def ensure_release(files: ReleaseFiles, *, rebuild: bool = False,
                   reporter: Reporter = NULL_REPORTER) -> tuple[dict, Path, str | None]:
    """(release meta, tarball, why it was built or None): builds it when missing, when the project's
    version differs from the release's, or when `rebuild` is set."""
    found = read_release_meta(files)
    reason = None
    if rebuild:
        reason = "--rebuild was given"
    elif found is None:
        reason = "no release found"
    elif files.project_dir is not None:
        version = _project_version(files.project_dir)
        if version is not None and version != str(found[0].get("version")):
            reason = f"the release is version {found[0].get('version')}, the project is {version}"
    if reason is None and found is not None:
        return found[0], found[1], None
    if files.project_dir is None:
        raise NotFoundError(f"no release in {files.release_dir} and no project to build one from",
                            hint="run `blocklet bundle --create-release` in the project folder")
    from blocklet_cli.core.bundle import build_bundle

    reporter.info(f"Building the release first: {reason}")
    build_bundle(files.project_dir, create_release=True)
    built = read_release_meta(files)
    if built is None:
        raise BundleError(f"building the release did not produce {files.meta_path} and its tarball")
    return built[0], built[1], reason


def node_modules_in_folder(folder: Path) -> str | None:
    """The first `node_modules` folder inside a bundle folder (relative POSIX path), None if none."""
    for root, dirs, _ in os.walk(folder):
        dirs.sort()
        if "node_modules" in dirs:
            return (Path(root) / "node_modules").relative_to(folder).as_posix()
    return None


def forbidden_node_modules(tarball: Path) -> str | None:
    """The first path of the tarball inside a `node_modules` folder (the server refuses them)."""
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            for member in archive:
                parts = member.name.split("/")
                if "node_modules" in parts[:-1] or (member.isdir() and parts[-1] == "node_modules"):
                    return member.name.removeprefix("package/")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FileFormatError(f"the release tarball cannot be read: {exc}", location=str(tarball)) from None
    return None


def busy_status(message: str) -> str | None:
    """The app state named by the server's "Can not deploy blocklet when it is <status>" answer."""
    found = BUSY_ANSWER.search(message or "")
    return found.group(1).lower() if found and found.group(1).lower() in BUSY_STATUSES else None


def _wait_while_busy(client, endpoint, plan: DeployPlan, app_did: str, app: dict, deadline: float, task) -> None:
    """Poll the app until it leaves a busy state (starting, installing, …); RemoteError at the deadline."""
    status = str(app.get("status") or "")
    while status in BUSY_STATUSES:
        if time.monotonic() + BUSY_POLL > deadline:
            raise RemoteError(f"the app {app_did} is still {status} on the server; try again when it is done",
                              hint="raise --timeout to wait longer")
        task.advance(0, description=f"Waiting: the app is {status}")
        time.sleep(BUSY_POLL)
        current = server.get_app(client, endpoint, plan.key, app_did) or {}
        status = str(current.get("status") or "")


# -- mount point ------------------------------------------------------------------------------
def has_mount_point(meta: dict) -> bool:
    """`@blocklet/meta` `hasMountPoint`: a web interface or a start engine, and not a gateway."""
    if meta.get("group") == "gateway":
        return False
    interfaces = meta.get("interfaces") or []
    web = any(isinstance(item, dict) and item.get("type") == "web" for item in interfaces)
    return web or meta.get("group") == "dapp"


def resolve_mount_point(meta: dict, flag: str | None, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(mount point, where it came from): flag > env > `/` + url-friendly title or name."""
    if not has_mount_point(meta):
        return f"/{meta.get('did')}", "placeholder: the blocklet has no web interface"
    found = resolve("deployMountPoint", flag, environ)
    value = found.value
    if value:
        source = str(BY_NAME["deployMountPoint"].flag) if found.source == "flag" else str(found.source)[4:]
    else:
        from blocklet_cli.core.meta.names import url_path_friendly

        name = url_path_friendly(str(meta.get("title") or "")) or url_path_friendly(str(meta.get("name") or ""))
        return f"/{name}".lower(), "default, from the title"
    from blocklet_cli.core.meta.mount_point import mount_point_problem, normalize_mount_point

    problem = "must start with /" if not value.startswith("/") else mount_point_problem(value)
    if problem:
        raise UsageError(f"invalid mount point {value!r} ({source}): it {problem}",
                         hint="use a path such as /my-blocklet")
    return normalize_mount_point(value), source


# -- the two steps ----------------------------------------------------------------------------
def project_root(folder: Path) -> Path:
    """The project folder of a project, bundle or release folder (`<project>/.blocklet/{bundle,release}`)."""
    folder = folder.expanduser()
    if folder.name in ("bundle", "release") and folder.parent.name == ".blocklet":
        return folder.parent.parent
    return folder


def plan_deploy(folder: str | Path, *, endpoint: str | None = None, app_did: str | None = None,
                access_key: str | None = None, access_secret: str | None = None,
                secret_source: str | None = None, mount_point: str | None = None, rebuild: bool = False,
                reporter: Reporter = NULL_REPORTER) -> DeployPlan:
    """Resolve settings, build the release when needed and check it; no network.

    Settings come from the flags, then the environment, then the project's dotenv files (`.env`,
    `.env.local`, `.env.development`, `.env.development.local`, as the reference loads them)."""
    from blocklet_cli.core.project.dotenv import project_environ

    env = project_environ(project_root(Path(folder)))
    found = resolve("deployEndpoint", endpoint, env)
    endpoint_url = found.value
    if not endpoint_url:
        raise UsageError(f"the server endpoint is required: pass --endpoint or set ${ENV_ENDPOINT}")
    server.check_endpoint_url(endpoint_url)
    app = resolve_app_did(app_did, env)
    key = resolve_access_key(app, access_key, access_secret, env, secret_source=secret_source)
    files = locate_release(Path(folder))
    meta, tarball, reason = ensure_release(files, rebuild=rebuild, reporter=reporter)
    from blocklet_cli.core.store.publish import Release, check_integrity

    check_integrity(Release(files.meta_path, meta, tarball))  # the tarball must be the one blocklet.json describes
    hint = "bundle again so dependencies go into blocklet.zip (`blocklet bundle --create-release`)"
    bad = forbidden_node_modules(tarball)
    if bad:
        raise BundleError(f"the release contains node_modules ({bad}); Blocklet Server refuses it",
                          location=str(tarball), hint=hint)
    bad = node_modules_in_folder(files.bundle_dir) if files.bundle_dir and files.bundle_dir.is_dir() else None
    if bad:  # the reference refuses these too (its tarball may leave them out, and the deps with them)
        raise BundleError(f"the bundle contains node_modules ({bad}); deploying it is refused",
                          location=str(files.bundle_dir), hint=hint)
    mount, mount_source = resolve_mount_point(meta, mount_point, env)
    sources = {"endpoint": str(found.source), "app": str(resolve("deployAppDid", app_did, env).source),
               "access key": key.source, "mount point": mount_source}
    return DeployPlan(Path(folder), endpoint_url, app, key, meta, tarball, mount, mount_source,
                      built=reason is not None, build_reason=reason, sources=sources)


def run_deploy(plan: DeployPlan, *, timeout: float = DEFAULT_TIMEOUT,
               reporter: Reporter = NULL_REPORTER) -> DeployResult:
    """Find the endpoint, check the app exists, upload the release; the app as the server reports it.
    One `Deploying title@version` task of the release's bytes."""
    from blocklet_cli.core import http

    started = time.monotonic()
    with reporter.task(f"Deploying {plan.label}", total=plan.size, unit="bytes") as task, \
            http.client(timeout=timeout, cache=False) as client:
        task.advance(0, description=STAGES["discover"])
        endpoint = server.discover_endpoint(client, plan.endpoint_url)
        app_did = plan.app_did or endpoint.app_pid
        if not app_did:
            raise UsageError("the app to deploy to is required: pass --app-id or set $BLOCKLET_DEPLOY_APP_DID")
        task.advance(0, description=STAGES["app"])
        app = server.get_app(client, endpoint, plan.key, app_did)
        if app is None:
            raise NotFoundError(f"app {app_did} does not exist on the server {endpoint.url}",
                                hint="create the app on the server first, or check --app-id")
        size = plan.size
        deadline = started + timeout
        uploaded = False
        while True:
            _wait_while_busy(client, endpoint, plan, app_did, app, deadline, task)
            if uploaded:  # the server read the whole tarball before it refused it: the bar starts again
                task.advance(-size)
            task.advance(0, description=f"Uploading {plan.label}")
            try:
                uploaded = True
                server.install_component(client, endpoint, plan.key, app_did, tarball=plan.tarball,
                                         mount_point=plan.mount_point, integrity=plan.integrity, task=task)
                break
            except RemoteError as exc:
                status = busy_status(exc.message)
                if status is None or time.monotonic() + BUSY_POLL > deadline:
                    raise
                app = {**app, "status": status}
        task.advance(0, description=STAGES["verify"])
        after = server.get_app(client, endpoint, plan.key, app_did) or app
    child = next((c for c in after.get("children") or [] if (c.get("meta") or {}).get("did") == plan.meta["did"]),
                 None)
    base = server.app_url(after)
    url = None
    if base:
        served_at = (child or {}).get("mountPoint") or "/"
        url = base.rstrip("/") + ("/" + served_at.strip("/") if served_at.strip("/") else "/")
    app_meta = after.get("meta") or {}
    return DeployResult(
        component=plan.component() | ({"version": child["meta"].get("version")} if child else {}),
        app={"did": app_did, "title": app_meta.get("title"), "status": after.get("status")},
        mount_point=plan.mount_point, url=url, endpoint=endpoint, status=(child or {}).get("status"),
        size=size, built=plan.built, seconds=time.monotonic() - started)
