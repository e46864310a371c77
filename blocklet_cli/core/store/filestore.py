"""The static file store: a folder laid out like a Blocklet Store's read API.

Reference: ArcBlock/blocklet-server blocklet/meta/src/util-meta.ts (meta URL
`{store}/api/blocklets/<did>/[<version>/]blocklet.json`, `dist.tarball` resolved relative to the meta URL)
and the store's read API the reference calls (`/api/store.json`, the metadata documents and the tarball
next to them). Layout written by `publish`:

    api/store.json                                   store description (created once, then kept)
    api/blocklets.json                               index: every blocklet, its latest and all versions
    api/blocklets/<did>/blocklet.json                latest version (same bytes as the versioned one)
    api/blocklets/<did>/<tarball>                    the latest tarball (a hard link when possible)
    api/blocklets/<did>/<version>/blocklet.json      one version, signature included
    api/blocklets/<did>/<version>/<tarball>

`dist.tarball` is the bare file name, so it resolves next to either meta URL and the signature stays
valid. Any static web server serving the folder, or the folder itself as a `file://` URL, is a
component store for `add`, `bundle` and `dev`. Publishes are serialised by `fcntl.flock` on
`.blocklet-store.lock` and every file is written to a temp file and renamed; "latest" only moves
forward by semver; publishing an existing version needs `force`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blocklet_cli.core import safejson
from blocklet_cli.core.errors import AlreadyPublishedError, FileFormatError, UsageError
from blocklet_cli.core.fsutil import atomic_path, atomic_write_text

if TYPE_CHECKING:
    import semver

LOCK_NAME = ".blocklet-store.lock"
STORE_DESCRIPTION = {
    "name": "Blocklet file store",
    "description": "A static Blocklet Store written by `blocklet publish --store <folder>`",
    "kind": "file",
}


def is_file_store(target: str) -> bool:
    """True for `file://` URLs and plain paths (anything without an http(s) scheme)."""
    from blocklet_cli.core.store_address import parse

    return parse(target, bare="folder").kind == "file"


def root_of(target: str) -> Path:
    """The folder of a file store given as `file://` URL or path."""
    from blocklet_cli.core.store_address import parse

    address = parse(target, bare="folder")
    if address.path is None:
        raise UsageError(f"{target!r} is not a file store (a folder or a file:// URL)")
    return address.path.resolve()


def url_of(root: Path) -> str:
    """The `file://` URL of a store folder (what `add --store` takes)."""
    return root.resolve().as_uri()


@dataclass
class FilePublishResult:
    """Where a release went in the file store."""

    root: Path
    did: str
    version: str
    meta_path: Path
    tarball_path: Path
    latest: bool  # this version is now the store's latest
    previous_latest: str | None
    replaced: bool  # the version existed and --force replaced it

    @property
    def store_url(self) -> str:
        return url_of(self.root)

    @property
    def meta_url(self) -> str:
        """The `file://` URL of the latest metadata (what `blocklet add <url>` takes)."""
        return meta_url(self.store_url, self.did)

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store_url, "root": str(self.root), "did": self.did, "version": self.version,
                "metaUrl": self.meta_url,
                "meta": str(self.meta_path), "tarball": str(self.tarball_path), "latest": self.latest,
                "previousLatest": self.previous_latest, "replaced": self.replaced}


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the store's publish lock (blocks until other publishers are done)."""
    import fcntl

    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / LOCK_NAME, "a+")  # noqa: SIM115 (closed below, after unlock)
    except OSError as exc:
        raise UsageError(f"cannot use {root} as a file store: {exc.strerror}") from None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


def _version_key(version: str) -> semver.Version:
    import semver

    try:
        return semver.Version.parse(version)
    except (ValueError, TypeError):
        raise UsageError(f"version {version!r} is not a valid semver version") from None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = safejson.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read the store file: {exc}", location=str(path)) from None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False), mode=0o644)


