"""core/server/deploy.py: settings, release location and building, refusals, and a full run against the
protocol-speaking local server of test_server.py."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from blocklet_cli.core.config import ini
from blocklet_cli.core.errors import AuthError, BundleError, NotFoundError, RemoteError, UsageError
from blocklet_cli.core.identity.wallet import Wallet, encode_z
from blocklet_cli.core.server import deploy
from tests.conftest import RecordingReporter
from tests.unit.test_server import FakeBlockletServer
from tests.unit.test_store_upload import make_release

WEB = [{"type": "web", "name": "publicUrl", "path": "/", "prefix": "*", "port": "BLOCKLET_PORT",
        "protocol": "http"}]


@pytest.fixture
def fake(httpserver, monkeypatch) -> FakeBlockletServer:
    server = FakeBlockletServer(httpserver)
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    return server


# -- settings -----------------------------------------------------------------------------------
def test_app_id_flag_then_env_vars_in_order(monkeypatch):
    a, b = (Wallet.from_seed(bytes([n]) * 32).address for n in (1, 2))
    monkeypatch.setenv("BLOCKLET_DEPLOY_APP_ID", b)
    assert deploy.resolve_app_did(None) == b
    monkeypatch.setenv("BLOCKLET_DEPLOY_APP_DID", a)
    assert deploy.resolve_app_did(None) == a
    assert deploy.resolve_app_did(f"did:abt:{b}") == b
    with pytest.raises(UsageError, match="not a valid DID"):
        deploy.resolve_app_did("zNope")


def test_access_key_flags_then_env_then_access_key_ini(monkeypatch, isolated_home):
    app = Wallet.from_seed(b"a" * 32).address
    stored, env_key, flag_key = (Wallet.from_seed(bytes([n]) * 32) for n in (3, 4, 5))
    (isolated_home / ".arcblock").mkdir()
    (isolated_home / ".arcblock" / "access-key.ini").write_text(ini.encode(
        {app: {"accessKeyId": stored.address, "accessKeySecret": encode_z(stored.secret_key)}}))
    assert deploy.resolve_access_key(app, None, None).key_id == stored.address
    monkeypatch.setenv("BLOCKLET_DEPLOY_ACCESS_KEY", env_key.address)
    monkeypatch.setenv("BLOCKLET_DEPLOY_ACCESS_SECRET", env_key.secret_key_hex)
    from_env = deploy.resolve_access_key(app, None, None)
    assert from_env.source == "BLOCKLET_DEPLOY_ACCESS_KEY/BLOCKLET_DEPLOY_ACCESS_SECRET"
    chosen = deploy.resolve_access_key(app, flag_key.address, flag_key.secret_key_hex)
    assert (chosen.key_id, chosen.source) == (flag_key.address, "--access-key/--access-secret")


def test_half_a_key_or_no_key_is_a_usage_error(isolated_home):
    with pytest.raises(UsageError, match="also pass --access-secret"):
        deploy.resolve_access_key(None, Wallet.from_seed(b"k" * 32).address, None)
    with pytest.raises(UsageError, match="no access key given") as caught:
        deploy.resolve_access_key("zApp", None, None)
    assert "access-key.ini" in caught.value.message


# -- mount point --------------------------------------------------------------------------------
@pytest.mark.parametrize(("title", "expected"), [
    ("Harbor Lights", "/harbor-lights"), ("Ferry  Ledger!!", "/ferry-ledger-"), ("Café..Menu", "/caf.menu"),
    ("", "/the-name"),
])
def test_default_mount_point_is_the_url_friendly_title(title, expected):
    meta = {"did": "zX", "name": "the-name", "title": title, "group": "static", "interfaces": WEB}
    assert deploy.resolve_mount_point(meta, None) == (expected, "default, from the title")


def test_mount_point_flag_env_and_no_web_interface(monkeypatch):
    meta = {"did": "zX", "name": "n", "title": "T", "group": "dapp"}
    monkeypatch.setenv("BLOCKLET_DEPLOY_MOUNT_POINT", "/from-env")
    assert deploy.resolve_mount_point(meta, None) == ("/from-env", "BLOCKLET_DEPLOY_MOUNT_POINT")
    assert deploy.resolve_mount_point(meta, "/flag")[0] == "/flag"
    assert deploy.resolve_mount_point({**meta, "group": "gateway"}, "/flag")[0] == "/zX"
    with pytest.raises(UsageError, match="invalid mount point"):
        deploy.resolve_mount_point(meta, "no-slash")


# -- the release --------------------------------------------------------------------------------
def test_locate_project_bundle_and_release_folders(tmp_path, project_copy):
    project = project_copy("static-site")
    assert deploy.locate_release(project).release_dir == project / ".blocklet" / "release"
    (project / ".blocklet" / "bundle").mkdir(parents=True)
    from_bundle = deploy.locate_release(project / ".blocklet" / "bundle")
    assert (from_bundle.project_dir, from_bundle.release_dir) == (project, project / ".blocklet" / "release")
    bare = tmp_path / "bare"
    make_release(bare)
    assert deploy.locate_release(bare / ".blocklet" / "release").project_dir is None
    with pytest.raises(NotFoundError, match="does not exist"):
        deploy.locate_release(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotFoundError, match="not a blocklet project"):
        deploy.locate_release(tmp_path / "empty")


def test_release_is_built_when_missing_then_reused_then_rebuilt_after_a_bump(fake, project_copy):
    project = project_copy("static-site")
    reporter = RecordingReporter()
    first = deploy.plan_deploy(project, reporter=reporter)
    assert first.built and first.build_reason == "no release found"
    assert reporter.lines == [("info", "Building the release first: no release found")]
    assert first.tarball == project / ".blocklet" / "release" / first.meta["dist"]["tarball"]
    assert first.mount_point == "/harbor-lights"
    assert deploy.plan_deploy(project).built is False
    meta = project / "blocklet.yml"
    meta.write_text(meta.read_text().replace("version: 0.3.1", "version: 0.3.2"))
    again = deploy.plan_deploy(project)
    assert again.build_reason == "the release is version 0.3.1, the project is 0.3.2"
    assert again.meta["version"] == "0.3.2"


def test_bare_release_without_project_cannot_be_built(fake, tmp_path):
    release = tmp_path / ".blocklet" / "release"
    release.mkdir(parents=True)
    with pytest.raises(NotFoundError, match="no project to build one from"):
        deploy.plan_deploy(release)


def replace_tarball(metafile, names: list[str]) -> None:
    """Rewrite a release's tarball with empty files `names`, and its dist to match."""
    import base64
    import hashlib

    meta = json.loads(metafile.read_text())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in names:
            tar.addfile(tarfile.TarInfo(name), io.BytesIO(b""))
    raw = buffer.getvalue()
    (metafile.parent / meta["dist"]["tarball"]).write_bytes(raw)
    meta["dist"].update(size=len(raw), integrity="sha512-" + base64.b64encode(hashlib.sha512(raw).digest()).decode())
    metafile.write_text(json.dumps(meta))


