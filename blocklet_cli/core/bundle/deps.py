"""Node dependency helpers: the versions of `--external` packages, the project files reached through
relative requires (`trace_local_requires`), and the production dependency closure.

Zip mode ships what `trace/` finds the app loads. `dependency_closure` (every production dependency,
transitively, what zip mode shipped before the tracer; reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/bundle/zip/dependencies.js follows package.json the same way) is kept
for library users and as the baseline of benchmarks/zip_mode.py.

From `package.json` `dependencies` and `optionalDependencies`, transitively, each package found the
way Node finds it: the nearest `node_modules/<name>` walking up from the requiring package (so
hoisted monorepo dependencies are found). Dev dependencies are never followed. A package ships its
files minus nested `node_modules`, tests, docs, TypeScript sources/declarations, source maps and
lock files; a missing optional dependency is skipped, a missing required one is an error.

Dependency names must be valid npm package names (no `..`, no absolute path), and every package
must resolve (symlinks followed) inside the project or its workspace root.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from blocklet_cli.core.bundle.npmname import valid_package_name
from blocklet_cli.core.errors import BundleError, FileFormatError, NotFoundError, UnsafePathError, UsageError

SKIPPED_TOP_DIRS = frozenset({"test", "tests", "__tests__", "doc", "docs", "coverage", "example", "examples",
                              ".github", ".vscode", ".idea", "benchmark", "benchmarks"})
SKIPPED_DIRS = frozenset({"node_modules", ".git", ".blocklet", ".abtnode", ".nyc_output"})
JUNK = ("*.map", "*.d.ts", "*.d.mts", "*.d.cts", "*.ts", "*.tsx", "*.mts", "*.cts", "*.log", "*.lock", "*~",
        "*.patch", ".npmignore", ".gitignore", ".eslintrc*", ".prettierrc*", ".editorconfig", ".travis.yml",
        "package-lock.json", "yarn.lock", "pnpm-lock.yaml", ".DS_Store", "tsconfig*.json", "*.tsbuildinfo")
SKIPPED_DEPENDENCIES = ("@types/*", "@cypress/*")
# validate-npm-package-name's URL-safe form, upper case allowed (old packages such as JSONStream)


@dataclass
class Package:
    """A resolved dependency: its name, the folder where Node finds it, and where its files are."""

    name: str
    location: Path  # <dir>/node_modules/<name> (maybe a symlink)
    real: Path
    version: str = ""
    files: list[str] = field(default_factory=list)  # relative to `real`


def read_package_json(path: Path) -> dict:
    from blocklet_cli.core.safejson import loads

    try:
        data = loads(path.read_bytes())
    except OSError as exc:
        raise FileFormatError(f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise FileFormatError(f"{path} is not valid JSON: {exc}", location=str(path)) from None
    if not isinstance(data, dict):
        raise FileFormatError(f"{path} must hold a JSON object", location=str(path))
    return data


def find_package(name: str, start: Path) -> Path | None:
    """Node's lookup: the nearest `node_modules/<name>` with a package.json, from `start` upwards."""
    for folder in [start, *start.parents]:
        if folder.name == "node_modules":
            continue
        candidate = folder / "node_modules" / name
        if (candidate / "package.json").is_file():
            return candidate
    return None


def _wanted(package_json: dict, who: str) -> list[tuple[str, bool]]:
    wanted: dict[str, bool] = {}
    for key, optional in (("dependencies", False), ("optionalDependencies", True)):
        listed = package_json.get(key) or {}
        if not isinstance(listed, dict):
            raise BundleError(f"{key} of {who} must be an object of package names")
        for name in listed:
            if not valid_package_name(name):
                raise BundleError(f"{key} of {who}: {name!r} is not a valid npm package name",
                                  hint="dependency names look like `lib` or `@scope/lib`; fix package.json")
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in SKIPPED_DEPENDENCIES):
                wanted[name] = optional if name not in wanted else wanted[name] and optional
    return sorted(wanted.items())


def package_files(real: Path) -> list[str]:
    """The files of an installed package that are needed at run time."""
    found = []
    for current, dirs, files in os.walk(real):
        base = Path(current)
        top = base == real
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not (top and d in SKIPPED_TOP_DIRS)
                         and not (base / d).is_symlink())
        for name in files:
            path = base / name
            if path.is_symlink() or any(fnmatch.fnmatchcase(name, pattern) for pattern in JUNK):
                continue
            from blocklet_cli.core.bundle.exclusions import reason as secret_reason

            rel = path.relative_to(real).as_posix()
            if secret_reason(rel):
                continue
            found.append(rel)
    if "package.json" not in found:
        found.append("package.json")
    return sorted(found)


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def dependency_closure(project: Path, workspace: Path | None = None) -> list[Package]:
    """Every package the project's production dependencies need, transitively (sorted by location).

    Each package must be found, and resolve, inside `project` or its workspace root (`workspace`, by
    default the nearest folder above with a workspace marker: lock file, pnpm-workspace.yaml, …)."""
    from blocklet_cli.core.bundle.changelog import find_workspace_root

    manifest = project / "package.json"
    if not manifest.is_file():
        return []
    workspace = workspace if workspace is not None else find_workspace_root(project.absolute())
    roots = [path for base in (project, workspace) if base is not None for path in (base.absolute(), base.resolve())]
    queue: list[tuple[Path, dict, str]] = [(project, read_package_json(manifest), "package.json")]
    seen: dict[Path, Package] = {}
    while queue:
        folder, package_json, who = queue.pop()
        for name, optional in _wanted(package_json, who):
            location = find_package(name, folder.resolve() if folder != project else folder)
            if location is None:
                if optional:
                    continue
                raise BundleError(f"dependency {name} of {who} is not installed in any node_modules above {folder}",
                                  hint="run `npm install` (or your package manager's install) first")
            real = location.resolve()
            if not (_inside(location.absolute(), roots) and _inside(real, roots)):
                raise BundleError(f"dependency {name} of {who} resolves to {real}, outside the project"
                                  f"{' and its workspace' if workspace is not None else ''}",
                                  hint="install it inside the project (bundles never take files from elsewhere)")
            if real in seen:
                continue
            data = read_package_json(location / "package.json")
            package = Package(name=name, location=location, real=real, version=str(data.get("version", "")),
                              files=package_files(real))
            seen[real] = package
            queue.append((real, data, f"{name}@{package.version}"))
    return sorted(seen.values(), key=lambda package: str(package.location))


