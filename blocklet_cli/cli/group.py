"""The Click side of the application, built on demand: a lazy root group that imports a command's module
only when that command is looked up, and the global flags added to every command so that they work before
and after the command name alike."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup, TyperOption

from blocklet_cli.cli.app import COMMANDS, HELP, HELP_OPTIONS, VERSION_HELP, VERSION_OPTIONS
from blocklet_cli.cli.context import GLOBAL_FLAGS, Env
from blocklet_cli.cli.params import Param

if TYPE_CHECKING:
    from typer._click.core import Command  # typer vendors click


def _set_flag(attribute: str):
    def callback(ctx: typer.Context, param: Any, value: bool) -> None:
        if value:
            setattr(ctx.find_root().ensure_object(Env), attribute, True)

    return callback


def add_global_flags(command: Any, *, recurse: bool = True) -> None:
    """Give `command` (and its subcommands) the global flags it does not spell itself."""
    used = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
    for attribute, names, text in GLOBAL_FLAGS:
        free = [name for name in names if name not in used]
        if free:
            command.params.append(TyperOption(param_decls=free, is_flag=True, default=False, expose_value=False,
                                              callback=_set_flag(attribute), help=text))
    if recurse:
        for sub in getattr(command, "commands", {}).values():
            add_global_flags(sub)


def load_command(name: str) -> Any:
    """Import `blocklet_cli.cli.commands.<module>` and turn the command into a Click command."""
    entry = COMMANDS[name]
    target = getattr(importlib.import_module(f"blocklet_cli.cli.commands.{entry.module}"), entry.attr)
    command: Command
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        single = typer.Typer(rich_markup_mode=None, add_completion=False, pretty_exceptions_enable=False)
        single.command(name, help=entry.help)(typer_callback(target))
        command = typer.main.get_command(single)
    command.name = name
    add_global_flags(command)
    return command


def typer_callback(function: Any) -> Any:
    """`function` as Typer reads it: its `cli.params` declarations become Typer's (other annotations stay)."""
    import functools
    import inspect

    signature = inspect.signature(function)
    parameters = []
    for parameter in signature.parameters.values():
        annotation = parameter.annotation
        if isinstance(annotation, str):
            annotation = eval(annotation, function.__globals__)  # a postponed annotation of the module itself
        metadata = getattr(annotation, "__metadata__", ())
        if any(isinstance(item, Param) for item in metadata):
            arguments = (annotation.__origin__, *(item.to_typer() if isinstance(item, Param) else item
                                                  for item in metadata))
            annotation = Annotated[arguments]  # the tuple: Annotated[T, m1, m2, ...]
        parameters.append(parameter.replace(annotation=annotation))

    @functools.wraps(function)
    def callback(**kwargs: Any) -> Any:
        return function(**kwargs)

    callback.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return callback


class LazyCommands(MutableMapping):
    """The root group's `commands`: every name of the table, each built on first access."""

    def __init__(self) -> None:
        self.loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self.loaded[name] = load_command(name)
        return self.loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self.loaded]))

    def __len__(self) -> int:
        return len(dict.fromkeys([*COMMANDS, *self.loaded]))


class LazyGroup(TyperGroup):
    """Commands come from `COMMANDS`; listing them (help, suggestions) imports none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands()

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.summary) for name, entry in COMMANDS.items()])


def _version_callback(ctx: typer.Context, value: bool) -> None:
    if value:
        from blocklet_cli import __version__

        ctx.find_root().ensure_object(Env).stdout.write(f"blocklet {__version__}\n")
        raise typer.Exit()


def root_app() -> typer.Typer:
    """The root Typer application (its commands are loaded lazily)."""
    app = typer.Typer(name="blocklet", cls=LazyGroup, help=HELP, no_args_is_help=True, add_completion=True,
                      pretty_exceptions_enable=False, rich_markup_mode=None,
                      context_settings={"help_option_names": list(HELP_OPTIONS)})

    @app.callback()
    def _root(version: Annotated[bool, typer.Option(*VERSION_OPTIONS[::-1], callback=_version_callback,
                                                    is_eager=True, help=VERSION_HELP)] = False) -> None:
        return None

    return app


def root_command() -> Any:
    """The root Click group with the global flags first in its options."""
    command = typer.main.get_command(root_app())
    before = list(command.params)
    command.params.clear()
    add_global_flags(command, recurse=False)  # each command gets them when it is loaded
    command.params.extend(before)
    return command
