"""The release: `.blocklet/release/<slug>-<version>.tgz` and `blocklet.json` with `dist`
(reference: ArcBlock/blocklet-server core/util/lib/create-blocklet-release.js), and the `--create-archive` zip of both
(core/util/lib/create-archive-file.js).

Everything is written into a temporary folder next to the final one and moved into place at the
end, so a failure or Ctrl-C leaves the previous release as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from blocklet_cli.core import safejson
from blocklet_cli.core.bundle.archive import ArchiveEntry, write_tarball, write_zip
from blocklet_cli.core.bundle.metafile import release_meta, tarball_name, to_json
from blocklet_cli.core.errors import NotFoundError
from blocklet_cli.core.fsutil import atomic_path
from blocklet_cli.core.report import NULL_TASK, Task

RELEASE_META = "blocklet.json"


@dataclass
class ReleaseResult:
    """A built release: where its files are and what `dist` says."""

    release_dir: Path
    tarball: Path
    meta_path: Path
    size: int
    integrity: str
    unpacked_size: int
    files: list[tuple[str, int]] = field(default_factory=list)
    archive: Path | None = None

    def to_dict(self) -> dict:
        return {
            "releaseDir": str(self.release_dir), "tarball": str(self.tarball), "meta": str(self.meta_path),
            "size": self.size, "integrity": self.integrity, "unpackedSize": self.unpacked_size,
            "files": [{"path": path, "size": size} for path, size in self.files],
            "archive": str(self.archive) if self.archive else None,
        }


def bundle_entries(bundle_dir: Path) -> list[ArchiveEntry]:
    """Every regular file of a bundle folder, as archive entries named by their relative path."""
    entries = []
    base = str(bundle_dir)
    stack = [base]
    while stack:
        with os.scandir(stack.pop()) as found:
            for item in found:
                if item.is_dir(follow_symlinks=False):
                    stack.append(item.path)
                elif item.is_file(follow_symlinks=False):
                    info = item.stat(follow_symlinks=False)
                    entries.append(ArchiveEntry(os.path.relpath(item.path, base), Path(item.path), info.st_size,
                                                bool(info.st_mode & 0o100)))
    return sorted(entries, key=lambda entry: entry.name)


def new_dir(parent: Path, prefix: str) -> Path:
    """A new temporary folder with the normal permissions of a folder (not mkdtemp's 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    current = os.umask(0)
    os.umask(current)
    path.chmod(0o777 & ~current)
    return path


def build_release(bundle_dir: Path, work_dir: Path, *, mtime: int | None = None,
                  task: Task = NULL_TASK) -> tuple[Path, ReleaseResult]:
    """Build a release of `bundle_dir` in a new temporary folder under `work_dir`; return that folder
    and the result (paths already pointing at `work_dir/release`). The caller moves it into place."""
    from blocklet_cli.core.meta import parse_meta

    meta = parse_meta(bundle_dir, mode="release")
    staging = new_dir(work_dir, ".release-")
    try:
        name = tarball_name(meta)
        entries = bundle_entries(bundle_dir)
        info = write_tarball(staging / name, entries, mtime=mtime, task=task)
        document = release_meta(meta, tarball=name, integrity=info.integrity, size=info.size)
        (staging / RELEASE_META).write_text(to_json(document), encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    final = work_dir / "release"
    result = ReleaseResult(release_dir=final, tarball=final / name, meta_path=final / RELEASE_META,
                           size=info.size, integrity=info.integrity, unpacked_size=info.unpacked_size,
                           files=[(entry.name, entry.size) for entry in entries])
    return staging, result


def write_release_archive(release: ReleaseResult, staging: Path, target: Path) -> Path:
    """`--create-archive`: a zip holding blocklet.json and the tarball at its root, written atomically."""
    entries = [ArchiveEntry.of(RELEASE_META, staging / RELEASE_META),
               ArchiveEntry.of(release.tarball.name, staging / release.tarball.name)]
    with atomic_path(target) as tmp:
        write_zip(tmp, entries)
    return target


def replace_dir(staging: Path, final: Path) -> None:
    """Put `staging` where `final` is, removing the old one only once the new one is in place."""
    old = None
    if final.exists() or final.is_symlink():
        old = final.with_name(f".{final.name}-old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
        os.rename(final, old)
    try:
        os.rename(staging, final)
    except BaseException:
        if old is not None:
            os.rename(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def stale_reason(project_dir: Path, metafile: Path) -> str | None:
    """Why the release at `metafile` no longer matches the project in `project_dir`, None when it does (or
    when there is no release or no project): the project's version differs, or a project file (what
    `bundle` could ship: dotfolders, `node_modules` and the never-bundled folders skipped) is newer."""
    from blocklet_cli.core.bundle import exclusions
    from blocklet_cli.core.meta.api import find_meta_file, load_meta

    try:
        meta_path = find_meta_file(project_dir)
        built = metafile.stat().st_mtime
        release_meta = safejson.loads(metafile.read_bytes())
    except (OSError, ValueError, NotFoundError):
        return None
    data = load_meta(meta_path).data
    version = data.get("version") if isinstance(data, dict) else None
    released = release_meta.get("version") if isinstance(release_meta, dict) else None
    if version is not None and str(version) != str(released):
        return f"the release is version {released}, blocklet.yml says {version}"
    for folder, dirs, names in os.walk(project_dir):
        dirs[:] = [d for d in dirs
                   if not d.startswith(".") and d != "node_modules" and not exclusions.skipped_folder(d)]
        for name in names:
            path = Path(folder, name)
            try:
                if path.stat().st_mtime > built:
                    return f"{path.relative_to(project_dir).as_posix()} changed after the release was built"
            except OSError:
                continue
    return None
