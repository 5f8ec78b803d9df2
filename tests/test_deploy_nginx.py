"""The deployed topology for real: deploy/nginx.conf in front of two workers on PostgreSQL and Redis.

nginx (Debian's, a child process of the test) runs the repository's configuration, changed only
where loopback needs it: the upstream addresses and the listen port. The workers start the way
the container starts them (`python -m whiteboard.serve`, production settings, a key file made
by `python -m whiteboard.secretkey`, FORWARDED_ALLOW_IPS naming nginx's address, which on
loopback is 127.0.0.1). Which worker answered is read from the workers' own access logs, each
request carrying a unique probe in its query string, so the app needs no header that says so.

Skipped with the reason when nginx, PostgreSQL or Redis is missing; under REQUIRE_SERVICES=1 that
is a failure.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import random
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.builders import sample_board
from tests.conftest import require
from tests.support.deployment import NGINX_CONF, Deployment, Nginx, nginx_binary, port_open
from whiteboard.collab.client import BoardClient

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/archboard")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
NGINX_ADDRESS = "127.0.0.1"  # where nginx's connections to the workers come from
# Failed log-ins per client address. The window is a day, so that it never rolls over mid-test;
# each run uses fresh random loopback addresses, so counters left in Redis by a run never matter.
LOGIN_LIMIT = 2


@dataclass
class Topology:
    deployment: Deployment
    nginx: Nginx
    token: str


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    binary = nginx_binary()
    require(binary is not None, "nginx is not installed (`make test-deps` installs Debian's)")
    require(port_open(POSTGRES_URL), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    require(port_open(REDIS_URL), f"Redis is not reachable at {REDIS_URL}")
    assert binary is not None
    key_file = tmp_path_factory.mktemp("keys") / "secret_key"
    subprocess.run([sys.executable, "-m", "whiteboard.secretkey", str(key_file)], cwd=ROOT, check=True, timeout=60)
    production = {
        "DJANGO_ENV": "production",
        "SECRET_KEY_FILE": str(key_file),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # As docker-compose.yml: plain HTTP on loopback.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "ARCHBOARD_RATE_LOGIN_IP": f"{LOGIN_LIMIT}/86400",
        "ARCHBOARD_RATE_LOGIN_ACCOUNT": "",  # only the per-address limit is under test
    }
    with Deployment(postgres_url=POSTGRES_URL, redis_url=REDIS_URL, env=production) as deployment:
        for _ in range(2):
            deployment.start_worker(forwarded_allow_ips=NGINX_ADDRESS, access_log=True)
        token = deployment.token("alice")
        with Nginx(binary, deployment.ports) as nginx:
            yield Topology(deployment, nginx, token)


def request(
    port: int,
    method: str,
    path: str,
    *,
    source: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Reply:
    """One request on a new connection from the loopback address `source`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def served_by(deployment: Deployment, probes: Sequence[str]) -> dict[str, int]:
    """The worker that logged each probe (waiting for them), each exactly once."""
    found = deployment.wait_logged(probes)
    assert all(len(where) == 1 for where in found.values()), found
    return {probe: where[0] for probe, where in found.items()}


def loopback_addresses(count: int) -> list[str]:
    """Distinct client addresses on loopback, none of them nginx's."""
    addresses: set[str] = set()
    while len(addresses) < count:
        address = f"127.{random.randrange(1, 255)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        addresses.add(address)
    return sorted(addresses)


def failed_login(port: int, *, source: str, forwarded_for: str | None = None) -> int:
    """A log-in with a wrong password from `source` (claiming `forwarded_for`); the status code."""
    form = request(port, "GET", "/accounts/login/", source=source)
    cookies: SimpleCookie = SimpleCookie()
    for header in form.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = cookies["csrftoken"].value
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={token}"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    body = urlencode({"csrfmiddlewaretoken": token, "username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "x"})
    return request(port, "POST", "/accounts/login/", source=source, headers=headers, body=body.encode()).status


def failed_logins_claiming(port: int, *, source: str, network: str) -> list[int]:
    """LOGIN_LIMIT + 1 failed log-ins from `source`, each claiming another address of `network`."""
    return [failed_login(port, source=source, forwarded_for=f"{network}.{i}") for i in range(LOGIN_LIMIT + 1)]


def test_http_requests_are_balanced_over_both_workers(topology: Topology) -> None:
    probes = [uuid.uuid4().hex for _ in range(8)]
    for probe in probes:
        assert request(topology.nginx.port, "GET", f"/healthz?probe={probe}").status == 200
    served = served_by(topology.deployment, probes)
    assert sorted(set(served.values())) == [0, 1], served


