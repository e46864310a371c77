"""Compact mode: the server side bundled into one file (the reference does it with @vercel/ncc in
ArcBlock/blocklet-server core/cli/lib/commands/blocklet/bundle/compact/; we use esbuild).

* A generated module maps every entry file (`main`, the `pre*`/`post*` hook scripts, `migration/*.js`)
  to a function requiring it; esbuild bundles it (CommonJS, platform node) into `blocklet-compact.js`.
  Each entry file becomes the one-line stub
  `module.exports = require('<relative path>/blocklet-compact.js')['<file>']();`.
* Externals (default `sqlite3, sharp, @abtnode/models, ws`, plus `--external`, plus every installed
  package with native code, plus packages that cannot be resolved at all) stay `require()` calls. Their
  versions go into `package.json` (`dependencies`, `blockletExternalDependencies`, `trustedDependencies`),
  which the server installs (`bun install`) before the app starts when they are missing
  (ArcBlock/blocklet-server core/state/lib/util/install-external-dependencies.js). The release does not
  carry them, as the reference's does not.
* With `ship_externals` (`--ship-externals`, for a server without the registry) the installed externals are
  also shipped, traced to the files they load at run time (their JavaScript, `package.json` files and
  native binaries), in `blocklet.zip` as `node_modules/<name>/…`, with the server's `node_modules_os_lock`
  marker naming this OS: a server on the same OS finds them installed and starts at once (no Bun, no
  compiler, no network); a server on another OS reinstalls them.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from blocklet_cli.core.bundle import deps
from blocklet_cli.core.errors import BlockletError, BundleError, UnsafePathError

COMPACT_FILE = "blocklet-compact.js"
OS_LOCK_FILE = "node_modules_os_lock"
DEFAULT_EXTERNALS = ("sqlite3", "sharp", "@abtnode/models", "ws")
NODE_TARGET = "node18"
REPO_PREFIXES = ("http:", "https:", "github:", "git+", "file:", "ssh:", "git@", "bitbucket:", "gitlab:", "hg+",
                 "svn+", "bzr+")
_RANGE = re.compile(r"[\sv=<>^~*xX|.\-+0-9A-Za-z]*")
_UNRESOLVED = re.compile(r'Could not resolve "([^"]+)"')
NATIVE_SUFFIXES = (".node", ".so", ".dylib", ".dll")
NATIVE_SKIPPED_DIRS = frozenset({"node_modules", "obj", "obj.target", ".deps", "deps", "src", "test", "tests"})
MAX_ROUNDS = 4


@dataclass
class CompactResult:
    """What the compact step produced (paths inside `workdir`, removed by the caller)."""

    workdir: Path
    loose: dict[str, Path] = field(default_factory=dict)  # bundle path -> file in workdir
    generated: dict[str, bytes] = field(default_factory=dict)
    zip_entries: dict[str, Path] = field(default_factory=dict)
    dependencies: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def split_externals(values: list[str] | None) -> list[str]:
    """`--external a,b --external c` → `[a, b, c]` (order kept, duplicates dropped)."""
    out: list[str] = []
    for value in values or []:
        for item in value.split(","):
            item = item.strip()
            if item and item not in out:
                out.append(item)
    return out


def _valid_range(version: object) -> bool:
    return isinstance(version, str) and bool(version.strip()) and bool(_RANGE.fullmatch(version)) and (
        any(char.isdigit() for char in version) or version.strip() in ("*", "x", "X"))


def resolve_versions(root: Path, package_json: dict, externals: list[str], depth: int) -> dict[str, str]:
    """External → version as the reference writes them: the range declared in package.json
    (dependencies, devDependencies, peerDependencies, optionalDependencies), else the version installed in
    `node_modules` of the project or one of its `depth - 1` parents; unresolvable externals are left out.
    `*` means every dependency, with its declared range."""
    if "*" in externals:
        return dict(package_json.get("dependencies") or {})
    found: dict[str, str] = {}
    for name in externals:
        declared = next((section[name] for key in ("dependencies", "devDependencies", "peerDependencies",
                                                   "optionalDependencies")
                         if isinstance(section := package_json.get(key), dict) and name in section), None)
        if isinstance(declared, str) and (declared.startswith(REPO_PREFIXES) or _valid_range(declared)):
            found[name] = declared
            continue
        for up in range(max(depth, 0)):
            manifest = root.joinpath(*[".."] * up, "node_modules", name, "package.json")
            if manifest.is_file():
                version = deps.read_package_json(manifest).get("version")
                if isinstance(version, str) and version:
                    found[name] = version
                break
    return found


def compact_package_json(package_json: dict, dependencies: dict[str, str]) -> tuple[str, list[str]]:
    """The bundle's package.json: without resolved externals the common subset; with them the project's
    package.json minus dev/peer/optional/bundled dependencies and scripts, plus the externals. Credentials
    are left out either way; returns the text and where something was removed."""
    from blocklet_cli.core.bundle import metafile

    if not dependencies:
        return metafile.bundled_package_json_checked(package_json)
    out = {key: value for key, value in package_json.items() if key not in (
        "devDependencies", "peerDependencies", "optionalDependencies", "bundledDependencies", "bundleDependencies",
        "scripts", "workspaces")}
    if out.get("type") == "module":
        out["type"] = "commonjs"  # blocklet-compact.js and the stubs are CommonJS
    out, removed = metafile.strip_credentials(out)
    names = list(dependencies)
    out.update({"dependencies": dependencies, "externalManager": "npm", "blockletExternalDependencies": names,
                "trustedDependencies": names})
    return metafile.to_json(out), removed


def _package_root(path: Path) -> Path | None:
    """The installed package (a folder right under `node_modules/` or `node_modules/@scope/`) holding `path`."""
    parts = path.parts
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "node_modules":
            end = index + 2 if not parts[index + 1].startswith("@") else index + 3
            if end <= len(parts):
                return Path(*parts[:end])
    return None


def _is_native(package: Path) -> bool:
    if (package / "binding.gyp").is_file() or (package / "prebuilds").is_dir():
        return True
    try:
        data = json.loads((package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("gypfile") is True


def native_packages(root: Path) -> list[str]:
    """Names of the installed production dependencies (transitively) that carry native code."""
    manifest = root / "package.json"
    if not manifest.is_file():
        return []
    found: list[str] = []
    seen: set[Path] = set()
    queue: list[tuple[Path, dict]] = [(root, deps.read_package_json(manifest))]
    while queue:
        folder, data = queue.pop()
        for key in ("dependencies", "optionalDependencies"):
            for name in data.get(key) or {}:
                location = deps.find_package(name, folder)
                if location is None:
                    continue
                real = location.resolve()
                if real in seen:
                    continue
                seen.add(real)
                if _is_native(real):
                    found.append(name)
                    continue  # an external: its own dependencies are not bundled
                try:
                    queue.append((real, deps.read_package_json(real / "package.json")))
                except BlockletError:
                    continue
    return sorted(set(found))


class Esbuild:
    """One esbuild binary, run with the options compact mode uses."""

    def __init__(self, binary: Path, cwd: Path) -> None:
        self.binary, self.cwd = binary, cwd

    def run(self, entry: Path | str, outfile: Path, externals: list[str], *, extra: list[str] | None = None,
            all_packages_external: bool = False) -> tuple[dict, list[str]]:
        """Bundle `entry` (a file, or source text resolved from `cwd`); returns the metafile and the bare
        imports that could not be resolved (added as externals and retried)."""
        unresolved: list[str] = []
        meta_path = outfile.with_name(outfile.name + ".meta.json")
        for _ in range(MAX_ROUNDS):
            source = entry if isinstance(entry, str) else None
            args = [str(self.binary), *([] if source is not None else [str(entry)]), "--bundle", "--platform=node",
                    "--format=cjs", f"--target={NODE_TARGET}", f"--outfile={outfile}", f"--metafile={meta_path}",
                    "--log-level=error", "--charset=utf8", "--legal-comments=none", *(extra or [])]
            args += [f"--external:{name}" for name in [*externals, *unresolved]]
            if all_packages_external:
                args.append("--packages=external")
            try:
                done = subprocess.run(args, cwd=self.cwd, capture_output=True, text=True, timeout=900,
                                      input=source if source is not None else "")
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise BundleError(f"esbuild could not run: {exc}") from exc
            if done.returncode == 0:
                return json.loads(meta_path.read_text(encoding="utf-8")), unresolved
            missing = [name for name in dict.fromkeys(_UNRESOLVED.findall(done.stderr))
                       if not name.startswith((".", "/")) and name not in unresolved]
            if not missing:
                raise BundleError("esbuild failed: " + _first_error(done.stderr))
            unresolved += missing
        raise BundleError("esbuild failed: " + _first_error(done.stderr))


def _first_error(stderr: str) -> str:
    """esbuild's first error and the source line it points at, on one line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    start = next((index for index, line in enumerate(lines) if "ERROR" in line), 0)
    return re.sub(r"\s+", " ", " ".join(lines[start:start + 3]))[:400] or "unknown error"


