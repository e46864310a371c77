"""The release pipeline of `publish` and `deploy` in CI: a version already on the store (one request, exit
14, or skipped with --skip-existing), the resulting URL alone on stdout when stdout is not a terminal, and
credentials from a file or stdin (`--access-token-file`) with the warnings ssh-style permissions and
secrets on the command line get. Stores are real local HTTP servers (`FakeStore`, answering as the real
store does) or file stores."""

from __future__ import annotations

import json
import stat

import pytest

from tests.cli.test_publish_cmd import TOKEN, TOKEN_WALLET, secret_forms
from tests.unit.test_store_upload import FakeStore, make_release

VERSION_CHECK = r"/api/blocklets/[^/]+/[^/]+/blocklet\.json"


@pytest.fixture
def run(cli):
    """`cli`, failing if the access token shows up anywhere in any of its forms."""

    def run_(*args, **kwargs):
        done = cli(*args, **kwargs)
        for form in secret_forms():
            assert form not in done.stdout and form not in done.stderr, f"the token leaked: {args}"
        assert "Traceback" not in done.stderr
        return done

    return run_


@pytest.fixture
def store(httpserver, tmp_path) -> FakeStore:
    return FakeStore(httpserver, folder=tmp_path / "served", keep=True)


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("⚠")]


def test_an_existing_version_costs_one_request_and_exits_14(run, store, tmp_path):
    metafile = make_release(tmp_path / "p")
    env = {"BLOCKLET_ACCESS_TOKEN": TOKEN}
    first = run("publish", str(metafile), "--store", store.url, env=env)
    assert first.returncode == 0, first.stderr
    did = json.loads(metafile.read_text())["did"]
    url = f"{store.url}/api/blocklets/{did}/1.0.0/blocklet.json"
    assert first.stdout == url + "\n"  # stdout is not a terminal: the URL alone
    assert f"Release metadata: {url}" in first.stderr
    assert len(store.requests("GET", VERSION_CHECK)) == 1 and len(store.uploads) == 1

    again = run("publish", str(metafile), "--store", store.url, env=env)
    assert again.returncode == 14, again.stderr
    errors = [line for line in again.stderr.splitlines() if line.startswith("✖")]
    assert errors == [f"✖ Demo 1.0.0 is already on the store {store.url}"]
    assert "--skip-existing" in again.stderr and again.stdout == ""
    assert len(store.requests("GET", VERSION_CHECK)) == 2 and len(store.uploads) == 1  # one request, no upload
    assert [request.path for request in store.requests("GET", VERSION_CHECK)] == [
        f"/api/blocklets/{did}/1.0.0/blocklet.json"] * 2

    as_json = run("publish", str(metafile), "--store", store.url, "--json", env=env)
    assert as_json.returncode == 14
    error = json.loads(as_json.stdout)["error"]
    assert error["type"] == "AlreadyPublishedError" and error["url"] == url and error["version"] == "1.0.0"


def test_skip_existing_from_the_flag_or_the_variable_exits_0_and_says_skipped(run, store, tmp_path):
    metafile = make_release(tmp_path / "p")
    env = {"BLOCKLET_ACCESS_TOKEN": TOKEN}
    assert run("publish", str(metafile), "--store", store.url, "--skip-existing", env=env).returncode == 0
    url = store.url + "/api/blocklets/" + json.loads(metafile.read_text())["did"] + "/1.0.0/blocklet.json"

    skipped = run("publish", str(metafile), "--store", store.url, "--skip-existing", env=env)
    assert skipped.returncode == 0, skipped.stderr
    assert f"Demo 1.0.0 is already on the store {store.url}: skipped (--skip-existing)" in skipped.stderr
    assert skipped.stdout == url + "\n"
    document = json.loads(run("publish", str(metafile), "--store", store.url, "--json",
                              env={**env, "BLOCKLET_SKIP_EXISTING": "true"}).stdout)
    assert document["skipped"] is True and document["url"] == url and document["result"] is None
    assert document["version"] == "1.0.0" and document["kind"] == "http"
    assert len(store.uploads) == 1 and len(store.requests("GET", VERSION_CHECK)) == 3

    bad = run("publish", str(metafile), "--store", store.url, env={**env, "BLOCKLET_SKIP_EXISTING": "maybe"})
    assert bad.returncode == 2 and "skipExisting from env:BLOCKLET_SKIP_EXISTING must be true or false" in bad.stderr
    assert run("publish", str(metafile), "--store", store.url, env={**env, "BLOCKLET_SKIP_EXISTING": "0"}
               ).returncode == 14


