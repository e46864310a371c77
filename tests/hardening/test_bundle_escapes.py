"""`blocklet bundle` against hostile projects: dependency names that escape `node_modules/`, secrets in
every case and class, credentials in `package.json`, symlinks and hard links leading out, and staging
folders of killed runs. Each runs `blocklet` in process (the `cli` fixture) on a copy of the node-dapp
fixture; the SIGTERM one runs the real console script."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from blocklet_cli.core.bundle import exclusions
from tests.conftest import BLOCKLET

BUNDLE_ERROR = 6


def dapp(project_copy, tmp_path: Path) -> Path:
    root = project_copy("node-dapp", tmp_path / "work" / "app")
    for name in (".env", ".env.local"):
        (root / name).unlink()
    return root


def zip_names(root: Path) -> list[str]:
    with zipfile.ZipFile(root / ".blocklet" / "bundle" / "blocklet.zip") as archive:
        return archive.namelist()


def one_error(done) -> str:
    lines = [line for line in done.stderr.splitlines() if line.startswith("✖")]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


@pytest.mark.parametrize("name", ["../../other/lib", "..", "/ABS", "node_modules/../../x", "a/b/c", "@s/../x"])
def test_dependency_names_that_leave_node_modules_stop_the_bundle(name, project_copy, tmp_path, cli):
    root = dapp(project_copy, tmp_path)
    other = tmp_path / "work" / "other" / "lib"
    other.mkdir(parents=True)
    (other / "package.json").write_text('{"name": "lib", "version": "1.0.0"}')
    (other / "notes.txt").write_text("private notes")
    if name == "/ABS":
        name = str(other)
    manifest = json.loads((root / "package.json").read_text())
    manifest["dependencies"][name] = "1.0.0"
    (root / "package.json").write_text(json.dumps(manifest))
    done = cli("bundle", "--create-release", cwd=root)
    assert done.returncode == BUNDLE_ERROR, done.stderr
    assert "is not a valid npm package name" in one_error(done)
    assert not (root / ".blocklet" / "bundle").exists()


def test_a_dependency_symlinked_out_of_the_project_stops_the_bundle(project_copy, tmp_path, cli):
    root = dapp(project_copy, tmp_path)
    outside = tmp_path / "elsewhere" / "evil"
    outside.mkdir(parents=True)
    (outside / "package.json").write_text('{"name": "evil", "version": "1.0.0"}')
    (outside / "notes.txt").write_text("private notes")
    os.symlink(outside, root / "node_modules" / "evil")
    manifest = json.loads((root / "package.json").read_text())
    manifest["dependencies"]["evil"] = "1.0.0"
    (root / "package.json").write_text(json.dumps(manifest))
    done = cli("bundle", cwd=root)
    assert done.returncode == BUNDLE_ERROR, done.stderr
    assert "dependency evil of package.json resolves to" in one_error(done)
    assert "outside the project" in one_error(done)


def test_every_archive_entry_is_relative_and_inside(project_copy, tmp_path, cli):
    root = dapp(project_copy, tmp_path)
    done = cli("bundle", "--create-release", cwd=root)
    assert done.returncode == 0, done.stderr
    names = zip_names(root)
    assert names and all(not n.startswith("/") and ".." not in n.split("/") for n in names)
    assert "node_modules/tiny-slug/index.js" in names


SECRETS = [
    ".ENV", "ID_RSA", "Server.PEM", "tls.KEY", "x.P12", ".envrc", ".env_prod", ".git-credentials",
    ".aws/credentials", ".docker/config.json", ".pgpass", ".htpasswd", "putty.ppk", ".gnupg/pubring.kbx",
    ".vault-token", ".s3cfg", "kubeconfig", "credentials.json", "sa.json", "terraform.tfstate",
    "terraform.tfstate.backup", ".bash_history", ".zsh_history", ".bzr/branch-format", "_darcs/format",
]


def test_secrets_of_every_class_and_case_are_left_out_and_reported(project_copy, tmp_path, cli):
    root = dapp(project_copy, tmp_path)
    for rel in SECRETS:
        path = root / "hooks" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        content = {"type": "service_account", "private_key": "-----BEGIN-----"} if rel == "sa.json" else "s3cr3t"
        path.write_text(json.dumps(content) if rel == "sa.json" else "s3cr3t")
    done = cli("--verbose", "bundle", "--create-release", cwd=root)
    assert done.returncode == 0, done.stderr
    bundle = root / ".blocklet" / "bundle"  # `files` entries (hooks/) ship loose, once; code in blocklet.zip
    names = zip_names(root) + [path.relative_to(bundle).as_posix() for path in bundle.rglob("*") if path.is_file()]
    assert "hooks/pre-start.js" in names
    shipped = [rel for rel in SECRETS if f"hooks/{rel}" in names]
    assert shipped == []
    for rel in ("ID_RSA", ".aws/", "sa.json", ".bzr/", "_darcs/"):
        assert f"not bundled: hooks/{rel} (" in done.stderr
    listed = cli("bundle", "--json", cwd=root)
    excluded = {item["path"]: item["reason"] for item in json.loads(listed.stdout)["excluded"]}
    assert excluded["hooks/.ENV"] == "environment file (may hold secrets)"
    assert excluded["hooks/sa.json"] == exclusions.CONTENT_RULE
    tarball = next((root / ".blocklet" / "release").glob("*.tgz"))
    assert b"s3cr3t" not in subprocess.run(["tar", "-xzOf", str(tarball)], capture_output=True).stdout


def test_credentials_in_a_shipped_package_json_are_removed_with_a_warning(project_copy, tmp_path, cli):
    root = dapp(project_copy, tmp_path)
    manifest = json.loads((root / "package.json").read_text())
    manifest["publishConfig"] = {"_authToken": "npm_T0KEN", "registry": "https://bob:hunter2@registry.example/"}
    manifest["repository"] = {"type": "git", "url": "https://ghp_T0KEN@github.com/o/r.git"}
    (root / "package.json").write_text(json.dumps(manifest))
    done = cli("bundle", "--create-release", cwd=root)
    assert done.returncode == 0, done.stderr
    shipped = (root / ".blocklet" / "bundle" / "package.json").read_text()
    for secret in ("npm_T0KEN", "hunter2", "ghp_T0KEN", "bob:"):
        assert secret not in shipped
    assert json.loads(shipped)["publishConfig"] == {"registry": "https://registry.example/"}
    assert "package.json: publishConfig._authToken left out of the bundled copy (a credential)" in done.stderr


@pytest.mark.parametrize("name", ["CHANGELOG.md", "LICENSE"])
def test_a_symlinked_file_stops_the_bundle_whatever_its_name(name, project_copy, tmp_path, cli):
    root = dapp(project_copy, tmp_path)
    (root / "CHANGELOG.md").unlink()
    (tmp_path / "target.md").write_text("# 1.0.0\n")
    os.symlink(tmp_path / "target.md", root / name)
    done = cli("bundle", cwd=root)
    assert done.returncode == BUNDLE_ERROR, done.stderr
    assert "symlink" in one_error(done) and name in one_error(done)


def test_a_hard_link_to_a_file_outside_is_refused_inside_is_fine(project_copy, tmp_path, cli):
    root = dapp(project_copy, tmp_path)
    (root / "hooks" / "copy.js").write_text("// same")
    os.link(root / "hooks" / "copy.js", root / "api" / "same.js")  # both links inside: bundled
    done = cli("bundle", cwd=root)
    assert done.returncode == 0, done.stderr
    assert cli("bundle", cwd=root).returncode == 0  # the previous bundle's links are inside too
    secret = tmp_path / "outside-secret.txt"
    secret.write_text("private")
    os.link(secret, root / "hooks" / "notes.txt")
    done = cli("bundle", cwd=root)
    assert done.returncode == BUNDLE_ERROR, done.stderr
    assert "hooks/notes.txt" in one_error(done) and "hard link" in one_error(done)


def test_sigterm_cleans_up_like_sigint_and_leftovers_of_killed_runs_go(project_copy, tmp_path):
    root = dapp(project_copy, tmp_path)
    (root / "hooks" / "big.bin").write_bytes(os.urandom(1 << 20) * 64)  # long enough to be caught writing
    for leftover in (".bundle-killed1", ".release-killed2"):
        (root / ".blocklet" / leftover).mkdir(parents=True)  # fresh: a run killed a moment ago
    env = {**os.environ, "CI": "1", "NO_COLOR": "1"}
    process = subprocess.Popen([str(BLOCKLET), "bundle", "--create-release", "--copy"], cwd=root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    work = root / ".blocklet"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.name.startswith(".bundle-") and "killed" not in p.name
                                                  for p in work.iterdir()):
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode in (0, 130), stderr
    assert "Traceback" not in stderr
    assert sorted(p.name for p in work.iterdir() if p.name.startswith((".bundle-", ".release-"))) == []


def test_docs_list_is_the_module_list():
    docs = Path(__file__).resolve().parents[2] / "docs" / "never-bundled.md"
    assert docs.read_text(encoding="utf-8") == exclusions.markdown()
