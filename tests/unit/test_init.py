"""Project creation from the templates (core/project/init.py)."""

from __future__ import annotations

import json
import stat
import struct
import zlib
from pathlib import Path

import pytest
import yaml

from blocklet_cli.core import paths
from blocklet_cli.core.errors import ConflictError, UsageError
from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.identity.wallet import Wallet
from blocklet_cli.core.meta import validate_path
from blocklet_cli.core.project import init as init_core


def options(root: Path, **overrides) -> init_core.InitOptions:
    values = {"root": root, "name": "harbor-lights", "title": "Harbor Lights",
              "description": "Timetable of the ferry harbor", "group": "static"}
    values.update(overrides)
    return init_core.InitOptions(**values)


@pytest.mark.parametrize(("folder", "expected"), [
    ("My Cool App!", "my-cool-app"), ("_private.thing", "private.thing"), ("...", "blocklet"),
    ("a" * 40, "a" * 32), ("Été 2024", "t-2024"), ("x--y__z", "x-y__z"), ("HTTP", "http-blocklet"),
])
def test_name_from_folder(folder: str, expected: str) -> None:
    assert init_core.name_from_folder(folder) == expected


@pytest.mark.parametrize("group", init_core.GROUPS)
def test_each_group_creates_a_valid_project(tmp_path: Path, group: str) -> None:
    root = tmp_path / "p"
    result = init_core.init_project(options(root, group=group))
    meta = yaml.safe_load((root / "blocklet.yml").read_text())
    assert meta["name"] == "harbor-lights"
    assert meta["did"] == did_core.to_blocklet_did("harbor-lights") == result.did
    assert (meta["group"], meta["version"], meta["logo"]) == (group, "1.0.0", "logo.png")
    assert validate_path(root).valid
    expected = {"blocklet.yml", "blocklet.md", "logo.png", ".gitignore",
                *(f"screenshots/screenshot-{n}.png" for n in (1, 2, 3))}
    expected |= {"static": {"www/index.html"}, "dapp": {"index.js"}, "gateway": set()}[group]
    assert set(result.created) == expected
    assert "main" not in meta if group == "gateway" else meta["main"] == init_core.DEFAULT_MAIN[group]
    if group == "dapp":
        assert meta["scripts"] == {"dev": "node index.js"}
    gitignore = (root / ".gitignore").read_text().splitlines()
    assert {".blocklet/", ".env*", "node_modules/"} <= set(gitignore)
    assert not list(root.rglob(".gitkeep"))
    assert "{{" not in "".join(p.read_text() for p in root.rglob("*") if p.suffix in (".yml", ".md", ".html", ".js"))


