"""Component trees: where a component comes from, fetching its meta with fallback, and verifying
the whole tree before `add`, `bundle` and `dev`.

Reference: ArcBlock/blocklet-server blocklet/meta/src/util-meta.ts (`getSourceUrlsFromConfig`: store source →
meta URL; `getBlockletMetaFromUrl`: fetch, validate, name check, tarball HEAD) and
core/cli/lib/util/blocklet/meta.js (`checkCircularDependencies`: recursive verification). Sources are `url` or
`store` + `name`, several of each as fallbacks, `version: latest` or exact.

Differences from the reference, on purpose:
* fallback is deterministic: all sources of a component are fetched concurrently, and the answer of
  the *earliest-listed* healthy source wins (the reference takes whichever answers first);
* every skipped source is reported with its reason, and named in the error when all fail;
* cycles are printed as a path (`a → b → c → a`); sibling mount points and names must be unique;
* a failed tarball HEAD (not only a wrong content type) makes a source unhealthy, except 405/501;
* `offline=True` resolves from the cache of earlier answers (`component_cache`).
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

from blocklet_cli.core.errors import BlockletError, ComponentError
from blocklet_cli.core.report import NULL_REPORTER, NullTask, Reporter, Task

DEFAULT_STORE = "https://store.blocklet.dev"
MAX_DEPTH = 40
DEFAULT_WORKERS = 32
# The reference accepts octet-stream and x-gzip; static web servers label `.tgz` files with the tar and
# gzip types too (Python's http.server: application/x-tar), and a file store must work behind any of them.
TARBALL_TYPES = frozenset({"application/octet-stream", "application/x-gzip", "application/gzip", "application/x-tar",
                           "application/x-gtar", "application/x-compressed-tar", "application/x-tgz"})
# `dist.integrity` as stores and our releases write it: an SRI string (`sha512-<base64>`, like npm's)
SRI = re.compile(r"^sha(?:256|384|512)-(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
ARROW = " → "
# what the reference sends (blocklet/meta/src/util-meta.ts); a store may shape its answer by the server version
STORE_HEADERS = {"x-blocklet-server-version": "1.17.12"}

# progress(done, total, name): called after each component is resolved; total grows as children appear


# -- sources ---------------------------------------------------------------------------------
def normalize_store(url: str) -> str:
    """A store address as the reference uses it: `https://` prepended when no scheme, no trailing `/`.

    A static file store (`blocklet publish --store <folder>`) is a `file://` URL or a folder path
    (absolute, `./…`, `../…`, `~/…`, or an existing folder); it becomes a `file://` URL."""
    from blocklet_cli.core.store_address import parse

    address = parse(str(url))
    if address.kind == "file" and address.path is not None:  # a file address always has its path
        return _file_store(address.path, url)
    if address.kind != "http":
        raise ComponentError(f"invalid store URL {url!r}: expected http(s)://host[:port]")
    return address.url


def _file_store(path: Path, given: str) -> str:
    if not path.is_dir():
        raise ComponentError(f"file store {given!r} is not a folder", hint="publish into it first: "
                             "blocklet publish --store <folder>")
    return path.resolve().as_uri()


def store_meta_url(store: str, name: str, version: str = "latest") -> str:
    """`{store}/api/blocklets/{did of name}/[{version}/]blocklet.json` (no version segment for latest)."""
    from blocklet_cli.core.identity.did import to_blocklet_did

    did = to_blocklet_did(name)
    segment = "" if not version or version == "latest" else f"{quote(str(version), safe='')}/"
    return f"{normalize_store(store)}/api/blocklets/{did}/{segment}blocklet.json"


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _label(entry: Any, index: int) -> str:
    if isinstance(entry, dict):
        for key in ("name", "title"):
            if isinstance(entry.get(key), str) and entry[key]:
                return entry[key]
        source = entry.get("source")
        if isinstance(source, dict) and isinstance(source.get("name"), str):
            return source["name"]
    return f"#{index + 1}"


def _absolute_file_url(url: str, project_dir: Path | None) -> str:
    from blocklet_cli.core.store_address import file_url_path

    path = file_url_path(url)
    if not path.is_absolute():
        path = (project_dir or Path.cwd()) / path
    return path.resolve().as_uri()


def entry_sources(entry: Any, *, default_store: str | None = None, project_dir: Path | None = None,
                  label: str | None = None, allow_files: bool = True) -> tuple[list[str], str | None]:
    """The meta URLs of one `components[]` entry, in fallback order, and the name its meta must have.

    `source.url` (one or a list; http(s) or file, relative `file:` paths taken from `project_dir`) or
    `source.store` (one or a list; `default_store` when absent) with `source.name` and `version`.
    `allow_files=False` (components listed by a meta fetched over the network) refuses `file:` URLs.
    """
    label = label or _label(entry, 0)
    if not isinstance(entry, dict):
        raise ComponentError(f"component {label} must be a mapping")
    source = entry.get("source")
    if not isinstance(source, dict):
        raise ComponentError(f"component {label} has no source (give source.url or source.store + source.name)")
    if source.get("url") is not None:
        urls = []
        for url in _as_list(source["url"]):
            if not isinstance(url, str) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url.strip()):
                raise ComponentError(f"component {label}: source.url {url!r} is not a URL")
            url = url.strip()
            if url.startswith("file:") and not allow_files:
                raise ComponentError(f"component {label}: a blocklet fetched over the network cannot point to "
                                     f"a local file ({url})")
            urls.append(_absolute_file_url(url, project_dir) if url.startswith("file:") else url)
        if not urls:
            raise ComponentError(f"component {label}: source.url is empty")
        name = entry.get("name")
        return urls, name if isinstance(name, str) and name else None
    name = source.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ComponentError(f"component {label} has no source (give source.url or source.store + source.name)")
    stores = _as_list(source.get("store")) or _as_list(default_store)
    if not stores:
        raise ComponentError(f"missing 'store' in source of component {label}",
                             hint="add source.store, or pass --store / --store-url")
    version = str(source.get("version") or "latest")
    if version != "latest" and not EXACT_VERSION.match(version):
        raise ComponentError(f"component {label}: version {version!r} must be 'latest' or an exact x.y.z")
    return [store_meta_url(store, name, version) for store in stores], name


# -- mount points and siblings ---------------------------------------------------------------
def mount_point_problem(value: Any) -> str | None:
    """Why a mount point is invalid (`core.meta.mount_point`), or None."""
    from blocklet_cli.core.meta.mount_point import mount_point_problem as problem

    return problem(value)


def _mount_key(value: str) -> str:
    from blocklet_cli.core.meta.mount_point import normalize_mount_point

    return normalize_mount_point(value)


def check_siblings(entries: list, *, where: str = "") -> None:
    """Components of one parent: valid mount points, no mount point or name used twice."""
    names: dict[str, str] = {}
    mounts: dict[str, str] = {}
    suffix = f" (in {where})" if where else ""
    for index, entry in enumerate(entries):
        label = _label(entry, index)
        if not isinstance(entry, dict):
            raise ComponentError(f"component {label} must be a mapping{suffix}")
        name = entry.get("name")
        if isinstance(name, str) and name:
            if name in names:
                raise ComponentError(f"component {name} is listed twice{suffix}")
            names[name] = name
        if "mountPoint" in entry:
            problem = mount_point_problem(entry["mountPoint"])
            if problem:
                raise ComponentError(f"component {label}: /components/{index}/mountPoint "
                                     f"{entry['mountPoint']!r} {problem}{suffix}")
            key = _mount_key(entry["mountPoint"])
            if key in mounts:
                raise ComponentError(f"mount point {key} is used by both {mounts[key]} and {label}{suffix} "
                                     f"(at /components/{index}/mountPoint)")
            mounts[key] = label


def children_of(meta: dict) -> list:
    """`components` (or legacy `children`) of a meta, as a list."""
    value = meta.get("components")
    if value is None:
        value = meta.get("children")
    if value is None:
        return []
    if not isinstance(value, list):
        raise ComponentError(f"components of {meta.get('name', 'the blocklet')} must be a list")
    return value


# -- results ---------------------------------------------------------------------------------
@dataclass
class SkippedSource:
    """A source that was tried and not used, and why."""

    url: str
    reason: str

    def to_dict(self) -> dict:
        return {"url": self.url, "reason": self.reason}


@dataclass
class ResolvedComponent:
    """One component of the tree, as its chosen source describes it."""

    name: str
    did: str
    version: str
    title: str | None
    mount_point: str | None
    meta_url: str
    tarball: str
    source_index: int
    from_cache: bool = False
    skipped: list[SkippedSource] = field(default_factory=list)
    children: list[ResolvedComponent] = field(default_factory=list)
    meta: dict = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        return {
            "name": self.name, "did": self.did, "version": self.version, "title": self.title,
            "mountPoint": self.mount_point, "metaUrl": self.meta_url, "tarball": self.tarball,
            "sourceIndex": self.source_index, "fromCache": self.from_cache,
            "skipped": [s.to_dict() for s in self.skipped],
            "children": [c.to_dict() for c in self.children],
        }


@dataclass
class ComponentTree:
    """The verified component tree of a blocklet."""

    name: str | None
    did: str | None
    components: list[ResolvedComponent]
    offline: bool = False
    elapsed: float = 0.0

    def walk(self):
        """Every component, depth first, parents before children."""
        stack = list(reversed(self.components))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    @property
    def count(self) -> int:
        return sum(1 for _ in self.walk())

    def to_dict(self) -> dict:
        return {"name": self.name, "did": self.did, "count": self.count, "offline": self.offline,
                "elapsed": round(self.elapsed, 3), "components": [c.to_dict() for c in self.components]}


# -- fetching one source ---------------------------------------------------------------------
class _Unhealthy(Exception):
    """A source was skipped (the reason is the message)."""


def _check_name_and_did(meta: dict) -> None:
    from blocklet_cli.core.identity.did import to_blocklet_did

    name, did = meta.get("name"), meta.get("did")
    if name != did and to_blocklet_did(str(name)) != did:
        raise _Unhealthy(f"name {name} does not match did {did} in its meta")


def fetch_source(client: Any, url: str, expected_name: str | None,
                 on_meta: Callable[[dict], None] | None = None) -> dict:
    """GET a component meta, validate it (dist required), check its name, resolve and HEAD its
    tarball. Returns the meta with an absolute `dist.tarball`; raises `_Unhealthy` with the reason.
    `on_meta(meta)` is called once the meta is valid, before the HEAD (to start work on children)."""
    from blocklet_cli.core.meta import validate_meta_dict

    try:
        data = client.get_json(url, headers=STORE_HEADERS)
    except BlockletError as exc:
        raise _Unhealthy(exc.message.removeprefix(f"GET {url}: ")) from exc
    if not isinstance(data, dict):
        raise _Unhealthy("the answer is not a JSON object")
    meta = dict(data)
    meta.pop("htmlAst", None)
    issues = validate_meta_dict(meta, ensure_dist=True, source=url)
    if issues:
        listed = "; ".join(f"{i.pointer or '/'} {i.message}" for i in issues[:3])
        more = f" (+{len(issues) - 3} more)" if len(issues) > 3 else ""
        raise _Unhealthy(f"invalid metadata: {listed}{more}")
    if expected_name and expected_name not in (meta.get("name"), meta.get("did")):
        raise _Unhealthy(f"invalid name: expected {expected_name}, got {meta.get('name')}")
    _check_name_and_did(meta)
    integrity = str(meta["dist"].get("integrity", ""))
    if not SRI.match(integrity):
        raise _Unhealthy(f"dist.integrity {integrity[:40]!r} is not a subresource integrity string (sha512-<base64>)")
    if on_meta is not None:
        on_meta(meta)
    tarball = urljoin(url, str(meta["dist"]["tarball"]))
    if tarball.startswith("file:") and not url.startswith("file:"):
        raise _Unhealthy(f"a blocklet fetched over the network cannot point to a local tarball ({tarball})")
    try:
        head = client.head(tarball)
    except BlockletError as exc:
        if getattr(exc, "status", None) not in (405, 501):
            raise _Unhealthy(f"tarball {tarball}: {exc.message.removeprefix(f'HEAD {tarball}: ')}") from exc
    else:
        if head.content_type not in TARBALL_TYPES:
            raise _Unhealthy(f"tarball {tarball} has content type {head.content_type or 'none'}, "
                             "expected a tarball type (application/octet-stream, application/x-gzip, …)")
    meta["dist"] = {**meta["dist"], "tarball": tarball}
    return meta


def _needs_web_interface(meta: dict) -> bool:
    """A component that starts a process (dapp with `main`, no docker image) without a web interface."""
    found = meta.get("docker")
    docker = found if isinstance(found, dict) else {}
    if meta.get("group") != "dapp" or not meta.get("main") or docker.get("image"):
        return False
    found = meta.get("interfaces")
    interfaces = found if isinstance(found, list) else []
    return not any(isinstance(i, dict) and i.get("type") == "web" for i in interfaces)


class _DaemonPool:
    """A small thread pool whose threads never hold the process open: a source that hangs after
    another one already answered is not waited for at exit (ThreadPoolExecutor would join it)."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            self._queue.put((future, fn, args))
            if len(self._threads) < self._workers:
                thread = threading.Thread(target=self._work, name=f"component-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self) -> None:
        """Cancel what has not started; running work ends on its own (daemon threads)."""
        with self._lock:
            self._closed = True
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
            for _ in self._threads:
                self._queue.put(None)


# -- the tree resolver -----------------------------------------------------------------------
@dataclass
class _Node:
    entry: dict
    label: str
    chain: list[tuple[str, str]]  # (name, did) of the ancestors, the project first
    urls: list[str]
    expected: str | None
    outcomes: list[Any]  # None (pending), dict (meta), _Unhealthy
    futures: list[Future] = field(default_factory=list)
    result: ResolvedComponent | None = None


class _Resolver:
    def __init__(self, client: Any, *, default_store: str | None, project_dir: Path | None, offline: bool,
                 cache: Any, task: Task, workers: int) -> None:
        self.client = client
        self.default_store = default_store
        self.project_dir = project_dir
        self.offline = offline
        self.cache = cache
        self.task = task
        self.workers = max(1, workers)
        self.pending: dict[Future, tuple[_Node, int]] = {}
        self.done = 0
        self.total = 0
        self.lock = threading.Lock()
        self.prefetched: set[str] = set()
        self.pool: _DaemonPool | None = None

    def _fetch(self, url: str, expected: str | None) -> tuple[dict, bool]:
        if self.offline and not url.startswith("file:"):
            meta = self.cache.get(url)
            if meta is None:
                raise _Unhealthy("not in the offline cache")
            return meta, True
        return fetch_source(self.client, url, expected, on_meta=self._prefetch_children), False

    def _prefetch_children(self, meta: dict) -> None:
        """Start fetching the sources of `meta`'s components while its tarball HEAD is running.

        Speculative: answers land in the HTTP client's cache (requests in flight are joined), so when
        the parent is decided its children resolve from there. Each URL is prefetched once."""
        pool = self.pool
        if pool is None:  # not inside `run`: nothing to warm the cache with
            return
        try:
            entries = children_of(meta)
        except ComponentError:
            return
        for index, entry in enumerate(entries):
            try:
                urls, expected = entry_sources(entry, default_store=self.default_store,
                                               project_dir=self.project_dir, label=_label(entry, index),
                                               allow_files=False)
            except ComponentError:
                continue
            for url in urls:
                with self.lock:
                    if url in self.prefetched:
                        continue
                    self.prefetched.add(url)
                try:
                    pool.submit(self._warm, url, expected)
                except RuntimeError:  # the resolution is over (pool shut down)
                    return

    def _warm(self, url: str, expected: str | None) -> None:
        # speculative: any failure is met again (and reported) by the real fetch of this source
        with contextlib.suppress(Exception):
            fetch_source(self.client, url, expected, on_meta=self._prefetch_children)

    def _nodes_for(self, entries: list, chain: list[tuple[str, str]], allow_files: bool = True) -> list[_Node]:
        where = ARROW.join(name for name, _ in chain)
        check_siblings(entries, where=where if len(chain) > 1 else "")
        nodes = []
        for index, entry in enumerate(entries):
            label = _label(entry, index)
            urls, expected = entry_sources(entry, default_store=self.default_store, project_dir=self.project_dir,
                                           label=label, allow_files=allow_files)
            nodes.append(_Node(entry, label, chain, urls, expected, [None] * len(urls)))
        return nodes

    def _submit(self, pool: _DaemonPool, node: _Node) -> None:
        self.total += 1
        for index, url in enumerate(node.urls):
            future = pool.submit(self._fetch, url, node.expected)
            node.futures.append(future)
            self.pending[future] = (node, index)

    def _decide(self, node: _Node) -> tuple[int, dict, bool] | None:
        """The earliest-listed healthy source once every earlier one has failed; None while waiting."""
        for index, outcome in enumerate(node.outcomes):
            if outcome is None:
                return None
            if not isinstance(outcome, _Unhealthy):
                return index, outcome[0], outcome[1]
        skipped = "; ".join(f"{url}: {reason}" for url, reason in zip(node.urls, node.outcomes, strict=True))
        where = f" (in {ARROW.join(name for name, _ in node.chain)})" if len(node.chain) > 1 else ""
        hint = "run once without --offline to fill the cache" if self.offline else None
        raise ComponentError(f"cannot resolve component {node.label}{where}: {skipped}", hint=hint)

    def _accept(self, node: _Node, index: int, meta: dict, from_cache: bool) -> ResolvedComponent:
        for future in node.futures:
            future.cancel()
            self.pending.pop(future, None)
        name, did = str(meta["name"]), str(meta["did"])
        title = node.entry.get("title") or meta.get("title") or None
        path = ARROW.join([*(n for n, _ in node.chain), name])
        if meta.get("group") == "gateway":
            raise ComponentError(f"cannot add gateway component {meta.get('title') or name} ({path}): "
                                 "a gateway blocklet cannot be a component")
        if _needs_web_interface(meta):
            raise ComponentError(f"web interface not found in component {meta.get('title') or name} ({path}): "
                                 "a component that runs a process must declare a `web` interface")
        if any(did == ancestor_did for _, ancestor_did in node.chain):
            start = next(i for i, (_, d) in enumerate(node.chain) if d == did)
            cycle = ARROW.join([*(n for n, _ in node.chain[start:]), name])
            raise ComponentError(f"components have a circular dependency: {cycle}")
        if len(node.chain) > MAX_DEPTH:
            raise ComponentError(f"the component tree is deeper than {MAX_DEPTH} levels: {path}")
        if not from_cache and not node.urls[index].startswith("file:") and self.cache is not None:
            self.cache.put(node.urls[index], meta)
        mount = node.entry.get("mountPoint")
        earlier = zip(node.urls[:index], node.outcomes[:index], strict=True)
        skipped = [SkippedSource(url, str(outcome)) for url, outcome in earlier]
        return ResolvedComponent(
            name=name, did=did, version=str(meta.get("version", "")), title=title,
            mount_point=mount.strip() if isinstance(mount, str) else None, meta_url=node.urls[index],
            tarball=str(meta["dist"]["tarball"]), source_index=index, from_cache=from_cache, skipped=skipped,
            meta=meta,
        )

    def run(self, chain: list[tuple[str, str]], entries: list) -> list[ResolvedComponent]:
        roots = self._nodes_for(entries, chain)
        if not roots:
            return []
        pool = self.pool = _DaemonPool(self.workers)
        try:
            for node in roots:
                self._submit(pool, node)
            while self.pending:
                finished, _ = wait(list(self.pending), return_when=FIRST_COMPLETED)
                for future in finished:
                    if future not in self.pending:
                        continue
                    node, index = self.pending.pop(future)
                    try:
                        node.outcomes[index] = future.result()
                    except _Unhealthy as exc:
                        node.outcomes[index] = exc
                    self._advance(pool, node)
        finally:
            pool.shutdown()
        return [node.result for node in roots if node.result is not None]

    def _advance(self, pool: _DaemonPool, node: _Node) -> None:
        if node.result is not None:
            return
        decision = self._decide(node)
        if decision is None:
            return
        node.result = self._accept(node, *decision)
        self.done += 1
        self.task.advance(1, total=self.total, description=node.result.name)
        chain = [*node.chain, (node.result.name, node.result.did)]
        local = node.result.meta_url.startswith("file:")
        for child in self._nodes_for(children_of(node.result.meta), chain, allow_files=local):
            self._submit(pool, child)
            # keep the listed order: reserve the slot now, `_fill` swaps in the result at the end
            node.result.children.append(_Placeholder(child))  # type: ignore[arg-type]


class _Placeholder:
    def __init__(self, node: _Node) -> None:
        self.node = node


def _fill(components: list) -> list[ResolvedComponent]:
    result = []
    for item in components:
        node = item.node.result if isinstance(item, _Placeholder) else item
        if node is None:
            continue
        node.children = _fill(node.children)
        result.append(node)
    return result


# -- public entry point ----------------------------------------------------------------------
def verify_tree(meta: dict, *, project_dir: str | Path | None = None, default_store: str | None = None,
                offline: bool = False, reporter: Reporter = NULL_REPORTER,
                description: str = "Checking components", timeout: float | None = None,
                workers: int = DEFAULT_WORKERS, cache_dir: str | Path | None = None,
                client: Any = None) -> ComponentTree:
    """Resolve and check every component of `meta` (and theirs, recursively), concurrently.

    Raises ComponentError (a source list that all failed, naming each source and why; a cycle, a
    gateway component, a name/did mismatch, a bad or duplicated mount point). `default_store` is used
    for store sources without `store`. `offline` resolves only from the cache of earlier answers.
    `timeout` overrides the HTTP read timeout; `client` an `http.HttpClient` to share (its cache).
    Progress: one task (`description`) counting resolved components, when there are any.
    """
    from blocklet_cli.core.components.cache import ComponentCache
    from blocklet_cli.core.identity.did import to_blocklet_did

    started = time.perf_counter()
    if not isinstance(meta, dict):
        raise ComponentError("the blocklet metadata must be a mapping")
    name = meta.get("name") if isinstance(meta.get("name"), str) else None
    did = meta.get("did") if isinstance(meta.get("did"), str) else (to_blocklet_did(name) if name else None)
    chain = [(name or did or "blocklet", did or "")]
    entries = children_of(meta)
    cache = ComponentCache(Path(cache_dir) if cache_dir else None)
    directory = Path(project_dir) if project_dir is not None else None
    default = normalize_store(default_store) if default_store else None
    own_client = client is None and bool(entries)
    if own_client:
        from blocklet_cli.core import http

        client = http.HttpClient(timeout=timeout)
    task = reporter.task(description, unit="items") if entries else NullTask()
    try:
        with task:
            resolver = _Resolver(client, default_store=default, project_dir=directory, offline=offline, cache=cache,
                                 task=task, workers=workers)
            components = _fill(resolver.run(chain, entries))
    finally:
        if own_client:
            client.close()  # also ends requests still running for sources we no longer need
    return ComponentTree(name=name, did=did, components=components, offline=offline,
                         elapsed=time.perf_counter() - started)
