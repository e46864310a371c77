"""The blocklet.yml schema (`createBlockletSchema` of @blocklet/meta 1.17.12), written with `dsl`.

Reference: ArcBlock/blocklet-server blocklet/meta/src/schema.ts (`createBlockletSchema`, field by field, and its
object-level name ⇄ DID check), name.ts (names), parse.ts (parse options).
Key order matters: the output keeps the input's key order, then appends defaulted keys in this order.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.meta import checks
from blocklet_cli.core.meta.dsl import Alt, Any_, Arr, Bool, Check, Ctx, Invalid, Num, Obj, Str, T
from blocklet_cli.core.meta.names import name_problem

GROUPS = ("dapp", "static", "gateway", "pack")
PLATFORMS = ("aix", "darwin", "freebsd", "linux", "openbsd", "sunos", "win32")
ARCHITECTURES = ("arm", "arm64", "ia32", "mips", "mipsel", "ppc", "ppc64", "s390", "s390x", "x32", "x64")
LOCALES = ("en", "zh", "fr", "ru", "ar", "es", "de", "pt", "ja", "hi")
MAX_TITLE = 40
MAX_DESCRIPTION = 80
WELLKNOWN_PREFIX = "/.well-known"
SCRIPT_RENAMES = (("pre-flight", "preFlight"), ("pre-install", "preInstall"), ("post-install", "postInstall"),
                  ("pre-start", "preStart"), ("post-start", "postStart"), ("pre-stop", "preStop"),
                  ("pre-uninstall", "preUninstall"), ("pre-config", "preConfig"))


# -- custom checks (value, ctx, pointer) -> value --------------------------------------------------------
def predicate(test: Callable[[Any], object], message: str | Callable[[Any], str]) -> Check:
    """A check that reports `message` (a string, or a function of the value) when `test(value)` is false."""
    def check(value: Any, ctx: Ctx, ptr: str) -> Any:
        if not test(value):
            raise Invalid(message(value) if callable(message) else message)
        return value
    return check


did_check = predicate(checks.is_did, lambda v: f"did \"{v}\" is not valid")
email_check = predicate(checks.is_email, "must be a valid email")
range_check = predicate(checks.is_semver_range, "needs to be a valid semver range")
ip_check = predicate(checks.is_ip, "must be a valid ip address of one of the following versions [ipv4, ipv6] "
                                   "with a optional CIDR")
title_check = predicate(lambda v: checks.cjk_length(v) <= MAX_TITLE,
                        "title length should not exceed 40 (see: https://www.npmjs.com/package/cjk-length)")
mount_point_check = predicate(checks.is_valid_url_path, "mountPoint cannot contain such characters space "
                                                        "$*+~()'\"!:@\\")
nav_id_check = predicate(lambda v: not v or checks.is_var_name(v),
                         lambda v: f"Invalid navigation id: {v} (a navigation id must be a JavaScript variable "
                                   "name, such as foo, fooBar or foo123)")
nav_link_check = predicate(checks.check_link,
                           lambda v: f"Invalid navigation link: {v} (a link must be an absolute url or a path "
                                     "that starts with /, such as /en/home or https://www.arcblock.io)")
docker_command_check = predicate(checks.docker_command_ok, "contains an invalid value (Docker CMD is invalid)")


def uri_check(*schemes: str) -> Check:
    def check(value: str, ctx: Ctx, ptr: str) -> str:
        if not checks.is_uri(value, schemes or None):
            raise Invalid("must be a valid uri" + (f" with a scheme matching the {'|'.join(schemes)} pattern"
                                                   if schemes else ""))
        return value
    return check


def iso_check(value: str, ctx: Ctx, ptr: str) -> str:
    converted = checks.iso_date(value)
    if converted is None:
        raise Invalid("must be in iso format")
    return converted


def semver_check(minimum: str | None = None) -> Check:
    def check(value: str, ctx: Ctx, ptr: str) -> str:
        if not checks.is_semver(value):
            raise Invalid("needs to be a valid semver expression")
        if minimum and checks.semver_tuple(value) < checks.semver_tuple(minimum):
            raise Invalid(f"needs to be greater than or equal to {minimum}")
        return value
    return check


def name_check(value: str, ctx: Ctx, ptr: str) -> str:
    problem = name_problem(value)
    if problem:
        raise Invalid(problem)
    return value


def file_check(skip_globs: bool) -> Check:
    def check(value: str, ctx: Ctx, ptr: str) -> str:
        base = ctx.options.get("base_dir")
        if not ctx.options.get("ensure_files") or base is None:
            return value
        if skip_globs and (value in ("blocklet.js", "blocklet.zip") or checks.is_glob(value)):
            return value
        if not os.path.exists(os.path.join(base, value)):
            raise Invalid(f"file \"{value}\" does not exist")
        return value
    return check


def env_name_check(value: str, ctx: Ctx, ptr: str) -> str:
    for prefix in ("BLOCKLET", "COMPONENT", "ABTNODE"):
        if value.startswith(prefix):
            raise Invalid(f"Env name can not start with {prefix}_")
    if not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in value):
        raise Invalid('Env name can include only numbers or letters or "_"')
    return value


def environment_check(value: dict[str, Any], ctx: Ctx, ptr: str) -> dict[str, Any]:
    if value.get("secure") is True and value.get("default"):
        raise Invalid(f"Cannot declare default value for secure env {value.get('name')}", ptr + "/default")
    return value


def environments_check(value: list[Any], ctx: Ctx, ptr: str) -> list[Any]:
    names = [x.get("name") for x in value if isinstance(x, dict)]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise Invalid(f"find duplicate environment names {name}", f"{ptr}/{index}/name")
    return value


def interfaces_check(value: list[Any], ctx: Ctx, ptr: str) -> list[Any]:
    webs = [i for i, x in enumerate(value) if isinstance(x, dict) and x.get("type") == "web"]
    for index in webs[1:]:
        ctx.add(f"{ptr}/{index}/type", "Only one web interface can be declared")
    for index, item in enumerate(value):
        if isinstance(item, dict) and item.get("type") == "wellknown" and isinstance(item.get("prefix"), str) \
                and not item["prefix"].startswith(WELLKNOWN_PREFIX):
            ctx.add(f"{ptr}/{index}/prefix", f"Wellknown path prefix must start with: {WELLKNOWN_PREFIX}")
    return value


def cacheable_check(value: str, ctx: Ctx, ptr: str) -> str:
    parts = [p for p in value.split("/") if p]
    if not parts:
        raise Invalid("cacheable path must be a valid pathname that is not /")
    return "/" + "/".join(parts)


def share_check(value: list[Any], ctx: Ctx, ptr: str) -> list[Any]:
    if not value:
        return value
    total: float = 0
    for item in value:  # left to right, IEEE doubles (not math.fsum / Python 3.12 sum)
        if not isinstance(item, dict) or not isinstance(item.get("value"), (int, float)):
            return value
        total = total + item["value"]
    if total != 1:
        raise Invalid(f"Invalid blocklet payment share config: total share must be 1, got {_js_number(total)}")
    return value


def _js_number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(float(value))


def range_pair_check(value: list[Any], ctx: Ctx, ptr: str) -> list[Any]:
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return value
    if len(value) != 2:
        raise Invalid("length of range should be 2")
    if value[0] < 0:
        raise Invalid("the first value should not less than 0 in range")
    if value[1] <= value[0]:
        raise Invalid("the second value should greater than the first value in range")
    return value


def component_store_check(value: dict[str, Any], ctx: Ctx, ptr: str) -> dict[str, Any]:
    source = value.get("source")
    if ctx.options.get("ensure_component_store") and isinstance(source, dict) and source.get("name") \
            and not source.get("store"):
        raise Invalid(f"missing 'store' in source of component {value.get('name') or source.get('name')}",
                      ptr + "/source")
    return value


def navigation_unique(value: list[Any], ctx: Ctx, ptr: str) -> list[Any]:
    seen: list[Any] = []
    for index, item in enumerate(value):
        if isinstance(item, dict) and item.get("id"):
            if item["id"] in seen:
                ctx.add(f"{ptr}/{index}/id", f"contains a duplicate value: {item['id']}")
            seen.append(item["id"])
    return value


def docker_volume_check(value: str, ctx: Ctx, ptr: str) -> str:
    problem = checks.docker_volume_problem(value)
    if problem:
        raise Invalid(problem)
    return value


def event_type_message() -> str:
    return ('Event type must be in format of "[noun.]verb" like "post.published" or "post.comment.published", '
            'and prefix "blocklet." is reserved')


# -- building blocks -------------------------------------------------------------------------------------
def DID(title: str, description: str, *, trim: bool = False, **kw: Any) -> Str:
    return Str(title, description, trim=trim, custom=(did_check,),
               js_pattern="^(did:[a-z0-9]+:)?(z[1-9A-HJ-NP-Za-km-z]+|(0x)?[0-9a-fA-F]+)$", **kw)


def Uri(title: str, description: str, *schemes: str, **kw: Any) -> Str:
    return Str(title, description, custom=(uri_check(*schemes),), js_pattern="^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]+$", **kw)


def Range(title: str, description: str = "", **kw: Any) -> Str:
    return Str(title, description or "A semver range, like `>=1.2.0` or `^2`.", custom=(range_check,), **kw)


def version_range(title: str, **kw: Any) -> Alt:
    return Alt(title, "`latest` or a semver range.", options=(Str("latest", valid=("latest",)), Range("range")), **kw)


def title_type(**kw: Any) -> Str:
    return Str("Title", "Human-readable title; CJK characters count 2, at most 40.", trim=True, min=1,
               custom=(title_check,), **kw)


def description_type(**kw: Any) -> Str:
    return Str("Description", "What the blocklet does, 3 to 160 characters.", trim=True, min=3, max=160, **kw)


def name_type(title: str = "Blocklet name", **kw: Any) -> Str:
    return Str(title, "npm-style package name of at most 32 characters, or a ROLE_BLOCKLET DID.",
               custom=(name_check,), **kw)


PERSON_INPUT = Obj("Person", "A person: an object, or a string `Name <email> (url)`.", keys={
    "name": Str("Name", "The person's name.", min=1, required=True),
    "email": Str("Email", "The person's email address.", custom=(email_check,)),
    "url": Uri("URL", "The person's web page."),
}, file_form=Str("Person", "`Name <email> (url)`, parsed by the fix step."))

ENVIRONMENT = Obj("Environment variable", "A setting the user can configure at install time.", keys={
    "name": Str("Name", "Only letters, digits and `_`; not starting with BLOCKLET, COMPONENT or ABTNODE.", trim=True,
                min=1, max=50, required=True, custom=(env_name_check,),
                js_pattern="^(?!BLOCKLET|COMPONENT|ABTNODE)[A-Za-z0-9_]{1,50}$"),
    "description": Str("Description", "What the variable is for.", trim=True, required=True),
    "default": Str("Default value", "Default value (a string; not allowed for secure variables).", empty_ok=True,
                   default=""),
    "required": Bool("Required", "The user must set it.", default=False),
    "secure": Bool("Secure", "A secret: stored encrypted, no default allowed.", default=False),
    "validation": Str("Validation", "A validation rule shown to the user."),
    "shared": Bool("Shared", "Shared with the other components (defaults to false for secure variables).",
                   default=lambda parent: False if parent.get("secure") is True else None),
}, custom=(environment_check,))

SCRIPT_KEYS = ("dev", "e2eDev", "preFlight", "preInstall", "postInstall", "preStart", "postStart", "preStop",
               "preUninstall", "preConfig")
SCRIPTS = Obj("Scripts", "Commands run at lifecycle hooks (kebab-case names are renamed to camelCase).",
              keys={k: Str(k, f"The `{k}` hook command.", trim=True, min=1) for k in SCRIPT_KEYS},
              renames=SCRIPT_RENAMES)

AUTH_CONFIG = Obj("Auth service config", "Configuration of the auth service.", unknown="strip", keys={
    "whoCanAccess": Str("Who can access", "owner, invited or all.", valid=("owner", "invited", "all")),
    "profileFields": Arr("Profile fields", "Deprecated.", unique=True,
                         items=Str("Field", valid=("fullName", "email", "avatar", "phone"))),
    "ignoreUrls": Arr("Ignored URLs", "Paths that skip authentication.", items=Str("URL", min=1)),
    "allowSwitchProfile": Bool("Allow switch profile", "Users may switch profile."),
    "blockUnauthenticated": Bool("Block unauthenticated", "Block visitors that are not logged in."),
    "blockUnauthorized": Bool("Block unauthorized", "Block users without access."),
})

SERVICE = Obj("Service", "A Blocklet Server service attached to the interface (only `auth` exists).",
              unknown="allow", keys={
                  "name": Str("Name", "Service name (`auth`).", trim=True, required=True),
                  "config": Obj("Config", "Service configuration.", default=lambda parent: {}),
              })

ENDPOINT = Obj("Endpoint", "An endpoint of a service interface.", keys={
    "type": Str("Type", "Endpoint type.", trim=True, min=1, required=True),
    "path": Str("Path", "Endpoint path.", required=True),
    "meta": Obj("Meta", "Endpoint metadata.", keys={
        "vcType": Str("VC type", "Verifiable credential type."),
        "payable": Bool("Payable", "The endpoint can be paid for."),
        "params": Arr("Params", "Parameters.", items=Obj("Param", "A parameter.", keys={
            "name": Str("Name", "Parameter name.", trim=True, required=True),
            "description": Str("Description", "Parameter description.", trim=True, required=True),
        })),
    }),
})

INTERFACE = Obj("Interface", "How the blocklet is reached (web page, service, well-known path, docker).", keys={
    "type": Str("Type", "web, service, wellknown or docker.", lowercase=True,
                valid=("web", "service", "wellknown", "docker"), required=True),
    "name": Str("Name", "Unique name of the interface, such as `publicUrl`.", trim=True, required=True),
    "path": Str("Path", "Path served by the blocklet.", trim=True, default="/"),
    "prefix": Str("Prefix", "Mount prefix; `*` means anywhere (wellknown: must start with /.well-known).",
                  trim=True, min=1, default="*"),
    "containerPort": Num("Container port", "Port inside the container.", port=True),
    "hostIP": Str("Host IP", "IPv4 or IPv6 address, optional CIDR.", trim=True, custom=(ip_check,)),
    "protocol": Str("Protocol", "tcp, udp or http.", lowercase=True, valid=("tcp", "udp", "http"), default="http"),
    "port": Alt("Port", "A port name (upper-cased), or {internal, external}.", options=(
        Str("Port name", "Environment name of the port.", uppercase=True),
        Obj("Port mapping", "Internal port name and external port number.", keys={
            "internal": Str("Internal", "Port name.", uppercase=True, required=True),
            "external": Num("External", "Port number.", port=True, required=True),
        })), default="BLOCKLET_PORT"),
    "cacheable": Arr("Cacheable paths", "Paths whose responses may be cached.", unique=True,
                     items=Str("Path", trim=True, custom=(cacheable_check,))),
    "services": Arr("Services", "Services in front of this interface.", items=SERVICE, unique_key="name"),
    "endpoints": Arr("Endpoints", "Endpoints of the interface.", items=ENDPOINT, unique_key="type"),
    "pageGroups": Arr("Page groups", "Page groups.", unique=True, items=Str("Group", trim=True, min=1, max=255)),
    "proxyBehavior": Str("Proxy behaviour", "service or direct.", valid=("service", "direct"), default="service"),
})

SOURCE_URL = Obj("URL source", "Download the component from a URL (or a list of mirrors).", keys={
    "url": Alt("URL", "A URL or a non-empty list of URLs.", required=True, options=(
        Uri("URL", "Where to download the component's blocklet.json."),
        Arr("URLs", "Mirrors.", min=1, items=Uri("URL", "A mirror.")))),
    "version": version_range("Version"),
})
SOURCE_STORE = Obj("Store source", "Install the component from a Blocklet Store.", keys={
    "store": Uri("Store", "Store URL (http or https).", "http", "https"),
    "name": name_type("Name", required=True),
    "version": version_range("Version", default="latest"),
})
COMPONENT = Obj("Component", "A blocklet composed into this one.", keys={
    "source": Alt("Source", "Where to get the component.", required=True, options=(SOURCE_URL, SOURCE_STORE)),
    "required": Bool("Required", "The component cannot be removed."),
    "title": title_type(),
    "description": description_type(),
    "mountPoint": Str("Mount point", "Path the component is mounted at; only letters, digits and `/ . _ -`.",
                      trim=True, min=1, custom=(mount_point_check,), js_pattern="^(?!.*//)[A-Za-z0-9/._\\s-]*$"),
    "name": name_type(),
}, custom=(component_store_check,))


def localized(title: str, description: str, item: Str, **kw: Any) -> Alt:
    return Alt(title, description, options=(item, Obj(title, f"{description} (per locale)", min_keys=1,
                                                      pattern_keys=(LOCALES, item))), **kw)


def nav_props() -> dict[str, T]:
    return {
        "id": Str("Id", "A JavaScript identifier, unique among top-level items.",
                  custom=(nav_id_check,)),
        "title": localized("Title", "Item title, 1–40 characters.", Str("Title", min=1, max=MAX_TITLE),
                           required=True),
        "description": localized("Description", "Item description, 1–80 characters.",
                                 Str("Description", min=1, max=MAX_DESCRIPTION)),
        "link": localized("Link", "An absolute URL or a path starting with /.",
                          Str("Link", custom=(nav_link_check,))),
        "component": Str("Component", "The component the item links into.", min=1),
        "section": Arr("Section", "Where the item is shown.", single=True, items=Str(
            "Section", valid=("header", "footer", "bottom", "social", "dashboard", "sessionManager", "userCenter",
                              "bottomNavigation"))),
        "role": Arr("Role", "Roles that see the item.", single=True, items=Str("Role", min=1)),
        "icon": Str("Icon", "Icon name.", min=1),
        "visible": Bool("Visible", "Shown by default."),
        "private": Bool("Private", "Hidden on other users' pages."),
    }


NAV_CHILD = Obj("Navigation item", "A second-level navigation item.", keys=nav_props(),
                renames=(("child", "component"),))
NAV_ITEM = Obj("Navigation item", "A navigation item.", keys={
    **nav_props(), "items": Arr("Items", "Sub-items (one level only).", items=NAV_CHILD)},
    renames=(("child", "component"),))

ENGINE_SOURCE = Alt("Source", "Where the engine comes from.", options=(
    Str("Source", "A path or URL."),
    Obj("URL source", "Engine from a URL.", keys={
        "url": Uri("URL", "http, https or file URL.", "http", "https", "file", required=True),
        "name": name_type("Name", required=True),
        "version": version_range("Version")}),
    Obj("Store source", "Engine from a store.", keys={
        "store": Uri("Store", "Store URL.", "http", "https", required=True),
        "name": name_type("Name", required=True),
        "version": version_range("Version", default="latest")}),
))
ENGINE = Obj("Engine", "Runtime engine of the blocklet.", keys={
    "platform": Str("Platform", "Node platform.", valid=PLATFORMS),
    "interpreter": Str("Interpreter", "binary, node, blocklet or bun.", valid=("binary", "node", "blocklet", "bun"),
                       default="node"),
    "source": ENGINE_SOURCE,
    "args": Arr("Arguments", "Interpreter arguments.", items=Str("Argument"), default=lambda p: []),
})

_DOCKER_STRINGS = ("env", "attach", "quiet", "entrypoint", "cidfile", "detachKeys", "disableContentTrust",
                   "domainname", "expose", "ip", "linkLocalIp", "platform")
DOCKER = Obj("Docker", "Run the blocklet in a Docker container.", keys={
    "workdir": Str("Workdir", "Working directory.", trim=True),
    "image": Str("Image", "Image name (no spaces).", trim=True, pattern=r"^[^\s]+$", js_pattern="^\\S+$"),
    "shell": Str("Shell", "Shell.", trim=True),
    "volumes": Arr("Volumes", "Volumes.", items=Str("Volume", trim=True)),
    "script": Str("Script", "Script.", trim=True),
    "installNodeModules": Bool("Install node_modules", "Install node modules in the image."),
    "skipWrapDockerfile": Bool("Skip Dockerfile wrapping", "Use the image as is."),
    "tmpfs": Str("tmpfs", "tmpfs mount.", trim=True),
    "command": Str("Command", "Container command (no shell metacharacters).", empty_ok=True, default="",
                   custom=(docker_command_check,)),
    "runBaseScript": Bool("Run base script", "Run the base script."),
    **{k: Str(k, f"docker run --{k}.", trim=True) for k in _DOCKER_STRINGS},
    "publish": Arr("Publish", "Published ports.", items=Str("Port", trim=True)),
    "volume": Arr("Volume", "Volume mounts under $BLOCKLET_APP_DIR/ or $BLOCKLET_DATA_DIR/.",
                  items=Str("Volume", trim=True, custom=(docker_volume_check,))),
})


def _payment() -> Obj:
    return Obj("Payment", "Price and revenue sharing.", default=lambda p: {"price": [], "share": []}, keys={
        "price": Arr("Price", "At most one token price.", max=1, default=lambda p: [], items=Obj(
            "Price", "A price.", keys={
                "value": Num("Value", "Amount, greater than 0.", greater=0, required=True),
                "address": DID("Token", "Token address (a DID).", required=True)})),
        "share": Arr("Share", "Up to 4 beneficiaries whose values add up to exactly 1.", max=4,
                     default=lambda p: [], custom=(share_check,), items=Obj("Share", "A beneficiary.", keys={
                         "name": Str("Name", "Beneficiary name.", required=True),
                         "address": DID("Address", "Beneficiary DID.", required=True),
                         "value": Num("Value", "Share, in (0, 1].", greater=0, max=1, required=True)})),
        "componentPrice": Arr("Component price", "Price rules when used as a component.", single=True, items=Obj(
            "Component price", "A price rule.", keys={
                "parentPriceRange": Arr("Parent price range", "[min, max): min ≥ 0, max > min.", items=Num("Bound"),
                                        custom=(range_pair_check,)),
                "type": Str("Type", "fixed or percentage.", valid=("fixed", "percentage"), required=True),
                "value": Num("Value", "Amount, greater than 0.", greater=0, required=True)})),
    })


def _keywords(title: str) -> Alt:
    return Alt(title, "A string (split on comma + space) or a list of strings.", options=(
        Str(title, trim=True, min=1), Arr(title, items=Str("Keyword", min=1))))


def top_level_keys(*, ensure_name: bool = False, ensure_dist: bool = False) -> dict[str, T]:
    """The top-level keys in `createBlockletSchema` order."""
    keys: dict[str, T] = {
        "did": DID("DID", "The blocklet's DID: a ROLE_BLOCKLET DID, or the DID derived from `name`.", required=True,
                   trim=True),
        "version": Str("Version", "Semantic version (a string: quote `1.0`).", required=True,
                       custom=(semver_check(),), js_pattern=checks.SEMVER.pattern),
        "name": Str("Name", "npm-style package name (≤ 32 characters) whose DID is `did`; copied from a "
                    "ROLE_BLOCKLET `did`.", required=not ensure_name),
        "description": description_type(required=True),
        "group": Str("Group", "dapp, static, gateway or pack.", valid=GROUPS),
        "main": Str("Main", "Entry file (dapp) or folder (static).", trim=True, min=1),
        "title": title_type(allow=("",)),
        "logo": Str("Logo", "Path of the logo file in the project.", trim=True, min=1, custom=(file_check(False),)),
        "specVersion": Str("Spec version", "Blocklet specification version, ≥ 1.0.0.",
                           custom=(semver_check("1.0.0"),), js_pattern=checks.SEMVER.pattern),
        "author": PERSON_INPUT,
        "contributors": Arr("Contributors", "People who contributed.", items=PERSON_INPUT),
        "maintainers": Arr("Maintainers", "People who maintain it.", items=PERSON_INPUT),
        "community": Uri("Community", "Community URL.", allow=("",), default=""),
        "documentation": Uri("Documentation", "Documentation URL.", allow=("",), default=""),
        "homepage": Uri("Homepage", "Homepage URL.", allow=("",), default=""),
        "license": Str("License", "License (SPDX id).", empty_ok=True, default=""),
        "support": Alt("Support", "Support URL or email address.", options=(
            Uri("URL", "Support URL."), Str("Email", "Support email.", custom=(email_check,)))),
        "nftFactory": DID("NFT factory", "Factory minting the purchase NFT.", allow=("",), default=""),
        "payment": _payment(),
        "keywords": _keywords("Keywords"),
        "tags": _keywords("Tags"),
        "gitHash": Str("Git hash", "Commit of the release.", empty_ok=True),
        "repository": Alt("Repository", "A git URL or shortcut (`github:o/r`), or {type, url, directory}.",
                          options=(Str("Repository", min=1), Obj("Repository", "Repository.", keys={
                              "type": Str("Type", "git, https or svn.", valid=("git", "https", "svn"), required=True),
                              "url": Uri("URL", "Repository URL.", required=True),
                              "directory": Str("Directory", "Folder inside the repository.")}))),
        "timeout": Obj("Timeout", "Timeouts in seconds.", default=lambda p: {"start": 60}, keys={
            "start": Num("Start", "Start check timeout, 10–600 s.", min=10, max=600),
            "script": Num("Script", "Hook timeout, 1–1800 s.", min=1, max=1800)}),
        "requirements": Obj("Requirements", "What the blocklet needs to run.",
                            default=lambda p: {"server": ">=1.7.0", "os": "*", "cpu": "*", "nodejs": "*"}, keys={
                                "abtnode": Range("ABT Node"),
                                "server": Range("Blocklet Server"),
                                "os": Alt("OS", "`*`, a platform, or a list of platforms.", options=(
                                    Str("OS", valid=("*", *PLATFORMS)),
                                    Arr("OS list", min=1, items=Str("OS", valid=PLATFORMS)))),
                                "cpu": Alt("CPU", "`*`, an architecture, or a list.", options=(
                                    Str("CPU", valid=("*", *ARCHITECTURES)),
                                    Arr("CPU list", min=1, items=Str("CPU", valid=ARCHITECTURES)))),
                                "fuels": Arr("Fuels", "Tokens needed.", items=Obj("Fuel", "A fuel.", keys={
                                    "endpoint": Str("Endpoint", "Chain endpoint.", trim=True, required=True),
                                    "address": Str("Address", "Token address.", trim=True),
                                    "value": Str("Value", "Amount.", trim=True, required=True),
                                    "reason": Str("Reason", "Why.", trim=True, required=True)})),
                                "nodejs": Range("Node.js"),
                                "aigne": Bool("AIGNE", "Needs AIGNE."),
                            }),
        "interfaces": Arr("Interfaces", "How the blocklet is reached.", items=INTERFACE, unique_key="name",
                          custom=(interfaces_check,), default=lambda p: []),
        "environments": Arr("Environments", "Configurable environment variables.", items=ENVIRONMENT,
                            custom=(environments_check,), default=lambda p: []),
        "scripts": SCRIPTS,
        "capabilities": Obj("Capabilities", "What the blocklet can do.", default=lambda p: {}, keys={
            "clusterMode": Bool("Cluster mode", "Can run in cluster mode."),
            "didSpace": Str("DID Space", "DID Space requirement.",
                            valid=("required", "requiredOnSetup", "optional", "requiredOnConnect")),
            "navigation": Bool("Navigation", "Joins the navigation auto-merge.", default=True),
            "serverless": Bool("Serverless", "Can be installed serverless."),
            "component": Bool("Component", "Can be used as a component."),
            "sitemap": Bool("Sitemap", "Supports a composable sitemap."),
            "mcp": Bool("MCP", "Provides an MCP server."),
            "singleton": Bool("Singleton", "Only one instance."),
        }),
        "files": Arr("Files", "Extra files to bundle (globs allowed).",  # trimmed, except by the bundle's file rule
                     items=Str("File", trim=lambda ctx: not ctx.options.get("ensure_files"),
                               custom=(file_check(True),))),
        "resource": Obj("Resource", "Resources exported to other blocklets.", keys={
            "exportApi": Str("Export API", "Export API path.", trim=True),
            "bundles": Arr("Bundles", "Resource bundles.", items=Obj("Bundle", "A bundle.", keys={
                "did": DID("DID", "Bundle DID.", required=True, trim=True),
                "type": Str("Type", "Bundle type.", trim=True, min=1, required=True),
                "public": Bool("Public", "Public bundle.")})),
            "types": Arr("Types", "Resource types (at most 10).", max=10, items=Obj("Type", "A type.", keys={
                "type": Str("Type", "Type name.", trim=True, min=1, required=True),
                "description": Str("Description", "Type description.", trim=True, min=1)})),
        }),
        "engine": Alt("Engine", "An engine or a list of engines.", options=(
            ENGINE, Arr("Engines", "Engines per platform.", items=ENGINE))),
        "screenshots": Arr("Screenshots", "Screenshot file names (in screenshots/).", items=Str("File", min=1),
                           default=lambda p: []),
        "videos": Arr("Videos", "Up to 3 YouTube or Vimeo links.", max=3, items=Str(
            "Video", pattern=r"^https://(www\.)?(youtube\.com|youtu\.be|vimeo\.com)/[\w\-/?&=]+",
            pattern_message="Each video URL must be a valid YouTube or Vimeo link")),
        "logoUrl": Str("Logo URL", "Set by the store.", empty_ok=True),
        "dist": Obj("Dist", "Release tarball (set by bundling).", required=ensure_dist, keys={
            "tarball": Str("Tarball", "Tarball URL or file name.", required=True),
            "integrity": Str("Integrity", "SRI hash.", required=True),
            "size": Num("Size", "Tarball size in bytes."),
        }),
        "stats": Obj("Stats", "Store statistics.", keys={
            "downloads": Num("Downloads", "Downloads.", integer=True, greater=-1),
            "star": Num("Stars", "Stars.", default=0),
            "purchases": Num("Purchases", "Purchases.", default=0)}),
        "htmlAst": Any_("HTML AST", "Set by the store."),
        "path": Str("Path", "Deprecated.", empty_ok=False),
        "signatures": Arr("Signatures", "Store signatures.", items=Obj("Signature", "A signature.", keys={
            "type": Str("Type", "Key type.", required=True),
            "name": Str("Name", "Signer name.", required=True),
            "signer": Str("Signer", "Signer DID.", required=True),
            "pk": Str("Public key", "Public key.", required=True),
            "created": Str("Created", "ISO date.", required=True, custom=(iso_check,)),
            "sig": Str("Signature", "Signature.", required=True),
            "excludes": Arr("Excludes", "Excluded keys.", items=Str("Key")),
            "appended": Arr("Appended", "Appended keys.", items=Str("Key")),
            "delegatee": Str("Delegatee", "Delegatee."),
            "delegateePk": Str("Delegatee key", "Delegatee public key."),
            "delegation": Str("Delegation", "Delegation token.")})),
        "lastPublishedAt": Str("Last published", "ISO date.", custom=(iso_check,), allow=(None,)),
        "components": Arr("Components", "Blocklets composed into this one (`children` is the old name).",
                          items=COMPONENT, default=lambda p: []),
        "navigation": Arr("Navigation", "Navigation items.", items=NAV_ITEM, custom=(navigation_unique,)),
        "theme": Obj("Theme", "Theme.", keys={"background": Alt("Background", "A colour or per-area colours.", options=(
            Str("Background", min=1), Obj("Background", "Per area.", min_keys=1, keys={
                "header": Str("Header", "Header colour.", min=1), "footer": Str("Footer", "Footer colour.", min=1),
                "default": Str("Default", "Default colour.", min=1)})))}),
        "copyright": Obj("Copyright", "Copyright notice.", keys={
            "owner": Str("Owner", "Owner.", min=1),
            "year": Alt("Year", "Year (string or number).", options=(Str("Year"), Num("Year")))}),
        "bundleName": Str("Bundle name", "Set by the server."),
        "bundleDid": DID("Bundle DID", "Set by the server.", trim=True),
        "storeId": Str("Store id", "Set by the store."),
        "events": Arr("Events", "Events this blocklet emits.", items=Obj("Event", "An event.", keys={
            "type": Str("Type", "`noun.verb`, not starting with `blocklet.`.", trim=True, min=1, max=128,
                        required=True, pattern=r"^(?!blocklet\.)[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)+$",
                        pattern_message=event_type_message()),
            "description": Str("Description", "What happened.", trim=True, min=1, max=256, required=True)}),
            unique_key="type"),
        "owner": Obj("Owner", "Set by the store.", keys={
            "avatar": Str("Avatar", "Avatar."),
            "did": DID("DID", "Owner DID.", required=True, trim=True),
            "fullName": Str("Full name", "Name.", trim=True, required=True),
            "email": Str("Email", "Email.", allow=(None, ""), default="")}),
        "egress": Bool("Egress", "Network egress allowed.", default=True),
        "docker": DOCKER,
    }
    return keys


def top_level_check(data: dict[str, Any], ctx: Ctx, ptr: str) -> dict[str, Any]:
    """Name ⇄ DID, the schema's object-level check that runs last (blocklet/meta/src/schema.ts)."""
    did, name = data.get("did"), data.get("name")
    if not isinstance(did, str):
        return data
    valid = checks.is_did(did)
    if valid and did_core.role_of(did) == did_core.ROLE_BLOCKLET:
        return data
    if isinstance(name, str):
        problem = name_problem(name)
        if problem and not (ctx.options.get("skip_validate_did_name") and problem.startswith("Blocklet DID")):
            ctx.add("/name", problem)
            return data
        expected = did_core.to_blocklet_did(name)
        if valid and expected != did:
            ctx.add("/did", f"The did of name \"{name}\" should be \"{expected}\"")
    elif valid and ctx.options.get("ensure_name"):
        ctx.add("/did", "Blocklet DID's type must be ROLE_BLOCKLET")
    return data


