"""The palette of SPEC section 2: fixed kind ids, diagrams classes, icons served from the package."""

from __future__ import annotations

import pytest
from django.test import Client

from whiteboard.domain import palette

SPEC_KINDS = {
    "client": "user browser mobile external_system",
    "edge": "dns cdn load_balancer api_gateway firewall",
    "compute": "service worker websocket_server function scheduler",
    "ai": "llm agent orchestrator embedding_model tool",
    "data": "sql_db nosql_db vector_db cache object_storage search_index",
    "messaging": "queue event_stream pubsub",
    "ops": "monitoring logging auth service_discovery secrets",
}


def test_every_spec_kind_is_in_its_category():
    for category, kinds in SPEC_KINDS.items():
        for kind in kinds.split():
            assert palette.category_of(kind) == category


def test_every_kind_maps_to_a_diagrams_node_class_with_an_icon_in_the_package():
    from diagrams import Node

    for kind in palette.KINDS:
        cls = palette.node_class(kind)
        assert issubclass(cls, Node)
        path = palette.icon_path(kind)
        assert path.is_file() and "site-packages" in str(path)


@pytest.mark.django_db
def test_icons_are_served_as_png():
    response = Client().get("/palette/icons/llm.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.django_db
def test_an_unknown_icon_is_404():
    assert Client().get("/palette/icons/nope.png").status_code == 404
    assert Client().get("/palette/icons/..%2Fsettings.png").status_code == 404
