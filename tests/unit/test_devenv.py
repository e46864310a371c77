"""The dev environment: dotenv precedence, required/secure variables, runtime variables, dev folder."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest

from blocklet_cli.core import paths
from blocklet_cli.core.dev import env as devenv
from blocklet_cli.core.errors import ConflictError, FileFormatError, InputRequiredError, MetaError, UsageError
from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.identity.wallet import Wallet

META = {
    "name": "ferry-ledger", "did": "z8iZpiQ1rTM58cyPWgVymbDBqtu3wFtqYBJPE", "version": "1.4.0",
    "title": "Ferry Ledger", "description": "Tracks ferries", "group": "dapp",
    "environments": [
        {"name": "FERRY_REGION", "default": "north"},
        {"name": "FERRY_API_TOKEN", "required": True, "secure": True},
        {"name": "FERRY_LIMITS", "default": {"max": 3}},
    ],
}


def settings(project: Path, tmp_path: Path, **overrides) -> devenv.DevSettings:
    paths = devenv.DevPaths.for_project(project, "ferry-ledger", tmp_path / "devroot")
    paths.prepare()
    values = dict(project_dir=project.resolve(), paths=paths, port=18555,
                  app_wallet=devenv.load_wallet(paths.wallet_file),
                  node_wallet=devenv.load_wallet(tmp_path / "node.json", devenv.NODE_TYPE), host_version="9.9.9")
    values.update(overrides)
    return devenv.DevSettings(**values)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


def test_dotenv_files_override_defaults_in_order_and_environment_wins(project: Path, tmp_path: Path) -> None:
    (project / ".env").write_text("FERRY_REGION=from-env\nFERRY_API_TOKEN=t1\nUNDECLARED=x\n")
    (project / ".env.local").write_text("FERRY_REGION=from-local\n")
    (project / ".env.development").write_text("FERRY_API_TOKEN=t2\n")
    (project / ".env.development.local").write_text("FERRY_API_TOKEN=t3\n")
    env = devenv.compute_environment(META, settings(project, tmp_path), environ={})
    assert env.values["FERRY_REGION"] == "from-local"
    assert env.sources["FERRY_REGION"] == ".env.local"
    assert env.values["FERRY_API_TOKEN"] == "t3"
    assert env.sources["FERRY_API_TOKEN"] == ".env.development.local"
    assert env.values["FERRY_LIMITS"] == '{"max":3}'
    assert env.sources["FERRY_LIMITS"] == "default"
    assert "UNDECLARED" not in env.values and env.ignored == ["UNDECLARED"]

    real = devenv.compute_environment(META, settings(project, tmp_path), environ={"FERRY_REGION": "real"})
    assert real.values["FERRY_REGION"] == "real"
    assert real.sources["FERRY_REGION"] == "environment"


def test_required_variable_without_value_is_an_error_naming_it(project: Path, tmp_path: Path) -> None:
    with pytest.raises(InputRequiredError, match="FERRY_API_TOKEN"):
        devenv.compute_environment(META, settings(project, tmp_path), environ={})
    (project / ".env").write_text("FERRY_API_TOKEN=\n")  # empty counts as missing
    with pytest.raises(InputRequiredError, match="FERRY_API_TOKEN"):
        devenv.compute_environment(META, settings(project, tmp_path), environ={})


def test_required_variable_is_asked_when_a_prompt_is_given(project: Path, tmp_path: Path) -> None:
    asked = []

    def ask(entry: dict) -> str:
        asked.append(entry["name"])
        return "typed-secret"

    env = devenv.compute_environment(META, settings(project, tmp_path), environ={}, ask=ask)
    assert asked == ["FERRY_API_TOKEN"]
    assert env.values["FERRY_API_TOKEN"] == "typed-secret"
    assert env.sources["FERRY_API_TOKEN"] == "prompt"


def test_secure_values_never_appear_in_the_redacted_view_or_json(project: Path, tmp_path: Path) -> None:
    env = devenv.compute_environment(META, settings(project, tmp_path, expose_sk=True),
                                     environ={"FERRY_API_TOKEN": "very-secret-value"})
    redacted = env.redacted()
    assert redacted["FERRY_API_TOKEN"] == devenv.REDACTED
    assert redacted["BLOCKLET_APP_SK"] == devenv.REDACTED
    dumped = json.dumps(env.to_dict()) + json.dumps(redacted)
    assert "very-secret-value" not in dumped
    assert env.values["BLOCKLET_APP_SK"][2:] not in dumped
    assert env.to_dict()["secret"] == ["BLOCKLET_APP_SK", "FERRY_API_TOKEN"]


def test_runtime_variables(project: Path, tmp_path: Path) -> None:
    s = settings(project, tmp_path)
    env = devenv.compute_environment(META, s, environ={"FERRY_API_TOKEN": "x"}).values
    did = META["did"]
    assert env["BLOCKLET_PORT"] == env["PORT"] == "18555"
    assert env["BLOCKLET_APP_DIR"] == str(project.resolve())
    for key, sub in (("BLOCKLET_DATA_DIR", "data"), ("BLOCKLET_LOG_DIR", "logs"), ("BLOCKLET_CACHE_DIR", "cache")):
        assert Path(env[key]) == s.paths.root / sub / did
        assert Path(env[key]).is_dir()
    # the app's DID is its wallet's (as on a server), the blocklet is its component at /
    assert env["BLOCKLET_DID"] == s.app_wallet.address and env["BLOCKLET_COMPONENT_DID"] == did
    assert env["BLOCKLET_COMPONENT_VERSION"] == env["BLOCKLET_APP_VERSION"] == "1.4.0"
    assert env["BLOCKLET_REAL_DID"] == f"{s.app_wallet.address}/{did}"
    assert env["BLOCKLET_APP_ID"] == s.app_wallet.address
    assert did_core.role_of(env["BLOCKLET_APP_ID"]) == did_core.ROLE_APPLICATION
    assert env["BLOCKLET_APP_PK"] == s.app_wallet.public_key_hex
    assert "BLOCKLET_APP_SK" not in env
    assert env["BLOCKLET_APP_NAME"] == "Ferry Ledger"
    assert env["BLOCKLET_APP_URL"] == "http://127.0.0.1:18555"
    assert env["BLOCKLET_MODE"] == "development"
    mounts = json.loads(env["BLOCKLET_MOUNT_POINTS"])
    assert mounts[0]["did"] == did and mounts[0]["mountPoint"] == "/" and mounts[0]["port"] == 18555
    assert env["ABT_NODE_DID"] == s.node_wallet.address
    assert did_core.role_of(env["ABT_NODE_DID"]) == 1
    assert env["ABT_NODE_PK"] == s.node_wallet.public_key_hex
    assert env["ABT_NODE_VERSION"] == "9.9.9"
    assert env["ABT_NODE_SK"] == "" and env["ABT_NODE_HOME"] == ""
    assert all("\n" not in value for value in env.values())


def test_app_url_option_and_exposed_sk(project: Path, tmp_path: Path) -> None:
    s = settings(project, tmp_path, app_url="https://dev.example/", expose_sk=True)
    env = devenv.compute_environment(META, s, environ={"FERRY_API_TOKEN": "x"}).values
    assert env["BLOCKLET_APP_URL"] == "https://dev.example"
    assert Wallet.from_secret_key(env["BLOCKLET_APP_SK"]).public_key_hex == env["BLOCKLET_APP_PK"]


def test_wallet_is_kept_between_runs_in_a_secret_file(tmp_path: Path) -> None:
    path = tmp_path / "dev" / "app-wallet.json"
    first = devenv.load_wallet(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert devenv.load_wallet(path).address == first.address
    path.write_text("not json")
    with pytest.raises(FileFormatError):
        devenv.load_wallet(path)


def test_dev_folder_is_per_project_outside_it_and_reset_empties_it(tmp_path: Path) -> None:
    one, two = tmp_path / "a" / "app", tmp_path / "b" / "app"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    paths = devenv.DevPaths.for_project(one, "@scope/app", tmp_path / "root")
    assert paths.root != devenv.DevPaths.for_project(two, "@scope/app", tmp_path / "root").root
    assert paths.root.parent == tmp_path / "root" and "/" not in paths.root.name[:-13]
    paths.prepare()
    (paths.data / "kept.db").write_text("x")
    paths.prepare()
    assert (paths.data / "kept.db").exists()
    emptied = paths.prepare(reset=True)
    assert sorted(emptied) == sorted([paths.data, paths.logs, paths.cache])
    assert paths.data.is_dir() and not (paths.data / "kept.db").exists()


def test_default_dev_root_is_the_user_data_dir(isolated_home: Path) -> None:
    assert paths.dev_root() == Path(os.environ["XDG_DATA_HOME"]) / "blocklet" / "dev"


def test_port_is_remembered_and_a_taken_port_is_refused(tmp_path: Path) -> None:
    paths = devenv.DevPaths.for_project(tmp_path, "app", tmp_path / "root")
    first = devenv.choose_port(paths)
    assert devenv.choose_port(paths) == first
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with pytest.raises(ConflictError, match=str(taken)):
            devenv.choose_port(paths, taken)
        paths.port_file.write_text(f"{taken}\n")
        assert devenv.choose_port(paths) != taken
    with pytest.raises(UsageError):
        devenv.choose_port(paths, 70000)


def test_dev_script_and_hooks() -> None:
    assert devenv.dev_script({"scripts": {"dev": "node index.js"}}) == "node index.js"
    with pytest.raises(MetaError, match=r"scripts\.dev"):
        devenv.dev_script({"scripts": {"start": "x"}}, "blocklet.yml")
    meta = {"scripts": {"pre-start": "a", "postStart": "b", "preFlight": " "}}
    assert devenv.hook_script(meta, "preStart") == "a"
    assert devenv.hook_script(meta, "postStart") == "b"
    assert devenv.hook_script(meta, "preFlight") is None


def test_each_extra_interface_port_variable_gets_its_own_free_port(project: Path, tmp_path: Path) -> None:
    meta = {**META, "environments": [], "interfaces": [
        {"type": "web", "name": "publicUrl", "port": "BLOCKLET_PORT"},
        {"type": "service", "name": "grpc", "port": "GRPC_PORT"},
        {"type": "service", "name": "metrics", "port": {"internal": "METRICS_PORT", "external": 9100}},
    ]}
    env = devenv.compute_environment(meta, settings(project, tmp_path), environ={}).values
    ports = {env["BLOCKLET_PORT"], env["GRPC_PORT"], env["METRICS_PORT"]}
    assert len(ports) == 3 and all(0 < int(port) < 65536 for port in ports)


def test_our_own_credentials_never_reach_the_app(project: Path, tmp_path: Path) -> None:
    meta = {**META, "environments": [*META["environments"], {"name": "BLOCKLET_ACCESS_TOKEN"}]}
    ours = {"BLOCKLET_ACCESS_TOKEN": "0x" + "11" * 64, "BLOCKLET_DEPLOY_ACCESS_KEY": "key-id",
            "BLOCKLET_DEPLOY_ACCESS_SECRET": "s3cret", "FERRY_API_TOKEN": "t", "PATH": "/usr/bin"}
    env = devenv.compute_environment(meta, settings(project, tmp_path), environ=ours)
    child = env.process_env(ours)
    assert child["PATH"] == "/usr/bin" and child["FERRY_API_TOKEN"] == "t"
    for name in devenv.OWN_CREDENTIALS:
        assert ours[name] not in child.values()
    assert child.get("BLOCKLET_ACCESS_TOKEN", "") == ""
