"""`blocklet bundle`: check everything, then build `.blocklet/bundle/` (and the release) in temporary folders
and move them into place (reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/bundle/index.js and
bundle.js; the reference's bugs listed in docs/migrating-from-node-cli.md are fixed, not copied).

Order: parse and validate the metadata (nothing is written on error), verify components, check logo,
screenshots, markdown links, CHANGELOG and prefs, select files, resolve Node dependencies (zip mode),
then write. Project files are hard-linked into the bundle (or copied in the kernel with `link=False`), the
release tarball is streamed and hashed while written. Progress: one `Bundling` task of the reporter
(bytes), started when writing begins and restarted by each stage (copy, zip, tarball).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from blocklet_cli.core import safejson
from blocklet_cli.core.bundle import assets, changelog, deps, markdown, metafile, release, select
from blocklet_cli.core.bundle.archive import ArchiveEntry, write_zip
from blocklet_cli.core.bundle.trace.graph import Trace
from blocklet_cli.core.bundle.trace.parser import PARSED_SUFFIXES
from blocklet_cli.core.errors import BundleError, FileFormatError
from blocklet_cli.core.report import NULL_REPORTER, NullTask, Reporter, Task

BundleMode = Literal["zip", "simple", "compact"]
ENTRY_FILE = "blocklet.js"
ZIP_FILE = "blocklet.zip"
PREFS_FILE = "blocklet.prefs.json"


@dataclass
class BundleResult:
    """What `build_bundle` produced."""

    project_dir: Path
    bundle_dir: Path
    mode: BundleMode
    name: str
    version: str
    did: str
    meta: dict
    files: list[tuple[str, int]] = field(default_factory=list)
    zip_entries: list[str] = field(default_factory=list)
    excluded: list[select.Excluded] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    release: release.ReleaseResult | None = None
    trace: Trace | None = None

    @property
    def externals(self) -> dict[str, str]:
        """Packages left out of blocklet.zip for the server to install (name → version)."""
        return dict(self.trace.externals) if self.trace else {}

    def trace_summary(self) -> dict | None:
        """What zip mode's tracer found: packages shipped, non-literal loads, misses, externals."""
        if self.trace is None:
            return None
        packages = sorted(self.trace.packages.values(), key=lambda item: (item.name, item.version))
        return {
            "packages": [{"name": item.name, "version": item.version, "files": len(item.files),
                          "whole": item.whole} for item in packages],
            "nonLiteral": [note.to_dict() for note in self.trace.non_literal],
            "unresolved": [note.to_dict() for note in self.trace.unresolved],
            "externals": self.externals,
        }

    @property
    def tarball(self) -> Path | None:
        return self.release.tarball if self.release else None

    @property
    def release_meta_path(self) -> Path | None:
        return self.release.meta_path if self.release else None

    @property
    def total_size(self) -> int:
        return sum(size for _, size in self.files)

    def to_dict(self) -> dict:
        return {
            "name": self.name, "version": self.version, "did": self.did, "mode": self.mode,
            "projectDir": str(self.project_dir), "bundleDir": str(self.bundle_dir),
            "files": [{"path": path, "size": size} for path, size in self.files],
            "totalSize": self.total_size, "zipEntries": self.zip_entries,
            "excluded": [item.to_dict() for item in self.excluded], "warnings": self.warnings,
            "release": self.release.to_dict() if self.release else None, "trace": self.trace_summary(),
        }