@functools.lru_cache(maxsize=8)
def blocklet_schema(*, ensure_name: bool = False, ensure_dist: bool = False) -> Obj:
    return Obj("Blocklet metadata", "blocklet.yml: the metadata of a Blocklet (@blocklet/meta 1.17.12 rules).",
               keys=top_level_keys(ensure_name=ensure_name, ensure_dist=ensure_dist),
               renames=(("children", "components"),), custom=(top_level_check,))


def validate(data: Any, *, strip_unknown: bool = True, **options: Any) -> tuple[Any, list[tuple[str, str]]]:
    """Run the schema; return (converted data, [(pointer, message)])."""
    schema = blocklet_schema(ensure_name=bool(options.get("ensure_name")),
                             ensure_dist=bool(options.get("ensure_dist")))
    ctx = Ctx(strip_unknown=strip_unknown, options=options)
    value = schema.check(data, ctx, "")
    return value, ctx.issues


def known_keys_at(pointer: str) -> list[str]:
    """The keys the schema knows for the object holding the last segment of `pointer` (a JSON pointer such as
    `/interfaces/0/protocl`); [] when that object takes any key or the path leaves the schema."""
    from blocklet_cli.core.meta.dsl import Alt, Arr, Obj

    node: Any = blocklet_schema()
    for raw in pointer.split("/")[1:-1]:
        segment = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Alt):
            node = next((o for o in node.options if isinstance(o, (Obj, Arr))), None)
        if isinstance(node, Obj) and node.keys is not None:
            node = node.keys.get(segment)
        elif isinstance(node, Arr) and segment.isdigit():
            node = node.items
        else:
            return []
    if isinstance(node, Alt):
        node = next((o for o in node.options if isinstance(o, Obj)), None)
    return sorted(node.keys) if isinstance(node, Obj) and node.keys is not None else []


def nearest_key(pointer: str) -> str | None:
    """The known key nearest to the misspelt last segment of `pointer` (`descripton` → `description`)."""
    import difflib

    name = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    matches = difflib.get_close_matches(name, known_keys_at(pointer), n=1, cutoff=0.7)
    return matches[0] if matches else None


def schema_document() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a blocklet.yml file as written, for editors and `jsonschema`.

    Generated from the definitions above (`python -m blocklet_cli.core.meta.blocklet_schema`), so it
    cannot contradict the validator; rules JSON Schema cannot express are described in the text.
    """
    root = blocklet_schema().json_schema()
    root["required"] = ["did"]  # description/version are defaulted, name comes from a ROLE_BLOCKLET did
    root["description"] = (
        "Metadata of a Blocklet (blocklet.yml), as @blocklet/meta 1.17.12 validates it. Checked in code only: "
        "name ⇄ did, npm name rules, unique interface/environment/navigation ids, one web interface, "
        "payment share sum, file existence in bundles, and the other rules of `blocklet validate`.")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root}


if __name__ == "__main__":
    import json
    import sys

    sys.stdout.write(json.dumps(schema_document(), indent=2, ensure_ascii=False) + "\n")
