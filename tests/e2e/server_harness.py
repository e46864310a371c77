"""A real Blocklet Server (@blocklet/cli 1.17.12) in a private network namespace, for the e2e tests.

The server is driven by its own CLI (`blocklet server init/start/stop`: ArcBlock/blocklet-server
core/cli/lib/commands/server/). How it is run:

* the npm install lives in `$BLOCKLET_TEST_CACHE/server` (scripts/install-blocklet-server.sh);
* `ip netns add <ns>` creates a namespace with only `lo`: nothing the server tries to reach on the
  internet (cloud metadata, launcher, registry) leaves the host, and its fixed ports (8080, 8089,
  40404-40411) cannot clash with anything on the host;
* every server command runs through `ip netns exec <ns>` with an environment that points HOME,
  ABT_NODE_CUSTOM_DATA_DIR and PM2_HOME into a scratch folder;
* the test process itself joins the namespace with `setns(2)` (`inside()`), so our CLI (a child
  process) and the GraphQL checks reach the server on 127.0.0.1 without any wrapper;
* `stop()` runs `stop`, then `stop --force`, then kills by PID whatever `ip netns pids` still lists
  (only processes of this namespace), and deletes the namespace.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNET = 0x40000000
DAEMON_PORT = 8089
ROUTER_PORT = 8080
GQL = f"http://127.0.0.1:{DAEMON_PORT}/api/gql"


CACHE = Path(os.environ.get("BLOCKLET_TEST_CACHE", Path("~/.cache/blocklet-cli-tests").expanduser()))


def cache_dir() -> Path:
    """The test cache (read once at import, before the tests' isolated HOME is set)."""
    return CACHE


def server_install_dir() -> Path:
    return cache_dir() / "server"


def installed() -> bool:
    root = server_install_dir()
    return (root / "node_modules" / "@blocklet" / "cli").is_dir() and any(root.glob(".installed-*"))


def namespace_problem() -> str | None:
    """Why this machine cannot run the server in a network namespace (None when it can)."""
    if os.name != "posix" or not Path("/proc/self/ns/net").exists():
        return "no Linux network namespaces on this machine"
    if os.geteuid() != 0:
        return "creating a network namespace needs root (CI runs as root)"
    if not shutil.which("ip"):
        return "`ip` (iproute2) is not installed"
    probe = f"bltprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"`ip netns add` failed: {made.stderr.strip() or made.returncode}"
    subprocess.run(["ip", "netns", "delete", probe], capture_output=True)
    return None


def _setns(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    with open(path) as handle:
        if libc.setns(handle.fileno(), CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno), path)


@dataclass
class BlockletServer:
    """One server instance: its install, scratch folder and namespace."""

    work: Path
    ns: str = field(default_factory=lambda: f"blte2e{os.getpid()}")
    cli_dir: Path = field(default_factory=server_install_dir)
    timings: dict[str, float] = field(default_factory=dict)
    access_key: dict = field(default_factory=dict)
    stopped: bool = False

    @property
    def server_dir(self) -> Path:
        return self.work / "server"

    def env(self) -> dict[str, str]:
        from tests.e2e.registry_relay import server_env  # Bun, its registry and node-gyp's headers

        bin_dir = self.cli_dir / "node_modules" / ".bin"
        return server_env({
            "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "HOME": str(self.work / "home"),
            "ABT_NODE_CUSTOM_DATA_DIR": str(self.work / "abt"),
            "CLI_DIR": str(self.cli_dir),
            "ABT_NODE_HOST": "127.0.0.1",
            "NO_UPDATE_NOTIFIER": "1",
        })

    def run(self, *command: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        """Run a command in the namespace, in the server folder, with the server environment."""
        result = subprocess.run(["ip", "netns", "exec", self.ns, *command], cwd=self.server_dir, env=self.env(),
                                capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        for sub in ("server", "home", "abt"):
            (self.work / sub).mkdir(parents=True, exist_ok=True)
        subprocess.run(["ip", "netns", "add", self.ns], check=True, capture_output=True)
        subprocess.run(["ip", "netns", "exec", self.ns, "ip", "link", "set", "lo", "up"], check=True)
        started = time.monotonic()
        self.run("blocklet", "server", "init", "-f", "--http-port", str(ROUTER_PORT), "--https-port", "8443",
                 "--no-https", timeout=120)
        # registerUrl must be '' before the first start (else: EAI_AGAIN launcher.arcblock.io)
        self.run("node", "-e", "const fs=require('fs'),f='.blocklet-server/config.yml';"
                 "const y=require(require.resolve('js-yaml',{paths:[process.env.CLI_DIR]}));"
                 "const c=y.load(fs.readFileSync(f,'utf8'));c.node.registerUrl='';fs.writeFileSync(f,y.dump(c))")
        self.timings["init"] = time.monotonic() - started
        started = time.monotonic()
        self.run("blocklet", "server", "start", timeout=420)
        self.timings["start"] = time.monotonic() - started
        with self.inside():
            self.wait_until(lambda: self.gql("{getNodeInfo{code}}", auth=False).get("data"), "the daemon", 120)
        self.timings["ready"] = time.monotonic() - started
        started = time.monotonic()
        out = self.run("node", str(Path(__file__).with_name("make_access_key.js")), timeout=120).stdout
        self.access_key = json.loads(out.strip().splitlines()[-1])
        self.timings["access_key"] = time.monotonic() - started

    def stop(self) -> list[str]:
        """Stop the server; return the processes that had to be killed by PID (should be none)."""
        started = time.monotonic()
        killed: list[str] = []
        with contextlib.suppress(Exception):
            self.run("blocklet", "server", "stop", timeout=120, check=False)
        with contextlib.suppress(Exception):
            self.run("blocklet", "server", "stop", "--force", timeout=120, check=False)
        for pid in self.pids():
            with contextlib.suppress(OSError):
                killed.append(Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ").strip())
                os.kill(int(pid), 9)
        deadline = time.monotonic() + 10
        while self.pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.timings["stop"] = time.monotonic() - started
        self.stopped = True
        return killed

    def delete_namespace(self) -> None:
        subprocess.run(["ip", "netns", "delete", self.ns], capture_output=True)

    def pids(self) -> list[str]:
        """Processes in the namespace, except this one (which joins it with `inside()`) and the `ip`
        process asking (it runs in the namespace too when started from inside)."""
        with subprocess.Popen(["ip", "netns", "pids", self.ns], stdout=subprocess.PIPE, text=True) as asking:
            out, _ = asking.communicate()
        return [pid for pid in out.split() if pid not in (str(os.getpid()), str(asking.pid))]

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """Move this thread (and the processes it starts) into the namespace for the block."""
        before = os.readlink("/proc/thread-self/ns/net")
        original = open("/proc/thread-self/ns/net")  # noqa: SIM115 - closed below
        try:
            _setns(f"/run/netns/{self.ns}")
            yield
        finally:
            try:
                _setns(f"/proc/self/fd/{original.fileno()}")
            finally:
                original.close()
            if os.readlink("/proc/thread-self/ns/net") != before:
                raise RuntimeError("could not leave the test network namespace")

    # -- GraphQL as the `ci` key (our own small client, independent of the code under test) ----
    def gql(self, query: str, variables: dict | None = None, *, app_did: str | None = None,
            auth: bool = True) -> dict:
        headers = {"content-type": "application/json"}
        if auth:
            headers.update(sign_headers(self.access_key["accessKeyId"], self.access_key["accessKeySecret"]))
            if app_did:
                headers["x-access-blocklet"] = app_did
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(GQL, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return {"httpStatus": exc.code, "body": exc.read().decode("utf-8", "replace")}
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            return {"unreachable": str(exc)}

    def has_site(self, host: str) -> bool:
        """True once the router has a site for `host` and listens. The 1.17.12 router crashes on a
        request for a host it has no site for (`site.rules` of undefined) and PM2 gives up restarting
        it after a few crashes, so tests must not ask it anything before this is true."""
        import socket

        config = self.server_dir / ".blocklet-server" / "router" / "default" / "config.json"
        try:
            sites = json.loads(config.read_text(encoding="utf-8")).get("sites") or []
        except (OSError, ValueError):
            return False
        if not any(site.get("domain") == host for site in sites):
            return False
        try:
            socket.create_connection(("127.0.0.1", ROUTER_PORT), timeout=2).close()
        except OSError:
            return False
        return True

    def http_get(self, url: str, host: str) -> tuple[int, str]:
        from tests.real_dapps import http_get

        return http_get(url, host=host, timeout=30)

    @staticmethod
    def wait_until(check, what: str, timeout: float, interval: float = 0.5):
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not ready after {timeout:g}s")
            time.sleep(interval)


def sign_headers(key_id: str, secret: str, stamp: int | None = None) -> dict[str, str]:
    """The access-key headers, computed independently of blocklet_cli (with PyNaCl and hashlib)."""
    import hashlib

    import base58
    from nacl.signing import SigningKey

    stamp = stamp if stamp is not None else int(time.time() * 1000)
    seed = base58.b58decode(secret[1:])[:32] if secret.startswith("z") else bytes.fromhex(secret[2:])[:32]
    digest = hashlib.sha3_256(f"{stamp}-{key_id}".encode()).digest()
    signature = SigningKey(seed).sign(digest).signature
    return {"x-access-key-id": key_id, "x-access-stamp": str(stamp), "x-access-signature": "0x" + signature.hex()}
