"""`blocklet config` through the real console script."""

from __future__ import annotations

import json
import stat

import pytest

from tests.cli.test_publish_cmd import TOKEN, secret_forms


@pytest.fixture
def ini_file(isolated_home):
    return isolated_home / ".arcblock" / "blocklet.ini"


def test_set_get_list_delete_round_trip(run_blocklet, ini_file):
    assert run_blocklet("config", "set", "store", "http://localhost:3000").returncode == 0
    assert run_blocklet("config", "--profile", "dev", "set", "name", "Ann; the dev").returncode == 0
    assert run_blocklet("config", "set", "email", "ann@example.com", "--profile", "dev").returncode == 0
    assert ini_file.read_text() == "store=http://localhost:3000\n\n[dev]\nname=Ann\\; the dev\nemail=ann@example.com\n"
    assert stat.S_IMODE(ini_file.stat().st_mode) == 0o600
    assert run_blocklet("config", "get", "name", "--profile", "dev").stdout == "Ann; the dev\n"
    listed = run_blocklet("config", "list")
    assert listed.stdout == ini_file.read_text().rstrip("\n") + "\n"
    profile = json.loads(run_blocklet("config", "ls", "--profile", "dev", "--json").stdout)
    assert profile == {"path": str(ini_file), "profile": "dev",
                       "settings": {"name": "Ann; the dev", "email": "ann@example.com"}}
    deleted = run_blocklet("config", "delete", "name", "--profile", "dev")
    assert deleted.returncode == 0 and "deleted" in deleted.stderr
    assert "name=" not in ini_file.read_text()
    again = run_blocklet("config", "delete", "name", "--profile", "dev", "--json")
    assert json.loads(again.stdout) == {"profile": "dev", "key": "name", "deleted": False}


def test_bare_config_lists(run_blocklet):
    run_blocklet("config", "set", "registry", "https://registry.example")
    done = run_blocklet("config")
    assert done.returncode == 0 and done.stdout == "registry=https://registry.example\n"


def test_access_token_is_masked_unless_asked(run_blocklet, ini_file):
    done = run_blocklet("config", "set", "accessToken", TOKEN, "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["value"] == "********"
    assert f"accessToken={TOKEN}" in ini_file.read_text()
    outputs = [run_blocklet("config", "list"), run_blocklet("config", "list", "--json"),
               run_blocklet("config", "get", "accessToken"), run_blocklet("config", "get", "accessToken", "--json")]
    for out in outputs:
        assert out.returncode == 0
        assert all(form not in out.stdout + out.stderr for form in secret_forms())
    assert "accessToken=********" in outputs[0].stdout
    shown = run_blocklet("config", "get", "accessToken", "--show-secrets")
    assert shown.stdout == TOKEN + "\n"


def test_environment_override_is_pointed_out(run_blocklet):
    run_blocklet("config", "set", "store", "http://file.example")
    done = run_blocklet("config", "get", "store", env={"BLOCKLET_STORE": "http://env.example"})
    assert done.stdout == "http://file.example\n" and "BLOCKLET_STORE is set" in done.stderr


@pytest.mark.parametrize("args,message", [
    (["set", "colour", "red"], "unknown config key 'colour'; supported keys are: store, accessToken, registry"),
    (["set", "store", "not-a-url"], "invalid store url"),
    (["set", "accessToken", "0x1234"], "invalid access token"),
    (["set", "developerDid", "zBad"], "invalid developerDid"),
    (["--profile", "a.b", "set", "store", "http://x.example"], "invalid profile name"),
])
def test_invalid_set_is_one_line_exit_2_and_writes_nothing(run_blocklet, ini_file, args, message):
    done = run_blocklet("config", *args)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not ini_file.exists()


def test_missing_things_exit_4(run_blocklet):
    get = run_blocklet("config", "get", "store")
    assert get.returncode == 4 and "store is not set in profile default" in get.stderr
    listed = run_blocklet("config", "list", "--profile", "nope")
    assert listed.returncode == 4 and "no config found for profile nope" in listed.stderr
    deleted = run_blocklet("config", "delete", "store", "--profile", "nope")
    assert deleted.returncode == 4


def test_custom_data_dir_is_honoured(run_blocklet, tmp_path):
    done = run_blocklet("config", "set", "name", "x", env={"ABT_NODE_CUSTOM_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 0
    assert (tmp_path / "data" / "blocklet.ini").read_text() == "name=x\n"