def test_a_new_version_of_a_known_blocklet_is_uploaded_after_the_stores_miss(run, store, tmp_path):
    env = {"BLOCKLET_ACCESS_TOKEN": TOKEN}
    assert run("publish", str(make_release(tmp_path / "a")), "--store", store.url, env=env).returncode == 0
    newer = run("publish", str(make_release(tmp_path / "b", version="1.0.1")), "--store", store.url,
                "--skip-existing", env=env)
    assert newer.returncode == 0, newer.stderr
    answers = [response.status_code for request, response in store.server.log if request.path.endswith(
        "/1.0.1/blocklet.json")]
    assert answers[0] == 500  # the store's answer for a known blocklet without that version
    assert len(store.uploads) == 2 and newer.stdout.endswith("/1.0.1/blocklet.json\n")


def test_force_skips_the_check_and_the_store_has_the_last_word(run, store, tmp_path):
    metafile = make_release(tmp_path / "p")
    env = {"BLOCKLET_ACCESS_TOKEN": TOKEN}
    assert run("publish", str(metafile), "--store", store.url, env=env).returncode == 0
    forced = run("publish", str(metafile), "--store", store.url, "--force", env=env)
    assert forced.returncode == 9
    assert "upload failed: [400] Can't upload blocklet version less than 1.0.0" in forced.stderr
    assert len(store.requests("GET", VERSION_CHECK)) == 1 and len(store.uploads) == 2


def test_file_store_existing_version_and_skip_existing(run, tmp_path):
    metafile = make_release(tmp_path / "p")
    folder = tmp_path / "store"
    first = run("publish", str(metafile), "--store", str(folder))
    assert first.returncode == 0, first.stderr
    did = json.loads(metafile.read_text())["did"]
    url = f"{folder.as_uri()}/api/blocklets/{did}/1.0.0/blocklet.json"
    assert first.stdout == url + "\n"
    again = run("publish", str(metafile), "--store", str(folder))
    assert again.returncode == 14 and again.stdout == ""
    skipped = run("publish", str(metafile), "--store", str(folder), "--skip-existing")
    assert skipped.returncode == 0 and skipped.stdout == url + "\n" and "skipped" in skipped.stderr
    stored = json.loads((folder / "api" / "blocklets" / did / "1.0.0" / "blocklet.json").read_text())
    assert stored["version"] == "1.0.0" and stored["did"] == did  # the URL names the stored version


