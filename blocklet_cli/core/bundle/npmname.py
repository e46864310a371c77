"""npm package names, as the bundler accepts them from package.json and `require()` specifiers."""

from __future__ import annotations

import re

PACKAGE_NAME = re.compile(r"^(?:@[A-Za-z0-9~-][A-Za-z0-9._~*-]*/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$")
MAX_NAME_LENGTH = 214


def valid_package_name(name: str) -> bool:
    """An npm package name (`name` or `@scope/name`): no path separators beyond the scope, no `.`/`..`."""
    return isinstance(name, str) and len(name) <= MAX_NAME_LENGTH and PACKAGE_NAME.match(name) is not None
