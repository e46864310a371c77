"""A small declarative validator with Joi's semantics (conversion, defaults, renames, unknown keys),
that reports every problem instead of the first, and can describe itself as JSON Schema.

The blocklet schema (`blocklet_schema.py`) is written with it; `schemas/blocklet.schema.json` is
generated from the same definitions, so the editor schema and the validator cannot disagree.
Joi behaviour kept: conversions (trim, case, numeric and `'true'`/`'false'` strings, single values
wrapped), defaults, renames, unknown keys; JSON Schema cannot express the fix step, conversions,
uniqueness by key or cross-field rules, so those stay in code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from blocklet_cli.core.jsstr import js_trim, utf16_len
from blocklet_cli.core.meta.checks import LazyRegex


class Invalid(Exception):
    """Raised by custom checks: the message is reported at the value's pointer."""

    def __init__(self, message: str, pointer: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer


MISSING = object()


@dataclass
class Ctx:
    """Validation options and the collected issues."""

    strip_unknown: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    issues: list[tuple[str, str]] = field(default_factory=list)

    def add(self, pointer: str, message: str) -> None:
        self.issues.append((pointer, message))


Check = Callable[[Any, Ctx, str], Any]  # a custom check: (value, ctx, pointer) -> the value to keep


def esc(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")



class T:
    """Base type: required/default/allow/custom checks/documentation."""

    base = "any"

    def __init__(self, title: str = "", description: str = "", *, required: bool = False, default: Any = MISSING,
                 allow: tuple[Any, ...] = (), custom: tuple[Check, ...] = (), file_form: T | None = None) -> None:
        self.title = title
        self.description = description
        self.is_required = required
        self.default = default
        self.allow = allow
        self.customs = custom
        self.file_form = file_form  # another form a file may use, turned into this one by the fix step

    def fill_default(self, parent: dict[str, Any]) -> Any:
        return self.default(parent) if callable(self.default) else _copy(self.default)

    def check(self, value: Any, ctx: Ctx, ptr: str) -> Any:
        """Validate and convert one present value; return the converted value (issues go to ctx)."""
        for allowed in self.allow:
            if value == allowed and type(value) is type(allowed):
                return value
        before = len(ctx.issues)
        value = self.convert(value, ctx, ptr)
        # containers run their own checks even when an item failed (to report every problem);
        # scalars only when the value itself is fine
        if len(ctx.issues) == before or (self.base == "object" and isinstance(value, dict)) or (
                self.base == "array" and isinstance(value, list)):
            for allowed in self.allow:
                if value == allowed and type(value) is type(allowed):
                    return value
            for custom in self.customs:
                try:
                    value = custom(value, ctx, ptr)
                except Invalid as exc:
                    ctx.add(exc.pointer if exc.pointer is not None else ptr, exc.message)
                    break
        return value

    def convert(self, value: Any, ctx: Ctx, ptr: str) -> Any:
        return value

    def type_ok(self, value: Any) -> bool:
        return True

    # -- JSON Schema ------------------------------------------------------------------------------
    def _allowed_schema(self, allowed: Any) -> dict[str, Any]:
        """An allowed value as the file may write it: a trimmed field's allowed '' also as only spaces."""
        if allowed == "" and getattr(self, "trim", False) is True:
            return {"type": "string", "pattern": "^[\\s\\ufeff]*$"}
        return {"const": allowed}

    def json_schema(self) -> dict[str, Any]:
        schema = self.own_schema()
        if self.allow:
            schema = {"anyOf": [schema, *(self._allowed_schema(a) for a in self.allow)]}
        if self.file_form is not None:
            schema = {"anyOf": [self.file_form.json_schema(), schema]}
        doc: dict[str, Any] = {}
        if self.title:
            doc["title"] = self.title
        if self.description:
            doc["description"] = self.description
        if self.default is not MISSING and not callable(self.default):
            doc["default"] = self.default
        return {**doc, **schema}

    def own_schema(self) -> dict[str, Any]:
        return {}


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


class Any_(T):
    pass


class Str(T):
    base = "string"

    def __init__(self, title: str = "", description: str = "", *, trim: bool | Callable[[Ctx], bool] = False,
                 min: int | None = None,
                 max: int | None = None, lowercase: bool = False, uppercase: bool = False,
                 valid: tuple[str, ...] | None = None, pattern: str | None = None, pattern_message: str | None = None,
                 empty_ok: bool = False, js_pattern: str | None = None, **kw: Any) -> None:
        super().__init__(title, description, **kw)
        self.trim, self.min, self.max = trim, min, max
        self.lowercase, self.uppercase = lowercase, uppercase
        self.valid = valid
        self.pattern = LazyRegex(pattern) if pattern else None
        self.js_pattern = js_pattern or pattern
        self.pattern_message = pattern_message
        self.empty_ok = empty_ok

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, str)

    def convert(self, value: Any, ctx: Ctx, ptr: str) -> Any:
        if not isinstance(value, str):
            ctx.add(ptr, "must be a string")
            return value
        if self.trim is True or (callable(self.trim) and self.trim(ctx)):
            value = js_trim(value)
        if self.lowercase:
            value = value.lower()
        if self.uppercase:
            value = value.upper()
        if any(value == allowed for allowed in self.allow if isinstance(allowed, str)):
            return value  # Joi matches `allow` values after conversion: '   ' trimmed to an allowed '' passes
        if value == "" and not self.empty_ok and "" not in self.allow:
            ctx.add(ptr, "is not allowed to be empty")
            return value
        if self.valid is not None:
            if value not in self.valid:
                ctx.add(ptr, f"must be one of [{', '.join(self.valid)}]")
            return value
        if self.min is not None and utf16_len(value) < self.min:
            ctx.add(ptr, f"length must be at least {self.min} characters long")
        elif self.max is not None and utf16_len(value) > self.max:
            ctx.add(ptr, f"length must be less than or equal to {self.max} characters long")
        elif self.pattern is not None and not self.pattern.search(value):
            ctx.add(ptr, self.pattern_message or f"with value \"{value}\" fails to match the required pattern")
        return value

    def own_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.valid is not None:
            if self.lowercase or self.uppercase:
                cased = "".join  # documented: the value is case-converted before the check
                schema["pattern"] = "^(" + "|".join(_case_insensitive(v) for v in self.valid) + ")$"
                del cased
            else:
                schema["enum"] = list(self.valid)
            return schema
        if self.min is not None and not self.trim:
            schema["minLength"] = self.min
        elif not self.empty_ok and not self.trim:
            schema["minLength"] = 1
        patterns = []
        if self.trim and (self.min or not self.empty_ok):
            patterns.append(r"[^\s\ufeff]")  # something left after trimming
        if self.js_pattern:
            pattern = self.js_pattern
            if self.trim and pattern.startswith("^") and pattern.endswith("$"):  # checked after trimming
                pattern = "^[\\s\\ufeff]*" + pattern[1:-1] + "[\\s\\ufeff]*$"
            patterns.append(pattern)
        if len(patterns) == 1:
            schema["pattern"] = patterns[0]
        elif patterns:
            schema["allOf"] = [{"pattern": p} for p in patterns]
        if self.max is not None and not self.trim:
            schema["maxLength"] = self.max
        return schema


def _case_insensitive(text: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in text)


_NUMERIC = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?\s*$", re.I)


class Num(T):
    base = "number"

    def __init__(self, title: str = "", description: str = "", *, min: float | None = None,
                 max: float | None = None, greater: float | None = None, integer: bool = False,
                 port: bool = False, **kw: Any) -> None:
        super().__init__(title, description, **kw)
        self.min, self.max, self.greater, self.integer, self.port = min, max, greater, integer, port

    def type_ok(self, value: Any) -> bool:
        return (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(_NUMERIC.match(value)))

    def convert(self, value: Any, ctx: Ctx, ptr: str) -> Any:
        if isinstance(value, str) and _NUMERIC.match(value):
            number = float(value)
            value = int(number) if number.is_integer() and abs(number) < 2**53 else number
        if not isinstance(value, (int, float)) or isinstance(value, bool) or (
                isinstance(value, float) and math.isnan(value)):
            ctx.add(ptr, "must be a number")
            return value
        if math.isinf(value):
            ctx.add(ptr, "cannot be infinity")
        elif self.integer and value != int(value):
            ctx.add(ptr, "must be an integer")
        elif self.port and not (value == int(value) and 0 <= value <= 65535):
            ctx.add(ptr, "must be a valid port")
        elif self.min is not None and value < self.min:
            ctx.add(ptr, f"must be greater than or equal to {_num(self.min)}")
        elif self.max is not None and value > self.max:
            ctx.add(ptr, f"must be less than or equal to {_num(self.max)}")
        elif self.greater is not None and value <= self.greater:
            ctx.add(ptr, f"must be greater than {_num(self.greater)}")
        return value

    def own_schema(self) -> dict[str, Any]:
        number: dict[str, Any] = {"type": "integer" if self.integer or self.port else "number"}
        if self.port:
            number.update(minimum=0, maximum=65535)
        if self.min is not None:
            number["minimum"] = self.min
        if self.max is not None:
            number["maximum"] = self.max
        if self.greater is not None:
            number["exclusiveMinimum"] = self.greater
        return {"anyOf": [number, {"type": "string", "pattern": _NUMERIC.pattern.replace("e[", "[eE]["),
                                   "description": "a number written as a string is converted"}]}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class Bool(T):
    base = "boolean"

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false"))

    def convert(self, value: Any, ctx: Ctx, ptr: str) -> Any:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            ctx.add(ptr, "must be a boolean")
        return value

    def own_schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "boolean"},
                          {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"}]}


class Obj(T):
    base = "object"

    def __init__(self, title: str = "", description: str = "", *, keys: dict[str, T] | None = None,
                 unknown: str = "mode", renames: tuple[tuple[str, str], ...] = (), min_keys: int | None = None,
                 pattern_keys: tuple[tuple[str, ...], T] | None = None, **kw: Any) -> None:
        super().__init__(title, description, **kw)
        self.keys = keys  # None: any object
        self.unknown = unknown  # "mode" (strip or reject per ctx), "allow", "strip"
        self.renames = renames
        self.min_keys = min_keys
        self.pattern_keys = pattern_keys

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, dict)

    def convert(self, value: Any, ctx: Ctx, ptr: str) -> Any:
        if not isinstance(value, dict):
            ctx.add(ptr, "must be of type object")
            return value
        out = dict(value)
        failed_renames = set()
        for source, target in self.renames:
            if source in out:
                if target in out:
                    ctx.add(ptr + "/" + esc(source),
                            f"cannot rename \"{source}\" because override is disabled and target \"{target}\" exists")
                    failed_renames.add(source)
                    continue
                out[target] = out.pop(source)
        if self.min_keys is not None and len(out) < self.min_keys:
            ctx.add(ptr, f"must have at least {self.min_keys} key")
        if self.pattern_keys is not None:
            allowed, item = self.pattern_keys
            for key in list(out):
                if key not in allowed:
                    ctx.add(ptr + "/" + esc(key), f"\"{key}\" is not allowed")
                else:
                    out[key] = item.check(out[key], ctx, ptr + "/" + esc(key))
            return out
        if self.keys is None:
            return out
        for key, schema in self.keys.items():
            child = ptr + "/" + esc(key)
            if key in out:
                out[key] = schema.check(out[key], ctx, child)
            elif schema.is_required:
                ctx.add(child, "is required")
            elif schema.default is not MISSING:
                filled = schema.fill_default(out)
                if filled is not None:
                    out[key] = filled
        unknown = [k for k in out if k not in self.keys and k not in failed_renames]
        if unknown and self.unknown != "allow":
            if self.unknown == "strip" or ctx.strip_unknown:
                for key in unknown:
                    del out[key]
            else:
                for key in unknown:
                    ctx.add(ptr + "/" + esc(key), f"\"{key}\" is not allowed")
        return out

    def own_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object"}
        if self.pattern_keys is not None:
            allowed, item = self.pattern_keys
            schema["propertyNames"] = {"enum": list(allowed)}
            schema["additionalProperties"] = item.json_schema()
        if self.keys is not None:
            props = {k: v.json_schema() for k, v in self.keys.items()}
            for source, target in self.renames:
                props[source] = {**self.keys[target].json_schema(),
                                 "description": f"Old spelling of `{target}` (renamed to it)."}
            schema["properties"] = props
            required = [k for k, v in self.keys.items() if v.is_required]
            if required:
                schema["required"] = required
            if self.unknown != "allow":
                schema["additionalProperties"] = False
        if self.min_keys:
            schema["minProperties"] = self.min_keys
        return schema