def test_release_with_node_modules_is_refused(fake, tmp_path):
    metafile = make_release(tmp_path, interfaces=WEB)
    replace_tarball(metafile, ["package/index.html", "package/node_modules/left-pad/index.js"])
    with pytest.raises(BundleError, match=r"contains node_modules \(node_modules/left-pad/index.js\)"):
        deploy.plan_deploy(metafile.parent)
    assert fake.requests == []


def test_tarball_that_is_not_the_release_is_refused(fake, tmp_path):
    metafile = make_release(tmp_path, interfaces=WEB)
    tarball = metafile.parent / json.loads(metafile.read_text())["dist"]["tarball"]
    tarball.write_bytes(tarball.read_bytes()[:-4] + b"oops")
    with pytest.raises(BundleError, match=r"does not match its metadata \(dist.integrity differs\)"):
        deploy.plan_deploy(metafile.parent)
    assert fake.requests == []


def test_bundle_folder_with_node_modules_is_refused(fake, tmp_path):
    metafile = make_release(tmp_path, interfaces=WEB)
    (tmp_path / ".blocklet" / "bundle" / "api" / "node_modules" / "x").mkdir(parents=True)
    with pytest.raises(BundleError, match=r"the bundle contains node_modules \(api/node_modules\)"):
        deploy.plan_deploy(metafile.parent)


