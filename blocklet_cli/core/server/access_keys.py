"""Deploy access keys saved in the reference's `access-key.ini`.

Reference: ArcBlock/blocklet-server core/cli/lib/constant.js (`$ABT_NODE_HOME/access-key.ini`) and
core/cli/lib/commands/blocklet/deploy.js (npm `ini` v2, one section per app DID with `accessKeyId`,
`accessKeySecret`, `expireAt` in milliseconds; its bugs are items 10-11 of docs/migrating-from-node-cli.md).
Unlike the reference, the key is always looked up in the section of the app being deployed to, and `expireAt` is
honoured: an expired key is refused with the date it expired.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from blocklet_cli.core import paths
from blocklet_cli.core.config import ini
from blocklet_cli.core.errors import AuthError, FileFormatError
from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.server.client import AccessKey


def parse_expire_at(value: object, where: str) -> datetime | None:
    """`expireAt` as milliseconds since the epoch (the reference writes a number) or an ISO date."""
    if value in (None, "", "null"):
        return None
    text = str(value).strip()
    try:
        if text.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise FileFormatError(f"expireAt {text!r} is neither milliseconds nor an ISO date", location=where) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def load_access_key(app_did: str, path: Path | None = None, now: datetime | None = None) -> AccessKey | None:
    """The key saved for `app_did` (section `[<app did>]`), None when there is none; an expired or
    broken entry is an error naming the file and section (never the secret)."""
    path = Path(path) if path else paths.access_key_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"cannot read the access key file: {getattr(exc, 'strerror', None) or exc}",
                              location=str(path)) from None
    data = ini.decode(text)
    app_did = did_core.strip_prefix(app_did)
    section = data.get(app_did) if isinstance(data.get(app_did), dict) else data.get(f"did:abt:{app_did}")
    if not isinstance(section, dict):
        return None
    where = f"{path} [{app_did}]"
    key_id, secret = section.get("accessKeyId"), section.get("accessKeySecret")
    if not isinstance(key_id, str) or not isinstance(secret, str) or not key_id or not secret:
        raise FileFormatError("the section needs both accessKeyId and accessKeySecret", location=where)
    expire_at = parse_expire_at(section.get("expireAt"), where)
    if expire_at is not None and expire_at <= (now or datetime.now(timezone.utc)):
        raise AuthError(f"the access key {key_id} saved for app {app_did} expired on "
                        f"{expire_at.isoformat(timespec='seconds')}", location=str(path),
                        hint="create a new access key on the server and pass it with --access-key/--access-secret")
    return AccessKey.parse(key_id, secret, source=where)