def check_declared(project: Path, package_json: dict | None, workspace: Path | None = None) -> None:
    """The project's own production dependencies, before zip mode traces what is loaded: every name a
    valid npm package name, and every installed one inside the project or its workspace (a
    `node_modules/<name>` linking elsewhere is refused even when nothing loads it)."""
    if not package_json:
        return
    roots = [path for base in (project, workspace) if base is not None for path in (base.absolute(), base.resolve())]
    for name, _ in _wanted(package_json, "package.json"):
        location = find_package(name, project)
        if location is None:
            continue
        real = location.resolve()
        if not (_inside(location.absolute(), roots) and _inside(real, roots)):
            raise BundleError(f"dependency {name} of package.json resolves to {real}, outside the project"
                              f"{' and its workspace' if workspace is not None else ''}",
                              hint="install it inside the project (bundles never take files from elsewhere)")


def common_root(paths: list[Path]) -> Path:
    """The deepest folder containing every path."""
    return Path(os.path.commonpath([str(path) for path in paths]))


def _node_modules_parent(location: Path) -> Path:
    for folder in location.parents:
        if folder.name == "node_modules":
            return folder.parent
    return location.parent


def zip_layout(project: Path, packages: list[Package], extra: Sequence[Path] = ()) -> tuple[Path, dict[str, Path]]:
    """Zip root (common folder of the project and its dependencies) and the dependency entries
    (`<path in zip>` → source file). Packages keep the place Node finds them at."""
    project = project.absolute()
    locations = [package.location.absolute() for package in packages]
    root = common_root([project, *[Path(path).absolute() for path in extra],
                        *[_node_modules_parent(location) for location in locations]])
    entries: dict[str, Path] = {}
    for package, location in zip(packages, locations, strict=True):
        prefix = PurePosixPath(location.relative_to(root).as_posix())
        for rel in package.files:
            entries[str(prefix / rel)] = package.real / rel
    return root, entries


def trace_local_requires(root: Path, entries: list[str]) -> tuple[list[str], list[str]]:
    """Project files reached from `entries` through relative `require`/`import` specifiers (parsed
    with tree-sitter, resolved as Node does; packages are zip mode's tracer's business). Returns the
    files (relative to root) and warnings for specifiers that lead outside the project."""
    from blocklet_cli.core.bundle.trace.parser import PARSED_SUFFIXES, parse_specifiers
    from blocklet_cli.core.bundle.trace.resolve import Resolver, is_relative

    root = Path(root).absolute()
    resolver = Resolver()
    seen: set[str] = set()
    warnings: list[str] = []
    queue = [rel for rel in entries if (root / rel).is_file()]
    while queue:
        rel = queue.pop()
        if rel in seen:
            continue
        seen.add(rel)
        if not rel.endswith(PARSED_SUFFIXES):
            continue
        path = root / rel
        try:
            source = path.read_bytes()
        except OSError:
            continue
        for spec in parse_specifiers(source, rel):
            if spec.value is None or not is_relative(spec.value) or spec.value.startswith("/"):
                continue
            found = resolver.resolve(spec.value, str(path), esm=spec.esm)
            if found.kind != "file" or found.path is None:
                continue
            local = os.path.relpath(found.path, os.path.realpath(root))
            if local.startswith("../"):
                warnings.append(f"{rel} requires {spec.value}, which is outside the project and not bundled")
            else:
                queue.append(Path(local).as_posix())
    return sorted(seen), warnings


def external_versions(project: Path, names: list[str], package_json: dict | None) -> dict[str, str]:
    """Versions of the packages left out of blocklet.zip for the server to install (`--external`):
    the installed version (nearest `node_modules/<name>` from the project up), else the range the
    project's package.json asks for. `*` means every production dependency (their ranges)."""
    manifest = package_json or {}
    if "*" in names:
        everything = {str(name): str(version) for name, version in (manifest.get("dependencies") or {}).items()}
        for name in everything:
            if not valid_package_name(name):
                raise UnsafePathError(f"package.json dependency {name!r} is not a valid npm package name")
        return everything
    found: dict[str, str] = {}
    for name in names:
        if not valid_package_name(name):
            raise UsageError(f"--external {name!r} is not a valid npm package name")
        location = find_package(name, Path(project).absolute())
        version = str(read_package_json(location / "package.json").get("version") or "") if location else ""
        if not version:
            for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
                version = str((manifest.get(key) or {}).get(name) or "")
                if version:
                    break
        if not version:
            raise NotFoundError(f"--external {name}: not installed and not in package.json, so its version is unknown",
                                hint=f"add {name} to package.json dependencies")
        found[name] = version
    return found