def test_endpoint_is_required(monkeypatch, tmp_path):
    monkeypatch.delenv("BLOCKLET_DEPLOY_ENDPOINT", raising=False)
    with pytest.raises(UsageError, match="pass --endpoint or set"):
        deploy.plan_deploy(tmp_path)


# -- a full run ---------------------------------------------------------------------------------
def test_run_deploy_uploads_and_reports_the_component(fake, tmp_path):
    metafile = make_release(tmp_path, version="2.0.0", title="Demo Site", interfaces=WEB)
    plan = deploy.plan_deploy(metafile.parent)
    fake.component_did = plan.meta["did"]
    reporter = RecordingReporter()
    result = deploy.run_deploy(plan, timeout=30, reporter=reporter)
    [task] = reporter.tasks
    assert (task.description, task.unit, task.state) == ("Deploying Demo Site@2.0.0", "bytes", "finished")
    assert task.descriptions[1:] == [deploy.STAGES["discover"], deploy.STAGES["app"], "Uploading Demo Site@2.0.0",
                                     deploy.STAGES["verify"]]
    assert task.completed == plan.size
    document = result.to_dict()
    assert document["component"]["version"] == "2.0.0" and document["mountPoint"] == "/demo-site"
    assert document["app"] == {"did": fake.app, "title": "Harbor App", "status": "running"}
    assert document["url"] == "https://harbor.example/demo-site"
    assert document["endpoint"]["serverName"] == "Fake Server"
    assert fake.uploads[0]["operations"]["variables"]["dist"]["integrity"] == plan.integrity
    assert fake.mount_point_updates == []  # the server took the mount point sent with the upload


def test_a_new_static_component_is_mounted_where_deploy_said(fake, project_copy):
    """Blocklet Server 1.17.12 installs an uploaded static component without a mount point (its router then
    serves it at `/`, where another static component may already be): deploy sets the one it sent."""
    plan = deploy.plan_deploy(project_copy("static-site"))
    fake.component_did = plan.meta["did"]
    reporter = RecordingReporter()
    result = deploy.run_deploy(plan, timeout=30, reporter=reporter)
    assert fake.uploads[0]["operations"]["variables"]["mountPoint"] == "/harbor-lights"
    assert fake.mount_point_updates == [{"did": plan.meta["did"], "rootDid": fake.app, "mountPoint": "/harbor-lights"}]
    assert (result.mount_point, result.url) == ("/harbor-lights", "https://harbor.example/harbor-lights")
    assert ("detail", "The server installed Harbor Lights@0.3.1 without a mount point; mounting it at "
            "/harbor-lights") in reporter.lines


def test_an_upgrade_keeps_the_mount_point_the_component_has(fake, project_copy):
    plan = deploy.plan_deploy(project_copy("static-site"))
    fake.component_did = plan.meta["did"]
    fake.children = [{"meta": {"did": plan.meta["did"], "version": "0.3.0"}, "status": "running", "mountPoint": None}]
    result = deploy.run_deploy(plan, timeout=30)
    assert fake.mount_point_updates == []  # a server keeps a component's mount point on upgrade: so does deploy
    assert (result.mount_point, result.url) == ("/", "https://harbor.example/")  # what the server serves