def test_access_token_from_a_file_from_stdin_and_from_the_variable(run, store, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    metafile = make_release(tmp_path / "p")
    from_file = run("publish", str(metafile), "--store", store.url, "--access-token-file", str(token_file),
                    "--dry-run", "--json", "--verbose")
    assert from_file.returncode == 0, from_file.stderr
    assert json.loads(from_file.stdout)["signer"] == TOKEN_WALLET.address
    assert f"accessToken = ******** (from file:{token_file})" in from_file.stderr
    assert warnings(from_file.stderr) == []

    from_stdin = run("publish", str(metafile), "--store", store.url, "--access-token-file", "-", "--dry-run",
                     "--json", input=f"  {TOKEN}\n")
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert json.loads(from_stdin.stdout)["signedWith"] == "accessToken (stdin)"

    named = run("publish", str(metafile), "--store", store.url, "--dry-run", "--json",
                env={"BLOCKLET_ACCESS_TOKEN_FILE": str(token_file)})
    assert json.loads(named.stdout)["signedWith"] == (
        f"accessToken (file:{token_file} (env:BLOCKLET_ACCESS_TOKEN_FILE))")
    # the token itself wins over the variable naming a file
    other = tmp_path / "other"
    other.write_text("0x" + "ab" * 64)
    other.chmod(0o600)
    winner = run("publish", str(metafile), "--store", store.url, "--dry-run", "--json",
                 env={"BLOCKLET_ACCESS_TOKEN": TOKEN, "BLOCKLET_ACCESS_TOKEN_FILE": str(other)})
    assert json.loads(winner.stdout)["signedWith"] == "accessToken (env:BLOCKLET_ACCESS_TOKEN)"

    published = run("publish", str(metafile), "--store", store.url, "--access-token-file", str(token_file))
    assert published.returncode == 0, published.stderr
    assert json.loads(store.uploads[0]["meta_raw"])["signatures"][0]["signer"] == TOKEN_WALLET.address


def test_a_token_file_others_can_read_is_used_with_a_warning(run, store, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o644)
    done = run("publish", str(make_release(tmp_path / "p")), "--store", store.url, "--access-token-file",
               str(token_file), "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    [warning] = warnings(done.stderr)
    assert f"{token_file} is accessible by others (mode 0644)" in warning and f"chmod 600 {token_file}" in warning


@pytest.mark.parametrize(("setup", "args", "status", "message"), [
    ("empty", ["--access-token-file", "{file}"], 2, "the access token from file:{file} is empty"),
    (None, ["--access-token-file", "{file}"], 4, "the access token file {file} does not exist"),
    ("token", ["--access-token-file", "{file}", "--access-token", TOKEN], 2,
     "pass --access-token or --access-token-file, not both"),
    ("junk", ["--access-token-file", "{file}"], 10, "is not a valid secret key"),
])
def test_bad_token_files_are_one_line_errors(run, store, tmp_path, setup, args, status, message):
    file = tmp_path / "token"
    if setup:
        file.write_text({"empty": " \n", "token": TOKEN, "junk": "not-a-key"}[setup])
        file.chmod(0o600)
    done = run("publish", str(make_release(tmp_path / "p")), "--store", store.url,
               *[arg.format(file=file) for arg in args])
    assert done.returncode == status, done.stderr
    assert message.format(file=file) in done.stderr
    assert store.uploads == []


def test_a_secret_on_the_command_line_in_ci_gets_a_warning_without_the_secret(run, store, tmp_path):
    metafile = make_release(tmp_path / "p")
    in_ci = run("publish", str(metafile), "--store", store.url, "--access-token", TOKEN, "--dry-run", "--json")
    assert in_ci.returncode == 0
    [warning] = warnings(in_ci.stderr)
    assert "--access-token puts a secret on the command line" in warning
    assert "$BLOCKLET_ACCESS_TOKEN" in warning and "--access-token-file PATH" in warning and "stdin" in warning
    outside = run("publish", str(metafile), "--store", store.url, "--access-token", TOKEN, "--dry-run", "--json",
                  env={"CI": "false"})
    assert outside.returncode == 0 and warnings(outside.stderr) == []


def test_deploy_reads_the_access_key_secret_from_a_file_or_stdin(cli, tmp_path):
    from blocklet_cli.core.identity.wallet import Wallet
    from tests.unit.test_deploy import WEB

    key = Wallet.from_seed(b"k" * 32)
    app = Wallet.from_seed(b"a" * 32).address
    release = make_release(tmp_path, interfaces=WEB).parent
    secret_file = tmp_path / "secret"
    secret_file.write_text(key.secret_key_hex)
    secret_file.chmod(0o600)
    common = ["deploy", str(release), "--dry-run", "--json", "--endpoint", "http://127.0.0.1:9", "--app-id", app]
    for args, stdin, env in ((["--access-secret-file", str(secret_file)], None, {}),
                             (["--access-token-file", "-"], key.secret_key_hex, {}),
                             ([], None, {"BLOCKLET_DEPLOY_ACCESS_SECRET_FILE": str(secret_file)})):
        done = cli(*common, "--access-key", key.address, *args, input=stdin, env=env)
        assert done.returncode == 0, done.stderr
        source = json.loads(done.stdout)["accessKey"]["source"]
        assert source.startswith("--access-key and the secret from ")
        assert ("stdin" if stdin else f"file:{secret_file}") in source
        assert key.secret_key_hex[2:] not in done.stdout + done.stderr and warnings(done.stderr) == []
    on_argv = cli(*common, "--access-key", key.address, "--access-secret", key.secret_key_hex)
    assert on_argv.returncode == 0
    [warning] = warnings(on_argv.stderr)
    assert "--access-secret puts a secret on the command line" in warning
    assert "$BLOCKLET_DEPLOY_ACCESS_SECRET" in warning and "--access-secret-file PATH" in warning
    assert key.secret_key_hex[2:] not in on_argv.stdout + on_argv.stderr


def test_connect_saves_a_token_read_from_a_file_without_the_wallet(run, store, tmp_path, isolated_home):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    done = run("connect", store.url, "--access-token-file", str(token_file), "--profile", "ci")
    assert done.returncode == 0, done.stderr
    assert f"Saved the access token for {store.url} in profile ci" in done.stderr
    shown = run("config", "get", "accessToken", "--profile", "ci")
    assert shown.returncode == 0 and TOKEN not in shown.stdout
    published = run("publish", str(make_release(tmp_path / "p")), "--profile", "ci")
    assert published.returncode == 0, published.stderr
    assert json.loads(store.uploads[0]["meta_raw"])["signatures"][0]["signer"] == TOKEN_WALLET.address
    config_file = next(isolated_home.rglob("blocklet.ini"))
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600


def test_dev_text_mode_prints_the_url_alone_on_a_piped_stdout_once_it_serves(project_copy):
    """`blocklet dev > url.txt &`: the first (and only) stdout line is the URL, written as soon as the app
    answers; the app's own lines (`env server up`) and every detail go to stderr."""
    import signal

    from tests.cli.test_dev_cmd import ENV_SERVER, DevProcess, fetch

    project = project_copy("node-dapp")
    (project / "api" / "env.js").write_text(ENV_SERVER)
    meta = project / "blocklet.yml"
    meta.write_text(meta.read_text().replace("dev: node api/index.js", "dev: node api/env.js"))
    dev = DevProcess(project, json_output=False)
    try:
        url = dev.url_line()
        assert json.loads(fetch(url))["pid"] > 0  # already serving when the line came
    finally:
        code, rest, stderr = dev.signal(signal.SIGTERM)
    assert code == 128 + signal.SIGTERM and rest == ""
    assert f"Ready: {url}" in stderr and "| env server up" in stderr
