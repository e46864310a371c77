"""Publishing a release: load it, check it, sign it, and send it to an HTTP store or a file store.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/upload.js and blocklet/store/src/upload.ts
(`blocklet upload`): the release `blocklet.json` (legacy `charging` → `payment`), the tarball next to it, the
paid/free rules (a free blocklet may not contain paid components), the signature (`core/identity/signing.py`),
the upload (`core/store/upload.py`). A file store (`core/store/filestore.py`) needs no account: it is signed
with the configured access token when there is one, else with the per-user local publisher key
(`core/paths.py` `publisher_key_file()`, mode 0600).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blocklet_cli.core import paths, safejson
from blocklet_cli.core.errors import (
    AlreadyPublishedError,
    AuthError,
    BundleError,
    ComponentError,
    FileFormatError,
    NotFoundError,
    UsageError,
)
from blocklet_cli.core.identity.wallet import Wallet
from blocklet_cli.core.report import NULL_REPORTER, Reporter

if TYPE_CHECKING:
    from blocklet_cli.core.http import HttpClient
    from blocklet_cli.core.store.upload import UploadRequest

DEFAULT_METAFILE = Path(".blocklet") / "release" / "blocklet.json"


@dataclass
class Release:
    """A release on disk: its metadata (after the legacy payment conversion) and its tarball."""

    meta_path: Path
    meta: dict[str, Any]
    tarball: Path

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.meta.get("name") or "")


def load_release(metafile: Path) -> Release:
    """Read `blocklet.json` of a release; its `dist.tarball` must be next to it."""
    metafile = Path(metafile)
    try:
        text = metafile.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"no release metadata at {metafile}",
                            hint="build the release: blocklet bundle --create-release") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"cannot read the release metadata: {exc}", location=str(metafile)) from None
    try:
        meta = safejson.loads(text)
    except json.JSONDecodeError as exc:  # TooDeepError is one too
        raise FileFormatError(f"the release metadata is not JSON: {exc.msg}",
                              location=f"{metafile}:{exc.lineno}:{exc.colno}") from None
    if not isinstance(meta, dict):
        raise FileFormatError("the release metadata is not a JSON object", location=str(metafile))
    for key in ("did", "name", "version"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise FileFormatError(f'the release metadata has no "{key}"', location=str(metafile))
    dist = meta.get("dist")
    if not isinstance(dist, dict) or not isinstance(dist.get("tarball"), str) or not dist["tarball"]:
        raise FileFormatError('the release metadata has no "dist.tarball"', location=str(metafile),
                              hint="build the release: blocklet bundle --create-release")
    tarball = metafile.parent / Path(dist["tarball"]).name
    if not tarball.is_file():
        raise NotFoundError(f"the release tarball {tarball} does not exist",
                            hint="build the release again: blocklet bundle --create-release")
    return Release(metafile, legacy_payment(meta), tarball)


def legacy_payment(meta: dict[str, Any]) -> dict[str, Any]:
    """The reference's conversion: no `payment` → built from `charging.tokens` / `charging.shares`."""
    meta = copy.deepcopy(meta)
    if "payment" not in meta and isinstance(meta.get("charging"), dict):
        charging = meta.pop("charging")
        meta["payment"] = {
            "price": [{"address": t.get("address"), "value": t.get("price")}
                      for t in charging.get("tokens") or [] if isinstance(t, dict)],
            "share": [{"name": s.get("name"), "address": s.get("address"), "value": s.get("share")}
                      for s in charging.get("shares") or [] if isinstance(s, dict)],
        }
    elif "payment" not in meta and "charging" in meta:
        meta.pop("charging")
    return meta


def is_paid(meta: dict[str, Any]) -> bool:
    """Paid ⇔ any `payment.price[].value` is not 0."""
    found = meta.get("payment")
    payment: dict[str, Any] = found if isinstance(found, dict) else {}
    found = payment.get("price")
    prices: list[Any] = found if isinstance(found, list) else []
    for price in prices:
        value = price.get("value") if isinstance(price, dict) else None
        try:
            if value is not None and float(value) != 0:
                return True
        except (TypeError, ValueError):
            return True
    return False