def test_run_deploy_waits_while_the_app_is_starting_then_uploads(fake, tmp_path, monkeypatch):
    monkeypatch.setattr(deploy, "BUSY_POLL", 0.05)
    plan = deploy.plan_deploy(make_release(tmp_path, version="2.1.0", interfaces=WEB).parent)
    fake.component_did = plan.meta["did"]
    # checked as running, but starting when the upload arrives (refused), then starting twice more, then running
    fake.app_statuses = ["running", "starting", "starting", "starting", "running"]
    reporter = RecordingReporter()
    result = deploy.run_deploy(plan, timeout=30, reporter=reporter)
    assert fake.refused_uploads == 1 and len(fake.uploads) == 1
    [task] = reporter.tasks
    assert "Waiting: the app is starting" in task.descriptions
    assert task.completed == plan.size  # the refused upload does not count twice
    assert result.component["version"] == "2.1.0"


def test_run_deploy_gives_up_on_an_app_that_stays_busy(fake, tmp_path, monkeypatch):
    monkeypatch.setattr(deploy, "BUSY_POLL", 0.05)
    plan = deploy.plan_deploy(make_release(tmp_path, interfaces=WEB).parent)
    fake.app_statuses = ["installing"]
    with pytest.raises(RemoteError, match=f"the app {fake.app} is still installing on the server"):
        deploy.run_deploy(plan, timeout=0.5)
    assert fake.uploads == [] and fake.refused_uploads == 0


def test_busy_answers_of_the_server_are_recognised():
    assert deploy.busy_status("the upload failed: Can not deploy blocklet when it is starting") == "starting"
    assert deploy.busy_status("Can not deploy blocklet when it is upgrading") == "upgrading"
    assert deploy.busy_status("Can not deploy blocklet when it is running") is None
    assert deploy.busy_status("Invalid blocklet.yml") is None


def test_run_deploy_to_a_missing_app_names_it(fake, tmp_path, monkeypatch):
    other = Wallet.from_seed(b"z" * 32).address
    monkeypatch.setenv("BLOCKLET_DEPLOY_APP_DID", other)
    plan = deploy.plan_deploy(make_release(tmp_path, interfaces=WEB).parent)
    with pytest.raises(NotFoundError, match=f"app {other} does not exist on the server"):
        deploy.run_deploy(plan, timeout=30)
    assert fake.uploads == []


def test_run_deploy_with_an_unknown_key(fake, tmp_path, monkeypatch):
    stranger = Wallet.from_seed(b"q" * 32)
    monkeypatch.setenv("BLOCKLET_DEPLOY_ACCESS_KEY", stranger.address)
    monkeypatch.setenv("BLOCKLET_DEPLOY_ACCESS_SECRET", stranger.secret_key_hex)
    plan = deploy.plan_deploy(make_release(tmp_path, interfaces=WEB).parent)
    with pytest.raises(AuthError, match=f"access key {stranger.address} does not exist"):
        deploy.run_deploy(plan, timeout=30)


def test_settings_from_the_project_dotenv_files_under_the_real_environment(fake, tmp_path, monkeypatch):
    project = tmp_path / "project"
    release = make_release(project, interfaces=WEB).parent
    for name in fake.env:
        monkeypatch.delenv(name, raising=False)
    (project / ".env").write_text("".join(f"{k}={v}\n" for k, v in fake.env.items()) +
                                  "BLOCKLET_DEPLOY_MOUNT_POINT=/from-env-file\n")
    (project / ".env.development.local").write_text("BLOCKLET_DEPLOY_MOUNT_POINT=/from-local-file\n")
    plan = deploy.plan_deploy(release)
    assert (plan.endpoint_url, plan.app_did) == (fake.env["BLOCKLET_DEPLOY_ENDPOINT"],
                                                 fake.env["BLOCKLET_DEPLOY_APP_DID"])
    assert plan.key.key_id == fake.env["BLOCKLET_DEPLOY_ACCESS_KEY"]
    assert (plan.mount_point, plan.mount_point_source) == ("/from-local-file", "BLOCKLET_DEPLOY_MOUNT_POINT")
    monkeypatch.setenv("BLOCKLET_DEPLOY_MOUNT_POINT", "/from-the-shell")
    assert deploy.plan_deploy(release).mount_point == "/from-the-shell"
    assert deploy.project_root(project / ".blocklet" / "bundle") == project
