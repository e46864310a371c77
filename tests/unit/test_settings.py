"""core/settings.py: one table of settings, one resolver that records where a value came from; the
help texts and docs/configuration.md agree with the table; every variable the code reads is in it."""

from __future__ import annotations

import ast
import importlib.util

import pytest
import typer

from blocklet_cli.cli.app import app
from blocklet_cli.core import settings
from blocklet_cli.core.settings import MASK, SETTINGS, resolve
from tests.conftest import REPO

# What `blocklet dev` hands to the app's process is not configuration of ours.
NOT_READ_AS_SETTINGS = {"GIT_TERMINAL_PROMPT", "LC_ALL"}


def test_flag_beats_environment_beats_profile_beats_default():
    env = {"BLOCKLET_STORE": "http://env.example", "BLOCKLET_REGISTRY": "http://registry-env.example"}
    profile = {"store": "http://profile.example", "registry": "http://registry.example"}
    assert resolve("store", "http://flag.example", env, profile).source == "flag"
    assert resolve("store", None, env, profile).source == "env:BLOCKLET_STORE"
    assert resolve("store", None, {"BLOCKLET_REGISTRY": "http://r.example"}, profile).source == "env:BLOCKLET_REGISTRY"
    found = resolve("store", None, {}, profile, profile_name="staging")
    assert (found.value, found.source) == ("http://profile.example", "profile:staging")
    assert resolve("store", None, {}, {"registry": "http://registry.example"}).value == "http://registry.example"
    assert resolve("store", None, {}, {}).to_dict() == {"key": "store", "value": settings.DEFAULT_STORE,
                                                        "source": "default"}
    assert resolve("store", None, {}, {}, use_default=False).source is None


def test_blank_values_count_as_unset_and_values_are_stripped():
    found = resolve("deployAppDid", "  ", {"BLOCKLET_DEPLOY_APP_DID": " ", "BLOCKLET_DEPLOY_APP_ID": " z1 "})
    assert (found.value, found.source) == ("z1", "env:BLOCKLET_DEPLOY_APP_ID")


def test_secret_values_are_never_described():
    token = "0x" + "ab" * 64
    found = resolve("accessToken", None, {"BLOCKLET_ACCESS_TOKEN": token})
    assert found.value == token and found.shown == MASK
    assert token not in found.describe() and "env:BLOCKLET_ACCESS_TOKEN" in found.describe()
    assert found.to_dict()["value"] == MASK and found.to_dict(show_secrets=True)["value"] == token
    assert [s.name for s in SETTINGS if s.secret] == ["accessToken", "deployAccessSecret"]


def test_the_table_has_one_row_per_setting_and_variable():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    owners = {}
    for setting in SETTINGS:
        for var in setting.env_vars:
            owners.setdefault(var, []).append(setting.name)
    # BLOCKLET_REGISTRY is both the `registry` key's variable and the fallback of `store`
    assert {var: names for var, names in owners.items() if len(names) > 1} == {
        "BLOCKLET_REGISTRY": ["store", "registry"]}


def options_by_flag() -> dict[str, list[tuple[str, str]]]:
    """flag -> [(command path, help text)] for every option of every command."""
    found: dict[str, list[tuple[str, str]]] = {}

    def walk(command, path: str) -> None:
        for param in command.params:
            if param.param_type_name == "option":
                for opt in param.opts:
                    found.setdefault(opt, []).append((path, param.help or ""))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "blocklet")
    return found


def test_help_texts_state_the_precedence_of_the_table():
    """A flag's help names the setting's variables in the table's order, before the profile and the
    default (two help texts once said the opposite of what the code does)."""
    flags = options_by_flag()
    checked = 0
    for setting in SETTINGS:
        if not setting.flag or not setting.env_vars:
            continue
        helps = [(path, text) for path, text in flags.get(setting.flag, []) if setting.env_vars[0] in text]
        assert helps, f"no help of {setting.flag} names ${setting.env_vars[0]}"
        for path, text in helps:
            tail = settings.precedence(setting.name).split(", then ", 1)[1]
            assert tail in " ".join(text.split()), f"{path} {setting.flag}: {text!r}"
            checked += 1
    assert checked >= 12


def env_reads(tree: ast.AST) -> set[str]:
    """Variable names the code reads literally: environ.get("X"), environ["X"], getenv("X"),
    "X" in environ, envvar="X"."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            target = ast.unparse(func)
            if (target.endswith(("environ.get", "getenv")) and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                names.add(node.args[0].value)
            names.update(k.value.value for k in node.keywords
                         if k.arg == "envvar" and isinstance(k.value, ast.Constant))
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ") \
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            names.add(node.slice.value)
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) \
                and any(ast.unparse(c).endswith("environ") for c in node.comparators):
            names.add(node.left.value)
    return names


def test_every_variable_the_code_reads_is_a_setting_or_a_documented_other_variable():
    read: set[str] = set()
    for path in (REPO / "blocklet_cli").rglob("*.py"):
        read |= env_reads(ast.parse(path.read_text(encoding="utf-8")))
    assert {"CI", "NO_COLOR"} <= read
    assert read - settings.all_env_vars() - set(settings.OTHER_VARIABLES) - NOT_READ_AS_SETTINGS == set()


def test_the_scanner_finds_each_way_of_reading_a_variable():
    code = ('os.environ.get("A"); os.getenv("B"); os.environ["C"]; "D" in os.environ\n'
            'typer.Option("--x", envvar="E")')
    assert env_reads(ast.parse(code)) == {"A", "B", "C", "D", "E"}


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_settings_doc", REPO / "scripts" / "gen_settings_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_configuration_holds_the_generated_table():
    generator = load_generator()
    page = generator.PAGE.read_text(encoding="utf-8")
    assert page == generator.render(page), "run: python scripts/gen_settings_doc.py"
    for setting in SETTINGS:
        assert f"| `{setting.name}` |" in page


@pytest.mark.parametrize("page", ["", "# Configuration\n\nText.\n",
                                  "a\n<!-- BEGIN settings -->\nstale row\n<!-- END settings -->\nb\n"])
def test_the_generator_keeps_the_rest_of_the_page(page):
    generator = load_generator()
    once = generator.render(page)
    assert generator.render(once) == once
    assert once.count(generator.BEGIN) == 1 and "stale row" not in once
    for line in page.splitlines():
        if line != "stale row":
            assert line in once