class _Progress:
    """The one `Bundling` task of a build (bytes); each stage restarts it with the stage's own total."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.task: Task | None = None
        self.done = 0

    def stage(self, name: str, files: int, total: int) -> _Stage:
        if self.task is None:  # starts once the checks passed and writing begins
            self.task = self.reporter.task("Bundling", None, "bytes")
        self.task.advance(-self.done, total=total or 1, description=f"{name} 0/{files} files")
        self.done = 0
        return _Stage(self, self.task, name, files)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if self.task is not None:
            self.task.__exit__(exc_type, *rest)


class _Stage(NullTask):
    """One stage as the archive writers see it: each `advance` is one file of that many bytes."""

    def __init__(self, progress: _Progress, task: Task, name: str, files: int) -> None:
        self.progress, self.task, self.name, self.files = progress, task, name, files
        self.done_files = 0

    def advance(self, amount: float = 1, *, total: float | None = None, description: str | None = None) -> None:
        self.done_files += 1
        self.progress.done += int(amount)
        self.task.advance(amount, description=f"{self.name} {self.done_files}/{self.files} files")


@dataclass
class _Plan:
    """Everything checked and decided before anything is written."""

    root: Path
    meta: dict
    mode: BundleMode
    loose: dict[str, str | Path] = field(default_factory=dict)  # bundle path -> source
    generated: dict[str, bytes] = field(default_factory=dict)  # bundle path -> content
    zip_entries: dict[str, Path] = field(default_factory=dict)
    bundled_main: str | None = None
    screenshots: list[str] | None = None
    excluded: list[select.Excluded] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    trace: Trace | None = None
    package_entries: set[str] = field(default_factory=set)  # zip names laid out from traced packages
    boundary: Path | None = None  # the workspace the tracer stayed in
    workspace: Path | None = None  # the workspace root above the project (changelog.find_workspace_root), found once
    cleanup: list[Path] = field(default_factory=list)  # temporary folders removed after the build


@dataclass
class CompactOptions:
    """Compact mode's options (the reference's `--minify`, `--source-map`, `--external`, …)."""

    externals: list[str] = field(default_factory=list)
    minify: bool = True
    source_map: bool = False
    nosources_source_map: bool = False
    dependencies_depth: int = 9
    ship_externals: bool = False
    fetch_bundler: bool = True


def git_head(folder: Path) -> str | None:
    """HEAD commit of the git work tree holding `folder`, or None (no git, no repo, no commit)."""
    try:
        done = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=folder, capture_output=True,
                              text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and len(value) in (40, 64) else None


def _verify_components(meta: dict, root: Path, store_url: str | None) -> None:
    """Resolve and check the component tree (issue 5's resolver); raises ComponentError."""
    from blocklet_cli.core.components.resolve import verify_tree

    verify_tree(meta, project_dir=root, default_store=store_url)


def _check_prefs(root: Path) -> None:
    path = root / PREFS_FILE
    if path.is_file():
        try:
            safejson.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise FileFormatError(f"{PREFS_FILE} is not valid JSON: {exc}", location=str(path)) from exc


def _entry_line(target: str, module: bool) -> bytes:
    target = target if target.startswith(".") else "./" + target
    return (f"import '{target}';\n" if module else f"require('{target}');\n").encode()


def _plan_docs(plan: _Plan, *, with_changelog: bool, monorepo: bool) -> None:
    root = plan.root
    for source, name in markdown.markdown_outputs(root):
        rewritten = markdown.rewrite_markdown(source.read_text(encoding="utf-8"), source, root)
        plan.generated[name] = rewritten.text.encode("utf-8")
        for media in rewritten.media:
            plan.loose[media.bundle_path] = media.source
    if with_changelog:
        found = changelog.find_changelog(root, plan.workspace if monorepo else None)
        if found is not None:
            changelog.check_changelog(found)
            plan.loose["CHANGELOG.md"] = found


def _zip_roots(root: Path, meta: dict, selection: select.Selection) -> tuple[list[str], list[str]]:
    """The files the tracer starts from: `main`, hook scripts and migrations; then `files` scripts
    (traced leniently: they may be browser code)."""
    roots = [posixpath.normpath(meta["main"])]
    code = set(select.hook_files(root, meta.get("scripts")))
    code.update(rel for rel in selection.app_files if rel.startswith("migration/"))
    roots += sorted(rel for rel in code if rel.endswith(PARSED_SUFFIXES) and rel not in roots)
    scripts = sorted(rel for rel in selection.scripts if rel in selection.app_files and rel.endswith(PARSED_SUFFIXES)
                     and rel not in roots)
    return roots, scripts


def _plan_zip(plan: _Plan, selection: select.Selection, package_json: dict | None, monorepo: bool,
              externals: list[str]) -> None:
    from blocklet_cli.core.bundle import trace

    root = plan.root
    real_root = os.path.realpath(root)
    workspace = plan.workspace
    boundary = Path(os.path.realpath(workspace or root))
    deps.check_declared(root, package_json, workspace)
    external = deps.external_versions(root, externals or [], package_json)
    roots, scripts = _zip_roots(root, plan.meta, selection)
    traced = trace.trace_app(Path(real_root), roots, app_code=selection.app_files, boundary=boundary,
                             externals=sorted(external), lenient_roots=scripts)
    traced.externals = external
    outside = [os.path.dirname(path) for path in traced.app_files if not _inside(path, real_root)]
    zip_root = deps.common_root([Path(real_root), *map(Path, outside),
                                 *([Path(os.path.realpath(workspace))] if monorepo and workspace else [])])
    rel = Path(real_root).relative_to(zip_root).as_posix()
    rel = "" if rel == "." else rel
    prefix = f"{rel}/" if rel else ""
    loose = set(selection.files)
    # a file shipped loose is not shipped again inside blocklet.zip (both land in the same folder)
    entries = {prefix + name: root / name for name in selection.app_files if rel or name not in loose}
    if rel and package_json is not None:
        entries[prefix + "package.json"] = root / "package.json"
    for path in sorted(traced.app_files):
        name = os.path.relpath(path, zip_root)
        if name not in entries and not (not rel and name in loose):
            entries[name] = Path(path)
    package_entries, _ = trace.layout_packages(traced)
    entries.update(package_entries)
    plan.package_entries = set(package_entries)
    plan.boundary = boundary
    checked = dict(entries)
    if not rel:
        checked.update({name: root / name for name in loose if name not in entries})
    trace.verify_bundle(traced, checked)
    plan.zip_entries = entries
    plan.trace = traced
    module = bool(package_json and package_json.get("type") == "module")
    main = posixpath.normpath(plan.meta["main"])
    plan.generated[ENTRY_FILE] = _entry_line(prefix + main, module)
    if rel:
        for hook in select.hook_files(root, plan.meta.get("scripts")):
            if hook.endswith((".js", ".cjs", ".mjs")):
                target = posixpath.relpath(prefix + hook, posixpath.dirname(hook) or ".")
                plan.generated[hook] = _entry_line(target, module)
    plan.bundled_main = ZIP_FILE


def _compact_entries(root: Path, meta: dict) -> list[str]:
    """The files compact mode bundles: `main`, the JavaScript hook scripts and `migration/*.js`."""
    found = [posixpath.normpath(meta["main"])]
    found += [hook for hook in select.hook_files(root, meta.get("scripts")) if hook.endswith(CODE_SUFFIXES)]
    migrations = root / "migration"
    if migrations.is_dir():
        found += sorted(f"migration/{item.name}" for item in migrations.iterdir()
                        if item.is_file() and item.name.endswith(CODE_SUFFIXES))
    return list(dict.fromkeys(found))


CODE_SUFFIXES = (".js", ".cjs", ".mjs", ".ts")


def _plan_compact(plan: _Plan, package_json: dict | None, options: CompactOptions) -> None:
    from blocklet_cli.core.bundle import compact, esbuild

    root = plan.root
    workspace = plan.workspace
    deps.check_declared(root, package_json, workspace)
    binary = esbuild.ensure_esbuild(root, fetch=options.fetch_bundler)
    entries = _compact_entries(root, plan.meta)
    built = compact.build_compact(
        root, binary, entries=entries, package_json=package_json, externals=options.externals,
        minify=options.minify, source_map=options.source_map, nosources_source_map=options.nosources_source_map,
        dependencies_depth=options.dependencies_depth, ship_externals=options.ship_externals,
        boundary=Path(os.path.realpath(workspace or root)))
    plan.cleanup.append(built.workdir)
    plan.warnings += built.warnings
    for name in entries:
        plan.loose.pop(name, None)
    plan.loose.update(built.loose)
    plan.generated.update(built.generated)
    plan.generated[ENTRY_FILE] = _entry_line(entries[0], False)
    plan.zip_entries = built.zip_entries
    plan.bundled_main = ENTRY_FILE


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def plan_bundle(project_dir: Path, *, mode: BundleMode | None, with_changelog: bool, monorepo: bool,
                store_url: str | None, verify_components: bool, externals: list[str] | None = None,
                compact: CompactOptions | None = None) -> _Plan:
    """Read and check everything; decide every file of the bundle. Writes nothing."""
    from blocklet_cli.core.meta import parse_meta

    root = Path(project_dir).absolute()
    meta = parse_meta(root, mode="bundle", default_store_url=store_url)
    group = meta.get("group")
    chosen: BundleMode = mode or ("simple" if group == "gateway" else "zip")
    plan = _Plan(root=root, meta=meta, mode=chosen, workspace=changelog.find_workspace_root(root))
    if meta.get("components") and verify_components:
        _verify_components(meta, root, store_url)
    logo = assets.check_logo(root, meta.get("logo"))
    plan.loose[logo.relative_to(root).as_posix()] = logo
    shots = assets.check_screenshots(root, meta.get("screenshots"))
    if not shots:
        plan.warnings.append("no screenshots found")
    plan.screenshots = [shot.name for shot in shots]
    for shot in shots:
        plan.loose[f"screenshots/{shot.name}"] = shot.source
    _plan_docs(plan, with_changelog=with_changelog, monorepo=monorepo)
    _check_prefs(root)
    package_json = deps.read_package_json(root / "package.json") if (root / "package.json").is_file() else None
    main = meta.get("main")
    code_app = (chosen in ("zip", "compact") and group == "dapp" and isinstance(main, str)
                and select.resolve_inside(root, main, "main").is_file())
    zip_app = code_app and chosen == "zip"
    selection = select.select_files(root, meta, zip_app=code_app)
    plan.excluded = selection.excluded
    plan.warnings += selection.warnings
    if zip_app:
        _plan_zip(plan, selection, package_json, monorepo, externals or [])
    elif code_app:
        _plan_compact(plan, package_json, compact or CompactOptions())
    elif isinstance(main, str) and main and main not in (ENTRY_FILE, ZIP_FILE) and chosen != "zip":
        plan.generated[ENTRY_FILE] = _entry_line(posixpath.normpath(main), bool(
            package_json and package_json.get("type") == "module"))
        if group == "dapp":
            plan.bundled_main = ENTRY_FILE
    if package_json is not None and "package.json" not in plan.generated:
        external = plan.trace.externals if plan.trace else deps.external_versions(root, externals or [], package_json)
        text, removed = metafile.bundled_package_json_checked(package_json, external)
        plan.generated["package.json"] = text.encode("utf-8")
        plan.warnings += [f"package.json: {item} left out of the bundled copy (a credential)" for item in removed]
    for rel in selection.files:
        if rel.startswith("screenshots/") and meta.get("screenshots"):
            continue
        plan.loose.setdefault(rel, os.path.join(root, rel))
    for name in list(plan.loose):
        if name in plan.generated or name in (ENTRY_FILE, ZIP_FILE, "blocklet.yml", "blocklet.yaml"):
            del plan.loose[name]
    # what compact mode built in its own temporary folder is output, not a project file
    built = [Path(source) for source in plan.loose.values()
             if any(folder in Path(source).parents for folder in plan.cleanup)]
    project_sources = [Path(source) for source in plan.loose.values() if Path(source) not in built]
    project_sources += [Path(source) for name, source in plan.zip_entries.items()
                        if name not in plan.package_entries and "node_modules" not in Path(source).parts
                        and not any(folder in Path(source).parents for folder in plan.cleanup)]
    workspace = plan.boundary if plan.boundary is not None and plan.boundary != Path(os.path.realpath(root)) else (
        plan.workspace if monorepo else None)
    select.check_sources(root, project_sources, workspace=workspace)
    bundled = metafile.bundled_meta(meta, main=plan.bundled_main, screenshots=plan.screenshots,
                                    git_hash=git_head(root))
    plan.generated["blocklet.yml"] = metafile.dump_yaml(bundled).encode("utf-8")
    plan.meta = bundled
    return plan


FICLONE = 0x40049409


def _place(source: str | Path, target: str, folders: set[str], *, link: bool) -> None:
    """Put `source` at `target` without passing the bytes through Python: a hard link when `link`
    (same file system), else a copy — a reflink where the file system can (btrfs, xfs), else an
    in-kernel `copy_file_range`."""
    import fcntl

    folder = os.path.dirname(target)
    if folder not in folders:
        os.makedirs(folder, exist_ok=True)
        folders.add(folder)
    if link:
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    src = os.open(source, os.O_RDONLY)
    try:
        info = os.fstat(src)
        dst = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, info.st_mode & 0o777 | 0o600)
        try:
            try:
                fcntl.ioctl(dst, FICLONE, src)
                return
            except OSError:
                pass
            remaining = info.st_size
            try:
                while remaining > 0:
                    copied = os.copy_file_range(src, dst, remaining)
                    if copied == 0:
                        break
                    remaining -= copied
            except OSError:
                os.lseek(src, 0, os.SEEK_SET)
                os.ftruncate(dst, 0)
                os.lseek(dst, 0, os.SEEK_SET)
                with open(src, "rb", closefd=False) as reader, open(dst, "wb", closefd=False) as writer:
                    shutil.copyfileobj(reader, writer, 1 << 20)
        finally:
            os.close(dst)
    finally:
        os.close(src)