def check_integrity(release: Release) -> None:
    """The tarball must be the one the metadata describes (`dist.integrity`, `dist.size`)."""
    dist = release.meta["dist"]
    size = release.tarball.stat().st_size
    stale = "the release tarball does not match its metadata"
    if isinstance(dist.get("size"), int) and dist["size"] != size:
        raise BundleError(f"{stale} (dist.size {dist['size']}, file {size} bytes)", location=str(release.tarball),
                          hint="build the release again: blocklet bundle --create-release")
    integrity = dist.get("integrity")
    if isinstance(integrity, str) and integrity.startswith("sha512-"):
        digest = hashlib.sha512()
        with open(release.tarball, "rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
        if "sha512-" + base64.b64encode(digest.digest()).decode() != integrity:
            raise BundleError(f"{stale} (dist.integrity differs)", location=str(release.tarball),
                              hint="build the release again: blocklet bundle --create-release")


def check_free_components(meta: dict[str, Any], client: HttpClient, *, project_dir: Path | None = None) -> None:
    """A free blocklet may not contain a paid component, at any depth (the reference's rule).

    The tree is resolved by `core/components/resolve.py` (the same resolution `bundle` and `dev` use)."""
    from blocklet_cli.core.components.resolve import children_of, verify_tree

    if not children_of(meta):
        return
    tree = verify_tree(meta, project_dir=project_dir, client=client)
    parents = [(meta, component) for component in tree.components]
    while parents:
        parent, node = parents.pop(0)
        if is_paid(node.meta):
            raise ComponentError(f'Paid component "{node.title or node.name}" found in free blocklet '
                                 f'"{parent.get("title") or parent.get("name")}", which is forbidden')
        parents.extend((node.meta, child) for child in node.children)


def store_target(value: str) -> str:
    """Check a `--store` value: an http(s) URL, a `file://` URL or a folder path."""
    from blocklet_cli.core.store_address import is_http_url, looks_like_host, parse

    lowered = value.lower()
    address = parse(value, bare="folder")
    if lowered.startswith(("http://", "https://")):
        if address.kind != "http" or not is_http_url(value):
            raise UsageError(f"invalid store url: {value!r}")
        return value.rstrip("/")
    if address.kind != "file":
        raise UsageError(f"unsupported store url {value!r}: use http(s)://, file:// or a folder path")
    if not lowered.startswith("file:") and address.path is not None and not address.path.exists() \
            and looks_like_host(value):
        raise UsageError(f"{value!r} looks like a host name, not a folder",
                         hint=f"for an HTTP store write https://{value}; for a folder write ./{value}")
    return value


# -- who signs ----------------------------------------------------------------------------------

def local_publisher_wallet(create: bool = True) -> Wallet:
    """The local publisher key (created 0600 on first use)."""
    from blocklet_cli.core.fsutil import write_secret_file

    path = paths.publisher_key_file()
    try:
        data = safejson.loads(path.read_text(encoding="utf-8"))
        return Wallet.from_secret_key(str(data["sk"]))
    except FileNotFoundError:
        if not create:
            raise NotFoundError(f"no local publisher key at {path}") from None
    except (OSError, ValueError, KeyError, TypeError, UsageError):
        raise FileFormatError("the local publisher key file is not a wallet JSON with an \"sk\"",
                              location=str(path), hint="delete it to create a new key") from None
    wallet = Wallet.generate()
    write_secret_file(path, json.dumps(wallet.to_json(), indent=2) + "\n")
    return wallet


def wallet_from_token(token: str, source: str | None) -> Wallet:
    try:
        return Wallet.from_secret_key(token)
    except UsageError as exc:
        where = f" (from {source})" if source else ""
        raise AuthError(f"the access token{where} is not a valid secret key: {exc.message}",
                        hint="fix it: `blocklet config set accessToken <0x…>`, BLOCKLET_ACCESS_TOKEN, "
                             "--access-token-file PATH or --access-token") from None


# -- the whole flow -----------------------------------------------------------------------------

@dataclass
class PublishPlan:
    """What a publish does; `dry_run` stops after signing."""

    release: Release
    store: str  # URL or file-store folder as given/resolved
    file_store: bool
    signed_meta: dict[str, Any]
    signer: str
    signer_source: str  # "accessToken (<source>)" or "local publisher key"
    request: UploadRequest | None = None  # for HTTP stores

    @property
    def url(self) -> str:
        """The metadata URL of this version on the store (what `blocklet add` takes)."""
        return version_url(self.store, self.file_store, str(self.signed_meta["did"]),
                           str(self.signed_meta["version"]))

    def to_dict(self) -> dict[str, Any]:
        signature = self.signed_meta["signatures"][0]
        data = {**release_summary(self.release, self.store, self.file_store),
                "signer": self.signer, "signedWith": self.signer_source, "signature": signature["sig"],
                "created": signature["created"]}
        if self.request is not None:
            data["request"] = self.request.to_dict()
        return data


def version_url(store: str, file_store: bool, did: str, version: str) -> str:
    """`{store}/api/blocklets/<did>/<version>/blocklet.json`; a file store's as a `file://` URL."""
    from blocklet_cli.core.store import filestore
    from blocklet_cli.core.store import upload as store_upload

    if file_store:
        return filestore.meta_url(filestore.url_of(filestore.root_of(store)), did, version)
    return store_upload.version_url(store, did, version)


def release_summary(release: Release, store: str, file_store: bool) -> dict[str, Any]:
    """What every publish document starts with: the store and the release."""
    from blocklet_cli.core.store import filestore

    shown = filestore.url_of(filestore.root_of(store)) if file_store else store
    return {"store": shown, "kind": "file" if file_store else "http", "name": release.meta.get("name"),
            "title": release.title, "did": release.meta.get("did"), "version": release.meta.get("version"),
            "tarball": str(release.tarball), "size": release.tarball.stat().st_size}


def skipped(release: Release, store: str, error: AlreadyPublishedError, *, dry_run: bool = False) -> dict[str, Any]:
    """The document of a publish skipped because the version is already on the store (`--skip-existing`)."""
    from blocklet_cli.core.store import filestore

    return {**release_summary(release, store, filestore.is_file_store(store)), "url": error.url, "skipped": True,
            "reason": error.message, "dryRun": dry_run, "result": None}


@dataclass
class PublishResult:
    plan: PublishPlan
    outcome: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def url(self) -> str:
        return self.plan.url

    def to_dict(self) -> dict[str, Any]:
        return {**self.plan.to_dict(), "url": self.url, "dryRun": self.dry_run, "result": self.outcome or None}


def plan(release: Release, store: str, *, token: str | None, token_source: str | None,
         client: HttpClient | None = None, force: bool = False, reporter: Reporter = NULL_REPORTER) -> PublishPlan:
    """Check and sign a release for `store` (an http(s) URL, a `file://` URL or a folder).

    A version already on the store is refused here (unless `force`) with `AlreadyPublishedError`, before
    signing: for a file store by its version metadata file (`filestore.publish` checks again under the
    store's lock), for an HTTP store with one request (`upload.version_exists`)."""
    from blocklet_cli.core.identity import signing
    from blocklet_cli.core.store import filestore
    from blocklet_cli.core.store import upload as store_upload

    file_store = filestore.is_file_store(store)
    meta = copy.deepcopy(release.meta)
    check_integrity(release)
    if file_store:
        if not force:
            filestore.check_new_version(filestore.root_of(store), meta["did"], meta["version"])
        meta["dist"]["tarball"] = release.tarball.name
        wallet = wallet_from_token(token, token_source) if token else local_publisher_wallet()
        source = f"accessToken ({token_source})" if token else f"local publisher key ({paths.publisher_key_file()})"
    else:
        if not token:
            raise AuthError("an access token is required to publish to a store",
                            hint=store_upload.ACCESS_TOKEN_HINT)
        wallet = wallet_from_token(token, token_source)
        source = f"accessToken ({token_source})"
        if client is None:
            raise UsageError("an HTTP client is required for an HTTP store")
        if not force:
            reporter.detail("checking whether the version is already on the store")
            if store_upload.version_exists(store, meta["did"], meta["version"], client):
                raise AlreadyPublishedError(
                    f"{release.title} {meta['version']} is already on the store {store}", store=store,
                    did=meta["did"], version=meta["version"],
                    url=store_upload.version_url(store, meta["did"], meta["version"]),
                    hint="bump the version (blocklet version patch) or pass --skip-existing to skip it")
        store_upload.check_size(release.tarball, store_upload.store_info(store, client))
        if is_paid(meta):
            raise UsageError("paid blocklets cannot be published with this tool: the store must create an NFT "
                             "factory on chain for them", hint="publish it from the store's web interface")
        reporter.detail("checking the components against their stores")
        check_free_components(meta, client, project_dir=release.meta_path.parent)
    signed = signing.sign_meta(meta, wallet)
    request = None if file_store else store_upload.build_request(store, signed, release.tarball)
    return PublishPlan(release, store, file_store, signed, wallet.address, source, request)


def execute(plan_: PublishPlan, *, client: HttpClient | None = None, force: bool = False,
            reporter: Reporter = NULL_REPORTER) -> PublishResult:
    """Send a signed plan to its store (a `Copying`/`Uploading` task of the tarball's bytes)."""
    from blocklet_cli.core.store import filestore
    from blocklet_cli.core.store import upload as store_upload

    size = plan_.release.tarball.stat().st_size
    verb = "Copying" if plan_.file_store else "Uploading"
    with reporter.task(f"{verb} {plan_.release.tarball.name}", total=size, unit="bytes") as task:
        if plan_.file_store:
            root = filestore.root_of(plan_.store)
            result = filestore.publish(root, plan_.signed_meta, plan_.release.tarball, force=force)
            task.advance(size, total=size)
            return PublishResult(plan_, result.to_dict())
        if client is None or plan_.request is None:
            raise UsageError("an HTTP client is required for an HTTP store")
        uploaded = store_upload.send(plan_.request, client, task)
    return PublishResult(plan_, uploaded.to_dict())
