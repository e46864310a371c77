"""Which files of an installed package ship: run-time files only.

A package ships its `package.json`, its licence, the code the tracer reached and the files it may
read at run time without `require` (data, templates, `.wasm`, shared libraries). Never: nested
`node_modules`, tests, docs, examples, TypeScript sources and declarations, source maps, lock files,
and native build intermediates. A native addon ships the `.node` files (and shared libraries) that
`bindings`, `node-gyp-build` and `@mapbox/node-pre-gyp` load (`build/Release/*.node`,
`lib/binding/**`, `prebuilds/**`), not what compiled them (`build/Release/obj.target`, `.deps`,
`*.o`/`*.a`, `deps/`, `src/` C/C++ sources, gyp files, Makefiles).
"""

from __future__ import annotations

import fnmatch
import os
import re

CODE_SUFFIXES = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")
NATIVE_SUFFIXES = (".node", ".so", ".dylib", ".dll")
SKIPPED_DIRS = frozenset({"node_modules", ".git", ".github", ".vscode", ".idea", ".nyc_output", "__tests__",
                          ".deps", "obj.target", "obj", ".circleci", ".husky"})
SKIPPED_TOP_DIRS = frozenset({"test", "tests", "__tests__", "doc", "docs", "coverage", "example", "examples",
                              "benchmark", "benchmarks", "website", "man", "fixtures"})
ADDON_SOURCE_DIRS = frozenset({"deps", "src", "vendor", "tools", "scripts"})
JUNK = ("*.map", "*.d.ts", "*.d.mts", "*.d.cts", "*.ts", "*.tsx", "*.mts", "*.cts", "*.log", "*.lock", "*~",
        "*.patch", ".npmignore", ".gitignore", ".gitattributes", ".eslintrc*", ".eslintignore", ".prettierrc*",
        ".editorconfig", ".travis.yml", ".jshintrc", ".babelrc", ".nycrc*", "package-lock.json", "yarn.lock",
        "pnpm-lock.yaml", ".DS_Store", "tsconfig*.json", "*.tsbuildinfo", "*.md", "*.markdown", "*.mkd",
        "Makefile", "*.Makefile", "*.mk", "*.gyp", "*.gypi", "config.gypi", "*.o", "*.a", "*.obj", "*.lib", "*.pdb",
        "*.ilk",
        "*.exp", "*.tlog", "*.c", "*.cc", "*.cpp", "*.cxx", "*.h", "*.hh", "*.hpp", "*.d", "*.mk",
        ".npmrc", ".env", ".env.*", "*.pem", "*.key", "*.flow", "*.tgz", "*.tar.gz", "*.zip")
LICENCE = ("license*", "licence*", "copying*", "notice*")
# file-name patterns (not source) compiled once: a package listing checks thousands of names
_JUNK = re.compile("|".join(fnmatch.translate(pattern) for pattern in JUNK))
_LICENCE = re.compile("|".join(fnmatch.translate(pattern) for pattern in LICENCE))


def package_files(real_dir: str) -> tuple[str, ...]:
    """Every regular file of an installed package that may be needed at run time (relative paths,
    sorted): nested `node_modules`, symlinks, tests/docs, junk and build intermediates left out."""
    addon = os.path.isfile(os.path.join(real_dir, "binding.gyp"))
    found: list[str] = []
    for current, dirs, files in os.walk(real_dir):
        rel_dir = os.path.relpath(current, real_dir)
        top = rel_dir == "."
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not (top and d in SKIPPED_TOP_DIRS)
                         and not (top and addon and d in ADDON_SOURCE_DIRS)
                         and not os.path.islink(os.path.join(current, d)))
        for name in files:
            rel = name if top else f"{rel_dir}/{name}"
            if os.path.islink(os.path.join(current, name)):
                continue
            if name == "package.json" or is_native(name) or _is_licence(name):
                found.append(rel)
            elif not _JUNK.match(name):
                if addon and rel.startswith("build/") and not is_native(name):
                    continue  # everything in an addon's build folder except what is loaded is left over
                found.append(rel)
    return tuple(sorted(found))


def is_native(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(NATIVE_SUFFIXES) or ".so." in lower


def _is_licence(name: str) -> bool:
    return bool(_LICENCE.match(name.lower()))


def is_code(rel: str) -> bool:
    return rel.lower().endswith(CODE_SUFFIXES)


def asset_files(files: tuple[str, ...]) -> list[str]:
    """What a reached package ships besides the code the tracer follows (from its `package_files`):
    package.json, licence, native binaries and data files."""
    return [rel for rel in files if not is_code(rel)]
