"""The offline cache of component answers (for `--offline`).

Every source a resolution accepted online is written here (its validated `blocklet.json`, with the
absolute `dist.tarball`), keyed by the meta URL, in the user cache folder
(`platformdirs.user_cache_path("blocklet")/components`, i.e. `$XDG_CACHE_HOME/blocklet/components`
on Linux). `--offline` resolves only from it. Not a reference format: the reference CLI has no
offline mode (`getBlockletMetaFromUrl` caches answers in memory for 30 s: ArcBlock/blocklet-server
blocklet/meta/src/util-meta.ts).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from pathlib import Path

from blocklet_cli.core import paths, safejson

FORMAT = 1


class ComponentCache:
    """A folder of `<sha256(url)[:32]>.json` files: `{"format", "url", "fetchedAt", "meta"}`."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else paths.components_cache_dir()

    def _path(self, url: str) -> Path:
        return self.root / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:32] + ".json")

    def get(self, url: str) -> dict | None:
        """The cached meta for `url`, or None (missing, unreadable or from another format)."""
        try:
            entry = safejson.loads(self._path(url).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("url") != url:
            return None
        meta = entry.get("meta")
        return meta if isinstance(meta, dict) else None

    def put(self, url: str, meta: dict) -> None:
        """Remember `meta` for `url`. A cache that cannot be written never fails the command."""
        from blocklet_cli.core.errors import BlockletError
        from blocklet_cli.core.fsutil import atomic_write_text

        entry = {"format": FORMAT, "url": url, "fetchedAt": int(time.time()), "meta": meta}
        with contextlib.suppress(OSError, BlockletError):
            self.root.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self._path(url), json.dumps(entry, ensure_ascii=False))