def test_forwarded_addresses_count_only_when_nginx_sends_them(topology: Topology) -> None:
    direct, through_nginx, bystander = loopback_addresses(3)
    refused_at_the_limit = [200] * LOGIN_LIMIT + [429]
    # Straight to a worker from an address that is not nginx's: the forged header is ignored,
    # every attempt counts against the real address.
    worker = topology.deployment.ports[0]
    assert failed_logins_claiming(worker, source=direct, network="203.0.113") == refused_at_the_limit
    # Through nginx: nginx replaces the forged header with the address it sees.
    port = topology.nginx.port
    assert failed_logins_claiming(port, source=through_nginx, network="198.51.100") == refused_at_the_limit
    # ... and that is each client's own address, not nginx's: another client is not refused.
    assert failed_login(port, source=bystander) == 200


def test_the_scheme_is_believed_from_nginx_only(topology: Topology) -> None:
    (stranger,) = loopback_addresses(1)
    forged = {"X-Forwarded-Proto": "https"}
    worker, port = topology.deployment.ports[0], topology.nginx.port
    # HSTS goes only on responses to requests the app takes for HTTPS.
    hsts = "Strict-Transport-Security"
    assert hsts not in request(worker, "GET", "/healthz", source=stranger, headers=forged).headers
    assert hsts in request(worker, "GET", "/healthz", source=NGINX_ADDRESS, headers=forged).headers
    assert hsts not in request(port, "GET", "/healthz", source=stranger, headers=forged).headers


def test_editors_on_both_workers_through_nginx_converge(topology: Topology) -> None:
    deployment, port, token = topology.deployment, topology.nginx.port, topology.token
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    reply = request(port, "POST", "/api/boards", headers=auth, body=json.dumps(sample_board()).encode())
    assert reply.status == 201, reply.body
    created = json.loads(reply.body)

    async def scenario() -> dict[str, Any]:
        probes = [uuid.uuid4().hex, uuid.uuid4().hex]
        url = f"ws://127.0.0.1:{port}/ws/boards/{created['id']}/"
        editors = [BoardClient(f"{url}?probe={probe}", token=token) for probe in probes]
        # One after the other: with the first socket open, least_conn sends the second elsewhere.
        for editor in editors:
            await editor.connect()
        served = await asyncio.to_thread(served_by, deployment, probes)
        assert served[probes[0]] != served[probes[1]], "both sockets went to the same worker"
        for i in range(10):
            for name, editor in zip("ab", editors, strict=True):
                await editor.send_op({"action": "add_node", "node": {"id": f"{name}{i}", "kind": "service"}})
        for editor in editors:
            await editor.wait_acknowledged(timeout=20)
            await editor.wait_version(created["version"] + 20, timeout=20)
        stored = json.loads(request(port, "GET", f"/api/boards/{created['id']}", headers=auth).body)
        for editor in editors:
            assert editor.errors == []
            assert (editor.version, editor.board) == (stored["version"], stored["board"])
            await editor.close()
        return stored

    stored = asyncio.run(scenario())
    assert stored["version"] == created["version"] + 20
    assert len(stored["board"]["nodes"]) == len(created["board"]["nodes"]) + 20


def nginx_body_limit() -> int:
    (megabytes,) = re.findall(r"client_max_body_size\s+(\d+)m;", NGINX_CONF.read_text())
    return int(megabytes) * 1024 * 1024


def test_a_body_over_nginx_limit_is_refused_by_nginx_before_any_worker(topology: Topology) -> None:
    deployment, port = topology.deployment, topology.nginx.port
    auth = {"Authorization": f"Bearer {topology.token}", "Content-Type": "application/json"}
    over, under = uuid.uuid4().hex, uuid.uuid4().hex
    refused = request(port, "POST", f"/api/boards?probe={over}", headers=auth, body=b" " * (nginx_body_limit() + 1))
    assert refused.status == 413
    assert b"nginx" in refused.body  # nginx's own error page: the API's errors are JSON
    # Up to nginx's limit (the app's own) the body goes on, and the worker reads it: here, to find
    # no JSON in it.
    passed_on = request(port, "POST", f"/api/boards?probe={under}", headers=auth, body=b" " * nginx_body_limit())
    assert passed_on.status == 400
    assert json.loads(passed_on.body)["errors"][0]["loc"] == "body"
    # Each worker logs in order: once both have logged a request sent after the refused one, a
    # worker that had received the refused one would have logged it too.
    markers = [uuid.uuid4().hex for _ in deployment.ports]
    for marker, worker in zip(markers, deployment.ports, strict=True):
        assert request(worker, "GET", f"/healthz?probe={marker}").status == 200
    served_by(deployment, [*markers, under])
    assert not any(over in deployment.log(index) for index in range(len(deployment.workers)))
