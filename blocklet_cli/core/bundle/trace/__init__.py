"""Zip mode's dependency tracer: parse, resolve, lay out, check (see `graph`, `resolve`, `layout`).

`trace_app` follows the app's code; `layout_packages` turns the packages it reached into a flat
`node_modules` tree; `verify_bundle` resolves every traced specifier again inside the planned bundle,
so a bundle that would fail to load a module on the server is an error here, not there.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from blocklet_cli.core.bundle.trace.graph import Note, Trace, TracedPackage, trace_app, valid_package_name
from blocklet_cli.core.bundle.trace.layout import plan_layout
from blocklet_cli.core.errors import BundleError

PLANNED_ROOT = "/bundle"


def layout_packages(trace: Trace) -> tuple[dict[str, Path], dict[str, list[str]]]:
    """Bundle entries (`node_modules/...` path → source file) of every traced package, and where
    each package (by real folder) was placed."""
    deps = {key: package.deps for key, package in trace.packages.items()}
    placements = plan_layout(trace.root_deps, deps)
    entries: dict[str, Path] = {}
    for key, folders in placements.items():
        package = trace.packages[key]
        for folder in folders:
            for rel in sorted(package.files):
                entries[f"{folder}/{rel}"] = Path(key, rel)
    return entries, placements


def verify_bundle(trace: Trace, files: dict[str, Path]) -> None:
    """Check that each traced specifier, resolved from every copy of its file in the planned bundle
    (`files`: bundle path → source), reaches a copy of the same file. Raises BundleError naming the
    file and the specifier otherwise."""
    from blocklet_cli.core.bundle.trace.resolve import PlannedTree, RealTree, Resolver

    copies: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    for name, source in files.items():
        real = os.path.realpath(source)
        copies.setdefault(real, []).append(name)
        sources[posixpath.join(PLANNED_ROOT, name)] = real
    resolver = Resolver(PlannedTree(PLANNED_ROOT, {name: str(source) for name, source in files.items()},
                                    RealTree()))
    problems: list[str] = []
    for edge in trace.edges:
        for name in copies.get(edge.source, []):
            found = resolver.resolve(edge.specifier, posixpath.join(PLANNED_ROOT, name), esm=edge.esm,
                                     sync=edge.sync)
            if found.kind == "builtin":
                continue
            if found.kind != "file" or found.path is None or sources.get(found.path) != edge.target:
                got = found.path[len(PLANNED_ROOT) + 1:] if found.path else "nothing"
                problems.append(f"{name}:{edge.line}: {edge.specifier!r} would load {got} in the bundle, "
                                f"not {os.path.relpath(edge.target, trace.boundary)}")
        if len(problems) >= 20:
            break
    if problems:
        raise BundleError("blocklet.zip would not load what the app loads:\n  " + "\n  ".join(problems))


__all__ = ["Note", "Trace", "TracedPackage", "layout_packages", "trace_app", "valid_package_name", "verify_bundle"]
