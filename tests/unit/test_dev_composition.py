"""The composition plan's pure parts: merged services (the "Config Services" rule of the Blocklet spec) and the
variables an app and its siblings share with a component (`getSharedConfigObj` of ArcBlock/blocklet-server
blocklet/meta/src/util.ts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocklet_cli.core.dev.composition import Unit, local_folder, merge_services, shared_values, split_entries
from blocklet_cli.core.dev.env import DevEnvironment
from blocklet_cli.core.errors import ComponentError


def test_parent_services_come_first_then_the_components_own_not_given_by_the_parent():
    parent_entry = {"name": "component-blocklet", "services": [{"name": "s1"}, {"name": "s2", "config": {"a": 1}}]}
    meta = {"name": "component-blocklet", "interfaces": [
        {"type": "web", "name": "publicUrl", "services": [{"name": "s2", "config": {"a": 2}}, {"name": "s3"}]}]}
    assert merge_services(parent_entry, meta) == [{"name": "s1"}, {"name": "s2", "config": {"a": 1}}, {"name": "s3"}]
    assert merge_services(None, meta) == [{"name": "s2", "config": {"a": 2}}, {"name": "s3"}]
    assert merge_services({}, {"interfaces": []}) == []


def _unit(name: str, environments: list[dict], values: dict[str, str]) -> Unit:
    unit = Unit(name=name, did=f"z{name}", version="1.0.0", title=name, mount_point=f"/{name}", source="store",
                meta={"name": name, "environments": environments}, directory=Path("/nowhere"))
    unit.env = DevEnvironment(values=dict(values))
    return unit


def test_shared_values_follow_get_shared_config_obj():
    app_meta = {"environments": [{"name": "REGION"}, {"name": "TOKEN", "secure": True}, {"name": "MODE"}]}
    app_env = DevEnvironment(values={"REGION": "eu", "TOKEN": "t0ken", "MODE": "app-mode"})
    me = _unit("me", [{"name": "MODE", "default": "mine"}, {"name": "REGION", "shared": True},
                      {"name": "COLOR"}], {"MODE": "mine", "REGION": "us", "COLOR": ""})
    sibling = _unit("sib", [{"name": "COLOR", "shared": True}, {"name": "PRIVATE"}],
                    {"COLOR": "red", "PRIVATE": "p"})
    shared = shared_values(app_meta, app_env, me, [me, sibling])
    # the app's variables (secure ones too) unless the component has its own non-empty value it did not share
    assert shared["REGION"] == "eu" and shared["TOKEN"] == "t0ken" and "MODE" not in shared
    # a sibling's `shared: true` variable fills the component's empty one; its unshared ones stay its own
    assert shared["COLOR"] == "red" and "PRIVATE" not in shared


def test_local_components_from_links_and_file_folders(tmp_path: Path):
    folder = tmp_path / "api"
    folder.mkdir()
    meta = {"name": "app", "components": [
        {"name": "api", "source": {"url": folder.as_uri()}},
        {"name": "web", "source": {"store": "https://store.example", "name": "web"}},
        {"name": "docs", "source": {"url": "file:///nowhere/blocklet.json"}}]}
    remote, local = split_entries(meta, tmp_path, {"web": tmp_path})
    assert [e["name"] for e in remote] == ["docs"]
    assert [(e["name"], path) for e, path in local] == [("api", folder.resolve()), ("web", tmp_path)]
    assert local_folder({"name": "x", "source": {"url": "file:api"}}, tmp_path, {}) == folder.resolve()
    with pytest.raises(ComponentError, match="--link names no component of app: nope"):
        split_entries(meta, tmp_path, {"nope": tmp_path})


def _release(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, str]:
    """A release tarball (`package/…`) and its SRI integrity."""
    import base64
    import hashlib
    import io
    import tarfile

    archive = tmp_path / "site" / "lamp-1.0.0.tgz"
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    digest = base64.b64encode(hashlib.sha512(archive.read_bytes()).digest()).decode()
    return archive, f"sha512-{digest}"


def _component(archive: Path, integrity: str):
    from blocklet_cli.core.components.resolve import ResolvedComponent

    meta = {"name": "lamp", "did": "zlamp", "version": "1.0.0", "group": "static", "main": "www",
            "dist": {"tarball": archive.name, "integrity": integrity,
                     "size": archive.stat().st_size if archive.exists() else None}}
    return ResolvedComponent(name="lamp", did="zlamp", version="1.0.0", title=None, mount_point="/lamp",
                             meta_url=(archive.parent / "blocklet.json").as_uri(), tarball=archive.name,
                             source_index=0, meta=meta)


def test_fetch_bundle_checks_integrity_caches_and_expands_outside_the_project(tmp_path: Path):
    from blocklet_cli.core.dev.composition import fetch_bundle
    from blocklet_cli.core.errors import BundleError

    archive, integrity = _release(tmp_path, {"blocklet.yml": b"name: lamp\n", "www/index.html": b"<h1>lamp</h1>"})
    cache, dev_root = tmp_path / "cache", tmp_path / "dev"
    root = fetch_bundle(_component(archive, integrity), dev_root, cache_dir=cache)
    assert root == dev_root / "components" / "lamp-1.0.0" / "package"
    assert (root / "www" / "index.html").read_bytes() == b"<h1>lamp</h1>"
    assert len(list(cache.iterdir())) == 1
    # a second run uses the cache: the store may be gone
    archive.unlink()
    assert fetch_bundle(_component(archive.with_name("gone.tgz"), integrity), dev_root, cache_dir=cache,
                        offline=True) == root
    # a tarball that does not match its integrity is refused and not cached
    other, _ = _release(tmp_path / "other", {"blocklet.yml": b"tampered\n"})
    with pytest.raises(BundleError, match="does not match its integrity"):
        fetch_bundle(_component(other, "sha512-" + "A" * 86 + "=="), dev_root, cache_dir=tmp_path / "cache2")
    assert not any((tmp_path / "cache2").iterdir())


def test_fetch_bundle_offline_without_cache_is_a_clear_error(tmp_path: Path):
    from blocklet_cli.core.components.resolve import ResolvedComponent
    from blocklet_cli.core.dev.composition import fetch_bundle

    component = ResolvedComponent(name="lamp", did="zlamp", version="1.0.0", title=None, mount_point="/lamp",
                                  meta_url="https://store.example/api/blocklets/zlamp/blocklet.json",
                                  tarball="lamp-1.0.0.tgz", source_index=0,
                                  meta={"dist": {"integrity": "sha512-" + "A" * 86 + "=="}})
    with pytest.raises(ComponentError, match="not in the cache"):
        fetch_bundle(component, tmp_path / "dev", cache_dir=tmp_path / "cache", offline=True)
