"""A gateway with components: resolved against a local store serving the other fixtures' releases."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer

from blocklet_cli.core.bundle import build_bundle
from blocklet_cli.core.errors import ComponentError


def serve_release(server: HTTPServer, result) -> None:
    base = f"/api/blocklets/{result.did}"
    server.expect_request(f"{base}/blocklet.json").respond_with_data(
        result.release_meta_path.read_bytes(), content_type="application/json")
    server.expect_request(f"{base}/{result.tarball.name}").respond_with_data(
        result.tarball.read_bytes(), content_type="application/octet-stream")


def gateway(project_copy, url: str) -> Path:
    root = project_copy("gateway-with-components")
    meta = root / "blocklet.yml"
    meta.write_text(meta.read_text().replace("https://store.blocklet.dev", url))
    return root


def test_gateway_bundles_in_simple_mode_after_verifying_components(project_copy, httpserver: HTTPServer) -> None:
    for name in ("static-site", "node-dapp"):
        serve_release(httpserver, build_bundle(project_copy(name)))
    root = gateway(project_copy, httpserver.url_for("").rstrip("/"))
    result = build_bundle(root)
    assert result.mode == "simple"
    with tarfile.open(result.tarball) as tar:
        assert tar.getnames() == ["package/blocklet.md", "package/blocklet.yml", "package/logo.png"]
    meta = yaml.safe_load((result.bundle_dir / "blocklet.yml").read_text())
    assert "main" not in meta and meta["navigation"][1]["section"] == ["header"]
    assert meta["components"][1]["source"] == {
        "url": httpserver.url_for("/api/blocklets/z8iZpiQ1rTM58cyPWgVymbDBqtu3wFtqYBJPE/blocklet.json")}
    requested = {request.path for request, _ in httpserver.log}
    assert "/api/blocklets/z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ/blocklet.json" in requested


def test_unknown_component_fails_before_writing(project_copy, httpserver: HTTPServer) -> None:
    root = gateway(project_copy, httpserver.url_for("").rstrip("/"))  # the store knows nothing
    with pytest.raises(ComponentError):
        build_bundle(root)
    assert not (root / ".blocklet").exists()
    result = build_bundle(root, verify_components=False)  # explicit offline option
    assert result.tarball.is_file()
