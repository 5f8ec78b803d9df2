"""The one server command line (`python -m whiteboard.serve`, used by `make run` and the container):
forwarded headers believed from the configured proxy only, and the development defaults refused,
with the reason, on an address other machines can reach."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.support.deployment import Deployment
from whiteboard.collab.protocol import MAX_MESSAGE_BYTES
from whiteboard.serve import uvicorn_args

ROOT = Path(__file__).resolve().parent.parent


def test_without_a_proxy_forwarded_headers_are_switched_off() -> None:
    args = uvicorn_args(host="127.0.0.1", port=8000, forwarded_allow_ips="")
    assert "--no-proxy-headers" in args
    assert not [arg for arg in args if arg.startswith(("--proxy-headers", "--forwarded-allow-ips"))]


def test_with_a_proxy_only_its_addresses_are_trusted() -> None:
    args = uvicorn_args(host="0.0.0.0", port=8000, forwarded_allow_ips=" 172.30.99.10, 10.0.0.0/24 ")
    assert "--proxy-headers" in args and "--no-proxy-headers" not in args
    assert "--forwarded-allow-ips=172.30.99.10,10.0.0.0/24" in args


def test_a_proxy_entry_that_is_no_address_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'nginx' is not an IP address or network"):
        uvicorn_args(host="0.0.0.0", port=8000, forwarded_allow_ips="172.30.99.10,nginx")


def test_websocket_messages_are_capped_at_the_protocol_limit() -> None:
    args = uvicorn_args(host="127.0.0.1", port=8000, forwarded_allow_ips="")
    assert args[args.index("--ws-max-size") + 1] == str(MAX_MESSAGE_BYTES)


def _serve(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SECRET_KEY_FILE", "DJANGO_ENV")}
    return subprocess.run(
        [sys.executable, "-m", "whiteboard.serve"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "whiteboard.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_run_on_a_public_address_refuses_with_the_reason_and_what_to_do() -> None:
    done = _serve(HOST="0.0.0.0", DEBUG="1")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "refusing to serve on 0.0.0.0" in done.stderr
    assert "DEBUG is on" in done.stderr and "SECRET_KEY is the development key" in done.stderr
    assert "HOST=127.0.0.1" in done.stderr and "ARCHBOARD_ALLOW_INSECURE_DEBUG=1" in done.stderr


def test_a_bad_proxy_address_stops_the_server_before_it_starts() -> None:
    done = _serve(FORWARDED_ALLOW_IPS="nginx")
    assert done.returncode == 2
    assert "FORWARDED_ALLOW_IPS: 'nginx'" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_worker_with_no_proxy_configured_ignores_forwarded_headers() -> None:
    """`make run`'s case: uvicorn's own default would believe X-Forwarded-For from 127.0.0.1."""
    with Deployment() as deployment:
        port = deployment.start_worker(access_log=True)
        probe = uuid.uuid4().hex
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", f"/healthz?probe={probe}", headers={"X-Forwarded-For": "203.0.113.7"})
        assert connection.getresponse().status == 200
        connection.close()
        deployment.wait_logged([probe])
        (line,) = [line for line in deployment.log(0).splitlines() if probe in line]
        assert "127.0.0.1:" in line and "203.0.113.7" not in line


@pytest.mark.slow
def test_the_served_worker_closes_an_oversized_frame_and_takes_one_at_the_limit() -> None:
    """The frame cap is the transport's (uvicorn's `--ws-max-size`): a frame one byte over the
    protocol's limit closes the socket with 1009, one exactly at the limit is read and answered."""
    import asyncio

    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    with Deployment() as deployment:
        deployment.start_worker()
        token = deployment.token("framer")
        board = {"format": "archboard/1", "name": "frames", "nodes": [], "edges": []}
        board_id = deployment.api(0, "POST", "/api/boards", token, board)["id"]
        url = deployment.ws_url(0, board_id)

        def message_of(size: int) -> str:
            head = '{"type":"op","op_id":"big","op":{"action":"set_board","set":{"description":"'
            tail = '"}}}'
            return head + "x" * (size - len(head) - len(tail)) + tail

        async def send(size: int) -> tuple[int | None, dict[str, object] | None]:
            async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None) as ws:
                assert '"snapshot"' in await ws.recv()
                await ws.send(message_of(size))
                try:
                    while True:
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 20))
                        if frame.get("op_id") == "big":
                            return None, frame
                except ConnectionClosed as closed:
                    return closed.rcvd.code if closed.rcvd else None, None

        code, _ = asyncio.run(send(MAX_MESSAGE_BYTES + 1))
        assert code == 1009
        code, answer = asyncio.run(send(MAX_MESSAGE_BYTES))
        assert code is None and answer is not None
        # The description limit refuses it as an op: read, parsed and answered under its op_id.
        assert answer["type"] == "rejected"
        assert deployment.api(0, "GET", f"/api/boards/{board_id}", token)["version"] == 1