def _write_plan(plan: _Plan, staging: Path, progress: _Progress, *, link: bool) -> None:
    sizes = {name: os.stat(source).st_size for name, source in plan.loose.items()}
    stage = progress.stage("copy", len(sizes), sum(sizes.values()))
    folders: set[str] = set()
    base = str(staging)
    for name, source in sorted(plan.loose.items()):
        # screenshots are named by their content hash: always an independent copy
        _place(source, os.path.join(base, name), folders, link=link and not name.startswith("screenshots/"))
        stage.advance(sizes[name])
    for name, content in plan.generated.items():
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        target.write_bytes(content)
    if plan.meta.get("screenshots") is not None or (plan.root / "screenshots").is_dir():
        (staging / "screenshots").mkdir(exist_ok=True)
    if plan.zip_entries:
        entries = [ArchiveEntry.of(name, source) for name, source in plan.zip_entries.items()]
        zip_stage = progress.stage("zip", len(entries), sum(entry.size for entry in entries))
        write_zip(staging / ZIP_FILE, entries, task=zip_stage)


def build_bundle(project_dir: str | Path, *, create_release: bool = True, create_archive: bool = False,
                 mode: BundleMode | None = None, changelog: bool = True, monorepo: bool = False,
                 store_url: str | None = None, verify_components: bool = True, mtime: int | None = None,
                 link: bool = True, reporter: Reporter = NULL_REPORTER,
                 externals: list[str] | None = None, compact: CompactOptions | None = None) -> BundleResult:
    """Bundle the project in `project_dir` into `.blocklet/bundle/` and, with `create_release`, build
    `.blocklet/release/` (tarball + blocklet.json). The previous bundle and release stay untouched
    unless everything succeeds.

    With `link` (the default) project files are hard-linked into the bundle folder where the file
    system allows (no data written): the bundle folder then follows in-place edits of those sources
    until the next run; the release tarball never does. `link=False` makes independent copies.

    `externals` (package names, `*` for every dependency) are left out of blocklet.zip and listed in
    the bundled package.json for the server to install; `compact` holds compact mode's options
    (`mode="compact"`)."""
    plan = plan_bundle(Path(project_dir), mode=mode, with_changelog=changelog, monorepo=monorepo,
                       store_url=store_url, verify_components=verify_components, externals=externals,
                       compact=compact)
    try:
        root = plan.root
        work = root / ".blocklet"
        work.mkdir(exist_ok=True)
        with _project_lock(work), _Progress(reporter) as progress:
            return _build(plan, work, create_release=create_release, create_archive=create_archive, mtime=mtime,
                          link=link, progress=progress)
    finally:
        for folder in plan.cleanup:
            shutil.rmtree(folder, ignore_errors=True)


