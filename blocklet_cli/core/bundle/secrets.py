"""Paths that are never bundled: secrets and VCS/editor/bundle folders.

Shared by the file selection (`select`) and the dependency walk (`deps`), so neither imports the other
for it.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

# Folders never entered by a walk and never bundled.
SKIPPED_DIRS = frozenset({
    ".git", ".blocklet", ".svn", ".hg", "CVS", ".vscode", ".idea", ".cursor", ".claude", ".aigne",
    ".github", ".docker-output", ".home", ".abtnode", "__pycache__",
})
SECRET_PATTERNS = (
    ".env", ".env.*", ".npmrc", ".netrc", ".pypirc", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.keystore",
)
WALLET_JSON_LIMIT = 1 << 20


def secret_reason(rel: str, path: Path | None = None) -> str | None:
    """Why a file must never be bundled (a secret or VCS/editor/bundle folder), or None."""
    parts = rel.split("/")
    for part in parts[:-1]:
        if part in SKIPPED_DIRS:
            return f"inside {part}/"
    name = parts[-1]
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in SECRET_PATTERNS):
        return "secret file"
    if path is not None and name.lower().endswith(".json") and _is_wallet_json(path):
        return "wallet file with a secret key"
    return None


def _is_wallet_json(path: Path) -> bool:
    try:
        if path.stat().st_size > WALLET_JSON_LIMIT:
            return False
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and ("sk" in data or "secretKey" in data)
