"""YAML written like js-yaml's `dump` (the reference's writer of `blocklet.yml`): block sequences
indented under their key, no key sorting, multi-line strings as literal blocks."""

from __future__ import annotations

import yaml


class JsYamlDumper(yaml.SafeDumper):
    """PyYAML made to write like js-yaml: block sequences indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


JsYamlDumper.add_representer(str, _str_representer)


def dump_yaml(value: object, *, width: int = 80) -> str:
    """`value` as block-style YAML; `width` is where long lines fold (js-yaml's `lineWidth`)."""
    return yaml.dump(value, Dumper=JsYamlDumper, sort_keys=False, allow_unicode=True, width=width,
                     default_flow_style=False, indent=2)
