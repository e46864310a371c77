"""Bundles and releases (reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/bundle/):
`build_bundle(project_dir, ...) -> BundleResult`.

Modules: select (which files) and exclusions (which never), assets (logo, screenshots), cid (IPFS
CIDv0), markdown (media links), changelog, deps (Node dependencies), archive (reproducible tgz and
zip), metafile (bundled yml, package.json, blocklet.json), release, builder (orchestration).
"""

from blocklet_cli.core.lazy import exports

_PUBLIC = {
    "BundleMode": "builder",
    "BundleResult": "builder",
    "CompactOptions": "builder",
    "build_bundle": "builder",
    "plan_bundle": "builder",
    "ReleaseResult": "release",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = exports(__name__, _PUBLIC)
