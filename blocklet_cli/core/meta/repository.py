"""`repository` fix: a string becomes `{type: git, url}`, and a url hosted-git-info 3.0.8 recognises
(github, gitlab, bitbucket, gist) is rewritten to its canonical form.

Reference: `fixRepository` in ArcBlock/blocklet-server blocklet/meta/src/fix.ts (hosted-git-info 3.0.8).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

_HOSTS = {
    "github": "github.com",
    "gitlab": "gitlab.com",
    "bitbucket": "bitbucket.org",
    "gist": "gist.github.com",
}
_BY_DOMAIN = {domain: name for name, domain in _HOSTS.items()}
_SHORTCUT = re.compile(r"^(github|gitlab|bitbucket|gist):(.+)$")
_BARE = re.compile(r"^[^:@%/\s.-][^:@%/\s]*/[^:@\s/%]+(?:#.*)?$")
_SCP = re.compile(r"^git@([^:/]+):(.+)$")


def _split_committish(text: str) -> tuple[str, str]:
    if "#" in text:
        text, committish = text.split("#", 1)
        return text, committish
    return text, ""


def _project(host: str, path: str) -> tuple[str, str] | None:
    """(owner, project) from a url path on a known host, else None."""
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    parts = path.split("/")
    if host == "gist":
        if len(parts) == 1 and parts[0]:
            return "", parts[0]
        if len(parts) == 2 and all(parts):
            return parts[0], parts[1]
        return None
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def _render(host: str, owner: str, project: str, committish: str, form: str) -> str:
    domain = _HOSTS[host]
    suffix = f"#{committish}" if committish else ""
    if host == "gist":
        return f"git+https://{domain}/{project}.git{suffix}" if form == "https" else \
            f"git+ssh://git@{domain}/{project}.git{suffix}"
    if form == "https":
        return f"git+https://{domain}/{owner}/{project}.git{suffix}"
    return f"git+ssh://git@{domain}/{owner}/{project}.git{suffix}"


def normalise_git_url(url: str) -> str:
    """The canonical url hosted-git-info gives `url`, or `url` unchanged when it does not recognise it."""
    if not isinstance(url, str) or not url:
        return url
    body, committish = _split_committish(url)
    shortcut = _SHORTCUT.match(body)
    if shortcut:
        found = _project(shortcut[1], shortcut[2])
        return _render(shortcut[1], *found, committish, "https") if found else url
    if _BARE.match(url):
        found = _project("github", body)
        return _render("github", *found, committish, "https") if found else url
    scp = _SCP.match(body)
    if scp:
        host = _BY_DOMAIN.get(scp[1].removeprefix("www."))
        found = _project(host, scp[2]) if host else None
        return _render(host, *found, committish, "ssh") if host and found else url
    try:
        parts = urlsplit(body)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = _BY_DOMAIN.get((parts.hostname or "").removeprefix("www."))
    if not host or parts.query:
        return url
    found = _project(host, parts.path)
    if not found:
        return url
    if scheme in ("https", "git+https"):
        return _render(host, *found, committish, "https")
    if scheme in ("http", "ssh", "git+ssh"):
        return _render(host, *found, committish, "ssh")
    return url


def fix_repository(meta: dict[str, Any]) -> None:
    """The fix step's repository rule, in place."""
    repository = meta.get("repository")
    if not repository and repository != 0:
        return
    if repository == 0 or repository is False:
        return
    if isinstance(repository, str):
        repository = meta["repository"] = {"type": "git", "url": repository}
    if isinstance(repository, dict) and isinstance(repository.get("url"), str) and repository["url"]:
        repository["url"] = normalise_git_url(repository["url"])
