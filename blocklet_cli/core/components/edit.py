"""Round-trip edits of the `components` list of a `blocklet.yml`, by text surgery.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/add.js and remove.js (what is written;
`children` is the legacy name of `components`). The reference re-dumps the whole file with js-yaml (comments
lost, everything reformatted); we change only the lines of the entry we add or remove, using node positions from
the YAML composer: every comment, key order, quoting style and line ending elsewhere stays byte for byte. New
entries follow the file's own indentation (sequence indent, mapping indent, offset of keys after `- `).

After each edit the new text is parsed again and must hold exactly the intended list; otherwise the
edit is refused (nothing is written by the caller).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from blocklet_cli.core.errors import BlockletError, FileFormatError

KEYS = ("components", "children")


@dataclass
class _Style:
    seq_indent: int = 2  # columns from a key to the `-` of its block sequence
    map_indent: int = 2  # columns from a key to the keys of its block mapping
    item_offset: int = 2  # columns from `-` to the first key of an item
    newline: str = "\n"


def _compose(text: str, source: str) -> Any:
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise FileFormatError(f"invalid YAML: {' '.join(str(problem).split())}", location=where) from exc


def _detect_style(root: Any, text: str) -> _Style:
    import yaml

    style = _Style(newline="\r\n" if "\r\n" in text else "\n")
    found_seq = found_map = found_item = False
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode) and not node.flow_style:
            for key, value in node.value:
                if isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value and not found_seq:
                    style.seq_indent = value.start_mark.column - key.start_mark.column
                    found_seq = True
                    first = value.value[0]
                    if isinstance(first, yaml.MappingNode) and not first.flow_style and not found_item:
                        style.item_offset = max(1, first.start_mark.column - value.start_mark.column)
                        found_item = True
                if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value and not found_map:
                    indent = value.start_mark.column - key.start_mark.column
                    if indent > 0:
                        style.map_indent = indent
                        found_map = True
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    style.seq_indent = max(0, style.seq_indent)
    return style


def _scalar(value: Any) -> str:
    import yaml

    dumped = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def _block_lines(value: Any, indent: int, style: _Style) -> list[str]:
    """A mapping's lines at `indent` (lists as block sequences, scalars plain or quoted)."""
    lines = []
    pad = " " * indent
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{pad}{_scalar(key)}:")
            lines.extend(_block_lines(item, indent + style.map_indent, style))
        elif isinstance(item, list):
            lines.append(f"{pad}{_scalar(key)}:")
            lines.extend(f"{' ' * (indent + style.seq_indent)}- {_scalar(v)}" for v in item)
        else:
            lines.append(f"{pad}{_scalar(key)}: {_scalar(item)}")
    return lines


def _item_lines(entry: dict, dash_column: int, style: _Style) -> list[str]:
    body = _block_lines(entry, dash_column + style.item_offset, style)
    first = body[0].lstrip(" ")
    return [" " * dash_column + "-" + " " * (style.item_offset - 1) + first, *body[1:]]


def _content_end(node: Any) -> int:
    """Index just after the last character of `node`'s own text (not trailing comments/blank lines)."""
    import yaml

    if isinstance(node, yaml.ScalarNode) or node.flow_style:
        return node.end_mark.index
    if isinstance(node, yaml.MappingNode):
        if not node.value:
            return node.end_mark.index
        key, value = node.value[-1]
        return max(key.end_mark.index, _content_end(value))
    if not node.value:
        return node.end_mark.index
    return _content_end(node.value[-1])


