"""`blocklet config` through the real console script."""

from __future__ import annotations

import json
import stat

import pytest

from tests.cli.test_publish_cmd import TOKEN, secret_forms


@pytest.fixture
def ini_file(isolated_home):
    return isolated_home / ".arcblock" / "blocklet.ini"


def test_set_get_list_delete_round_trip(cli, ini_file):
    assert cli("config", "set", "store", "http://localhost:3000").returncode == 0
    assert cli("config", "--profile", "dev", "set", "name", "Ann; the dev").returncode == 0
    assert cli("config", "set", "email", "ann@example.com", "--profile", "dev").returncode == 0
    assert ini_file.read_text() == "store=http://localhost:3000\n\n[dev]\nname=Ann\\; the dev\nemail=ann@example.com\n"
    assert stat.S_IMODE(ini_file.stat().st_mode) == 0o600
    assert cli("config", "get", "name", "--profile", "dev").stdout == "Ann; the dev\n"
    listed = cli("config", "list")
    assert listed.stdout == ini_file.read_text().rstrip("\n") + "\n"
    profile = json.loads(cli("config", "ls", "--profile", "dev", "--json").stdout)
    assert profile == {"path": str(ini_file), "profile": "dev",
                       "settings": {"name": "Ann; the dev", "email": "ann@example.com"}}
    deleted = cli("config", "delete", "name", "--profile", "dev")
    assert deleted.returncode == 0 and "deleted" in deleted.stderr
    assert "name=" not in ini_file.read_text()
    again = cli("config", "delete", "name", "--profile", "dev", "--json")
    assert json.loads(again.stdout) == {"profile": "dev", "key": "name", "deleted": False}


def test_bare_config_lists(cli):
    cli("config", "set", "registry", "https://registry.example")
    done = cli("config")
    assert done.returncode == 0 and done.stdout == "registry=https://registry.example\n"


def test_access_token_is_masked_unless_asked(cli, ini_file):
    done = cli("config", "set", "accessToken", TOKEN, "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["value"] == "********"
    assert f"accessToken={TOKEN}" in ini_file.read_text()
    outputs = [cli("config", "list"), cli("config", "list", "--json"),
               cli("config", "get", "accessToken"), cli("config", "get", "accessToken", "--json")]
    for out in outputs:
        assert out.returncode == 0
        assert all(form not in out.stdout + out.stderr for form in secret_forms())
    assert "accessToken=********" in outputs[0].stdout
    shown = cli("config", "get", "accessToken", "--show-secrets")
    assert shown.stdout == TOKEN + "\n"


def test_environment_override_is_pointed_out(cli):
    cli("config", "set", "store", "http://file.example")
    done = cli("config", "get", "store", env={"BLOCKLET_STORE": "http://env.example"})
    assert done.stdout == "http://file.example\n" and "BLOCKLET_STORE is set" in done.stderr


@pytest.mark.parametrize("args,message", [
    (["set", "colour", "red"], "unknown config key 'colour'; supported keys are: store, accessToken, registry"),
    (["set", "store", "not-a-url"], "invalid store url"),
    (["set", "accessToken", "0x1234"], "invalid access token"),
    (["set", "developerDid", "zBad"], "invalid developerDid"),
    (["--profile", "a.b", "set", "store", "http://x.example"], "invalid profile name"),
])
def test_invalid_set_is_one_line_exit_2_and_writes_nothing(cli, ini_file, args, message):
    done = cli("config", *args)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not ini_file.exists()


def test_missing_things_exit_4(cli):
    get = cli("config", "get", "store")
    assert get.returncode == 4 and "store is not set in profile default" in get.stderr
    listed = cli("config", "list", "--profile", "nope")
    assert listed.returncode == 4 and "no config found for profile nope" in listed.stderr
    deleted = cli("config", "delete", "store", "--profile", "nope")
    assert deleted.returncode == 4


def test_custom_data_dir_is_honoured(cli, tmp_path):
    done = cli("config", "set", "name", "x", env={"ABT_NODE_CUSTOM_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 0
    assert (tmp_path / "data" / "blocklet.ini").read_text() == "name=x\n"