def _entry_module(root: Path, files: list[str]) -> str:
    lines = [f"  {json.dumps(rel)}: () => require({json.dumps(str(root / rel))})," for rel in files]
    return "module.exports = {\n" + "\n".join(lines) + "\n};\n"


def stub(rel: str) -> bytes:
    """The one-line file replacing an entry file in the bundle."""
    target = posix_relpath(COMPACT_FILE, posixpath_dir(rel))
    return f"module.exports = require('{target}')['{rel}']();".encode()


def posixpath_dir(rel: str) -> str:
    return str(PurePosixPath(rel).parent)


def posix_relpath(target: str, start: str) -> str:
    import posixpath

    out = posixpath.relpath(target, start)
    return out if out.startswith(".") else "./" + out


def _ship_externals(tool: Esbuild, root: Path, work: Path, names: list[str],
                    boundary: Path) -> tuple[dict[str, Path], list[str]]:
    """The run-time files of the installed externals: `node_modules/<name>/<file>` → source."""
    installed = [name for name in names if deps.find_package(name, root) is not None]
    if not installed:
        return {}, []
    source = "".join(f"require({json.dumps(name)});\n" for name in installed)
    meta, _ = tool.run(source, work / "externals-trace.js", [], extra=["--loader:.node=file"])
    check_inputs(meta, tool.cwd, boundary, work)
    packages: dict[Path, str] = {}
    files: dict[Path, set[str]] = {}
    for name in installed:
        location = deps.find_package(name, root)
        if location is not None:
            packages[location.resolve()] = name
    for input_path in meta.get("inputs", {}):
        source = (tool.cwd / input_path).resolve()
        package = _package_root(source)
        if package is None or not source.is_file():
            continue
        real = package.resolve()
        files.setdefault(real, set()).add(source.relative_to(real).as_posix())
        if real not in packages:
            try:
                packages[real] = str(deps.read_package_json(real / "package.json").get("name") or real.name)
            except BundleError:
                packages[real] = real.name
    warnings: list[str] = []
    entries: dict[str, Path] = {}
    placed: dict[str, Path] = {}
    for real, name in sorted(packages.items(), key=lambda item: item[1]):
        if name in placed and placed[name] != real:
            warnings.append(f"external dependency {name} is installed in two versions; shipping {placed[name]}")
            continue
        placed[name] = real
        chosen = files.setdefault(real, set())
        chosen.add("package.json")
        if _is_native(real) or name in installed:
            chosen.update(_native_files(real))
            data = deps.read_package_json(real / "package.json")
            for optional in data.get("optionalDependencies") or {}:
                location = deps.find_package(optional, real)
                # platform packages holding the binary (e.g. @img/sharp-linux-x64) are loaded by computed name
                if location is not None and location.resolve() not in packages and _platform_specific(location):
                    entries.update({f"node_modules/{optional}/{rel}": location.resolve() / rel
                                    for rel in deps.package_files(location.resolve())})
        for rel in sorted(chosen):
            entries[f"node_modules/{name}/{rel}"] = real / rel
    return entries, warnings


