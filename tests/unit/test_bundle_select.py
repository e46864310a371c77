"""File selection, ignore rules and refusals (select.py), each on a real folder tree."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from blocklet_cli.core.bundle.select import hook_files, resolve_inside, select_files
from blocklet_cli.core.errors import NotFoundError, UnsafePathError


def tree(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def test_static_main_folder_files_globs_and_root_extras(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "www/index.html": "<h1>", "www/sub/a.css": "", "docs/a.txt": "", "docs/b.md": "", "extra.txt": "",
        "LICENSE.md": "MIT", "blocklet.prefs.json": "{}", "resources/r.json": "{}", "blocklet.openapi.yaml": "",
        "migration/1.0.1.js": "", "stray.txt": "not listed", "logo.png": "",
    })
    meta = {"group": "static", "main": "www", "files": ["extra.txt", "docs/*.txt"], "logo": "logo.png"}
    selection = select_files(root, meta, zip_app=False)
    assert selection.files == [
        "LICENSE.md", "blocklet.openapi.yaml", "blocklet.prefs.json", "docs/a.txt", "extra.txt", "logo.png",
        "migration/1.0.1.js", "resources/r.json", "www/index.html", "www/sub/a.css",
    ]
    assert selection.app_files == []


def test_dapp_entry_and_its_folder_hooks_and_files_go_to_the_zip(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "api/index.js": "", "api/lib/x.js": "", "hooks/pre-start.js": "", "hooks/other.js": "",
        "scripts/post.sh": "", "public/index.html": "", "migration/2.0.0.js": "", "README.md": "",
        "node_modules/dep/index.js": "",
    })
    meta = {"group": "dapp", "main": "api/index.js", "files": ["public"],
            "scripts": {"preStart": "node hooks/pre-start.js --flag", "postInstall": "bash scripts/post.sh",
                        "dev": "node hooks/other.js"}}
    zipped = select_files(root, meta, zip_app=True)
    assert zipped.app_files == ["api/index.js", "api/lib/x.js", "hooks/pre-start.js", "migration/2.0.0.js",
                                "public/index.html", "scripts/post.sh"]
    assert zipped.files == ["public/index.html"]
    simple = select_files(root, meta, zip_app=False)
    assert simple.app_files == []
    assert simple.files == ["api/index.js", "api/lib/x.js", "hooks/pre-start.js", "migration/2.0.0.js",
                            "public/index.html", "scripts/post.sh"]


def test_dapp_entry_at_the_root_does_not_pull_the_whole_project(tmp_path: Path) -> None:
    root = tree(tmp_path, {"index.js": "", "notes/private.txt": "", "other.js": ""})
    assert select_files(root, {"group": "dapp", "main": "index.js"}, zip_app=False).files == ["index.js"]


def test_hook_files_only_from_pre_and_post_scripts(tmp_path: Path) -> None:
    root = tree(tmp_path, {"hooks/a.js": "", "hooks/b.js": ""})
    assert hook_files(root, {"preStart": "node hooks/a.js", "start": "node hooks/b.js"}) == ["hooks/a.js"]


def test_secrets_and_editor_folders_are_never_bundled_even_when_listed(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "www/index.html": "", "www/.env": "X=1", "www/.env.production": "", "www/.npmrc": "//r/:_authToken=x",
        "www/server.pem": "", "www/tls.key": "", "www/id_rsa": "", "www/id_ed25519.pub": "",
        "www/.vscode/settings.json": "{}", "www/.git/config": "", "www/.DS_Store": "",
        "www/wallet.json": json.dumps({"sk": "0xabc", "pk": "0xdef"}), "www/data.json": json.dumps({"a": 1}),
        ".env": "TOP=1",
    })
    meta = {"group": "static", "main": "www", "files": [".env", "www/.env"]}
    selection = select_files(root, meta, zip_app=False)
    assert selection.files == ["www/data.json", "www/index.html"]
    reasons = {item.path: item.reason for item in selection.excluded}
    assert reasons[".env"] == "environment file (may hold secrets)"
    assert reasons["www/wallet.json"] == "wallet or service-account JSON holding a private key"
    assert {"www/.env", "www/.env.production", "www/.npmrc", "www/server.pem", "www/tls.key", "www/id_rsa",
            "www/id_ed25519.pub"} <= set(reasons)


def test_blockletignore_excludes_and_reincludes(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "www/index.html": "", "www/drafts/a.html": "", "www/drafts/keep.html": "", "www/big.psd": "",
        ".blockletignore": "drafts/\n*.psd\n!www/drafts/keep.html\n",
    })
    selection = select_files(root, {"group": "static", "main": "www"}, zip_app=False)
    assert selection.files == ["www/index.html"]  # a re-include cannot undo an excluded folder (gitignore)
    (root / ".blockletignore").write_text("www/drafts/*\n!www/drafts/keep.html\n*.psd\n")
    selection = select_files(root, {"group": "static", "main": "www"}, zip_app=False)
    assert selection.files == ["www/drafts/keep.html", "www/index.html"]
    assert {item.path for item in selection.excluded} == {"www/big.psd", "www/drafts/a.html"}


def test_a_symlink_inside_a_selected_folder_is_refused(tmp_path: Path) -> None:
    root = tree(tmp_path / "p", {"www/index.html": ""})
    (tmp_path / "secret.txt").write_text("s")
    os.symlink(tmp_path / "secret.txt", root / "www" / "leak.txt")
    with pytest.raises(UnsafePathError, match=r"www/leak.txt is a symlink"):
        select_files(root, {"group": "static", "main": "www"}, zip_app=False)


def test_a_symlinked_folder_is_refused(tmp_path: Path) -> None:
    root = tree(tmp_path / "p", {"www/index.html": ""})
    os.symlink(tmp_path, root / "linked")
    with pytest.raises(UnsafePathError, match=r"symlink"):
        select_files(root, {"group": "static", "main": "www", "files": ["linked"]}, zip_app=False)


@pytest.mark.parametrize("entry", ["../outside.txt", "/etc/passwd", "a/../../x", "~/x"])
def test_paths_leading_outside_are_refused(tmp_path: Path, entry: str) -> None:
    root = tree(tmp_path / "p", {"www/index.html": ""})
    (tmp_path / "outside.txt").write_text("")
    with pytest.raises(UnsafePathError):
        select_files(root, {"group": "static", "main": "www", "files": [entry]}, zip_app=False)


def test_outside_glob_and_hook_are_refused(tmp_path: Path) -> None:
    root = tree(tmp_path / "p", {"www/index.html": ""})
    (tmp_path / "hook.js").write_text("")
    with pytest.raises(UnsafePathError):
        select_files(root, {"group": "static", "main": "www", "files": ["../*.js"]}, zip_app=False)
    with pytest.raises(UnsafePathError, match=r"scripts.preStart"):
        hook_files(root, {"preStart": "node ../hook.js"})


def test_missing_files_entry_and_main(tmp_path: Path) -> None:
    root = tree(tmp_path, {"www/index.html": ""})
    with pytest.raises(NotFoundError, match=r"nope.txt"):
        select_files(root, {"group": "static", "main": "www", "files": ["nope.txt"]}, zip_app=False)
    with pytest.raises(NotFoundError, match=r"api/missing.js"):
        select_files(root, {"group": "dapp", "main": "api/missing.js"}, zip_app=False)


def test_node_modules_is_never_walked(tmp_path: Path) -> None:
    root = tree(tmp_path, {"index.html": "", "node_modules/x/index.js": "", "sub/node_modules/y.js": ""})
    assert select_files(root, {"group": "static", "main": "."}, zip_app=False).files == ["index.html"]


def test_resolve_inside_allows_missing_paths_inside(tmp_path: Path) -> None:
    assert resolve_inside(tmp_path, "a/b/../c.txt", "x") == tmp_path / "a" / "c.txt"


def test_local_requires_of_a_root_entry_and_hooks_are_traced(tmp_path: Path) -> None:
    root = tree(tmp_path / "p", {
        "index.js": "const a = require('./lib/a');\nimport b from \"./lib/b.mjs\";\nrequire('missing-pkg');\n",
        "lib/a.js": "module.exports = require('../common');", "lib/b.mjs": "export default 1;",
        "common/index.js": "module.exports = require('./data.json');", "common/data.json": "{}",
        "lib/unused.js": "", "notes.txt": "", "hooks/pre.js": "require('../tools/check')", "tools/check.js": "",
        "tools/other.js": "", "lib/far.js": "require('../../outside')",
    })
    (tmp_path / "outside.js").write_text("")
    (root / "lib" / "a.js").write_text("module.exports = require('../common'); require('./far');")
    meta = {"group": "dapp", "main": "index.js", "scripts": {"preStart": "node hooks/pre.js"}}
    selection = select_files(root, meta, zip_app=True)
    assert selection.app_files == ["common/data.json", "common/index.js", "hooks/pre.js", "index.js", "lib/a.js",
                                   "lib/b.mjs", "lib/far.js", "tools/check.js"]
    assert selection.warnings == ["lib/far.js requires ../../outside, which is outside the project and not bundled"]


def test_node_modules_never_loose_even_when_listed(tmp_path: Path) -> None:
    root = tree(tmp_path, {"www/index.html": "", "node_modules/x/index.js": ""})
    selection = select_files(root, {"group": "static", "main": "www", "files": ["node_modules"]}, zip_app=False)
    assert selection.files == ["www/index.html"]
    assert [item.path for item in selection.excluded] == ["node_modules/x/index.js"]
