"""The one list of paths that are never bundled (and never served by `dev`'s static server).

Every rule matches case-insensitively (`.ENV`, `ID_RSA`, `Server.PEM` are the same as their
lower-case forms). Three kinds of rule:

* folders: a path with one of these names as a folder anywhere in it (`.git/`, `.aws/`, …);
* files: a file name matching one of these globs (`.env*`, `*.pem`, `.git-credentials`, …), or a
  relative path ending with one of the path rules (`.docker/config.json`);
* content: a small `*.json` file holding a secret key (a DID wallet's `sk`/`secretKey`, a cloud
  service account's `private_key`).

`docs/never-bundled.md` is generated from this module (`python -m blocklet_cli.core.bundle.exclusions`)
and a test keeps it in step.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Rule:
    """One never-bundled rule: its patterns, what they are, and the reason shown to the user."""

    kind: str  # "folder" | "file" | "path"
    patterns: tuple[str, ...]
    reason: str


RULES: tuple[Rule, ...] = (
    Rule("folder", (".git", ".svn", ".hg", "CVS", ".bzr", "_darcs", ".fossil-settings"), "version control folder"),
    Rule("folder", (".blocklet", ".abtnode", ".home", ".docker-output", "__pycache__"), "build or runtime folder"),
    Rule("folder", (".vscode", ".idea", ".cursor", ".claude", ".aigne", ".github"), "editor or CI settings folder"),
    Rule("folder", (".ssh", ".gnupg", ".aws", ".azure", ".kube", ".gcloud", ".password-store"),
         "credentials folder"),
    Rule("file", (".env", ".env.*", ".env_*", ".env-*", ".envrc", "*.env"), "environment file (may hold secrets)"),
    Rule("file", (".npmrc", ".yarnrc", ".yarnrc.yml", ".netrc", "_netrc", ".pypirc", ".git-credentials",
                  ".pgpass", ".my.cnf", ".htpasswd", ".vault-token", ".s3cfg", ".boto", ".dockercfg",
                  "kubeconfig", "*.kubeconfig", "credentials.json", "client_secret*.json",
                  "service-account*.json", "service_account*.json"), "credentials file"),
    Rule("file", ("*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.ppk", "*.p8",
                  "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*"), "private key file"),
    Rule("file", ("terraform.tfstate*", "*.tfstate", "*.tfstate.*", "*.tfvars"),
         "infrastructure state (holds secrets)"),
    Rule("file", (".*_history", ".history", ".lesshst"), "shell or tool history"),
    Rule("path", (".docker/config.json", ".config/gcloud/*", ".config/gh/hosts.yml"), "credentials file"),
)
CONTENT_RULE = "wallet or service-account JSON holding a private key"
JSON_CONTENT_LIMIT = 1 << 20
SECRET_JSON_KEYS = ("sk", "secretKey", "private_key", "privateKey")

_FOLDERS = {pattern.lower(): rule.reason for rule in RULES if rule.kind == "folder" for pattern in rule.patterns}
_FILES = [(pattern.lower(), rule.reason) for rule in RULES if rule.kind == "file" for pattern in rule.patterns]
_PATHS = [(pattern.lower(), rule.reason) for rule in RULES if rule.kind == "path" for pattern in rule.patterns]


def skipped_folder(name: str) -> str | None:
    """Why a folder of this name is never entered or bundled, or None."""
    return _FOLDERS.get(name.lower())


def reason(rel: str, path: Path | None = None) -> str | None:
    """Why the file at relative POSIX path `rel` must never be bundled, or None.

    With `path` (the file on disk), small `.json` files are also read for private keys."""
    parts = rel.lower().split("/")
    for part in parts[:-1]:
        if part in _FOLDERS:
            return f"inside {part}/: {_FOLDERS[part]}"
    name = parts[-1]
    for pattern, why in _FILES:
        if fnmatch.fnmatchcase(name, pattern):
            return why
    lowered = "/".join(parts)
    for pattern, why in _PATHS:
        if fnmatch.fnmatchcase(lowered, pattern) or fnmatch.fnmatchcase(lowered, "*/" + pattern):
            return why
    if path is not None and name.endswith(".json") and holds_private_key(path):
        return CONTENT_RULE
    return None


def holds_private_key(path: Path) -> bool:
    """A JSON object with a secret key at its top level (DID wallet, cloud service account)."""
    from blocklet_cli.core.safejson import loads

    try:
        if path.stat().st_size > JSON_CONTENT_LIMIT:
            return False
        data = loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    return any(key in data for key in SECRET_JSON_KEYS) or data.get("type") == "service_account"


def markdown() -> str:
    """The list as Markdown (the content of docs/never-bundled.md)."""
    lines = [
        "# Files that are never bundled",
        "",
        "`blocklet bundle` leaves these out whatever `files`, `main` or a glob says, and `blocklet bundle",
        "--verbose` / `--json` (`excluded`) name each file left out and why. Matching ignores case",
        "(`.ENV` and `ID_RSA` are left out too). Generated from `blocklet_cli/core/bundle/exclusions.py`",
        "(`python -m blocklet_cli.core.bundle.exclusions > docs/never-bundled.md`).",
        "",
        "| kind | patterns | reason |",
        "| --- | --- | --- |",
    ]
    titles = {"folder": "folder anywhere in the path", "file": "file name", "path": "path ending"}
    for rule in RULES:
        shown = ", ".join(f"`{pattern}{'/' if rule.kind == 'folder' else ''}`" for pattern in rule.patterns)
        lines.append(f"| {titles[rule.kind]} | {shown} | {rule.reason} |")
    lines.append(f"| content | `*.json` up to 1 MiB with a top-level `{'`, `'.join(SECRET_JSON_KEYS)}`, "
                 f"or `\"type\": \"service_account\"` | {CONTENT_RULE} |")
    lines += [
        "",
        "A shipped `package.json` never carries credentials: `publishConfig` keys naming a token or",
        "password (`_authToken`, `_auth`, `_password`, …) are dropped, and `user:password@` in URLs is removed.",
        "",
        "Bundles hold regular files only: a file that is a symlink, crosses a symlink, or is a hard link",
        "shared with a file outside the project is refused (the bundle stops with one line naming it).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(markdown())