def _platform_specific(package: Path) -> bool:
    try:
        data = deps.read_package_json(package / "package.json")
    except BlockletError:
        return False
    return bool(data.get("os") or data.get("cpu"))


def _native_files(package: Path) -> list[str]:
    found = []
    for current, dirs, names in os.walk(package):
        dirs[:] = [d for d in dirs if d not in NATIVE_SKIPPED_DIRS]
        for name in names:
            if name.endswith(NATIVE_SUFFIXES) or ".so." in name:
                found.append((Path(current) / name).relative_to(package).as_posix())
    return found


def check_inputs(meta: dict, cwd: Path, boundary: Path, work: Path | None = None) -> None:
    """Every file esbuild read (its metafile's `inputs`, relative to `cwd`) must lie inside `boundary` (the
    project or its workspace root; or `work`, where the generated entry module is) once symlinks are
    followed: a dependency linking out of the workspace is refused, as zip mode refuses it."""
    limit = os.path.realpath(boundary)
    allowed = [limit, *([os.path.realpath(work)] if work is not None else [])]
    for name in meta.get("inputs", {}):
        if name.startswith("<"):  # <stdin> and esbuild's own runtime modules
            continue
        real = os.path.realpath(cwd / name.split("?", 1)[0])
        if not any(real == base or real.startswith(base.rstrip("/") + "/") for base in allowed):
            raise UnsafePathError(f"{name} resolves to {real}, outside the workspace {limit}; bundles only hold "
                                  "files from the project and its workspace (a symlink leads out of it?)",
                                  hint="install the dependency inside the project or its workspace")


