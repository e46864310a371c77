"""Bundles and releases (reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/bundle/):
`build_bundle(project_dir, ...) -> BundleResult`.

Modules: select (which files), assets (logo, screenshots), cid (IPFS CIDv0), markdown (media links),
changelog, deps (Node dependencies), archive (reproducible tgz and zip), metafile (bundled yml,
package.json, blocklet.json), release, builder (orchestration).
"""

from blocklet_cli.core.bundle.builder import BundleMode, BundleResult, CompactOptions, build_bundle, plan_bundle
from blocklet_cli.core.bundle.release import ReleaseResult

__all__ = ["BundleMode", "BundleResult", "CompactOptions", "ReleaseResult", "build_bundle", "plan_bundle"]
