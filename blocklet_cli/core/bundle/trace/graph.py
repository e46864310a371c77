"""Follow a dapp's code from its entry files through every module it loads.

Starting from the entry, hook, migration and `files` scripts, each JavaScript/TypeScript file is
parsed (`parser`), each specifier resolved the way Node does (`resolve`), and the files reached are
collected per package (a package is identified by the real folder it lives in, so pnpm, npm, yarn and
workspaces look alike). A package ships the code reached in it plus its run-time assets (`native`);
a non-literal `require()`/`import()` inside a package ships the whole package (and says so), one in
the app traces every app file. Every resolved path must stay inside the workspace.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from blocklet_cli.core.bundle.npmname import valid_package_name
from blocklet_cli.core.bundle.trace import native
from blocklet_cli.core.bundle.trace.parser import PARSED_SUFFIXES, Specifier, parse_module
from blocklet_cli.core.bundle.trace.resolve import Resolver, package_name
from blocklet_cli.core.errors import BundleError, UnsafePathError

NM = "/node_modules/"


@dataclass
class Note:
    """Something the tracer found worth saying: where (file:line) and what."""

    file: str
    line: int
    message: str
    package: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message, "package": self.package}


@dataclass
class TracedPackage:
    """A package instance the app reaches: name it is required by, real folder, files to ship."""

    name: str
    real_dir: str
    version: str = ""
    files: set[str] = field(default_factory=set)
    deps: dict[str, str] = field(default_factory=dict)  # name -> real_dir of the package it resolves to
    whole: str | None = None  # why the whole package ships


@dataclass
class Edge:
    """One resolved specifier: checked again against the planned bundle."""

    source: str  # real path of the requiring file
    specifier: str
    esm: bool
    target: str  # real path it resolved to
    line: int
    sync: bool = False  # resolved with the `module-sync` condition (newer Node versions)


@dataclass
class Trace:
    """What the tracer found."""

    project: str
    boundary: str
    app_files: set[str] = field(default_factory=set)  # real paths of app/workspace files reached
    root_deps: dict[str, str] = field(default_factory=dict)
    packages: dict[str, TracedPackage] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    non_literal: list[Note] = field(default_factory=list)
    unresolved: list[Note] = field(default_factory=list)
    externals: dict[str, str] = field(default_factory=dict)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class _Tracer:
    def __init__(self, project: Path, boundary: Path, externals: Sequence[str]) -> None:
        self.project = os.path.realpath(project)
        self.boundary = os.path.realpath(boundary)
        self.resolver = Resolver()
        self.trace = Trace(self.project, self.boundary)
        self.externals = set(externals)
        self.local_packages: dict[str, str] = {}  # real dir -> name, for workspace packages outside node_modules
        self.seen: set[str] = set()
        self.queue: deque[str] = deque()
        self.app_whole = False
        self.app_code: list[str] = []
        self.errors: list[str] = []
        self.listings: dict[str, tuple[str, ...]] = {}
        self.lenient = False  # misses in app code are notes, not errors (`files` scripts: maybe browser code)

    def files_of(self, real_dir: str) -> tuple[str, ...]:
        if real_dir not in self.listings:
            self.listings[real_dir] = native.package_files(real_dir)
        return self.listings[real_dir]

    def show(self, path: str) -> str:
        for base in (self.project, self.boundary):
            if _inside(path, base):
                return os.path.relpath(path, base)
        return path

    def owner(self, path: str) -> str | None:
        """Real folder of the package holding `path`, None for app files."""
        index = path.rfind(NM)
        if index >= 0:
            parts = path[index + len(NM):].split("/")
            count = 2 if parts[0].startswith("@") else 1
            if len(parts) > count:
                return path[:index + len(NM)] + "/".join(parts[:count])
        best = None
        for folder in self.local_packages:
            if _inside(path, folder) and (best is None or len(folder) > len(best)):
                best = folder
        return best

    def package(self, real_dir: str, name: str) -> TracedPackage:
        found = self.trace.packages.get(real_dir)
        if found is None:
            manifest = self.resolver.tree.read_json(os.path.join(real_dir, "package.json")) or {}
            found = TracedPackage(name=name, real_dir=real_dir, version=str(manifest.get("version", "")))
            self.trace.packages[real_dir] = found
            for rel in native.asset_files(self.files_of(real_dir)):
                found.files.add(rel)
            found.files.add("package.json")
        return found

    def ship_whole(self, package: TracedPackage, why: str) -> None:
        if package.whole:
            return
        package.whole = why
        for rel in self.files_of(package.real_dir):
            package.files.add(rel)
            if rel.endswith(PARSED_SUFFIXES) and not rel.endswith((".d.ts", ".d.mts", ".d.cts")):
                self.add(os.path.join(package.real_dir, rel))

    def add(self, path: str) -> None:
        if path in self.seen:
            return
        if not _inside(path, self.boundary):
            raise UnsafePathError(f"{path} is outside the workspace {self.boundary}; bundles only hold files "
                                  "from the project and its workspace (a symlink leads out of it?)")
        self.seen.add(path)
        self.queue.append(path)

    def run(self, roots: Iterable[str], app_code: Iterable[str], lenient_roots: Iterable[str] = ()) -> Trace:
        self.app_code = list(app_code)
        for group, lenient in ((roots, False), (lenient_roots, True)):
            self.lenient = lenient
            for root in group:
                self.add(os.path.realpath(root))
            while self.queue:
                self.visit(self.queue.popleft())
        if self.errors:
            raise BundleError("the app loads modules that cannot be found:\n  " + "\n  ".join(self.errors),
                              hint="install them (npm/pnpm install), fix the specifier, or leave them out "
                                   "with --external NAME")
        return self.trace

    def visit(self, path: str) -> None:
        key = self.owner(path)
        if key is None:
            self.trace.app_files.add(path)
        else:
            name = self.local_packages.get(key) or package_name(key[key.rfind(NM) + len(NM):])[0]
            self.package(key, name).files.add(os.path.relpath(path, key))
        if not path.endswith(PARSED_SUFFIXES) or path.endswith((".d.ts", ".d.mts", ".d.cts")):
            return
        try:
            with open(path, "rb") as handle:
                source = handle.read()
        except OSError as exc:
            raise BundleError(f"cannot read {self.show(path)}: {exc.strerror}") from exc
        module = parse_module(source, path)
        for spec in module.specifiers:
            self.follow(path, key, spec)
        for value, _ in module.scripts:
            self.script(path, key, value)

    def script(self, path: str, key: str | None, value: str) -> None:
        """A string naming a script (a worker, a forked child, a file served or read as code): ship
        the files of the same package (or of the app) it can name."""
        if value.startswith("/") or "://" in value:
            return
        top = key or self.project
        rel = value[2:] if value.startswith("./") else value
        candidates = {os.path.normpath(os.path.join(os.path.dirname(path), value)),
                      os.path.normpath(os.path.join(top, rel))}
        if "/" not in rel:
            names = self.files_of(key) if key else self.app_code
            candidates.update(os.path.join(top, item) for item in names if os.path.basename(item) == rel)
        for candidate in sorted(candidates)[:8]:
            if not _inside(candidate, top) or not os.path.isfile(candidate):
                continue
            real = os.path.realpath(candidate)
            if _inside(real, self.boundary) and self.owner(real) == key:
                self.add(real)

    def follow(self, path: str, key: str | None, spec: Specifier) -> None:
        where = self.show(path)
        pkg = self.trace.packages[key] if key else None
        if spec.value is None:
            self.trace.non_literal.append(Note(where, spec.line, f"non-literal {spec.kind}({spec.text})",
                                               pkg.name if pkg else None))
            if pkg:
                self.ship_whole(pkg, f"non-literal {spec.kind} at {where}:{spec.line}")
            elif not self.app_whole:
                self.app_whole = True
                for rel in self.app_code:
                    if rel.endswith(PARSED_SUFFIXES):
                        self.add(os.path.realpath(os.path.join(self.project, rel)))
            return
        value = spec.value
        if not value.startswith((".", "/", "#", "node:")) and value not in ("", ):
            name = package_name(value)[0]
            if not valid_package_name(name):
                raise UnsafePathError(f"{where}:{spec.line}: {value!r} is not a valid npm package name")
            if name in self.externals:
                return
        resolved = self.resolver.resolve(value, path, esm=spec.esm)
        if resolved.kind == "builtin":
            return
        if resolved.kind == "missing":
            message = f"cannot find {value!r} ({resolved.reason})"
            if spec.guarded or pkg is not None or self.lenient:
                self.trace.unresolved.append(Note(where, spec.line, message + (
                    " (inside try: optional)" if spec.guarded else ""), pkg.name if pkg else None))
            else:
                self.errors.append(f"{where}:{spec.line}: {message}")
            return
        self.reach(path, key, pkg, spec, resolved, sync=False)
        newer = self.resolver.resolve(value, path, esm=spec.esm, sync=True)  # Node with `module-sync`
        if newer.kind == "file" and newer.path != resolved.path:
            self.reach(path, key, pkg, spec, newer, sync=True)

    def reach(self, path: str, key: str | None, pkg: TracedPackage | None, spec: Specifier, resolved,
              *, sync: bool) -> None:
        where, value, target = self.show(path), spec.value or "", resolved.path
        if not _inside(target, self.boundary):
            raise UnsafePathError(f"{where}:{spec.line}: {value!r} resolves to {target}, outside the workspace "
                                  f"{self.boundary} (a symlink leads out of it?)")
        if resolved.package and resolved.package_dir and resolved.package_dir != key \
                and resolved.package_dir != self.project:
            dep_dir = resolved.package_dir
            if NM not in dep_dir:
                self.local_packages.setdefault(dep_dir, resolved.package)
            dep = self.package(dep_dir, resolved.package)
            needs = pkg.deps if pkg else self.trace.root_deps
            needs.setdefault(resolved.package, dep_dir)
            if spec.kind == "require.resolve":
                self.ship_whole(dep, f"located with require.resolve at {where}:{spec.line}")
        elif spec.kind == "require.resolve":
            owner = self.owner(target)
            if owner and owner != key and owner in self.trace.packages:
                self.ship_whole(self.trace.packages[owner], f"located with require.resolve at {where}:{spec.line}")
        self.trace.edges.append(Edge(path, value, spec.esm, target, spec.line, sync))
        self.add(target)


def trace_app(project: Path, roots: Iterable[str], *, app_code: Iterable[str] = (), boundary: Path | None = None,
              externals: Sequence[str] = (), lenient_roots: Iterable[str] = ()) -> Trace:
    """Trace `roots` (paths relative to `project`) and everything they load. `app_code` lists the app's
    own files (traced too when app code loads modules by computed names). Packages named in
    `externals` are left out. Raises BundleError when app code loads a module that is not installed,
    UnsafePathError when a path leads out of `boundary` (default: the project). `lenient_roots`
    (`files` scripts, which may be browser code) are traced after `roots`; what only they load and
    cannot be found is noted in `unresolved` instead."""
    project = Path(project).absolute()
    tracer = _Tracer(project, boundary or project, externals)
    return tracer.run([os.path.join(project, rel) for rel in roots], app_code,
                      [os.path.join(project, rel) for rel in lenient_roots])
