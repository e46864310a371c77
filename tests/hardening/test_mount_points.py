"""Mount points: dot segments and two spellings of one mount point are refused everywhere (validate, add,
deploy's flag, nested component metadata), with the field's position."""

from __future__ import annotations

import pytest

from blocklet_cli.core.components.resolve import verify_tree
from blocklet_cli.core.errors import ComponentError, UsageError
from blocklet_cli.core.identity.did import to_blocklet_did
from blocklet_cli.core.meta.mount_point import mount_point_problem, normalize_mount_point
from blocklet_cli.core.server.deploy import resolve_mount_point
from tests.unit.test_components import FakeStore, new_store, store_entry, store_meta  # noqa: F401

DOTTED = ["/comp/../../../etc", "../..", "/./b", "/a/./b", "/a/..", ".", "/.."]


@pytest.mark.parametrize("value", DOTTED)
def test_dot_segments_are_refused(value):
    assert mount_point_problem(value) == "cannot contain . or .. segments"
    with pytest.raises(ValueError):
        normalize_mount_point(value)


@pytest.mark.parametrize("value, normal", [("/b", "/b"), ("b", "/b"), ("/b/", "/b"), (" /b ", "/b"), ("/", "/"),
                                           ("/a.b/c_d-e", "/a.b/c_d-e"), ("/..b", "/..b")])
def test_normal_form(value, normal):
    assert normalize_mount_point(value) == normal


def _project(tmp_path, mounts: list[str]):
    lines = [f"name: my-app\ndid: {to_blocklet_did('my-app')}\nversion: 1.0.0\ndescription: An app\n"
             "group: gateway\ncomponents:\n"]
    for index, mount in enumerate(mounts):
        lines.append(f"  - name: c{index}\n    mountPoint: '{mount}'\n    source:\n      url: https://x.example/c{index}\n")
    (tmp_path / "blocklet.yml").write_text("".join(lines))
    return tmp_path


@pytest.mark.parametrize("mounts, line, message", [
    (["/comp/../../../etc"], 8, "cannot contain . or .. segments"),
    (["/b", "/a/../b"], 12, "cannot contain . or .. segments"),
    (["/b", "/./b"], 12, "cannot contain . or .. segments"),
])
def test_validate_reports_them_with_the_position(cli, tmp_path, mounts, line, message):
    result = cli("validate", cwd=_project(tmp_path, mounts))
    assert result.returncode == 3, result.stderr
    assert f"blocklet.yml:{line}:17: /components/{len(mounts) - 1}/mountPoint: " in result.stdout
    assert message in result.stdout


@pytest.mark.parametrize("mount", ["/a/../b", "../..", "/./x"])
def test_add_refuses_them_before_any_network(cli, tmp_path, mount):
    project = _project(tmp_path, [])
    before = (project / "blocklet.yml").read_bytes()
    result = cli("add", "x", "--mount-point", mount, "--store", "http://127.0.0.1:9", cwd=project)
    assert result.returncode == 2 and "cannot contain . or .. segments" in result.stderr
    assert (project / "blocklet.yml").read_bytes() == before


def test_add_refuses_a_second_spelling_of_a_taken_mount_point(cli, tmp_path, new_store):  # noqa: F811
    store = new_store()
    store.publish(store_meta("one"))
    store.publish(store_meta("two"))
    project = tmp_path
    assert cli("add", "one", "--mount-point", "/b", "--store", store.url, cwd=_project(project, [])
                        ).returncode == 0
    result = cli("add", "two", "--mount-point", "b/", "--store", store.url, cwd=project)
    assert result.returncode == 7 and "mount point /b is used by both" in result.stderr
    assert "(at /components/1/mountPoint)" in result.stderr


def test_nested_component_metadata_declaring_them_is_refused(new_store):  # noqa: F811
    store = new_store()
    store.publish(store_meta("leaf"))
    store.publish(store_meta("parent", components=[store_entry("leaf", store.url,
                                                                                mount="/x/../../admin")]))
    meta = {"name": "root", "components": [store_entry("parent", store.url)]}
    with pytest.raises(ComponentError, match=r"/components/0/mountPoint '/x/\.\./\.\./admin' cannot contain \. "
                                             r"or \.\. segments \(in .*parent"):
        verify_tree(meta)


@pytest.mark.parametrize("flag", ["/a/../b", "/./b", "/a//b"])
def test_deploy_refuses_them_from_the_flag_and_the_environment(flag):
    meta = {"name": "x", "title": "X", "interfaces": [{"type": "web", "name": "publicUrl"}]}
    with pytest.raises(UsageError, match="invalid mount point"):
        resolve_mount_point(meta, flag, {})
    with pytest.raises(UsageError, match="BLOCKLET_DEPLOY_MOUNT_POINT"):
        resolve_mount_point(meta, None, {"BLOCKLET_DEPLOY_MOUNT_POINT": flag})
    assert resolve_mount_point(meta, "/b/", {}) == ("/b", "--mount-point")