def test_logo_is_a_real_256_png(tmp_path: Path) -> None:
    init_core.init_project(options(tmp_path))
    data = (tmp_path / "logo.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth) == (256, 256, 8)
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    channels = {6: 4, 2: 3}[colour]
    assert len(zlib.decompress(idat)) == height * (1 + width * channels)


def test_values_are_quoted_so_they_read_back_exactly(tmp_path: Path) -> None:
    title = "Harbor: 'Lights' #1"
    description = "yes"  # a YAML 1.1 boolean
    init_core.init_project(options(tmp_path, title=title, description=description + " it works",
                                   version="1.0.0-beta.1", author={"name": "Mara", "email": "m@x.example"},
                                   keywords=["ferry", "null"], repository="github:mara/harbor"))
    text = (tmp_path / "blocklet.yml").read_text()
    meta = yaml.safe_load(text)
    assert meta["title"] == title
    assert meta["description"] == "yes it works"
    assert meta["author"] == {"name": "Mara", "email": "m@x.example"}
    assert meta["keywords"] == ["ferry", "null"]
    assert meta["repository"] == "github:mara/harbor"
    assert meta["version"] == "1.0.0-beta.1"
    assert "# Who made it" in text
    html = (tmp_path / "www" / "index.html").read_text()
    assert "Harbor: &#x27;Lights&#x27; #1" in html


def test_custom_entry_points(tmp_path: Path) -> None:
    init_core.init_project(options(tmp_path / "s", main="."))
    assert (tmp_path / "s" / "index.html").is_file()
    init_core.init_project(options(tmp_path / "d", group="dapp", main="src/server.js"))
    meta = yaml.safe_load((tmp_path / "d" / "blocklet.yml").read_text())
    assert (meta["main"], meta["scripts"]["dev"]) == ("src/server.js", "node src/server.js")
    assert "BLOCKLET_PORT" in (tmp_path / "d" / "src" / "server.js").read_text()


def test_existing_files_kept_and_meta_needs_force(tmp_path: Path) -> None:
    (tmp_path / "blocklet.md").write_text("mine")
    result = init_core.init_project(options(tmp_path))
    assert "blocklet.md" in result.kept
    assert (tmp_path / "blocklet.md").read_text() == "mine"
    before = (tmp_path / "blocklet.yml").read_text()
    with pytest.raises(ConflictError, match="already exists"):
        init_core.init_project(options(tmp_path, title="Other"))
    assert (tmp_path / "blocklet.yml").read_text() == before
    result = init_core.init_project(options(tmp_path, title="Other", force=True))
    assert result.overwritten == ["blocklet.yml"]
    assert yaml.safe_load((tmp_path / "blocklet.yml").read_text())["title"] == "Other"
    assert (tmp_path / "blocklet.md").read_text() == "mine"


def test_random_blocklet_did_saves_a_private_wallet(tmp_path: Path, isolated_home: Path) -> None:
    result = init_core.init_project(options(tmp_path / "p", did_type="blocklet"))
    assert did_core.is_blocklet_role(result.did) and result.did.startswith("z2q")
    meta = yaml.safe_load((tmp_path / "p" / "blocklet.yml").read_text())
    assert meta["name"] == meta["did"] == result.did
    assert result.wallet_path == isolated_home / ".config" / "blocklet" / "blocklets" / f"{result.did}.json"
    assert stat.S_IMODE(result.wallet_path.stat().st_mode) == 0o600
    saved = json.loads(result.wallet_path.read_text())
    assert Wallet.from_secret_key(saved["sk"], did_core.BLOCKLET_TYPE).address == result.did
    assert saved["sk"] not in json.dumps(result.to_dict())


def test_wallet_dir_honours_abt_node_custom_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABT_NODE_CUSTOM_DATA_DIR", str(tmp_path / "abt"))
    assert paths.wallets_dir() == tmp_path / "abt" / "blocklets"


def test_given_did(tmp_path: Path) -> None:
    blocklet_did = Wallet.generate(did_core.BLOCKLET_TYPE).address
    result = init_core.init_project(options(tmp_path / "a", did=blocklet_did))
    assert (result.did, result.name, result.did_type, result.wallet_path) == (blocklet_did, blocklet_did,
                                                                              "blocklet", None)
    derived = did_core.to_blocklet_did("harbor-lights")
    assert init_core.init_project(options(tmp_path / "b", did=derived)).did == derived


@pytest.mark.parametrize(("overrides", "message"), [
    ({"did": "z8iZqac6ouXJ6dCJzpNdX2rwnf7vbNLRtR37X"}, "invalid DID"),
    ({"did": did_core.to_blocklet_did("other")}, "neither a Blocklet DID"),
    ({"group": "pack"}, "unknown group"),
    ({"did_type": "random"}, "unknown --did-type"),
    ({"group": "gateway", "main": "index.js"}, "no entry point"),
    ({"main": "../outside"}, "inside the project"),
    ({"group": "dapp", "main": "src/"}, "is a file"),
    ({"name": "z8iZqac6ouXJ6dCJzpNdX2rwnf7vbNLRtR37Q"}, "must not be a DID"),
])
def test_bad_input_writes_nothing(tmp_path: Path, overrides: dict, message: str) -> None:
    root = tmp_path / "p"
    with pytest.raises(UsageError, match=message):
        init_core.init_project(options(root, **overrides))
    assert not root.exists()


def test_target_must_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        init_core.init_project(options(tmp_path / "file"))


def test_package_defaults(tmp_path: Path) -> None:
    assert init_core.package_defaults(tmp_path) == {}
    (tmp_path / "package.json").write_text(json.dumps({
        "name": "@mara/harbor", "description": "Ferry times", "version": "2.1.0", "author": "Mara",
        "keywords": ["ferry"], "repository": {"type": "git", "url": "https://github.com/mara/harbor"},
        "license": "MIT", "files": []}))
    assert init_core.package_defaults(tmp_path) == {
        "name": "harbor", "description": "Ferry times", "version": "2.1.0", "author": "Mara",
        "keywords": ["ferry"], "repository": {"type": "git", "url": "https://github.com/mara/harbor"}}
