"""The secret key made at first start: private, strong, and one key however many workers race."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from whiteboard.secretkey import MIN_LENGTH, ensure_key_file, weakness

ROOT = Path(__file__).resolve().parent.parent


def test_it_creates_a_strong_private_key_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "secret_key"
    assert ensure_key_file(path) is True
    key = path.read_text().strip()
    assert weakness(key) is None and len(key) >= MIN_LENGTH
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert ensure_key_file(path) is False
    assert path.read_text().strip() == key
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret_key"]


def test_workers_racing_at_first_start_all_end_up_with_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    barrier = threading.Barrier(8)
    created: list[bool] = []

    def start() -> None:
        barrier.wait()
        created.append(ensure_key_file(path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert created.count(True) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_an_existing_key_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("k" * 10 + "ey-chosen-by-the-operator-" + "x" * 40)
    before = path.read_text()
    assert ensure_key_file(path) is False
    assert path.read_text() == before


def test_the_command_creates_the_file_named_by_secret_key_file_and_does_nothing_without(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY_FILE"}
    command = [sys.executable, "-m", "whiteboard.secretkey"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not path.exists()
    done = subprocess.run(
        command, cwd=ROOT, env={**env, "SECRET_KEY_FILE": str(path)}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert f"created a new secret key in {path}" in done.stderr
    assert path.read_text().strip() not in done.stdout + done.stderr  # the key is never printed


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "is empty"),
        ("dev-only-insecure-key-do-not-use-in-production-archboard", "placeholder"),
        ("change-me-to-a-long-random-string-before-deploying-archboard-0123456789", "placeholder"),
        ("django-insecure-" + "a1b2c3d4e5" * 6, "placeholder"),
        ("s3cr3t-but-short", "at least 50"),
        ("ab" * 40, "fewer than 5 different characters"),
    ],
)
def test_it_names_what_is_wrong_with_a_weak_key(key: str, reason: str) -> None:
    problem = weakness(key)
    assert problem is not None and reason in problem


def test_the_example_key_once_committed_for_docker_compose_is_gone() -> None:
    assert not (ROOT / "deploy" / "secret_key.example").exists()
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "secret_key.example" not in compose
    assert "SECRET_KEY_FILE" in compose