def _line_after(text: str, index: int) -> int:
    """Start of the line after the one holding `index - 1` (a block scalar may already end on it)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _find_key(root: Any) -> tuple[Any, Any] | None:
    import yaml

    if not isinstance(root, yaml.MappingNode):
        return None
    pairs = {key.value: (key, value) for key, value in root.value if isinstance(key, yaml.ScalarNode)}
    for name in KEYS:
        if name in pairs:
            return pairs[name]
    return None


def _load_list(text: str, source: str) -> list:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:  # pragma: no cover - composed fine just before
        raise FileFormatError(f"invalid YAML: {exc}", location=source) from exc
    if not isinstance(data, dict):
        return []
    for name in KEYS:
        if data.get(name) is not None:
            return data[name]
    return []


def _root(text: str, source: str) -> Any:
    import yaml

    root = _compose(text, source)
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise FileFormatError("the metadata file must be a mapping", location=source)
    if root is not None and root.flow_style:
        raise FileFormatError("a metadata file written as one flow mapping ({...}) cannot be edited in place",
                              location=source)
    return root


def components_in(text: str, source: str = "blocklet.yml") -> list:
    """The `components` (or `children`) list of a metadata text, as data."""
    _root(text, source)
    value = _load_list(text, source)
    if not isinstance(value, list):
        raise FileFormatError("`components` must be a list", location=source)
    return value


def _checked(new_text: str, expected: list, source: str) -> str:
    if _load_list(new_text, source) != expected:
        raise BlockletError(f"cannot edit {source} in place safely (unusual layout); nothing was written",
                            location=source)
    return new_text


def _keeping_final_newline(edit: Any, text: str, *args: Any) -> str:
    """Run an edit on `text` as if it ended with a line break, then give the result the ending `text` had:
    a file without a final newline keeps having none (add then remove is byte-identical)."""
    if not text or text.endswith("\n"):
        return edit(text, *args)
    nl = "\r\n" if "\r\n" in text else "\n"
    new = edit(text + nl, *args)
    return new.removesuffix(nl) if new.endswith(nl) else new


def add_component(text: str, entry: dict, source: str = "blocklet.yml") -> str:
    """`text` with `entry` appended to its components list (created at the end when absent). A flow list
    (`components: []` too) stays a flow list, so removing the entry again gives back `[]`."""
    return _keeping_final_newline(_add_component, text, entry, source)


def _add_component(text: str, entry: dict, source: str) -> str:
    import yaml

    root = _root(text, source)
    expected = [*components_in(text, source), entry]
    style = _detect_style(root, text) if root is not None else _Style(newline="\r\n" if "\r\n" in text else "\n")
    nl = style.newline
    found = _find_key(root) if root is not None else None
    if found is None:
        prefix = text if not text or text.endswith("\n") else text + nl
        lines = ["components:", *_item_lines(entry, style.seq_indent, style)]
        return _checked(prefix + nl.join(lines) + nl, expected, source)
    key, value = found
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        flow = json.dumps(entry, ensure_ascii=False)
        if not value.value:
            close = value.end_mark.index - 1
            return _checked(text[:close] + flow + text[close:], expected, source)
        after = value.value[-1].end_mark.index  # right after the last item: a trailing comma stays after ours
        return _checked(text[:after] + ", " + flow + text[after:], expected, source)
    if isinstance(value, yaml.SequenceNode) and value.value:
        dash = value.start_mark.column
        first = value.value[0]
        if isinstance(first, yaml.MappingNode) and not first.flow_style:
            style.item_offset = max(1, first.start_mark.column - dash)
        at = _line_after(text, _content_end(value))
        head = text[:at] if at == 0 or text[at - 1] == "\n" else text[:at] + nl
        return _checked(head + nl.join(_item_lines(entry, dash, style)) + nl + text[at:], expected, source)
    # an empty value: `components:`, `components: ~`, `components: []`
    if isinstance(value, yaml.MappingNode) or value.value not in ("", "~", "null", "Null", "NULL", []):
        raise FileFormatError("`components` must be a list", location=source)
    colon = text.index(":", key.end_mark.index) + 1
    end = colon if value.value == "" else value.end_mark.index
    rest_of_line = _line_after(text, max(end, colon))
    tail = text[max(end, colon):rest_of_line]
    lines = _item_lines(entry, key.start_mark.column + style.seq_indent, style)
    new = text[:colon] + tail.rstrip("\r\n") + nl + nl.join(lines) + nl + text[rest_of_line:]
    return _checked(new, expected, source)


def remove_component(text: str, name: str, source: str = "blocklet.yml") -> str:
    """`text` without the components entry named `name` (NotFound is the caller's business).

    Only the entry's own text goes (its lines in a block list; the entry and one `, ` in a flow list). When
    it was the last entry, the key is taken away if it looks exactly like what `add` writes for a missing key
    (`components:` alone on its line at column 0, the entries right below it, nothing after them in the
    file); otherwise it stays where it is, with its comment, as `components: []`, the only empty form
    `@blocklet/meta` accepts (a bare `components:` is null: "components" must be an array)."""
    return _keeping_final_newline(_remove_component, text, name, source)


def _remove_component(text: str, name: str, source: str) -> str:
    import yaml

    root = _root(text, source)
    current = components_in(text, source)
    expected = [c for c in current if not (isinstance(c, dict) and c.get("name") == name)]
    found = _find_key(root) if root is not None else None
    if found is None or len(expected) == len(current) or not isinstance(found[1], yaml.SequenceNode):
        return text
    key, value = found
    index = next((i for i, item in enumerate(value.value) if _entry_name(item) == name), None)
    if index is None:  # pragma: no cover - the name was found in the loaded list just above
        raise BlockletError(f"cannot edit {source} in place safely (unusual layout); nothing was written",
                            location=source)
    items = value.value
    if value.flow_style:
        if index > 0:  # `, entry`
            start, end = items[index - 1].end_mark.index, items[index].end_mark.index
        elif len(items) > 1:  # `entry, `
            start, end = items[0].start_mark.index, items[1].start_mark.index
        else:
            start, end = items[0].start_mark.index, items[0].end_mark.index
        return _checked(text[:start] + text[end:], expected, source)
    item = items[index]
    dash = text.rindex("-", 0, item.start_mark.index)
    start, end = _line_start(text, dash), _line_after(text, _content_end(item))
    if expected:
        return _checked(text[:start] + text[end:], expected, source)
    colon = text.index(":", key.end_mark.index) + 1
    key_start = _line_start(text, key.start_mark.index)
    key_line_end = _line_after(text, colon)
    if (key.start_mark.column == 0 and text[colon:key_line_end] in ("\n", "\r\n") and start == key_line_end
            and end == len(text)):
        return _checked(text[:key_start], expected, source)  # the key `add` created for a missing one
    return _checked(text[:colon] + " []" + text[colon:start] + text[end:], expected, source)


def _entry_name(item: Any) -> str | None:
    """The `name` of a components entry node (the last one wins, as in YAML loaders), None if it has none."""
    import yaml

    if not isinstance(item, yaml.MappingNode):
        return None
    names = [v.value for k, v in item.value if isinstance(k, yaml.ScalarNode) and k.value == "name"]
    return names[-1] if names and isinstance(names[-1], str) else None