class Arr(T):
    base = "array"

    def __init__(self, title: str = "", description: str = "", *, items: T | None = None, min: int | None = None,
                 max: int | None = None, single: bool = False, unique: Callable[[Any], Any] | bool | None = None,
                 unique_key: str | None = None, **kw: Any) -> None:
        super().__init__(title, description, **kw)
        self.items, self.min, self.max, self.single = items, min, max, single
        self.unique = unique
        self.unique_key = unique_key

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, list) or (self.single and self.items is not None and self.items.type_ok(value))

    def convert(self, value: Any, ctx: Ctx, ptr: str) -> Any:
        if not isinstance(value, list):
            if self.single and self.items is not None and not isinstance(value, list):
                checked = self.items.check(value, ctx, ptr)
                return [checked]
            ctx.add(ptr, "must be an array")
            return value
        out = []
        for index, item in enumerate(value):
            child = f"{ptr}/{index}"
            if self.items is None:
                out.append(item)
                continue
            if item is None:
                ctx.add(child, "must not be a sparse array item")
                out.append(item)
                continue
            out.append(self.items.check(item, ctx, child))
        if self.min is not None and len(out) < self.min:
            ctx.add(ptr, f"must contain at least {self.min} items")
        if self.max is not None and len(out) > self.max:
            ctx.add(ptr, f"must contain less than or equal to {self.max} items")
        if self.unique or self.unique_key:
            seen: list[Any] = []
            for index, item in enumerate(out):
                key = self._unique_key(item)
                if key is MISSING:
                    continue
                if key in seen:
                    ctx.add(f"{ptr}/{index}", "contains a duplicate value")
                else:
                    seen.append(key)
        return out

    def _unique_key(self, item: Any) -> Any:
        if self.unique_key is not None:
            return item.get(self.unique_key, MISSING) if isinstance(item, dict) else MISSING
        if callable(self.unique):
            return self.unique(item)
        return _freeze(item)

    def own_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array"}
        if self.items is not None:
            schema["items"] = self.items.json_schema()
        if self.min is not None:
            schema["minItems"] = self.min
        if self.max is not None:
            schema["maxItems"] = self.max
        if self.unique is True:
            schema["uniqueItems"] = True
        if self.single and self.items is not None:
            return {"anyOf": [schema, self.items.json_schema()]}
        return schema


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple((k, _freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return (type(value).__name__, value)


class Alt(T):
    """Joi alternatives: the first alternative that accepts the value wins."""

    def __init__(self, title: str = "", description: str = "", *, options: tuple[T, ...] = (), **kw: Any) -> None:
        super().__init__(title, description, **kw)
        self.options = options

    def type_ok(self, value: Any) -> bool:
        return any(o.type_ok(value) for o in self.options)

    def convert(self, value: Any, ctx: Ctx, ptr: str) -> Any:
        matching = [o for o in self.options if o.type_ok(value)]
        if not matching:
            kinds = []
            for option in self.options:
                if option.base not in kinds:
                    kinds.append(option.base)
            ctx.add(ptr, f"must be one of [{', '.join(kinds)}]")
            return value
        failures = []
        for option in matching:
            trial = Ctx(ctx.strip_unknown, ctx.options)
            result = option.check(_copy(value), trial, ptr)
            if not trial.issues:
                return result
            failures.append(trial.issues)
        if len(matching) == 1:
            ctx.issues.extend(failures[0])
        else:
            ctx.add(ptr, "does not match any of the allowed types")
        return value

    def own_schema(self) -> dict[str, Any]:
        return {"anyOf": [o.json_schema() for o in self.options]}
