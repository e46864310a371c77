"""Blocklet metadata: locate, load (YAML 1.2 with positions), normalise (the reference fix step),
validate (JSON Schema + rules JSON Schema cannot express).

Reference: `@blocklet/meta` 1.17.12 (ArcBlock/blocklet-server blocklet/meta/src/: parse.ts, fix.ts, schema.ts,
validate.ts, name.ts, did.ts). This package's public API is what the rest of
the code uses; everything else in it is internal.
"""

from blocklet_cli.core.meta.api import (
    MetaDocument,
    ParseMode,
    ValidationReport,
    check_meta_dict,
    find_meta_file,
    load_meta,
    parse_meta,
    validate_document,
    validate_meta_dict,
    validate_path,
)

__all__ = [
    "MetaDocument",
    "ParseMode",
    "ValidationReport",
    "check_meta_dict",
    "find_meta_file",
    "load_meta",
    "parse_meta",
    "validate_document",
    "validate_meta_dict",
    "validate_path",
]