LEFTOVER_PREFIXES = (".bundle-", ".release-")


@contextmanager
def _project_lock(work: Path) -> Iterator[None]:
    """One bundle run (or edit of the project's files) at a time (`fsutil.project_lock`). Holding the lock,
    every staging folder found is a leftover of a killed run (a live run would hold the lock): it is removed."""
    from blocklet_cli.core.fsutil import project_lock

    with project_lock(work.parent, "bundle"):
        for leftover in work.iterdir():
            if leftover.name.startswith(LEFTOVER_PREFIXES) and leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
        yield


def _build(plan: _Plan, work: Path, *, create_release: bool, create_archive: bool, mtime: int | None, link: bool,
           progress: _Progress) -> BundleResult:
    root = plan.root
    staging = release.new_dir(work, ".bundle-")
    release_staging: Path | None = None
    try:
        _write_plan(plan, staging, progress, link=link)
        entries = release.bundle_entries(staging)
        built = None
        if create_release:
            tar_stage = progress.stage("tarball", len(entries), sum(entry.size for entry in entries))
            release_staging, built = release.build_release(staging, work, mtime=mtime, task=tar_stage)
            if create_archive:
                title = str(plan.meta.get("title") or plan.meta["name"]).replace("/", "-")
                built.archive = work / f"{title}-{plan.meta['version']}.zip"
                release.write_release_archive(built, release_staging, built.archive)
        release.replace_dir(staging, work / "bundle")
        if release_staging is not None:
            release.replace_dir(release_staging, work / "release")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if release_staging is not None:
            shutil.rmtree(release_staging, ignore_errors=True)
        raise
    return BundleResult(
        project_dir=root, bundle_dir=work / "bundle", mode=plan.mode, name=str(plan.meta.get("name")),
        version=str(plan.meta.get("version")), did=str(plan.meta.get("did")), meta=plan.meta,
        files=[(entry.name, entry.size) for entry in entries], zip_entries=sorted(plan.zip_entries),
        excluded=plan.excluded, warnings=plan.warnings, release=built, trace=plan.trace,
    )


__all__ = ["BundleError", "BundleResult", "CompactOptions", "build_bundle", "plan_bundle"]
