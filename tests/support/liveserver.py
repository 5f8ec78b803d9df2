"""A real Archboard server for browser tests and the editor benchmark.

uvicorn in a subprocess on a free loopback port, with its own SQLite database in a temporary
folder (migrated first), users and API tokens made by `manage.py create_token`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.deployment import ROOT, free_port
from whiteboard.serve import uvicorn_args

PASSWORD = "browser-test-pw-1"


@dataclass
class LiveServer:
    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SQLITE_PATH=str(self.workdir / "db.sqlite3"),
            DJANGO_SETTINGS_MODULE="whiteboard.settings",
            DEBUG="0",
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
        )
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        return env

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def start(self) -> LiveServer:
        self.manage("migrate", "--noinput")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                *uvicorn_args(host="127.0.0.1", port=self.port, forwarded_allow_ips=""),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.workdir / "server.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited: " + (self.workdir / "server.log").read_text()[-2000:])
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError("the server did not start within 30 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def user(self, name: str) -> str:
        """Create the user (with the test password, so a browser can log in) and return its token."""
        if name not in self.tokens:
            self.tokens[name] = self.manage("create_token", name, "--create").strip().splitlines()[-1]
            self.manage(
                "shell",
                "-c",
                "from django.contrib.auth.models import User; "
                f"u = User.objects.get(username={name!r}); u.set_password({PASSWORD!r}); u.save()",
            )
        return self.tokens[name]

    def api(self, user: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.user(user)}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            raw, status = exc.read(), exc.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw

    def create_board(self, user: str, doc: dict[str, Any]) -> int:
        status, body = self.api(user, "POST", "/api/boards", doc)
        assert status == 201, body
        return int(body["id"])

    def share(self, owner: str, board_id: int, user: str, role: str) -> None:
        self.user(user)
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; from whiteboard.boards.models import Board; "
            "from whiteboard.boards.services import board_share; "
            f"board_share(board=Board.objects.get(pk={board_id}), user=User.objects.get(username={user!r}), role={role!r})",
        )


def start_server() -> LiveServer:
    return LiveServer(Path(tempfile.mkdtemp(prefix="archboard-browser-"))).start()


def login(page: Any, server: LiveServer, user: str) -> None:
    server.user(user)
    page.goto(server.url + "/accounts/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url(server.url + "/")
