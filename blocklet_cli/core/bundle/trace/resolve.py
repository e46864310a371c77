"""Node's module resolution (CommonJS `require` and ES `import`), over a real or a planned tree.

Covers builtins (with or without `node:`), relative and absolute paths, file extensions and directory
indexes, `main`, `exports` (subpaths, `*` patterns, nested conditions; `require`/`import`/`node`/
`node-addons`/`default`), `imports` (`#` specifiers), self-references, JSON and `.node` addons, and
the `node_modules` lookup that walks up from the *real* path of the requiring file (so pnpm's
`node_modules/.pnpm/<pkg>@<version>/node_modules` siblings are found). Beyond Node, a missing
`.js` falls back to the TypeScript source (`./x.js` → `./x.ts`) so TypeScript projects trace too.

`RealTree` reads the disk; `PlannedTree` is a set of bundle paths, used to check that every traced
specifier still resolves inside the bundle once it is laid out.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass
from typing import Literal

BUILTINS = frozenset((  # noqa: SIM905 (one readable line per group)
    "assert assert/strict async_hooks buffer child_process cluster console constants crypto dgram "
    "diagnostics_channel dns dns/promises domain events fs fs/promises http http2 https inspector "
    "inspector/promises module net os path path/posix path/win32 perf_hooks process punycode querystring "
    "readline readline/promises repl stream stream/consumers stream/promises stream/web string_decoder sys "
    "timers timers/promises tls trace_events tty url util util/types v8 vm wasi worker_threads zlib").split())
REQUIRE_CONDITIONS = ("require", "node", "node-addons", "default")
IMPORT_CONDITIONS = ("import", "node", "node-addons", "default")
# Node 20.19+/22.12+ also match `module-sync` (require of ES modules): the server's Node may or may not
SYNC = "module-sync"
FILE_SUFFIXES = (".js", ".json", ".node", ".cjs", ".mjs", ".ts", ".tsx", ".mts", ".cts")
INDEX_NAMES = tuple("index" + suffix for suffix in FILE_SUFFIXES)
TS_FOR_JS = {".js": (".ts", ".tsx"), ".mjs": (".mts",), ".cjs": (".cts",), ".jsx": (".tsx",)}


class Tree:
    """The file system the resolver looks at (absolute POSIX paths)."""

    def is_file(self, path: str) -> bool:
        raise NotImplementedError

    def is_dir(self, path: str) -> bool:
        raise NotImplementedError

    def read_json(self, path: str) -> dict | None:
        raise NotImplementedError

    def real(self, path: str) -> str:
        return path


class RealTree(Tree):
    """The disk, with `package.json` reads cached."""

    def __init__(self) -> None:
        self._json: dict[str, dict | None] = {}
        self._real: dict[str, str] = {}

    def is_file(self, path: str) -> bool:
        return os.path.isfile(path)

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def read_json(self, path: str) -> dict | None:
        if path not in self._json:
            try:
                with open(path, "rb") as handle:
                    data = json.loads(handle.read())
            except (OSError, ValueError):
                data = None
            self._json[path] = data if isinstance(data, dict) else None
        return self._json[path]

    def real(self, path: str) -> str:
        if path not in self._real:
            self._real[path] = os.path.realpath(path)
        return self._real[path]


class PlannedTree(Tree):
    """A planned bundle: bundle path → source file (package.json contents are read from the source)."""

    def __init__(self, root: str, files: dict[str, str], reader: RealTree) -> None:
        self.root = root.rstrip("/") or "/"
        self.files = {posixpath.join(self.root, name): source for name, source in files.items()}
        self.dirs: set[str] = set()
        for path in self.files:
            folder = posixpath.dirname(path)
            while folder not in self.dirs and folder != "/":
                self.dirs.add(folder)
                folder = posixpath.dirname(folder)
        self.reader = reader

    def is_file(self, path: str) -> bool:
        return path in self.files

    def is_dir(self, path: str) -> bool:
        return path in self.dirs

    def read_json(self, path: str) -> dict | None:
        source = self.files.get(path)
        return self.reader.read_json(source) if source else None


@dataclass(frozen=True)
class Resolved:
    """Where a specifier leads: a builtin, a file (real path), or nowhere. For a bare specifier,
    `package` is its package name and `package_dir` the folder Node found it in (real path)."""

    kind: Literal["builtin", "file", "missing"]
    path: str | None = None
    package: str | None = None
    package_dir: str | None = None
    reason: str = ""


def package_name(specifier: str) -> tuple[str, str]:
    """(`name`, `./subpath` or `.`) of a bare specifier (`@scope/name/sub` → `@scope/name`, `./sub`)."""
    parts = specifier.split("/")
    count = 2 if specifier.startswith("@") else 1
    return "/".join(parts[:count]), "./" + "/".join(parts[count:]) if len(parts) > count else "."


def is_builtin(specifier: str) -> bool:
    return specifier.startswith("node:") or specifier in BUILTINS


def is_relative(specifier: str) -> bool:
    return specifier in (".", "..") or specifier.startswith(("./", "../", "/"))


class Resolver:
    """Node's resolution algorithm over a `Tree`."""

    def __init__(self, tree: Tree | None = None) -> None:
        self.tree = tree or RealTree()

    def resolve(self, specifier: str, from_file: str, *, esm: bool = False, sync: bool = False) -> Resolved:
        """Where `specifier` leads from `from_file`: with `require`'s conditions, or `import`'s with
        `esm`; `sync` adds `module-sync` (as newer Node versions do)."""
        conditions: tuple[str, ...] = IMPORT_CONDITIONS if esm else REQUIRE_CONDITIONS
        if sync:
            conditions = (conditions[0], SYNC, *conditions[1:])
        return self._resolve(specifier, from_file, conditions)

    def _resolve(self, specifier: str, from_file: str, conditions: tuple[str, ...]) -> Resolved:
        if is_builtin(specifier):
            return Resolved("builtin")
        base = posixpath.dirname(self.tree.real(from_file))
        if is_relative(specifier):
            found = self._file_or_dir(posixpath.normpath(posixpath.join(base, specifier)))
            return self._done(found, f"no file {specifier!r} next to {from_file}")
        if specifier.startswith("#"):
            return self._imports(specifier, base, conditions)
        return self._package(specifier, base, conditions)

    def _done(self, path: str | None, reason: str, package: str | None = None,
              package_dir: str | None = None) -> Resolved:
        if path is None:
            return Resolved("missing", reason=reason, package=package)
        return Resolved("file", self.tree.real(path), package, package_dir)

    # LOAD_AS_FILE / LOAD_AS_DIRECTORY
    def _file(self, path: str) -> str | None:
        tree = self.tree
        if tree.is_file(path):
            return path
        for suffix in FILE_SUFFIXES:
            if tree.is_file(path + suffix):
                return path + suffix
        stem, suffix = posixpath.splitext(path)
        for alternative in TS_FOR_JS.get(suffix, ()):
            if tree.is_file(stem + alternative):
                return stem + alternative
        return None

    def _index(self, path: str) -> str | None:
        for name in INDEX_NAMES:
            if self.tree.is_file(posixpath.join(path, name)):
                return posixpath.join(path, name)
        return None

    def _directory(self, path: str) -> str | None:
        if not self.tree.is_dir(path):
            return None
        manifest = self.tree.read_json(posixpath.join(path, "package.json")) or {}
        main = manifest.get("main")
        if isinstance(main, str) and main:
            target = posixpath.normpath(posixpath.join(path, main))
            found = self._file(target) or (self._index(target) if self.tree.is_dir(target) else None)
            if found:
                return found
        return self._index(path)

    def _file_or_dir(self, path: str) -> str | None:
        return self._file(path) or self._directory(path)

    # package scopes, exports and imports
    def _scope(self, folder: str) -> tuple[str, dict] | None:
        """The nearest folder (from `folder` up) holding a package.json, and its contents."""
        current = folder
        while True:
            manifest = posixpath.join(current, "package.json")
            if self.tree.is_file(manifest):
                return current, self.tree.read_json(manifest) or {}
            if posixpath.basename(current) == "node_modules" or current == "/":
                return None
            current = posixpath.dirname(current)

    def _imports(self, specifier: str, base: str, conditions: tuple[str, ...]) -> Resolved:
        scope = self._scope(base)
        imports = scope[1].get("imports") if scope else None
        if scope is None or not isinstance(imports, dict):
            return Resolved("missing", reason=f"no package.json `imports` maps {specifier!r}")
        found = self._map(scope[0], imports, specifier, conditions, allow_bare=True)
        return self._done(found, f"package.json `imports` of {scope[0]} does not map {specifier!r}")

    def _package(self, specifier: str, base: str, conditions: tuple[str, ...]) -> Resolved:
        name, subpath = package_name(specifier)
        if subpath.endswith("/"):  # `string_decoder/`: the package's folder (and never the builtin)
            subpath = subpath.rstrip("/")
        scope = self._scope(base)
        if scope and scope[1].get("name") == name and scope[1].get("exports") is not None:
            found = self._exports(scope[0], scope[1]["exports"], subpath, conditions)
            return self._done(found, f"{name} (self-reference) does not export {subpath!r}", name, scope[0])
        current = base
        while True:
            if posixpath.basename(current) != "node_modules":
                folder = posixpath.join(current, "node_modules", name)
                if self.tree.is_dir(folder):
                    real = self.tree.real(folder)
                    manifest = self.tree.read_json(posixpath.join(folder, "package.json")) or {}
                    exports = manifest.get("exports")
                    if exports is not None:
                        found = self._exports(folder, exports, subpath, conditions)
                        return self._done(found, f"{name} does not export {subpath!r} for these conditions "
                                          f"({', '.join(conditions)})", name, real)
                    target = folder if subpath == "." else posixpath.join(folder, subpath[2:])
                    found = self._file_or_dir(target) if subpath != "." else self._directory(folder)
                    if found:
                        return self._done(found, "", name, real)
            if current == "/":
                return Resolved("missing", package=name, reason=f"package {name} is not installed")
            current = posixpath.dirname(current)

    def _exports(self, folder: str, exports, subpath: str, conditions: tuple[str, ...]) -> str | None:
        if isinstance(exports, (str, list)) or (isinstance(exports, dict) and not any(
                key.startswith(".") for key in exports)):
            exports = {".": exports}
        if not isinstance(exports, dict):
            return None
        return self._map(folder, exports, subpath, conditions, allow_bare=False)

    def _map(self, folder: str, mapping: dict, key: str, conditions: tuple[str, ...], *,
             allow_bare: bool) -> str | None:
        if key in mapping and "*" not in key:
            return self._target(folder, mapping[key], None, conditions, allow_bare)
        best: tuple[str, str] | None = None
        for pattern in mapping:
            star = pattern.find("*")
            if star < 0 or pattern.find("*", star + 1) >= 0:
                continue
            prefix, suffix = pattern[:star], pattern[star + 1:]
            matches = key.startswith(prefix) and key != prefix and (not suffix or (
                key.endswith(suffix) and len(key) >= len(pattern)))
            if matches and (best is None or _pattern_order(pattern) < _pattern_order(best[0])):
                best = (pattern, key[len(prefix):len(key) - len(suffix)])
        if best is None:
            return None
        return self._target(folder, mapping[best[0]], best[1], conditions, allow_bare)

    def _target(self, folder: str, target, match: str | None, conditions: tuple[str, ...], allow_bare: bool):
        if isinstance(target, str):
            if match is not None:
                target = target.replace("*", match)
            if not target.startswith("./"):
                if allow_bare and not is_relative(target):
                    found = self._resolve(target, posixpath.join(folder, "package.json"), conditions)
                    return found.path if found.kind == "file" else None
                return None
            path = posixpath.normpath(posixpath.join(folder, target))
            if not (path + "/").startswith(folder.rstrip("/") + "/"):
                return None  # an export may not leave its package
            return path if self.tree.is_file(path) else None
        if isinstance(target, list):
            for item in target:
                found = self._target(folder, item, match, conditions, allow_bare)
                if found:
                    return found
            return None
        if isinstance(target, dict):
            for condition, value in target.items():
                if condition in conditions:
                    found = self._target(folder, value, match, conditions, allow_bare)
                    if found:
                        return found
            return None
        return None


def _pattern_order(pattern: str) -> tuple[int, int]:
    """Node's PATTERN_KEY_COMPARE: the longer prefix before `*` wins, then the longer key."""
    return (-pattern.index("*"), -len(pattern))