def _place_file(source: Path, target: Path) -> None:
    """Copy `source` to `target` atomically (temp file in the target folder, then rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp, open(tmp, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out, 1024 * 1024)
        os.fchmod(out.fileno(), 0o644)
        out.flush()
        os.fsync(out.fileno())


def _link_file(source: Path, target: Path) -> None:
    """Hard-link `source` as `target` (atomically), copying when links are not possible."""
    tmp = target.with_name(f".{target.name}.link.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        os.link(source, tmp)
    except OSError:
        _place_file(source, target)
        return
    os.replace(tmp, target)


def check_new_version(root: Path, did: str, version: str) -> None:
    """AlreadyPublishedError when `did` `version` is already in the store (its version metadata exists: the
    same file an HTTP request for `{store}/api/blocklets/<did>/<version>/blocklet.json` is answered with)."""
    if (root / "api" / "blocklets" / did / version / "blocklet.json").exists():
        raise AlreadyPublishedError(f"{did} {version} is already in the store {root}",
                                    store=url_of(root), did=did, version=version,
                                    url=meta_url(url_of(root), did, version),
                                    hint="bump the version (blocklet version patch), pass --skip-existing to skip "
                                         "it, or --force to replace it")


def publish(root: Path, meta: dict[str, Any], tarball: Path, *, force: bool = False) -> FilePublishResult:
    """Store a signed release (its `dist.tarball` must be the bare tarball file name)."""
    did, version = str(meta.get("did") or ""), str(meta.get("version") or "")
    if not did or "/" in did or did.startswith("."):
        raise UsageError(f"the release metadata has no usable did: {did!r}")
    new_key = _version_key(version)
    name = Path(str(meta.get("dist", {}).get("tarball") or tarball.name)).name
    text = json.dumps(meta, indent=2, ensure_ascii=False)
    with locked(root):
        blocklet_dir = root / "api" / "blocklets" / did
        version_dir = blocklet_dir / version
        version_meta = version_dir / "blocklet.json"
        replaced = version_meta.exists()
        if not force:
            check_new_version(root, did, version)
        _place_file(tarball, version_dir / name)
        atomic_write_text(version_meta, text, mode=0o644)

        latest_path = blocklet_dir / "blocklet.json"
        current = _read_json(latest_path)
        previous = str(current.get("version")) if current and current.get("version") else None
        moves = previous is None or new_key >= _version_key(previous)
        if moves:
            _link_file(version_dir / name, blocklet_dir / name)
            atomic_write_text(latest_path, text, mode=0o644)
            old_name = Path(str((current or {}).get("dist", {}).get("tarball") or "")).name
            if previous and old_name and old_name != name:
                with contextlib.suppress(OSError):
                    (blocklet_dir / old_name).unlink()
        if _read_json(root / "api" / "store.json") is None:
            _write_json(root / "api" / "store.json", STORE_DESCRIPTION)
        _update_index(root, meta, moves)
    return FilePublishResult(root, did, version, version_meta, version_dir / name, moves, previous, replaced)


def _update_index(root: Path, meta: dict[str, Any], is_latest: bool) -> None:
    path = root / "api" / "blocklets.json"
    index = _read_json(path) or {}
    found = index.get("blocklets")
    blocklets: dict[str, Any] = found if isinstance(found, dict) else {}
    did, version = str(meta["did"]), str(meta["version"])
    found = blocklets.get(did)
    entry: dict[str, Any] = found if isinstance(found, dict) else {}
    versions = sorted({*entry.get("versions", []), version}, key=_version_key)
    entry.update({"did": did, "name": meta.get("name"), "versions": versions})
    if is_latest or "latest" not in entry:
        entry.update({"title": meta.get("title"), "description": meta.get("description"), "latest": version})
    blocklets[did] = entry
    _write_json(path, {"blocklets": dict(sorted(blocklets.items()))})


def meta_url(store_url: str, did: str, version: str | None = None) -> str:
    """The reference's component meta URL for a store (`getSourceUrlsFromConfig`)."""
    segments = [store_url.rstrip("/"), "api", "blocklets", did]
    if version and version != "latest":
        segments.append(version)
    return "/".join([*segments, "blocklet.json"])
