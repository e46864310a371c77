"""core/config/profiles.py: the reference's profiles file, validation, and flag > env > profile > default."""

from __future__ import annotations

import stat

import pytest

from blocklet_cli.core import paths
from blocklet_cli.core.config import profiles as config
from blocklet_cli.core.errors import NotFoundError, UsageError
from blocklet_cli.core.identity.wallet import Wallet


@pytest.fixture(autouse=True)
def _no_setting_variables(monkeypatch):
    for var in config.ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)


def test_file_location_follows_abt_node_custom_data_dir(isolated_home, monkeypatch, tmp_path):
    assert paths.config_file() == isolated_home / ".arcblock" / "blocklet.ini"
    monkeypatch.setenv("ABT_NODE_CUSTOM_DATA_DIR", str(tmp_path / "data"))
    assert paths.config_file() == (tmp_path / "data").resolve() / "blocklet.ini"


def test_set_writes_default_profile_at_top_level_and_profiles_as_sections_with_mode_0600(isolated_home):
    settings = config.ConfigFile.load()
    settings.set("store", "http://localhost:3000")
    settings.set("name", "Ann", "dev")
    settings.save()
    path = isolated_home / ".arcblock" / "blocklet.ini"
    assert path.read_text() == "store=http://localhost:3000\n\n[dev]\nname=Ann\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_unknown_keys_and_sections_are_kept(isolated_home):
    path = isolated_home / ".arcblock" / "blocklet.ini"
    path.parent.mkdir()
    original = "store=https://a.example\ncustom=keep me\n\n[other]\nx=1\n\n[dev]\nstore=http://b.example\n"
    path.write_text(original)
    settings = config.ConfigFile.load()
    settings.set("email", "a@b.c", "dev")
    settings.save()
    assert path.read_text() == original + "email=a@b.c\n"


def test_delete_reports_whether_the_key_was_there_and_refuses_missing_profiles(isolated_home):
    settings = config.ConfigFile.load()
    settings.set("store", "http://x.example", "dev")
    assert settings.delete("store", "dev") is True
    assert settings.delete("store", "dev") is False
    with pytest.raises(NotFoundError, match="no config found for profile nope"):
        settings.delete("store", "nope")


@pytest.mark.parametrize("profile", ["a.b", " x", "[x]"])
def test_profile_names_that_the_ini_format_cannot_hold_are_refused(profile):
    with pytest.raises(UsageError, match="invalid profile name"):
        config.ConfigFile.load().set("store", "http://x.example", profile)


@pytest.mark.parametrize("key,value", [
    ("store", "http://localhost:3000"), ("store", "https://store.blocklet.dev/path"),
    ("registry", "http://127.0.0.1:18080"), ("store", "file:///srv/store"), ("name", "anything"),
    ("email", "dev@example.com"), ("developerDid", "z1QcHBGUtEjbDpaQHE1RR3coLKoBmbrrZ9z"),
])
def test_valid_values(key, value):
    config.validate_value(key, value)


@pytest.mark.parametrize("key,value,message", [
    ("colour", "red", "unknown config key 'colour'; supported keys are: store, accessToken"),
    ("store", "not-a-url", "invalid store url"),
    ("store", "ftp://x.example", "invalid store url"),
    ("accessToken", "0x12", "invalid access token"),
    ("developerDid", "zNotADid", "invalid developerDid"),
    ("email", "nope", "invalid email"),
])
def test_invalid_values(key, value, message):
    with pytest.raises(UsageError, match=message):
        config.validate_value(key, value)


def test_invalid_access_token_message_does_not_repeat_the_value():
    secret = "0x" + "ab" * 40
    with pytest.raises(UsageError) as caught:
        config.validate_value("accessToken", secret)
    assert secret not in str(caught.value) and "ab" * 40 not in str(caught.value)


def test_precedence_flag_env_profile_default(monkeypatch):
    settings = config.ConfigFile.load()
    settings.set("store", "http://profile.example")
    settings.set("store", "http://dev.example", "dev")
    settings.save()
    assert config.resolve("store").to_dict() == {"key": "store", "value": "http://profile.example",
                                                 "source": "profile:default"}
    assert config.resolve("store", "dev").value == "http://dev.example"
    monkeypatch.setenv("BLOCKLET_STORE", "http://env.example")
    assert config.resolve("store", "dev").source == "env:BLOCKLET_STORE"
    assert config.resolve("store", "dev", flag_value="http://flag.example").value == "http://flag.example"


def test_store_falls_back_to_registry_then_to_the_public_store_for_the_default_profile_only():
    assert config.resolve("store").to_dict() == {"key": "store", "value": config.DEFAULT_STORE, "source": "default"}
    assert config.resolve("store", "dev").value is None
    settings = config.ConfigFile.load()
    settings.set("registry", "http://registry.example", "dev")
    settings.save()
    assert config.resolve("store", "dev").value == "http://registry.example"


@pytest.mark.parametrize("key,var", sorted(config.ENV_VARS.items()))
def test_every_key_has_an_environment_variable(monkeypatch, key, var):
    monkeypatch.setenv(var, "from-env")
    assert config.resolve(key, "some-profile").to_dict()["source"] == f"env:{var}"


def test_secret_values_are_masked_in_setting_dicts(monkeypatch):
    token = Wallet.generate().secret_key_hex
    monkeypatch.setenv("BLOCKLET_ACCESS_TOKEN", token)
    setting = config.resolve("accessToken")
    assert setting.value == token
    assert setting.to_dict()["value"] == config.MASK
    assert setting.to_dict(show_secrets=True)["value"] == token


def test_unreadable_file_is_a_one_line_error(isolated_home):
    path = isolated_home / ".arcblock" / "blocklet.ini"
    path.parent.mkdir()
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(Exception, match="not UTF-8") as caught:
        config.ConfigFile.load()
    assert caught.value.location == str(path)