def build_compact(root: Path, binary: Path, *, entries: list[str], package_json: dict | None,
                  externals: list[str], minify: bool, source_map: bool, nosources_source_map: bool,
                  dependencies_depth: int, ship_externals: bool, boundary: Path | None = None) -> CompactResult:
    """Bundle the entry files of the project in `root`; everything is written to a temporary folder
    (`result.workdir`) the caller removes. Every file read must be inside `boundary` (default `root`)."""
    work = Path(tempfile.mkdtemp(prefix="blocklet-compact-"))
    result = CompactResult(workdir=work)
    try:
        _build(root, binary, work, result, entries=entries, package_json=package_json or {}, externals=externals,
               minify=minify, source_map=source_map, nosources=nosources_source_map, depth=dependencies_depth,
               ship=ship_externals, boundary=boundary or root)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result


def _build(root: Path, binary: Path, work: Path, result: CompactResult, *, entries: list[str], package_json: dict,
           externals: list[str], minify: bool, source_map: bool, nosources: bool, depth: int, ship: bool,
           boundary: Path) -> None:
    wanted = list(dict.fromkeys([*DEFAULT_EXTERNALS, *externals]))
    everything = "*" in wanted
    natives = [name for name in native_packages(root) if name not in wanted]
    if natives:
        result.warnings.append("native packages kept external: " + ", ".join(natives))
    wanted = [name for name in wanted if name != "*"] + natives
    entry = work / "blocklet-compact.entry.js"
    entry.write_text(_entry_module(root, entries), encoding="utf-8")
    out = work / "out" / COMPACT_FILE
    out.parent.mkdir()
    extra = ["--keep-names"]
    if minify:
        extra.append("--minify")
    if source_map or nosources:
        extra.append("--sourcemap")
        if nosources and not source_map:
            extra.append("--sources-content=false")
    tool = Esbuild(binary, root)
    meta, unresolved = tool.run(entry, out, wanted, extra=extra, all_packages_external=everything)
    check_inputs(meta, root, boundary, work)
    if unresolved:
        result.warnings.append("not installed, left as run-time require() calls: " + ", ".join(unresolved))
    result.loose[COMPACT_FILE] = out
    if (out.parent / (COMPACT_FILE + ".map")).is_file():
        result.loose[COMPACT_FILE + ".map"] = out.parent / (COMPACT_FILE + ".map")
    for rel in entries:
        result.generated[rel] = stub(rel)
    names = list(package_json.get("dependencies") or {}) if everything else wanted
    versions = resolve_versions(root, package_json, ["*"] if everything else names, depth)
    result.dependencies = versions
    if package_json:
        text, removed = compact_package_json(package_json, versions)
        result.generated["package.json"] = text.encode("utf-8")
        result.warnings += [f"package.json: {item} left out of the bundled copy (a credential)" for item in removed]
    if ship and versions:
        shipped, warnings = _ship_externals(tool, root, work, list(versions), boundary)
        result.warnings += warnings
        if shipped:
            lock = work / OS_LOCK_FILE
            lock.write_text(node_os_type(), encoding="utf-8")
            shipped[OS_LOCK_FILE] = lock
            result.zip_entries = shipped


def node_os_type() -> str:
    """Node's `os.type()` for this machine (what the server compares `node_modules_os_lock` with)."""
    system = platform.system()
    return "Windows_NT" if system == "Windows" else system
