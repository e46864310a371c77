"""Each core package has a small public face (`__all__`), re-exported lazily: importing one module of a
package does not import the rest."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ["identity", "meta", "project", "components", "bundle", "store", "server", "config", "dev"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_resolves(name):
    package = importlib.import_module(f"blocklet_cli.core.{name}")
    assert package.__doc__ and package.__all__
    for public in package.__all__:
        assert getattr(package, public) is not None
        assert public in dir(package)
    with pytest.raises(AttributeError):
        package.no_such_name  # noqa: B018


def test_importing_one_module_of_a_package_leaves_the_rest_unimported():
    code = ("import sys, blocklet_cli.core.bundle.exclusions, blocklet_cli.core.meta\n"
            "print(sorted(m for m in sys.modules if m.startswith('blocklet_cli.core.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "blocklet_cli.core.bundle.exclusions" in loaded
    assert "blocklet_cli.core.bundle.builder" not in loaded and "blocklet_cli.core.meta.api" not in loaded
