"""Real servers on loopback for the scale-out tests and the benchmark (not used by the app itself).

`Deployment` prepares a database of its own (a fresh PostgreSQL database, or an SQLite file),
makes users and tokens with the management commands, and starts ASGI worker processes exactly as
`make run` and the container do (`python -m whiteboard.serve`). `Nginx` runs deploy/nginx.conf in
front of them, changed only where loopback needs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable


def port_open(url_or_host: str, port: int | None = None) -> bool:
    if port is None:
        parsed = urlparse(url_or_host)
        host, port = (
            parsed.hostname or "127.0.0.1",
            parsed.port or {"postgres": 5432, "redis": 6379}.get(parsed.scheme.replace("postgresql", "postgres"), 80),
        )
    else:
        host = url_or_host
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Chosen by the deployment (or per worker), never inherited from the shell that runs it.
_OWN_VARIABLES = (
    "DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "HOST", "PORT", "FORWARDED_ALLOW_IPS", "ARCHBOARD_BIND_HOST",
    "ARCHBOARD_ALLOW_INSECURE_DEBUG",
)  # fmt: skip


class Deployment:
    """One database, any number of worker processes sharing it (and Redis, when given).

    `env` adds to or overrides the workers' and management commands' environment (for example
    production settings).
    """

    def __init__(
        self, *, postgres_url: str | None = None, redis_url: str | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="archboard-collab-"))
        self.env = {k: v for k, v in os.environ.items() if k not in _OWN_VARIABLES}
        self.env.update(DJANGO_SETTINGS_MODULE="whiteboard.settings", DEBUG="0", LOG_LEVEL="WARNING")
        self.env.update(env or {})
        self.database: str | None = None
        self.postgres_url = postgres_url
        if postgres_url:
            self.database = f"archboard_collab_{uuid.uuid4().hex[:10]}"
            self._postgres(f'CREATE DATABASE "{self.database}"')
            self.env["DATABASE_URL"] = _with_path(postgres_url, self.database)
        else:
            self.env["SQLITE_PATH"] = str(self.tmp / "db.sqlite3")
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.workers: list[subprocess.Popen[bytes]] = []
        self.ports: list[int] = []
        self.logs: list[Path] = []
        self.manage("migrate", "--noinput")

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout

    def token(self, username: str) -> str:
        return self.manage("create_token", username, "--create").strip().splitlines()[-1]

    def start_worker(self, *, forwarded_allow_ips: str = "", access_log: bool = False) -> int:
        """Start one worker on a free loopback port; `forwarded_allow_ips` names the proxy it trusts.

        With `access_log`, the worker logs every request it answers (see `log`), so a test can
        tell which worker served which request.
        """
        port = free_port()
        log_path = self.tmp / f"worker-{port}.log"
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(port)}
        if forwarded_allow_ips:  # unset otherwise, as under `make run`
            env["FORWARDED_ALLOW_IPS"] = forwarded_allow_ips
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [PYTHON, "-m", "whiteboard.serve", *([] if access_log else ["--no-access-log"])],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while not port_open("127.0.0.1", port):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"worker did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.05)
        self.workers.append(process)
        self.ports.append(port)
        self.logs.append(log_path)
        return port

    def log(self, index: int) -> str:
        """What the worker has written so far: its access log, when started with one, and errors."""
        return self.logs[index].read_text(errors="replace")

    def wait_logged(self, needles: Sequence[str], timeout: float = 10.0) -> dict[str, list[int]]:
        """For each needle, the workers whose log has it, once every needle is in some log."""
        deadline = time.monotonic() + timeout
        while True:
            logs = [self.log(index) for index in range(len(self.workers))]
            found = {needle: [index for index, log in enumerate(logs) if needle in log] for needle in needles}
            if all(found.values()):
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"no worker logged {[needle for needle, where in found.items() if not where]}")
            time.sleep(0.05)

    def kill_worker(self, index: int) -> None:
        """SIGKILL: no shutdown, no goodbye, as a crashed or OOM-killed worker goes."""
        self.workers[index].send_signal(signal.SIGKILL)
        self.workers[index].wait(10)

    def ws_url(self, index: int, board_id: int) -> str:
        return f"ws://127.0.0.1:{self.ports[index]}/ws/boards/{board_id}/"

    def api(self, index: int, method: str, path: str, token: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ports[index]}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the deployment's database directly (what is really stored)."""
        if self.database is not None:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
        import sqlite3

        with sqlite3.connect(self.env["SQLITE_PATH"]) as conn:
            return list(conn.execute(sql, params).fetchall())

    def peak_rss_mb(self, index: int) -> float:
        """The worker's peak resident memory (VmHWM), in MB."""
        status = Path(f"/proc/{self.workers[index].pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def close(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.terminate()
        for process in self.workers:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.database is not None:
            self._postgres(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def __enter__(self) -> Deployment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _postgres(self, statement: str) -> None:
        import psycopg

        assert self.postgres_url is not None
        with psycopg.connect(_with_path(self.postgres_url, "postgres"), autocommit=True) as conn:
            conn.execute(statement)


NGINX_CONF = ROOT / "deploy" / "nginx.conf"
NGINX_BINARIES = ("/usr/sbin/nginx", "/usr/bin/nginx")


def nginx_binary() -> str | None:
    """Debian's nginx (scripts/system-deps.sh installs it for the tests); /usr/sbin is often off PATH."""
    return next((path for path in NGINX_BINARIES if os.access(path, os.X_OK)), None)


def loopback_nginx_conf(conf: str, *, upstream_ports: Sequence[int], port: int) -> str:
    """deploy/nginx.conf with its upstream servers on loopback ports and its listen on `port`.

    Everything else stays as deployed. Each rewrite must find exactly what it expects, so a
    changed configuration fails here instead of quietly testing something else.
    """
    servers = re.compile(r"^(\s*server\s+)[\w.-]+:\d+", re.MULTILINE)
    found = len(servers.findall(conf))
    if found != len(upstream_ports):
        raise ValueError(f"nginx.conf has {found} upstream servers, expected {len(upstream_ports)}")
    ports = iter(upstream_ports)
    conf = servers.sub(lambda m: f"{m.group(1)}127.0.0.1:{next(ports)}", conf)
    conf, listens = re.subn(r"^(\s*)listen\s+80;", rf"\g<1>listen 127.0.0.1:{port};", conf, flags=re.MULTILINE)
    if listens != 1:
        raise ValueError(f"nginx.conf has {listens} 'listen 80;' lines, expected 1")
    return conf


class Nginx:
    """deploy/nginx.conf served by a real nginx, a child process of the test, in front of workers.

    The configuration goes, as in the nginx image, inside a minimal main configuration: its pid
    file, logs and temporary files in a folder of its own, so it runs as any user.
    """

    def __init__(self, binary: str, upstream_ports: Sequence[int]) -> None:
        self.binary = binary
        self.folder = Path(tempfile.mkdtemp(prefix="archboard-nginx-"))
        # As root, nginx's worker runs as nobody: it must be able to enter the folder.
        self.folder.chmod(0o755)
        self.port = free_port()
        (self.folder / "archboard.conf").write_text(
            loopback_nginx_conf(NGINX_CONF.read_text(), upstream_ports=upstream_ports, port=self.port)
        )
        kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        temp_paths = "\n".join(f"    {kind}_temp_path {self.folder / kind};" for kind in kinds)
        (self.folder / "nginx.conf").write_text(
            f"worker_processes 1;\n"
            f"pid {self.folder / 'nginx.pid'};\n"
            f"error_log {self.error_log} warn;\n"
            f"events {{ worker_connections 256; }}\n"
            f"http {{\n    access_log {self.folder / 'access.log'};\n{temp_paths}\n"
            f"    include {self.folder / 'archboard.conf'};\n}}\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def error_log(self) -> Path:
        return self.folder / "error.log"

    def start(self, timeout: float = 15.0) -> int:
        with (self.folder / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [
                    self.binary, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
                    "-e", str(self.error_log), "-g", "daemon off;",
                ],
                stdout=stderr, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                problems = (self.folder / "stderr.log").read_text() + self.error_log.read_text()
                self.close()
                raise RuntimeError(f"nginx did not start: {problems[-2000:]}")
            time.sleep(0.05)
        return self.port

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Nginx:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _with_path(url: str, database: str) -> str:
    return urlparse(url)._replace(path=f"/{database}").geturl()
