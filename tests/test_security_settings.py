"""Deployment settings and the headers every page carries: check --deploy, CSP, frames, referrer."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="archboard.example.com",
        DJANGO_SETTINGS_MODULE="whiteboard.settings",
    )
    return env


def test_production_settings_pass_check_deploy_with_zero_warnings() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = _production_env()
    del env["SECRET_KEY"]
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


_OUTSIDE = ("DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_ENV", "SECRET_KEY", "SECRET_KEY_FILE")
_OUTSIDE += ("ARCHBOARD_BIND_HOST", "ARCHBOARD_ALLOW_INSECURE_DEBUG")


def _settings(code: str = "import whiteboard.settings", **env: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter whose environment has exactly `env` of the settings' inputs."""
    clean = {k: v for k, v in os.environ.items() if k not in _OUTSIDE}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "whiteboard.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("change-me-to-a-long-random-string-before-deploying-archboard-0123456789", "placeholder"),
        ("dev-only-insecure-key-do-not-use-in-production-archboard", "placeholder"),
        ("django-insecure-" + secrets.token_urlsafe(40), "placeholder"),
        (secrets.token_urlsafe(30), "at least 50"),
    ],
    ids=["the-example-once-committed", "the-development-key", "django-placeholder", "short"],
)
def test_production_refuses_a_published_placeholder_or_short_key(key: str, reason: str) -> None:
    done = _settings(DJANGO_ENV="production", SECRET_KEY=key)
    assert done.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY" in done.stderr and reason in done.stderr
    assert key not in done.stderr  # a refused key may still be someone's real one: never echoed


def test_production_runs_on_the_key_file_made_at_first_start(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    subprocess.run([sys.executable, "-m", "whiteboard.secretkey", str(key_file)], cwd=ROOT, check=True, timeout=60)
    env = {k: v for k, v in _production_env().items() if k != "SECRET_KEY"}
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**env, "SECRET_KEY_FILE": str(key_file)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_key_file_that_cannot_be_read_is_named() -> None:
    done = _settings(DJANGO_ENV="production", SECRET_KEY_FILE="/nonexistent/secret_key")
    assert done.returncode != 0
    assert "SECRET_KEY_FILE='/nonexistent/secret_key' cannot be read: No such file or directory" in done.stderr


STRONG_KEY = secrets.token_urlsafe(64)


@pytest.mark.parametrize(
    ("host", "env", "refused"),
    [
        ("0.0.0.0", {"DEBUG": "1"}, ["DEBUG is on", "SECRET_KEY is the development key"]),
        ("0.0.0.0", {"DEBUG": "0"}, ["SECRET_KEY is the development key"]),
        ("0.0.0.0", {"DEBUG": "1", "SECRET_KEY": STRONG_KEY}, ["DEBUG is on"]),
        ("192.168.1.20", {"DEBUG": "0", "SECRET_KEY": "short"}, ["SECRET_KEY is 5 characters long"]),
        ("::", {"DEBUG": "1"}, ["DEBUG is on"]),
        ("0.0.0.0", {"DEBUG": "1", "ARCHBOARD_ALLOW_INSECURE_DEBUG": "1"}, []),
        ("0.0.0.0", {"DEBUG": "0", "SECRET_KEY": STRONG_KEY}, []),
        ("127.0.0.1", {"DEBUG": "1"}, []),
        ("localhost", {"DEBUG": "1"}, []),
        ("::1", {"DEBUG": "1"}, []),
    ],
)
def test_debug_or_a_weak_key_is_refused_on_an_address_other_machines_reach(
    host: str, env: dict[str, str], refused: list[str]
) -> None:
    done = _settings(ARCHBOARD_BIND_HOST=host, **env)
    if not refused:
        assert done.returncode == 0, done.stderr
        return
    assert done.returncode != 0
    assert f"refusing to serve on {host}" in done.stderr
    for reason in refused:
        assert reason in done.stderr
    assert "ARCHBOARD_ALLOW_INSECURE_DEBUG=1" in done.stderr


def test_a_forged_forwarded_proto_does_not_make_a_request_secure() -> None:
    """The scheme comes from uvicorn, which believes X-Forwarded-Proto only from the configured proxy."""
    code = (
        "import django; django.setup(); from django.test import RequestFactory; "
        "print(RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https').is_secure())"
    )
    done = _settings(code, DJANGO_ENV="production", SECRET_KEY=STRONG_KEY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def _csp(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
def test_pages_carry_a_csp_without_inline_scripts_and_deny_framing(board: Any, owner: Any) -> None:
    client = Client()
    client.force_login(owner)
    for path in ("/accounts/login/", "/", f"/boards/{board.pk}/", "/rules/"):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = _csp(response)
        assert csp["script-src"] == ["'self'"], path
        assert "'unsafe-inline'" not in csp["style-src"] and "'unsafe-eval'" not in csp["script-src"]
        assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_api_carries_the_same_headers(client: Client) -> None:
    response = client.get("/api/openapi.json")
    assert response["X-Frame-Options"] == "DENY"
    assert _csp(response)["script-src"] == ["'self'"]


_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def test_no_template_has_inline_scripts_handlers_or_styles() -> None:
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern, what in ((_INLINE_SCRIPT, "inline <script>"), (_HANDLER, "on* handler"), (_STYLE, "inline style")):
            problems += [f"{path.relative_to(ROOT)}: {what}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert not problems, problems


@pytest.mark.django_db
def test_the_editor_page_rendered_has_no_executable_inline_script(board: Any, owner: Any) -> None:
    client = Client()
    client.force_login(owner)
    html = client.get(f"/boards/{board.pk}/").content.decode()
    assert not _INLINE_SCRIPT.findall(html)
    assert not _HANDLER.findall(html.replace("data-on", "data-x"))


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("ARCHBOARD_RATE_RENDER", "lots", "ARCHBOARD_RATE_RENDER: rate 'lots' is not COUNT/SECONDS"),
        ("ARCHBOARD_RATE_COMMENT", "0/60", "ARCHBOARD_RATE_COMMENT: rate '0/60' must have a positive count"),
        ("ARCHBOARD_HTTP_THREADS", "two", "ARCHBOARD_HTTP_THREADS='two' is not an integer"),
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
    ],
)
def test_a_bad_setting_stops_the_start_with_its_name(variable: str, value: str, reason: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({variable: value, "DJANGO_SETTINGS_MODULE": "whiteboard.settings"})
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert f"ImproperlyConfigured: {reason}" in done.stderr


def test_an_empty_rate_switches_a_limit_off() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(ARCHBOARD_RATE_RENDER="", DJANGO_SETTINGS_MODULE="whiteboard.settings")
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from whiteboard.limits import rate_for; print(rate_for('render'))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == "None", done.stderr
