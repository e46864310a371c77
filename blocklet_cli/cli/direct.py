"""Run a command without Typer when its command line is plain (start-up time: Typer and Click cost more
than `blocklet validate` itself).

A command qualifies when every parameter is declared with `cli.params` and uses nothing but names, help
and the types `str`, `int`, `bool`, `Path` and lists of them. The command line is read as Click reads it
for such parameters (options anywhere before `--`, `--name value`, `--name=value`, the last value of a
repeated option wins, the global flags before and after the command name). Whatever else appears —
`--help`, an unknown or abbreviated option, bundled short flags, a value that looks like an option, a
missing or extra argument, a value Click would refuse — makes `parse` return None, and the command runs
through Typer, which answers it.
`tests/cli/test_direct.py` checks that both ways pass the same values to the command.
"""

from __future__ import annotations

import os
from pathlib import Path

from blocklet_cli.cli.context import GLOBAL_FLAGS, Env
from blocklet_cli.cli.params import Param

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

HELP_OPTIONS = ("-h", "--help")
NEUTRAL = {"help", "show_default", "metavar", "case_sensitive", "rich_help_panel"}  # no effect on parsing


class Spec:
    """One parameter as the parser needs it."""

    __slots__ = ("convert", "default", "flag", "kind", "many", "name", "names", "off_names")

    def __init__(self, name: str, kind: str, convert: Callable[[str], Any], many: bool, default: Any) -> None:
        self.name, self.kind, self.convert, self.many, self.default = name, kind, convert, many, default
        self.names: tuple[str, ...] = ()
        self.off_names: tuple[str, ...] = ()
        self.flag = convert is bool


def _path(value: str) -> Path:
    """Click's `Path()` type as Typer declares it: an existing path must be readable."""
    if os.path.exists(value) and not os.access(value, os.R_OK):
        raise ValueError(value)
    return Path(value)


CONVERTERS: dict[object, Callable[[str], Any]] = {str: str, int: int, bool: bool, Path: _path}


def specs(function: Callable[..., Any]) -> list[Spec] | None:
    """The parameters of `function`, or None when one of them needs Typer."""
    code = function.__code__
    if code.co_kwonlyargcount or code.co_flags & 0x0C:  # keyword-only, *args, **kwargs
        return None
    names = code.co_varnames[:code.co_argcount]
    defaults = function.__defaults__ or ()
    defaults_of = dict(zip(names[len(names) - len(defaults):], defaults, strict=True))
    result = []
    for name in names:
        annotation = function.__annotations__.get(name)
        if isinstance(annotation, str):
            annotation = eval(annotation, function.__globals__)  # a postponed annotation of the module itself
        declared = [item for item in getattr(annotation, "__metadata__", ()) if isinstance(item, Param)]
        if annotation is None or len(declared) != 1 or not set(declared[0].attrs) <= NEUTRAL:
            return None
        param = declared[0]
        base = _optional_base(annotation.__origin__)
        many = getattr(base, "__origin__", None) is list
        if many:
            (base,) = base.__args__
        if base not in CONVERTERS or (many and base is bool):
            return None
        spec = Spec(name, param.kind, CONVERTERS[base], many, defaults_of.get(name, ...))
        if param.kind == "option":
            if spec.default is ... or not param.decls or (spec.flag and spec.default is not False
                                                           and not any("/" in decl for decl in param.decls)):
                return None
            spec.names = tuple(decl.split("/", 1)[0] for decl in param.decls)  # "--x/--no-x": on, then off
            spec.off_names = tuple(decl.split("/", 1)[1] for decl in param.decls if "/" in decl)
            if not all(option.startswith("-") for option in (*spec.names, *spec.off_names)):
                return None
        result.append(spec)
    arguments = [spec for spec in result if spec.kind == "argument"]
    if any(spec.many for spec in arguments[:-1]):  # a variadic argument must come last here
        return None
    return result


def _optional_base(annotation: Any) -> Any:
    """`X | None` -> X; anything else unchanged."""
    args = getattr(annotation, "__args__", ())
    if type(annotation).__name__ in ("UnionType", "_UnionGenericAlias") and len(args) == 2 and type(None) in args:
        return next(arg for arg in args if arg is not type(None))
    return annotation


def parse(specs_: list[Spec], args: list[str], env: Env) -> dict[str, Any] | None:
    """The command's keyword arguments for `args` (what follows the command name), setting the global flags
    on `env`; None when Typer must read this command line."""
    options = {name: spec for spec in specs_ for name in (*spec.names, *spec.off_names)}
    global_flags = {name: attribute for attribute, names, _ in GLOBAL_FLAGS for name in names if name not in options}
    values: dict[str, Any] = {}
    positionals: list[str] = []
    flags: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            positionals.extend(args[index:])
            break
        if not arg.startswith("-") or arg == "-":
            positionals.append(arg)
            continue
        # `--name=value`; a short option only alone (Click reads `-p=x` as `-p` with the value `=x`)
        name, equals, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        spec = options.get(name)
        if name in HELP_OPTIONS:
            return None
        if spec is None:
            if arg not in global_flags:
                return None
            flags.append(global_flags[arg])
        elif spec.flag:
            if equals:
                return None
            values[spec.name] = name not in spec.off_names
        else:
            if not equals:
                if index == len(args) or (args[index].startswith("-") and args[index] != "-"):
                    return None  # no value, or one that looks like an option: Typer decides
                inline, index = args[index], index + 1
            try:
                value = spec.convert(inline)
            except ValueError:
                return None
            values[spec.name] = [*values.get(spec.name, ()), value] if spec.many else value
    for spec in specs_:
        if spec.kind != "argument":
            continue
        if spec.many:
            taken, positionals = positionals, []
        elif positionals:
            taken, positionals = positionals[:1], positionals[1:]
        else:
            taken = []
        if not taken and spec.default is ...:
            return None  # a missing argument: Typer says so
        try:
            converted = [spec.convert(value) for value in taken]
        except ValueError:
            return None
        if taken:
            values[spec.name] = converted if spec.many else converted[0]
    if positionals:
        return None  # extra arguments
    for spec in specs_:
        if spec.name not in values:
            values[spec.name] = None if spec.many and spec.default is None else spec.default
    for attribute in flags:
        setattr(env, attribute, True)
    return values
