"""The checks of `blocklet check`: what the bundler, Blocklet Server or a Blocklet Store refuses, all of it at once.

Each rule cites the upstream code it mirrors. Rules of the store are those of its default preferences (a store
may configure other limits); with `target="server"` (what `bundle` checks first, or a publish to a file store)
they are warnings, with `target="store"` errors.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from blocklet_cli.core.check.model import CheckReport, Finding, RefusedBy, Severity
from blocklet_cli.core.errors import BlockletError, FileFormatError, UnsafePathError

# The store's default preferences (blocklet/blocklet-store blocklets/blocklet-store/blocklet.prefs.json:
# maxLogoSize 500 KB, maxImageSize 5 MB, minImageCount 3, maxImageCount 5, maxBundleSize 500 MB), applied in
# blocklets/blocklet-store/api/routes/upload.js (`validateStaticFiles`, `validateBody`) through
# ArcBlock/blocklet-server blocklet/images/src/logo-validate.ts and screenshot-validate.ts.
STORE_LOGO_MAX_BYTES = 500 * 1024
STORE_SCREENSHOT_MAX_BYTES = 5 * 1024 * 1024
STORE_SCREENSHOTS = (3, 5)
# upload.js compares the tarball with `xbytes.parseSize(maxBundleSize)` (default 500, labelled "MB"); we take
# decimal megabytes, the smaller of the two readings of "MB", so a release that passes here passes there.
STORE_MAX_RELEASE_BYTES = 500 * 1000 * 1000
BUNDLE_DIR = Path(".blocklet") / "bundle"
RELEASE_META = Path(".blocklet") / "release" / "blocklet.json"
IMAGE_FIX = {
    "logo": "use a square PNG, JPG or WebP of at least 256x256 pixels, or an SVG",
    "screenshot": "use 16:9 PNG, JPG, WebP or GIF images of at least 600x338 pixels, or SVGs, in screenshots/",
}


class _Collector:
    """Findings of one run, with the positions of the metadata file."""

    def __init__(self, report: CheckReport, target: str) -> None:
        self.report = report
        self.target = target
        self.document: Any = None

    def add(self, code: str, message: str, *, refused_by: RefusedBy | None, pointer: str | None = None,
            file: Path | str | None = None, line: int | None = None, column: int | None = None,
            fix: str | None = None, warning: bool = False) -> None:
        severity: Severity = "warning" if warning or (refused_by == "store" and self.target != "store") else "error"
        if pointer is not None and self.document is not None:  # "" = the file as a whole (a key that is missing)
            file = self.document.path
            line, column = key_position(self.document, pointer) or (None, None) if pointer else (None, None)
        self.report.findings.append(Finding(code, severity, message, _shown(file), line,
                                            column, fix, refused_by))


def _shown(file: Path | str | None) -> str | None:
    """A path relative to the working folder when it is inside it, else as given."""
    if file is None:
        return None
    path = Path(file)
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix() or "."
    except ValueError:
        return str(path)


def key_position(document: Any, pointer: str) -> tuple[int, int] | None:
    """Where the key of `pointer` is written: for a top-level key the line that starts with it, else the
    position of its value (the loader keeps value positions)."""
    parts = pointer.split("/")
    if len(parts) == 2 and parts[1]:
        key = re.escape(parts[1].replace("~1", "/").replace("~0", "~"))
        pattern = re.compile(rf"^([\"']?){key}\1[ \t]*:(?:[ \t]|$)")
        for number, text in enumerate(document.text.splitlines(), start=1):
            if pattern.match(text):
                return number, 1
    return document.position(pointer)


def check_project(project_dir: str | Path, *, target: str = "store", use_build: bool = True,
                  monorepo: bool = False, release: bool = True, default_store_url: str | None = None,
                  raise_unreadable: bool = False) -> CheckReport:
    """Check the project in `project_dir`. `use_build`: check a dapp's entry in `.blocklet/bundle` (else the
    release) when one exists, not in the source; `release`: check `.blocklet/release` when it exists;
    `default_store_url`: the store of components whose source names none (`COMPONENT_STORE_URL`);
    `raise_unreadable`: an unreadable blocklet.yml raises its FileFormatError (what `bundle` and `publish`
    want: the same exit code as without the check) instead of being a finding.

    Raises NotFoundError when the folder holds no blocklet.yml; every other problem is a finding."""
    from blocklet_cli.core.meta.api import find_meta_file, load_meta

    root = Path(project_dir).absolute()
    report = CheckReport(project=root, target=target)
    found = _Collector(report, target)
    meta_path = find_meta_file(root)
    root = meta_path.parent
    try:
        document = load_meta(meta_path)
    except FileFormatError as exc:
        if raise_unreadable:
            raise
        from blocklet_cli.core.meta.api import location_numbers

        line, column = location_numbers(exc.location)
        found.add("yaml", exc.message, refused_by="bundle", file=meta_path, line=line, column=column)
        return report
    found.document = document
    if not isinstance(document.data, dict):  # nothing else can be read from it
        _metadata(found, document, skip_did=False, skip_static=False, default_store_url=default_store_url)
        return report
    data = document.data
    did_reported = _did(found, data)
    static_reported = _static_main(found, root, data)
    _static_process(found, root, data)
    _metadata(found, document, skip_did=did_reported, skip_static=static_reported,
              default_store_url=default_store_url)
    _dapp_main(found, root, data, use_build=use_build)
    _logo(found, root, data.get("logo"))
    _screenshots(found, root, data.get("screenshots"))
    _placeholders(found, root, data.get("logo"), data.get("screenshots"))
    _changelog(found, root, data.get("version"), monorepo=monorepo)
    if release and (root / RELEASE_META).is_file():
        report.findings.extend(check_release(root / RELEASE_META, target=target, project_dir=root).findings)
        report.checked["release"] = _shown(root / RELEASE_META) or ""
    order: dict[str | None, int] = {}
    for finding in report.findings:
        order.setdefault(finding.file, len(order))
    report.findings.sort(key=lambda f: (order[f.file], f.line is None, f.line or 0, f.column or 0))
    return report


# -- blocklet.yml -------------------------------------------------------------------------------------------

def _did(found: _Collector, data: dict) -> bool:
    """`did` must be the DID of `name` unless it is a ROLE_BLOCKLET DID (ArcBlock/blocklet-server
    blocklet/meta/src/schema.ts, the schema's last `custom` step; `toBlockletDid` in blocklet/meta/src/did.ts).
    True when a finding was added (the schema's own message about /did is then left out)."""
    from blocklet_cli.core.identity import did as did_core
    from blocklet_cli.core.meta.names import name_problem

    name, did = data.get("name"), data.get("did")
    if not isinstance(name, str) or name_problem(name):
        return False
    if isinstance(did, str) and did_core.is_valid(did) and did_core.role_of(did) == did_core.ROLE_BLOCKLET:
        return False
    expected = did_core.to_blocklet_did(name)
    if did == expected:
        return False
    if did is None:
        message = f"did is missing; the DID of name \"{name}\" is {expected}"
    elif isinstance(did, str) and did_core.is_valid(did):
        message = f"did {did} is not the DID of name \"{name}\" ({expected})"
    else:  # e.g. `did: blocklet init v1.16.20-beta-…`, written by a failed run of an old `blocklet init`
        message = f"did {str(did)[:60]!r} is not a DID; the DID of name \"{name}\" is {expected}"
    found.add("did-name", message, refused_by="bundle", pointer="/did" if did is not None else "/name",
              fix=f"set `did: {expected}` (`blocklet did {name}` prints it)")
    return True


def _static_main(found: _Collector, root: Path, data: dict) -> bool:
    """A static blocklet's `main` folder (default `.`) holds index.html or index.htm (ArcBlock/blocklet-server
    core/cli/lib/util/index.js `checkEntryFileForStaticBlocklet`, run by the bundler; the server's
    blocklet/meta/src/entry.ts `validateBlockletEntry` refuses a missing main folder)."""
    if data.get("group") != "static":
        return False
    main_value = data.get("main")
    main = main_value if isinstance(main_value, str) and main_value else "."
    pointer = "/main" if "main" in data else "/group"
    folder = root / main
    try:
        exists = folder.is_dir()
        has_index = (folder / "index.html").is_file() or (folder / "index.htm").is_file()
    except (OSError, ValueError):
        exists = has_index = False
    found.report.checked["main"] = "source"
    if not exists and (root / main).is_file():
        # create-blocklet #193: a template with an API (`main: api/index.js`) written as `group: static`
        found.add("static-main-file", f"main {main} is a file: a static blocklet's main is the folder of its web "
                  "pages, and Blocklet Server runs no process for a static blocklet", refused_by="bundle",
                  pointer=pointer, fix=f"an app with a server (an API) is `group: dapp` with `main: {main}`; a site "
                  "sets `main` to the folder holding index.html")
    elif not exists:
        found.add("static-main", f"the main folder {main} of this static blocklet does not exist", refused_by="server",
                  pointer=pointer, fix=f"build the site into {main}/ first, or set `main` to the folder that holds it")
    elif not has_index:
        found.add("static-index", f"the main folder {main} has no index.html or index.htm", refused_by="bundle",
                  pointer=pointer, fix=f"add {posixpath.join(main, 'index.html')} (or build the site first)")
    else:
        return False
    return True


# what runs a server file in a start/dev/serve script: `node api/index.js`, `nodemon api/index.js -w api`, …
SERVER_RUNNERS = frozenset({"node", "nodemon", "ts-node", "tsx", "bun", "pm2", "pm2-runtime", "deno"})
SERVER_SCRIPT_NAMES = ("start", "dev", "serve", "server", "api")
CODE_FILE = re.compile(r"\.(?:[cm]?js|[cm]?ts)$")


def _static_process(found: _Collector, root: Path, data: dict) -> None:
    """What needs a process in a static blocklet, which never gets one: Blocklet Server starts no process, no
    engine and no container for `group: static` (ArcBlock/blocklet-server blocklet/meta/src/engine.ts
    `hasStartEngine`, core/state/lib/util/docker/check-need-run-docker.js), and the bundler packs only the
    `main` folder and hook scripts of one (core/cli/lib/commands/blocklet/bundle/index.js `getMode`: zip
    mode; bundle/zip/index.js). A server that a start/dev script runs from outside `main` is the API of
    create-blocklet #193 (a template with `group: static`: its API was left out of the bundle)."""
    if data.get("group") != "static":
        return
    engine = data.get("engine")
    engines = engine if isinstance(engine, list) else [engine] if isinstance(engine, dict) else []
    if any(isinstance(item, dict) and item.get("interpreter") != "blocklet" for item in engines):
        found.add("static-engine", "engine is never started: Blocklet Server runs no process for a static blocklet",
                  refused_by="server", pointer="/engine", warning=True,
                  fix="a blocklet with a server is `group: dapp`; a static one drops `engine`")
    if isinstance(data.get("docker"), dict):
        found.add("static-docker", "docker is never started: Blocklet Server runs no container for a static "
                  "blocklet", refused_by="server", pointer="/docker", warning=True,
                  fix="a blocklet with a container is `group: dapp`; a static one drops `docker`")
    main_value = data.get("main")
    main = posixpath.normpath(main_value) if isinstance(main_value, str) and main_value else "."
    hooks = _hook_files(root, data.get("scripts"))
    for where, command in _start_scripts(root, data):
        server = _server_file(root, command)
        if server is None or server in hooks or (main != "." and _under(server, main)):
            continue
        found.add("static-api", f"{where} runs {server}, which a static bundle leaves out (only {main}/ and hook "
                  "scripts are packed) and Blocklet Server never starts: the API is lost after the upload",
                  refused_by="bundle", pointer="/group", warning=True,
                  fix=f"an app with an API is `group: dapp` with `main: {server}` (its pages in `files`)")
        return


def _hook_files(root: Path, scripts: Any) -> set[str]:
    from blocklet_cli.core.bundle.select import hook_files

    try:
        return {posixpath.normpath(rel) for rel in hook_files(root, scripts if isinstance(scripts, dict) else None)}
    except (BlockletError, OSError, ValueError):  # an unsafe hook path is the bundler's finding
        return set()


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _start_scripts(root: Path, data: dict) -> list[tuple[str, str]]:
    """(where, command) of the scripts that run the app: blocklet.yml `scripts.dev` and package.json scripts
    named start, dev, serve, server or api (or `start:…` and the like)."""
    from blocklet_cli.core import safejson

    found: list[tuple[str, str]] = []
    scripts = data.get("scripts")
    if isinstance(scripts, dict) and isinstance(scripts.get("dev"), str):
        found.append(("blocklet.yml scripts.dev", scripts["dev"]))
    try:
        package = safejson.loads((root / "package.json").read_bytes())
    except (OSError, ValueError):
        package = None
    listed = package.get("scripts") if isinstance(package, dict) else None
    for name, command in (listed.items() if isinstance(listed, dict) else []):
        if isinstance(command, str) and re.split(r"[:.-]", str(name))[0] in SERVER_SCRIPT_NAMES:
            found.append((f"package.json script {name!r}", command))
    return found


def _server_file(root: Path, command: str) -> str | None:
    """The project file a shell command runs with node, nodemon, tsx, bun, pm2, … (None when it runs none)."""
    import shlex

    for part in re.split(r"&&|\|\||[;&|]", command):
        try:
            words = shlex.split(part)
        except ValueError:
            continue
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):  # NODE_ENV=development node …
            words.pop(0)
        if not words or posixpath.basename(words[0]) not in SERVER_RUNNERS:
            continue
        for word in words[1:]:
            if word.startswith("-") or word in ("run", "start", "watch"):
                continue
            rel = posixpath.normpath(word)
            if CODE_FILE.search(rel) and not rel.startswith("..") and not posixpath.isabs(rel):
                try:
                    if (root / rel).is_file():
                        return rel
                except (OSError, ValueError):
                    pass
            break
    return None


def _metadata(found: _Collector, document: Any, *, skip_did: bool, skip_static: bool,
              default_store_url: str | None = None) -> None:
    """The rules of `blocklet validate --strict` (what the bundler's parse refuses: ArcBlock/blocklet-server
    blocklet/meta/src/parse.ts, schema.ts), unknown keys with the nearest known one."""
    from blocklet_cli.core.meta.api import validate_document

    for issue in validate_document(document, mode="bundle", default_store_url=default_store_url).issues:
        pointer = issue.pointer or ""
        if skip_did and pointer == "/did":
            continue
        if skip_static and issue.message.startswith("Can not find index.html"):
            continue
        if pointer == "/logo" and issue.message.startswith("file "):
            continue  # the logo check says it with more detail
        unknown = re.match(r'^"(.+)" is not allowed(?:; did you mean "(.+)"\?)?$', issue.message)
        line, column = issue.line, issue.column
        if unknown:
            line, column = key_position(document, pointer) or (line, column)
            nearest = unknown.group(2)
            fix = f"rename {unknown.group(1)} to {nearest}" if nearest else "remove it (no known key is close)"
            found.report.findings.append(Finding("unknown-key", "error", f"{pointer}: unknown key"
                                                 + (f" (did you mean {nearest}?)" if nearest else ""),
                                                 _shown(document.path), line, column, fix,
                                                 "bundle"))
            continue
        found.report.findings.append(Finding("meta", "error", f"{pointer or '/'}: {issue.message}",
                                             _shown(document.path), line, column, None,
                                             "bundle"))


def _dapp_main(found: _Collector, root: Path, data: dict, *, use_build: bool) -> None:
    """A dapp's `main` exists after the build. In a bundle the server wants `blocklet.js` unless `engine` is set
    (ArcBlock/blocklet-server blocklet/meta/src/entry.ts `validateBlockletEntry`); in the source the bundler
    starts from `main` (core/cli/lib/commands/blocklet/bundle/zip/main.js: `entry folder does not exist`)."""
    main = data.get("main")
    if data.get("group") != "dapp" or not isinstance(main, str) or not main:
        return
    bundle = root / BUNDLE_DIR
    if use_build and (bundle / "blocklet.yml").is_file():
        found.report.checked["main"] = _shown(bundle) or str(bundle)
        if data.get("engine") or (bundle / "blocklet.js").is_file():
            return
        found.add("dapp-main", f"the bundle {found.report.checked['main']} has no blocklet.js: Blocklet Server "
                  "refuses it as not properly bundled", refused_by="server", file=bundle,
                  fix="bundle again (`blocklet bundle`) after building the app")
        return
    tarball = _release_tarball(root / RELEASE_META)
    if use_build and tarball is not None:
        found.report.checked["main"] = _shown(tarball) or str(tarball)
        names = _tar_names(tarball)
        if data.get("engine") or names is None or "package/blocklet.js" in names:
            return  # an unreadable tarball is the release check's business
        found.add("dapp-main", f"the release {found.report.checked['main']} has no blocklet.js: Blocklet Server "
                  "refuses it as not properly bundled", refused_by="server", file=tarball,
                  fix="build the release again (`blocklet bundle --create-release`) after building the app")
        return
    found.report.checked["main"] = "source"
    from blocklet_cli.core.meta.checks import is_glob

    if is_glob(main, any_glob_char=True) or main in ("blocklet.js", "blocklet.zip"):
        return
    path = root / main
    try:
        exists = path.exists()
    except (OSError, ValueError):
        exists = False
    if not exists:
        found.add("dapp-main", f"main {main} does not exist in the source (checked the source: no "
                  f"{BUNDLE_DIR.as_posix()} yet)", refused_by="bundle", pointer="/main",
                  fix="run the project's build first (e.g. `npm run build`), or point `main` at the entry file")


def _release_tarball(metafile: Path) -> Path | None:
    """The tarball `dist.tarball` of a release's blocklet.json names, when both exist."""
    from blocklet_cli.core import safejson

    try:
        meta = safejson.loads(metafile.read_bytes())
    except (OSError, ValueError):
        return None
    dist = meta.get("dist") if isinstance(meta, dict) else None
    name = dist.get("tarball") if isinstance(dist, dict) else None
    tarball = metafile.parent / posixpath.basename(name) if isinstance(name, str) and name else None
    return tarball if tarball is not None and tarball.is_file() else None


def _tar_names(tarball: Path) -> set[str] | None:
    """The entry names of a gzip tarball, None when it cannot be read."""
    import tarfile

    try:
        with tarfile.open(tarball, "r:gz") as archive:
            return set(archive.getnames())
    except (OSError, tarfile.TarError, EOFError):
        return None


# -- logo, screenshots --------------------------------------------------------------------------------------

def _logo(found: _Collector, root: Path, logo: Any) -> None:
    """The bundler's rules (ArcBlock/blocklet-server core/cli/lib/commands/blocklet/bundle/bundlers/logo.js via
    blocklet/images/src/logo-validate.ts: png/jpg/webp/svg, at least 256x256, 1:1, at most 1024 KB) and the
    store's smaller size limit (blocklets/blocklet-store/api/routes/upload.js, default maxLogoSize 500 KB)."""
    from blocklet_cli.core.bundle import assets

    if not isinstance(logo, str) or not logo:
        found.add("logo-missing", "the logo field is required", refused_by="bundle",
                  pointer="/logo" if logo is not None else "", fix="add `logo: logo.png` with " + IMAGE_FIX["logo"][4:])
        return
    try:
        path, problems = assets.logo_problems(root, logo)
    except (UnsafePathError, ValueError) as exc:  # ValueError: a NUL byte in the path
        message = exc.message if isinstance(exc, UnsafePathError) else f"logo {logo!r} is not a usable path"
        found.add("logo-path", message, refused_by="bundle", pointer="/logo", fix="keep the logo in the project")
        return
    for kind, message in problems:
        found.add(f"logo-{kind}", message, refused_by="bundle", pointer="/logo",
                  fix=f"add {logo}" if kind == "not-found" else IMAGE_FIX["logo"])
    if path is not None and not problems and path.stat().st_size > STORE_LOGO_MAX_BYTES:
        found.add("logo-size", f"the logo is {path.stat().st_size / 1024:.0f} KB; the store takes at most 500 KB",
                  refused_by="store", pointer="/logo", fix="compress the logo (or use an SVG)")


def _screenshots(found: _Collector, root: Path, names: Any) -> None:
    """The bundler's rules (ArcBlock/blocklet-server core/cli/lib/commands/blocklet/bundle/bundlers/screenshots.js
    via blocklet/images/src/screenshot-validate.ts: unique, real images, at least 600x338, 16:9) and the
    store's (blocklets/blocklet-store/api/routes/upload.js with its default preferences: 3 to 5 screenshots, each
    at most 5 MB)."""
    from blocklet_cli.core.bundle import assets

    if names is not None and not isinstance(names, list):
        return  # the metadata rules report the type
    listed: list = names or []
    try:
        checked, problems = assets.screenshot_problems(root, names)
    except (UnsafePathError, ValueError) as exc:  # ValueError: a NUL byte in a name
        message = exc.message if isinstance(exc, UnsafePathError) else "a screenshot name is not a usable path"
        found.add("screenshot-path", message, refused_by="bundle", pointer="/screenshots",
                  fix="keep screenshots in the project's screenshots/ folder")
        return
    for index, kind, message in problems:
        fix = {"duplicate": "remove the repeated entry", "name": "list file names in screenshots/",
               "not-found": f"add screenshots/{listed[index]}" if isinstance(listed[index], str) else None}.get(
            kind, IMAGE_FIX["screenshot"])
        found.add(f"screenshot-{kind}", message, refused_by="bundle", pointer=f"/screenshots/{index}", fix=fix)
    for shot in checked:
        size = shot.source.stat().st_size
        if size > STORE_SCREENSHOT_MAX_BYTES:
            index = listed.index(shot.source.name) if shot.source.name in listed else 0
            found.add("screenshot-size", f"the screenshot {shot.source.name} is {size / 1024 / 1024:.1f} MB; the store "
                      "takes at most 5 MB", refused_by="store", pointer=f"/screenshots/{index}",
                      fix="compress it (or use JPG/WebP)")
    count = len({name for name in listed if isinstance(name, str)})
    low, high = STORE_SCREENSHOTS
    if not low <= count <= high:
        found.add("screenshot-count", f"{count} screenshot(s); the store requires {low} to {high}", refused_by="store",
                  pointer="/screenshots" if names is not None else "",
                  fix=f"list {low} to {high} images of screenshots/ under `screenshots:`")


def _placeholders(found: _Collector, root: Path, logo: Any, screenshots: Any) -> None:
    """The logo and screenshots `blocklet init` wrote, still unchanged: valid images, so nothing refuses them,
    but the store would show a stock picture (a warning: only the author can replace them)."""
    from blocklet_cli.core.project.init import placeholder_files

    stock = set(placeholder_files().values())
    listed = [("/logo", logo, "logo", logo)] if isinstance(logo, str) and logo else []
    if isinstance(screenshots, list):
        listed += [(f"/screenshots/{index}", f"screenshots/{name}", "screenshot", name)
                   for index, name in enumerate(screenshots) if isinstance(name, str) and name]
    for pointer, rel, kind, shown in listed:
        try:
            path = (root / rel).resolve()
            same = path.is_relative_to(root.resolve()) and path.is_file() and path.read_bytes() in stock
        except (OSError, ValueError):
            continue  # the image rules report what cannot be read
        if same:
            found.add(f"placeholder-{kind}", f"the {kind} {shown} is the placeholder `blocklet init` wrote",
                      refused_by=None, pointer=pointer, warning=True,
                      fix=f"replace {rel} with your own image ({IMAGE_FIX[kind]})")


# -- CHANGELOG.md -------------------------------------------------------------------------------------------

def _changelog(found: _Collector, root: Path, version: Any, *, monorepo: bool) -> None:
    """One CHANGELOG.md (any case) with h1–h4 headings only (ArcBlock/blocklet-server
    core/cli/lib/commands/blocklet/bundle/bundlers/changelog.js), whose h2 headings name versions: the store
    reads one release per top-level h2 and fails the publish of a changelog without any ("CHANGELOG.md file
    is empty": blocklet/blocklet-store blocklets/blocklet-store/api/libs/change-log.js)."""
    from blocklet_cli.core.bundle import changelog

    folders = [root]
    if monorepo:
        workspace = changelog.find_workspace_root(root)
        if workspace is not None:
            folders.append(workspace)
    files: list[Path] = []
    for folder in folders:
        files = changelog.changelog_files(folder)
        if files:
            break
    if not files:
        return
    if len(files) > 1:
        found.add("changelog-duplicate", "only one CHANGELOG.md (any case) may exist: "
                  + ", ".join(path.name for path in files), refused_by="bundle", file=files[0].parent,
                  fix="keep CHANGELOG.md and remove the others")
    path = files[0]
    found.report.checked["changelog"] = _shown(path) or path.name
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        found.add("changelog-unreadable", f"cannot read {path.name}: {exc.strerror or exc}", refused_by="bundle",
                  file=path)
        return
    for line, depth in changelog.deep_headings(text):
        found.add("changelog-heading", f"h{depth} heading: only h1 to h4 headings are allowed", refused_by="bundle",
                  file=path, line=line, column=1, fix=f"use at most #### (not {'#' * depth})")
    headings = changelog.version_headings(text)
    if not headings:
        found.add("changelog-versions", "no h2 (`## 1.2.3`) heading: the store reads one release per h2 and "
                  "refuses the publish of a changelog without any", refused_by="store", file=path, line=1, column=1,
                  fix="write one `## <version>` heading per release")
        return
    for line, title, found_version in headings:
        if found_version is None:
            found.add("changelog-version", f"h2 heading {title[:60]!r} names no version: the store skips its section",
                      refused_by="store", file=path, line=line, column=1, warning=True,
                      fix="start it with the version, e.g. `## 1.2.3 (2024-01-31)`")
    wanted = str(version) if isinstance(version, str) else None
    if wanted and changelog._coerce(wanted) not in {v for _, _, v in headings}:
        found.add("changelog-current", f"no h2 heading for version {wanted}: the store shows no changes for it",
                  refused_by="store", file=path, line=1, column=1, warning=True,
                  fix=f"add `## {wanted}` with its changes")


# -- the release --------------------------------------------------------------------------------------------

def check_release(metafile: str | Path, *, target: str = "store", project_dir: Path | None = None) -> CheckReport:
    """The release at `metafile` (`.blocklet/release/blocklet.json`): its tarball exists and is within the
    store's size limit (blocklet/blocklet-store blocklets/blocklet-store/api/routes/upload.js `validateBody`,
    default maxBundleSize 500 MB); with `project_dir`, a release older than the project is a warning."""
    from blocklet_cli.core import safejson
    from blocklet_cli.core.bundle.release import stale_reason

    metafile = Path(metafile).absolute()
    report = CheckReport(project=project_dir or metafile.parent, target=target)
    found = _Collector(report, target)
    try:
        safejson.loads(metafile.read_bytes())
    except (OSError, ValueError) as exc:
        found.add("release-meta", f"cannot read the release metadata: {exc}", refused_by="server", file=metafile,
                  fix="bundle again: `blocklet bundle --create-release`")
        return report
    tarball = _release_tarball(metafile)
    if tarball is None:
        found.add("release-tarball", "the release tarball named in dist.tarball is missing", refused_by="server",
                  file=metafile, fix="bundle again: `blocklet bundle --create-release`")
        return report
    size = tarball.stat().st_size
    if size > STORE_MAX_RELEASE_BYTES:
        found.add("release-size", f"the release is {size / 1e6:.1f} MB; the store takes at most 500 MB",
                  refused_by="store", file=tarball,
                  fix="leave large files out (.blockletignore) or let the server install dependencies (--external)")
    if project_dir is not None:
        reason = stale_reason(project_dir, metafile)
        if reason:
            found.add("release-stale", f"the release is stale: {reason}", refused_by="store", file=metafile,
                      warning=True, fix="bundle again: `blocklet bundle --create-release`")
    return report
