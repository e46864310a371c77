"""Blocklet metadata: locate, load (YAML 1.2 with positions), normalise (the reference's fix step),
validate (the rules, and the published JSON Schema). Modules: api (the entry points below), yaml12,
normalise, blocklet_schema/dsl (the rules), schema_file (JSON Schema), checks, names, persons, repository.

Reference: `@blocklet/meta` 1.17.12 (ArcBlock/blocklet-server blocklet/meta/src/: parse.ts, fix.ts, schema.ts,
validate.ts, name.ts, did.ts).
"""

from blocklet_cli.core.lazy import exports

_PUBLIC = {
    "MetaDocument": "api",
    "ParseMode": "api",
    "ValidationReport": "api",
    "check_meta_dict": "api",
    "find_meta_file": "api",
    "load_meta": "api",
    "parse_meta": "api",
    "validate_document": "api",
    "validate_meta_dict": "api",
    "validate_path": "api",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = exports(__name__, _PUBLIC)
