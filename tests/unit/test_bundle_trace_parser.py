"""tree-sitter extraction of module specifiers (core/bundle/trace/parser.py)."""

from __future__ import annotations

from blocklet_cli.core.bundle.trace.parser import parse_specifiers


def specs(source: str, filename: str = "x.js") -> list[tuple[str, str | None]]:
    return [(spec.kind, spec.value) for spec in parse_specifiers(source.encode(), filename)]


def test_commonjs_require_and_require_resolve() -> None:
    source = """
    const a = require('a');
    const { b } = require("b/sub");
    const where = require.resolve('c/package.json');
    module.exports = () => require('./lazy');
    // require('in-a-comment') and "require('in-a-string')" are not code
    const text = "require('in-a-string')";
    """
    assert specs(source) == [("require", "a"), ("require", "b/sub"), ("require.resolve", "c/package.json"),
                             ("require", "./lazy")]


def test_esm_imports_exports_and_dynamic_import() -> None:
    source = """
    import x from 'x';
    import * as y from "y";
    import 'side-effect';
    export { z } from './z.js';
    export * from '#internal';
    const later = await import('node:fs/promises');
    """
    assert specs(source, "m.mjs") == [("import", "x"), ("import", "y"), ("import", "side-effect"),
                                      ("export", "./z.js"), ("export", "#internal"),
                                      ("dynamic-import", "node:fs/promises")]
    assert all(spec.esm for spec in parse_specifiers(source.encode(), "m.mjs"))


def test_template_literal_without_substitutions_is_literal_and_escapes_are_decoded() -> None:
    found = parse_specifiers(b"require(`plain`); require('a\\x62c'); require(\"\\u0064ef\")", "x.js")
    assert [(spec.value, spec.literal) for spec in found] == [("plain", True), ("abc", True), ("def", True)]


def test_non_literal_specifiers_are_reported_with_their_code() -> None:
    found = parse_specifiers(b"require(name);\nrequire(`./${x}`);\nimport('./a/' + b);\nrequire('ok')", "x.js")
    assert [(spec.value, spec.text, spec.line) for spec in found] == [
        (None, "name", 1), (None, "`./${x}`", 2), (None, "'./a/' + b", 3), ("ok", "", 4)]
    assert [spec.literal for spec in found] == [False, False, False, True]


def test_typescript_type_only_imports_are_erased_and_import_equals_is_a_require() -> None:
    source = """
    import type { Config } from './types';
    import { type A, b } from 'mixed';
    export type { T } from './t';
    import fs = require('fs-extra');
    const n: number = 1;
    """
    assert specs(source, "a.ts") == [("import", "mixed"), ("require", "fs-extra")]
    assert specs("import React from 'react';\nconst el = <div>{1}</div>;", "a.tsx") == [("import", "react")]
    assert specs("import React from 'react';\nconst el = <div/>;", "a.jsx") == [("import", "react")]


def test_requires_inside_try_are_guarded() -> None:
    found = parse_specifiers(b"try { require('optional'); } catch (e) {}\nrequire('needed');", "x.js")
    assert [(spec.value, spec.guarded) for spec in found] == [("optional", True), ("needed", False)]


def test_broken_source_still_yields_what_can_be_read() -> None:
    assert ("require", "ok") in specs("const = ;;; require('ok'); function (", "x.js")


def test_strings_naming_scripts_are_returned_apart_from_specifiers() -> None:
    from blocklet_cli.core.bundle.trace.parser import parse_module

    module = parse_module(b"require('./a.js');\nfork(join(__dirname, 'child.js'));\nconst s = 'not a script';\n"
                          b"new URL('./w.mjs', import.meta.url)", "x.js")
    assert [spec.value for spec in module.specifiers] == ["./a.js"]
    assert module.scripts == [("child.js", 2), ("./w.mjs", 4)]
