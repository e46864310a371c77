"""core/server/access_keys.py: the reference's access-key.ini, looked up under the app id, expireAt honoured."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from blocklet_cli.core import paths
from blocklet_cli.core.config import ini
from blocklet_cli.core.errors import AuthError, FileFormatError
from blocklet_cli.core.identity.wallet import Wallet, encode_z
from blocklet_cli.core.server import access_keys

KEY = Wallet.from_seed(b"k" * 32)
SECRET = encode_z(KEY.secret_key)
APP = "zNKqs9NgSDB2sEXaavZybWFSTTVmxb7gTAJX"
NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)


def write(path, data: dict):
    path.write_text(ini.encode(data), encoding="utf-8")
    return path


def entry(expire_at=None) -> dict:
    section = {"accessKeyId": KEY.address, "accessKeySecret": SECRET}
    if expire_at is not None:
        section["expireAt"] = expire_at
    return section


def test_default_location_follows_abt_node_custom_data_dir(monkeypatch, tmp_path, isolated_home):
    assert paths.access_key_file() == isolated_home / ".arcblock" / "access-key.ini"
    monkeypatch.setenv("ABT_NODE_CUSTOM_DATA_DIR", str(tmp_path))
    assert paths.access_key_file() == tmp_path / "access-key.ini"


def test_key_is_read_from_the_app_section(tmp_path):
    path = write(tmp_path / "access-key.ini", {APP: entry(int(NOW.timestamp() * 1000) + 3_600_000)})
    key = access_keys.load_access_key(f"did:abt:{APP}", path, now=NOW)
    assert key.key_id == KEY.address and key.secret == SECRET
    assert key.source == f"{path} [{APP}]"


def test_top_level_keys_are_not_taken_for_an_app(tmp_path):
    # the reference saves `--app-id` keys at the top level and then never finds them; a top-level key
    # belongs to no particular app, so we do not send it to one
    path = write(tmp_path / "access-key.ini", entry())
    assert access_keys.load_access_key(APP, path, now=NOW) is None


def test_missing_file_or_section_is_none(tmp_path):
    assert access_keys.load_access_key(APP, tmp_path / "nope.ini") is None
    path = write(tmp_path / "access-key.ini", {"zOtherApp": entry()})
    assert access_keys.load_access_key(APP, path) is None


@pytest.mark.parametrize("expire_at", [str(int(NOW.timestamp() * 1000) - 1), "2026-01-01T00:00:00Z"])
def test_expired_key_is_refused_with_its_date(tmp_path, expire_at):
    path = write(tmp_path / "access-key.ini", {APP: entry(expire_at)})
    with pytest.raises(AuthError, match=r"expired on 2026-") as caught:
        access_keys.load_access_key(APP, path, now=NOW)
    assert SECRET not in str(caught.value)


def test_broken_entries_name_the_file_and_section(tmp_path):
    path = write(tmp_path / "access-key.ini", {APP: {"accessKeyId": KEY.address}})
    with pytest.raises(FileFormatError, match="needs both") as caught:
        access_keys.load_access_key(APP, path)
    assert caught.value.location == f"{path} [{APP}]"
    write(path, {APP: entry("next tuesday")})
    with pytest.raises(FileFormatError, match="neither milliseconds nor an ISO date"):
        access_keys.load_access_key(APP, path)


def test_a_secret_of_another_key_is_refused(tmp_path):
    other = Wallet.from_seed(b"o" * 32)
    path = write(tmp_path / "access-key.ini", {APP: {"accessKeyId": other.address, "accessKeySecret": SECRET}})
    with pytest.raises(AuthError, match="does not belong"):
        access_keys.load_access_key(APP, path)
