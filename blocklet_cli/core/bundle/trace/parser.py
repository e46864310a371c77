"""Module specifiers of a JavaScript/TypeScript file, read with tree-sitter's grammars.

Found: `require('x')`, `require.resolve('x')`, `import … from 'x'`, `import 'x'`, `export … from 'x'`,
`import('x')` and TypeScript's `import x = require('x')`. Type-only imports and exports
(`import type`, `export type … from`) are erased by TypeScript and are not specifiers at run time.
A plain string or a template literal without substitutions is literal; anything else
(`require(name)`, `` require(`./${x}`) ``) is reported as non-literal. A `require` inside the body
of a `try` block is marked `guarded` (the code copes when the module is missing).

Other string literals naming a script (`'worker.js'` in `new Worker(join(__dirname, 'worker.js'))`,
`fork(...)`, `new URL('./w.mjs', import.meta.url)`) are returned as `scripts`: code started without
`require`, which the tracer ships too.

tree-sitter is imported lazily: only bundling a dapp needs it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal, cast

Kind = Literal["require", "require.resolve", "import", "export", "dynamic-import"]
Dialect = Literal["javascript", "typescript", "tsx"]

TS_SUFFIXES = (".ts", ".mts", ".cts")
PARSED_SUFFIXES = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
_QUERIES = {
    "require": '((call_expression function: (identifier) @fn arguments: (arguments . (_) @arg)) (#eq? @fn "require"))',
    "require.resolve": '((call_expression function: (member_expression object: (identifier) @obj '
                       'property: (property_identifier) @prop) arguments: (arguments . (_) @arg)) '
                       '(#eq? @obj "require") (#eq? @prop "resolve"))',
    "dynamic-import": "(call_expression function: (import) arguments: (arguments . (_) @arg))",
    "import": "(import_statement source: (string) @arg)",
    "export": "(export_statement source: (string) @arg)",
}
_TS_ONLY = {"import-equals": "(import_require_clause source: (string) @arg)"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


@dataclass(frozen=True)
class Specifier:
    """One module reference in a file. `value` is None when it is not literal (`text` holds the code)."""

    kind: Kind
    value: str | None
    line: int
    guarded: bool = False
    text: str = ""

    @property
    def literal(self) -> bool:
        return self.value is not None

    @property
    def esm(self) -> bool:
        """Resolved with the `import` conditions (an ES module import) rather than `require`'s."""
        return self.kind in ("import", "export", "dynamic-import")


def dialect_of(filename: str) -> Dialect:
    lower = filename.lower()
    if lower.endswith(".tsx"):
        return "tsx"
    return "typescript" if lower.endswith(TS_SUFFIXES) else "javascript"


@functools.cache
def _language(dialect: Dialect):
    import tree_sitter

    if dialect == "javascript":
        import tree_sitter_javascript

        return tree_sitter.Language(tree_sitter_javascript.language())
    import tree_sitter_typescript

    name = "language_tsx" if dialect == "tsx" else "language_typescript"
    return tree_sitter.Language(getattr(tree_sitter_typescript, name)())


@functools.cache
def _query(dialect: Dialect):
    """One query holding every pattern (one pass over the tree), and the kind of each pattern."""
    import tree_sitter

    language = _language(dialect)
    sources = dict(_QUERIES)
    if dialect != "javascript":
        sources.update(_TS_ONLY)
    sources["string"] = "(string) @arg"
    return language, tree_sitter.Query(language, "\n".join(sources.values())), list(sources)


def _unescape(raw: str) -> str:
    """The value of a JavaScript escape sequence (`\\n`, `\\x41`, `\\u0041`, `\\u{1F600}`, `\\'`)."""
    body = raw[1:]
    if not body:
        return ""
    head = body[0]
    if head == "x" and len(body) == 3:
        return chr(int(body[1:], 16))
    if head == "u":
        digits = body[2:-1] if body.startswith("u{") else body[1:]
        return chr(int(digits, 16))
    if head in "\r\n\u2028\u2029":
        return ""  # line continuation
    return _ESCAPES.get(head, head)


def _literal(node) -> str | None:
    """The string value of a `string` or substitution-free `template_string` node, else None."""
    if node.type not in ("string", "template_string"):
        return None
    parts = []
    for child in node.named_children:
        if child.type == "string_fragment":
            parts.append(child.text.decode("utf-8", "surrogatepass"))
        elif child.type == "escape_sequence":
            parts.append(_unescape(child.text.decode("utf-8", "surrogatepass")))
        else:  # template_substitution, or an unexpected node: not literal
            return None
    return "".join(parts)


def _guarded(node) -> bool:
    current = node
    while current.parent is not None:
        parent = current.parent
        if parent.type == "try_statement" and parent.child_by_field_name("body") == current:
            return True
        current = parent
    return False


def _type_only(statement) -> bool:
    """`import type … from` / `export type … from` (TypeScript): erased at compile time."""
    return any(child.type == "type" for child in statement.children[:3])


@dataclass
class Module:
    """What a file loads: its specifiers, and other string literals naming a script (value, line)."""

    specifiers: list[Specifier]
    scripts: list[tuple[str, int]]


SCRIPT_SUFFIXES = (".js", ".cjs", ".mjs")
_SCRIPT_BYTES = tuple(suffix.encode() for suffix in SCRIPT_SUFFIXES)


def parse_specifiers(source: bytes, filename: str) -> list[Specifier]:
    """Every module specifier of a file (in source order), literal or not."""
    return parse_module(source, filename).specifiers


def parse_module(source: bytes, filename: str) -> Module:
    """Specifiers and script-naming strings of a file."""
    import tree_sitter

    dialect = dialect_of(filename)
    language, query, kinds = _query(dialect)
    tree = tree_sitter.Parser(language).parse(source)
    found: list[tuple[int, Specifier]] = []
    strings = []
    for index, captures in tree_sitter.QueryCursor(query).matches(tree.root_node):
        kind = kinds[index]
        arg = captures["arg"][0]
        if kind == "string":
            strings.append(arg)
            continue
        if kind in ("import", "export") and _type_only(arg.parent):
            continue
        value = _literal(arg)
        spec_kind = cast(Kind, "require" if kind == "import-equals" else kind)
        text = "" if value is not None else (arg.text or b"").decode("utf-8", "replace")[:200]
        guarded = spec_kind in ("require", "require.resolve", "dynamic-import") and _guarded(arg)
        found.append((arg.start_byte, Specifier(spec_kind, value, arg.start_point[0] + 1,
                                                guarded, text)))
    found.sort(key=lambda item: item[0])
    used = {start for start, _ in found}
    scripts = []
    for node in strings:
        if node.start_byte in used or not (node.text or b"").rstrip(b"'\"").endswith(_SCRIPT_BYTES):
            continue
        value = _literal(node)
        if value and value.endswith(SCRIPT_SUFFIXES) and "\n" not in value and len(value) < 300:
            scripts.append((value, node.start_point[0] + 1))
    return Module([spec for _, spec in found], scripts)
