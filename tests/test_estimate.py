"""The load estimate of SPEC section 8: closed forms, routing, loops, time, availability, the
estimate props, the defaults, the load findings of the review, and properties on random boards.

Reference figures are computed here independently (exact Erlang C with fractions, the
hypoexponential's tail); the simulation check is tests/test_estimate_simulation.py.
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whiteboard.domain import palette
from whiteboard.domain.board import BoardError, validate_board
from whiteboard.domain.estimate import check_estimate_prop, defaults_for, erlang_c, estimate_board, percentile
from whiteboard.domain.review import RULES, review_board
from whiteboard.domain.sarif import to_sarif

# --- builders ---------------------------------------------------------------------------------


def node(node_id: str, kind: str = "service", **props: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "props": props}


def call(source: str, target: str, edge_id: str | None = None, **props: Any) -> dict[str, Any]:
    return {"id": edge_id or f"{source}-{target}", "source": source, "target": target, "props": props}


def doc(nodes: list[dict[str, Any]], edges: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    return validate_board({"format": "archboard/1", "name": "load", "nodes": nodes, "edges": edges or [], **fields})


def estimate(nodes: list[dict[str, Any]], edges: list[dict[str, Any]] | None = None, **options: Any) -> dict[str, Any]:
    return estimate_board(doc(nodes, edges), **options)


def chain(*ids: str) -> list[dict[str, Any]]:
    return [call(a, b) for a, b in itertools.pairwise(ids)]


def entry(result: dict[str, Any], client: str) -> dict[str, Any]:
    return next(e for e in result["entries"] if e["client"] == client)


def rates(result: dict[str, Any]) -> dict[str, float | None]:
    return {node_id: figures["rate"] for node_id, figures in result["nodes"].items()}


def test_the_estimate_imports_nothing_from_django() -> None:
    code = "import sys, whiteboard.domain.estimate; print(sorted(m for m in sys.modules if m.startswith('django')))"
    root = Path(__file__).resolve().parent.parent
    loaded = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


# --- closed forms -------------------------------------------------------------------------------


def test_one_server_gives_m_m_1_mean_and_p99_exactly() -> None:
    # lambda = 80/s, S = 10 ms: rho 0.8, sojourn exponential with mean S / (1 - rho) = 50 ms.
    result = estimate([node("u", "browser", rps=80), node("s", latency_ms=10, concurrency=1)], chain("u", "s"))
    s = result["nodes"]["s"]
    assert s["utilisation"] == pytest.approx(0.8, rel=1e-12)
    assert s["wait_ms"] == pytest.approx(40, rel=1e-12)
    assert s["mean_ms"] == pytest.approx(50, rel=1e-12)
    assert entry(result, "u")["mean_ms"] == pytest.approx(50, rel=1e-12)
    assert entry(result, "u")["p99_ms"] == pytest.approx(50 * math.log(100), rel=1e-9)


def exact_erlang_c(servers: int, load: Fraction) -> Fraction:
    """Erlang C from its textbook formula, in exact rational arithmetic."""
    waiting = load**servers / math.factorial(servers) * Fraction(servers) / (servers - load)
    return waiting / (sum(load**k / math.factorial(k) for k in range(servers)) + waiting)


@pytest.mark.parametrize(("servers", "load"), [(2, Fraction(1)), (5, Fraction(4)), (10, Fraction(17, 2)), (50, 45)])
def test_the_wait_of_several_servers_is_erlang_c(servers: int, load: Fraction) -> None:
    service_ms = 10
    rps = float(load) / service_ms * 1000
    result = estimate(
        [node("u", "browser", rps=rps), node("s", latency_ms=service_ms, concurrency=servers)], chain("u", "s")
    )
    expected = float(exact_erlang_c(servers, Fraction(load))) * service_ms / (servers - float(load))
    assert result["nodes"]["s"]["wait_ms"] == pytest.approx(expected, rel=1e-9)


def log_space_erlang_c(servers: int, load: float) -> float:
    """Erlang C through log-sum-exp of the Poisson terms: an independent way to large pools."""
    logs = [k * math.log(load) - math.lgamma(k + 1) for k in range(servers)]
    waiting = servers * math.log(load) - math.lgamma(servers + 1) + math.log(servers / (servers - load))
    top = max([*logs, waiting])
    total = sum(math.exp(x - top) for x in logs) + math.exp(waiting - top)
    return math.exp(waiting - top) / total


@pytest.mark.parametrize(("servers", "load"), [(1000, 950.0), (2000, 1960.0), (5000, 4000.0), (3000, 2999.0)])
def test_erlang_c_stays_exact_for_thousands_of_servers(servers: int, load: float) -> None:
    # Below 1e-12 a chance of waiting changes no wait worth reporting, and may be cut to 0.
    assert erlang_c(servers, load) == pytest.approx(log_space_erlang_c(servers, load), rel=1e-9, abs=1e-12)


def hypoexponential_p99(rates_per_ms: list[float]) -> float:
    def tail(t: float) -> float:
        return sum(
            math.prod(other / (other - rate) for other in rates_per_ms if other != rate) * math.exp(-rate * t)
            for rate in rates_per_ms
        )

    low, high = 0.0, 1e7
    for _ in range(200):
        low, high = ((low + high) / 2, high) if tail((low + high) / 2) > 0.01 else (low, (low + high) / 2)
    return low


@pytest.mark.parametrize("latencies", [[10, 20, 40], [5, 10], [10, 12, 30, 50]])
def test_a_series_of_stations_adds_the_means_and_nearly_gives_the_exact_p99(latencies: list[float]) -> None:
    rps = 10
    nodes = [node("u", "browser", rps=rps)] + [
        node(f"s{i}", latency_ms=latency, concurrency=1) for i, latency in enumerate(latencies)
    ]
    result = estimate(nodes, chain("u", *(f"s{i}" for i in range(len(latencies)))))
    sojourn_rates = [1 / latency - rps / 1000 for latency in latencies]
    assert entry(result, "u")["mean_ms"] == pytest.approx(sum(1 / r for r in sojourn_rates), rel=1e-9)
    assert entry(result, "u")["p99_ms"] == pytest.approx(hypoexponential_p99(sojourn_rates), rel=0.05)


def test_a_series_of_equal_stations_gives_the_exact_erlang_p99() -> None:
    # Three M/M/1 sojourns of mean 20 ms: an Erlang(3) time, whose p99 solves e^-x (1 + x + x^2/2) = 0.01.
    result = estimate(
        [node("u", "browser", rps=50)] + [node(f"s{i}", latency_ms=10, concurrency=1) for i in range(3)],
        chain("u", "s0", "s1", "s2"),
    )
    low, high = 0.0, 50.0
    for _ in range(200):
        x = (low + high) / 2
        low, high = (x, high) if math.exp(-x) * (1 + x + x * x / 2) > 0.01 else (low, x)
    assert entry(result, "u")["p99_ms"] == pytest.approx(20 * low, rel=1e-7)


@pytest.mark.parametrize(("fast", "slow_weight"), [(1.0, 0.1), (1.0, 0.005), (50.0, 0.5)])
def test_the_p99_of_a_mixture_is_where_its_exact_tail_is_one_percent(fast: float, slow_weight: float) -> None:
    # Fast hits and slow misses of a cache: two exponentials (gammas of shape 1), side by side.
    def tail(t: float) -> float:
        return (1 - slow_weight) * math.exp(-t / fast) + slow_weight * math.exp(-t / 20)

    low, high = 0.0, 1e4
    for _ in range(200):
        low, high = ((low + high) / 2, high) if tail((low + high) / 2) > 0.01 else (low, (low + high) / 2)
    mixture = ((1 - slow_weight, fast, fast * fast, {}), (slow_weight, 20.0, 400.0, {}))
    assert percentile(mixture) == pytest.approx(low, rel=1e-9)


def test_the_percentile_of_a_mixture_with_a_constant_time_is_found_at_its_step() -> None:
    # Far beyond the fast part its density vanishes: the search must still come back to the step.
    mixture = ((0.79, 0.0127, 1.78e-5, {}), (0.21, 270.0, 0.0, {}))
    assert percentile(mixture, 0.999) == pytest.approx(270.0, rel=1e-9)


def test_a_spread_below_a_floats_precision_is_a_constant_time() -> None:
    assert percentile(((1.0, 5.0, 1e-40, {}),)) == pytest.approx(5.0, rel=1e-9)
    assert percentile(((0.5, 1.0, 1.0, {}), (0.5, 50.0, 1e-30, {}))) == pytest.approx(50.0, rel=1e-9)


@pytest.mark.parametrize(
    "mixture", [((1.0, 1e179, math.inf, {}),), ((1.0, math.inf, math.inf, {}),), ((1.0, 1e-200, 1e200, {}),)]
)
def test_a_time_beyond_a_float_has_an_unknown_percentile(mixture: Any) -> None:
    assert math.isnan(percentile(mixture))


def test_a_time_too_long_to_compute_is_said_and_the_rest_is_estimated() -> None:
    # Valid props: a million tokens at 1e-170 tokens/s is 1e179 ms, whose square is no float.
    result = estimate(
        [
            node("u", "browser", rps=0),
            node("llm", "llm", output_tokens=1_000_000, tokens_per_s=1e-170),
            node("v", "browser", rps=5),
            node("api"),
        ],
        [call("u", "llm"), call("v", "api")],
    )
    assert (entry(result, "u")["mean_ms"], entry(result, "u")["p99_ms"]) == (pytest.approx(1e179), None)
    assert result["errors"] == [
        {
            "loc": "nodes[0]",
            "msg": "client 'u': its time is too long to compute (about 1e150 ms or more): check the service times "
            "and `calls` along its calls",
        }
    ]
    assert entry(result, "v")["p99_ms"] == pytest.approx(46.05, rel=1e-3)
    json.dumps(result, allow_nan=False)


# --- routing and rates ----------------------------------------------------------------------------


def test_a_router_takes_one_edge_by_fraction_and_the_unset_ones_share_the_rest() -> None:
    result = estimate(
        [node("u", "browser", rps=100), node("lb", "load_balancer"), node("a"), node("b"), node("c")],
        [call("u", "lb"), call("lb", "a", fraction=0.5), call("lb", "b"), call("lb", "c")],
    )
    assert rates(result) == {"u": 0, "lb": 100, "a": 50, "b": 25, "c": 25}


def test_fractions_below_one_leave_the_rest_at_the_router() -> None:
    # A CDN answering 90 % of requests from its edge sends 10 % to the origin.
    result = estimate(
        [node("u", "browser", rps=100), node("cdn", "cdn", latency_ms=20), node("origin", latency_ms=50)],
        [call("u", "cdn"), call("cdn", "origin", fraction=0.1)],
    )
    assert result["nodes"]["origin"]["rate"] == pytest.approx(10)
    assert entry(result, "u")["mean_ms"] == pytest.approx(20 + 0.1 * 50, rel=1e-6)


def test_fractions_above_one_are_an_error_at_the_router_and_its_targets_get_no_load() -> None:
    result = estimate(
        [node("u", "browser", rps=10), node("gw", "api_gateway"), node("a"), node("b")],
        [call("u", "gw"), call("gw", "a", fraction=0.7), call("gw", "b", fraction=0.5)],
    )
    assert result["errors"] == [
        {
            "loc": "nodes[1]",
            "msg": "router 'gw': the fractions of its out edges add up to 1.2, above 1 "
            "(a request takes exactly one of them)",
        }
    ]
    assert result["nodes"]["a"]["rate"] is None and result["nodes"]["b"]["rate"] is None
    assert result["max_scale"] is None
    assert entry(result, "u")["mean_ms"] is None


def test_calls_multiply_the_load_and_a_non_integer_is_a_mean() -> None:
    result = estimate(
        [node("u", "browser", rps=10), node("api"), node("db", "sql_db")],
        [call("u", "api"), call("api", "db", calls=2.5)],
    )
    assert result["nodes"]["db"]["rate"] == pytest.approx(25)


@pytest.mark.parametrize("calls", [1e-170, 1e-300, 5e-324])
def test_calls_so_rare_their_chances_underflow_change_nothing_and_break_nothing(calls: float) -> None:
    # Three edges of 1e-170 calls: the chance of taking two of them is below the smallest float,
    # and components of no weight were merged by dividing by their weight (a crash, so a 500).
    def board(calls: float) -> dict[str, Any]:
        return doc(
            [node("u", "browser", rps=10), node("a"), node("b"), node("c"), node("d")],
            [call("u", "a"), call("a", "b", calls=calls), call("a", "c", calls=calls), call("a", "d", calls=calls)],
        )

    rare, none = estimate_board(board(calls)), estimate_board(board(0))
    assert rare["errors"] == []
    assert entry(rare, "u")["p99_ms"] == pytest.approx(entry(none, "u")["p99_ms"], rel=1e-12)
    assert entry(rare, "u")["mean_ms"] == pytest.approx(entry(none, "u")["mean_ms"], rel=1e-12)


def test_a_cache_sends_only_its_misses_on() -> None:
    result = estimate(
        [node("u", "browser", rps=100), node("k", "cache", hit_ratio=0.8), node("db", "sql_db", latency_ms=10)],
        [call("u", "k"), call("k", "db")],
    )
    assert result["nodes"]["db"]["rate"] == pytest.approx(20)
    k = result["nodes"]["k"]["mean_ms"]
    assert entry(result, "u")["mean_ms"] == pytest.approx(k + 0.2 * result["nodes"]["db"]["mean_ms"])


def test_an_async_edge_adds_load_downstream_but_no_time_to_the_caller() -> None:
    result = estimate(
        [node("u", "browser", rps=10), node("api", latency_ms=10), node("q", "queue"), node("w", "worker")],
        [call("u", "api"), call("api", "q", **{"async": True}), call("q", "w")],
    )
    assert result["nodes"]["w"]["rate"] == pytest.approx(10)
    assert entry(result, "u")["mean_ms"] == pytest.approx(result["nodes"]["api"]["mean_ms"])


def test_a_loop_that_gives_back_less_than_it_takes_is_solved() -> None:
    # Half of what the worker handles goes back to the queue (async): lambda = 10 + lambda / 2.
    result = estimate(
        [node("u", "browser", rps=10), node("q", "queue"), node("w", "worker")],
        [call("u", "q"), call("q", "w", **{"async": True}), call("w", "q", calls=0.5, **{"async": True})],
    )
    assert result["errors"] == []
    assert rates(result) == {"u": 0, "q": pytest.approx(20), "w": pytest.approx(20)}


def test_a_longer_loop_with_a_client_inside_is_solved_as_a_linear_system() -> None:
    # b -> c -> d -> b gives back 0.5 x 0.8 = 0.4 of what passes; the partner p also sends into it.
    result = estimate(
        [
            node("u", "browser", rps=6),
            node("b"),
            node("c"),
            node("d"),
            node("p", "external_system", rps=3),
        ],
        [
            call("u", "b"),
            call("b", "c", **{"async": True}),
            call("c", "d", calls=0.5, **{"async": True}),
            call("d", "b", calls=0.8, **{"async": True}),
            call("p", "c", **{"async": True}),
        ],
    )
    # b = 6 + 0.8 d, c = b + 3, d = 0.5 c  ->  b = 6 + 0.4 (b + 3)  ->  b = 12.
    assert rates(result) == pytest.approx({"u": 0, "p": 0, "b": 12, "c": 15, "d": 7.5})


def test_a_loop_that_multiplies_load_is_an_error_naming_it() -> None:
    result = estimate(
        [node("u", "browser", rps=1), node("a"), node("b"), node("after")],
        [call("u", "a"), call("a", "b", **{"async": True}), call("b", "a", **{"async": True}), call("b", "after")],
    )
    assert [e["loc"] for e in result["errors"]] == ["nodes[1]"]
    assert "a -> b -> a" in result["errors"][0]["msg"] and "gain >= 1" in result["errors"][0]["msg"]
    assert {k: v for k, v in rates(result).items() if v is None} == {"a": None, "b": None, "after": None}


def test_a_synchronous_loop_leaves_the_clients_times_empty_with_a_reason() -> None:
    result = estimate(
        [node("u", "browser", rps=1), node("a"), node("b")],
        [call("u", "a"), call("a", "b"), call("b", "a", calls=0.5)],
    )
    u = entry(result, "u")
    assert (u["mean_ms"], u["p99_ms"], u["first_token_ms"], u["availability"]) == (None, None, None, None)
    assert result["nodes"]["a"]["rate"] == pytest.approx(2)
    assert [e["loc"] for e in result["errors"]] == ["nodes[0]"]
    assert "synchronous loop a -> b -> a" in result["errors"][0]["msg"]


def test_one_client_sending_through_another_carries_its_load() -> None:
    result = estimate(
        [node("people", "user", rps=5), node("app", "browser"), node("api", latency_ms=10)],
        [call("people", "app"), call("app", "api")],
    )
    assert result["nodes"]["api"]["rate"] == pytest.approx(5)
    assert entry(result, "people")["mean_ms"] == pytest.approx(entry(result, "app")["mean_ms"])


def test_a_third_party_api_answers_from_its_own_station_and_sends_nothing_on() -> None:
    result = estimate(
        [
            node("u", "browser", rps=10),
            node("api", latency_ms=10),
            node("psp", "external_system", latency_ms=200, concurrency=30),
            node("webhooks"),
        ],
        [call("u", "api"), call("api", "psp"), call("psp", "webhooks")],
    )
    assert result["nodes"]["psp"]["rate"] == pytest.approx(10)
    assert result["nodes"]["webhooks"]["rate"] == 0
    assert entry(result, "u")["mean_ms"] == pytest.approx(
        result["nodes"]["api"]["mean_ms"] + result["nodes"]["psp"]["mean_ms"]
    )


def test_notes_are_left_out_of_the_estimate() -> None:
    result = estimate(
        [node("u", "browser", rps=10), node("n", "note"), node("api")],
        [call("u", "api"), call("n", "api"), call("api", "n")],
    )
    assert set(result["nodes"]) == {"u", "api"}
    assert result["nodes"]["api"]["rate"] == pytest.approx(10)
    assert defaults_for("note") == {}


# --- time, capacity, LLMs -------------------------------------------------------------------------


def test_a_router_takes_the_expected_time_over_its_routes() -> None:
    nodes = [node("u", "browser", rps=1), node("lb", "load_balancer", latency_ms=1)]
    result = estimate(
        [*nodes, node("a", latency_ms=10), node("b", latency_ms=30)],
        [call("u", "lb"), call("lb", "a", fraction=0.25), call("lb", "b")],
    )
    figures = result["nodes"]
    expected = figures["lb"]["mean_ms"] + 0.25 * figures["a"]["mean_ms"] + 0.75 * figures["b"]["mean_ms"]
    assert entry(result, "u")["mean_ms"] == pytest.approx(expected)


def test_over_capacity_reports_the_utilisation_and_no_wait_or_time() -> None:
    result = estimate([node("u", "browser", rps=150), node("api", latency_ms=10, concurrency=1)], chain("u", "api"))
    assert result["nodes"]["api"] == {
        "rate": 150,
        "servers": 1,
        "utilisation": pytest.approx(1.5),
        "wait_ms": None,
        "mean_ms": None,
        "availability": 0.995,
    }
    assert (entry(result, "u")["mean_ms"], entry(result, "u")["p99_ms"]) == (None, None)
    assert result["bottleneck"] == "api"
    assert result["max_scale"] == pytest.approx(1 / 1.5)


def test_max_scale_is_where_the_bottleneck_reaches_capacity() -> None:
    nodes = [node("u", "browser", rps=40), node("api", latency_ms=20, concurrency=4), node("db", "sql_db")]
    edges = [call("u", "api"), call("api", "db", calls=3)]
    limit = estimate(nodes, edges)["max_scale"]
    below, above = estimate(nodes, edges, scale=limit * 0.999), estimate(nodes, edges, scale=limit * 1.001)
    assert max(n["utilisation"] for n in below["nodes"].values()) < 1
    assert above["nodes"][above["bottleneck"]]["utilisation"] >= 1


def test_a_board_without_load_has_no_bottleneck_and_no_max_scale() -> None:
    result = estimate([node("u", "browser"), node("api")], chain("u", "api"))
    assert (result["bottleneck"], result["max_scale"]) == (None, None)
    assert entry(result, "u")["rps"] == 0


def test_an_llm_serves_in_its_time_to_first_token_plus_its_tokens() -> None:
    result = estimate(
        [node("u", "browser", rps=0.01), node("llm", "llm", ttft_ms=500, output_tokens=400, tokens_per_s=80)],
        chain("u", "llm"),
    )
    assert result["nodes"]["llm"]["mean_ms"] == pytest.approx(500 + 5000, rel=1e-6)


def test_a_streaming_client_sees_the_first_token_and_a_plain_one_the_whole_answer() -> None:
    nodes = [
        node("chat", "browser", rps=1),
        node("batch", "browser", rps=1),
        node("api", latency_ms=10),
        node("llm", "llm", ttft_ms=300, output_tokens=200, tokens_per_s=100),
    ]
    edges = [call("chat", "api", protocol="sse"), call("batch", "api", "batch-api", protocol="https")]
    result = estimate(nodes, [*edges, call("api", "llm")])
    chat, batch = entry(result, "chat"), entry(result, "batch")
    llm_wait = result["nodes"]["llm"]["wait_ms"]
    assert chat["first_token_ms"] == pytest.approx(result["nodes"]["api"]["mean_ms"] + 300 + llm_wait)
    assert chat["mean_ms"] == pytest.approx(result["nodes"]["api"]["mean_ms"] + 2300 + llm_wait)
    assert batch["first_token_ms"] == batch["mean_ms"]


def test_availability_multiplies_along_synchronous_calls_and_weighs_a_routers_routes() -> None:
    result = estimate(
        [
            node("u", "browser"),
            node("lb", "load_balancer", availability=1.0),
            node("a", availability=0.99, replicas=2),
            node("b", availability=0.9),
            node("db", "sql_db", availability=0.999),
            node("q", "queue", availability=0.5),
        ],
        [
            call("u", "lb"),
            call("lb", "a", fraction=0.5),
            call("lb", "b", fraction=0.5),
            call("a", "db"),
            call("a", "q", **{"async": True}),
        ],
    )
    assert result["nodes"]["a"]["availability"] == pytest.approx(1 - 0.01**2)
    through_a = (1 - 0.01**2) * 0.999  # the async queue does not count
    assert entry(result, "u")["availability"] == pytest.approx(0.5 * through_a + 0.5 * 0.9)


def test_the_output_has_exactly_the_spec_shape_and_is_strict_json() -> None:
    result = estimate(
        [node("u", "browser", rps=1, slo_p99_ms=100), node("api")], chain("u", "api"), scale=2, version=None
    )
    assert set(result) == {"board", "version", "scale", "entries", "nodes", "bottleneck", "max_scale", "errors"}
    assert set(result["entries"][0]) == {
        "client",
        "rps",
        "mean_ms",
        "p99_ms",
        "first_token_ms",
        "availability",
        "slo_p99_ms",
    }
    assert set(result["nodes"]["api"]) == {"rate", "servers", "utilisation", "wait_ms", "mean_ms", "availability"}
    assert (result["board"], result["scale"], entry(result, "u")["rps"], entry(result, "u")["slo_p99_ms"]) == (
        "load",
        2,
        2,
        100,
    )
    json.dumps(result, allow_nan=False)


# --- estimate props and defaults ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "key", "value", "message"),
    [
        ("node", "hit_ratio", 1.5, "must be a number from 0 to 1"),
        ("node", "availability", -0.1, "must be a number from 0 to 1"),
        ("node", "rps", -1, "must be a number from 0 to 10,000,000"),
        ("node", "rps", "lots", "must be a number from 0 to 10,000,000"),
        ("node", "latency_ms", True, "must be a number from 0 to 86,400,000"),
        ("node", "concurrency", 2.5, "must be an integer from 1 to 100,000"),
        ("node", "concurrency", 0, "must be an integer from 1 to 100,000"),
        ("node", "concurrency", 10**400, "must be an integer from 1 to 100,000"),
        ("node", "rps", math.nan, "must be a number from 0 to 10,000,000"),
        ("node", "tokens_per_s", 0, "must be a number above 0 and at most 1,000,000"),
        ("node", "slo_p99_ms", 0, "must be a number above 0 and at most 86,400,000"),
        ("node", "ttft_ms", None, "must be a number from 0 to 86,400,000"),
        ("edge", "calls", 1001, "must be a number from 0 to 1,000"),
        ("edge", "fraction", 2, "must be a number from 0 to 1"),
    ],
)
def test_a_bad_estimate_prop_is_rejected_with_its_place(element: str, key: str, value: Any, message: str) -> None:
    nodes = [node("a"), node("b")]
    edges = [call("a", "b")]
    (nodes if element == "node" else edges)[1 if element == "node" else 0]["props"][key] = value
    with pytest.raises(BoardError) as raised:
        doc(nodes, edges)
    loc = f"nodes[1].props.{key}" if element == "node" else f"edges[0].props.{key}"
    assert raised.value.errors == [{"loc": loc, "msg": message}]


def test_estimate_props_are_only_checked_on_their_own_element() -> None:
    assert check_estimate_prop("calls", -5, "node") is None
    assert check_estimate_prop("rps", "many", "edge") is None
    assert check_estimate_prop("calls", 0, "edge") is None


def test_a_stored_board_with_a_bad_value_gets_the_default_and_an_error() -> None:
    # Saved before the checks existed (unknown keys were kept as they were), never validated again.
    stored = doc([node("u", "browser", rps=10), node("api")], chain("u", "api"))
    stored["nodes"][1]["props"]["latency_ms"] = "fast"
    result = estimate_board(stored)
    assert result["errors"] == [
        {"loc": "nodes[1].props.latency_ms", "msg": "must be a number from 0 to 86,400,000; it is left out"}
    ]
    assert result["nodes"]["api"]["mean_ms"] == pytest.approx(defaults_for("service")["latency_ms"], rel=0.01)


@pytest.mark.parametrize("kind", sorted(k for k in palette.KINDS if not palette.is_annotation(k)))
def test_every_kind_has_estimate_defaults(kind: str) -> None:
    defaults = defaults_for(kind)
    assert defaults["latency_ms"] >= 0
    assert isinstance(defaults["concurrency"], int) and defaults["concurrency"] >= 1
    assert 0 < defaults["availability"] <= 1


def test_a_kind_added_later_gets_its_categorys_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(palette.KINDS, "graph_db", palette.Kind("graph_db", "data", "Graph DB", "x.Y"))
    monkeypatch.setitem(palette.KINDS, "robot", palette.Kind("robot", "robotics", "Robot", "x.Y"))
    assert defaults_for("graph_db") == defaults_for("sql_db")
    assert defaults_for("robot") == defaults_for("service")


def test_an_llm_has_a_time_to_first_token_among_its_defaults() -> None:
    assert defaults_for("llm")["ttft_ms"] < defaults_for("llm")["latency_ms"]


# --- the load findings of the review --------------------------------------------------------------


def findings(document: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in review_board(document)["findings"] if f["rule"] == rule]


def test_the_load_rules_are_registered_with_their_severities() -> None:
    assert {r: RULES[r].severity for r in ("over-capacity", "near-capacity", "slo-breach")} == {
        "over-capacity": "error",
        "near-capacity": "warning",
        "slo-breach": "warning",
    }


def test_over_and_near_capacity_are_flagged_per_node() -> None:
    board = doc(
        [
            node("u", "browser", rps=100),
            node("hot", latency_ms=15, concurrency=1),
            node("warm", latency_ms=9, concurrency=1),
            node("cool", latency_ms=7, concurrency=1),
        ],
        [call("u", "hot"), call("u", "warm"), call("u", "cool")],
    )
    assert [f["nodes"] for f in findings(board, "over-capacity")] == [["hot"]]
    assert [f["nodes"] for f in findings(board, "near-capacity")] == [["warm"]]
    assert findings(board, "over-capacity")[0]["severity"] == "error"
    assert "utilisation 1.50" in findings(board, "over-capacity")[0]["message"]


def test_slo_breach_flags_a_client_whose_p99_is_above_its_slo() -> None:
    nodes = [
        node("strict", "browser", rps=1, slo_p99_ms=100),
        node("lenient", "mobile", rps=1, slo_p99_ms=10_000),
        node("api", latency_ms=50),
    ]
    board = doc(nodes, [call("strict", "api"), call("lenient", "api")])
    assert [f["nodes"] for f in findings(board, "slo-breach")] == [["strict"]]


def test_no_load_findings_without_a_client_rps() -> None:
    board = doc([node("u", "browser", slo_p99_ms=1), node("api", latency_ms=50, concurrency=1)], chain("u", "api"))
    assert not any(
        f["rule"] in ("over-capacity", "near-capacity", "slo-breach") for f in review_board(board)["findings"]
    )


def test_load_findings_are_suppressed_counted_and_exported_like_any_finding() -> None:
    board = doc(
        [node("u", "browser", rps=200), node("a", latency_ms=10, concurrency=1), node("b", latency_ms=10)],
        chain("u", "a", "b"),
        review={"suppress": [{"rule": "over-capacity", "target": "a", "reason": "load test board"}]},
    )
    review = review_board(board)
    over = [f for f in review["findings"] if f["rule"] == "over-capacity"]
    assert [(f["nodes"], f["suppressed"], f.get("reason")) for f in over] == [(["a"], True, "load test board")]
    sarif = to_sarif(review)
    driver_rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"over-capacity", "near-capacity", "slo-breach"} <= driver_rules
    assert any(r["ruleId"] == "over-capacity" for r in sarif["runs"][0]["results"])


# --- properties on random boards ------------------------------------------------------------------

KINDS_USED = ["browser", "external_system", "load_balancer", "api_gateway", "service", "cache", "sql_db", "queue"]


@st.composite
def boards(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 9))
    kinds = draw(st.lists(st.sampled_from(KINDS_USED), min_size=n, max_size=n))
    kinds[0] = "browser"
    nodes = []
    for i, kind in enumerate(kinds):
        props: dict[str, Any] = {
            "latency_ms": draw(st.floats(0.5, 50)),
            "concurrency": draw(st.integers(1, 8)),
            "replicas": draw(st.integers(1, 3)),
        }
        if palette.category_of(kind) == "client":
            props["rps"] = draw(st.floats(0, 200))
        if kind == "cache":
            props["hit_ratio"] = draw(st.floats(0, 1))
        nodes.append(node(f"n{i}", kind, **props))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))
    edges = []
    for k, (s, t) in enumerate(pairs):
        if s == t:
            continue
        props = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "calls": st.sampled_from([0, 0.3, 1, 2]),
                    "fraction": st.sampled_from([0.1, 0.4]),
                    "async": st.booleans(),
                },
            )
        )
        edges.append(call(f"n{s}", f"n{t}", f"e{k}", **props))
    return doc(nodes, edges)


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def with_prop(board: dict[str, Any], node_id: str, key: str, value: Any) -> dict[str, Any]:
    changed = json.loads(json.dumps(board))
    next(n for n in changed["nodes"] if n["id"] == node_id)["props"][key] = value
    return changed


@PROPERTY
@given(boards(), st.data())
def test_another_replica_never_raises_a_utilisation(board: dict[str, Any], data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(board["nodes"]))
    before = estimate_board(board)["nodes"]
    after = estimate_board(with_prop(board, target["id"], "replicas", target["props"]["replicas"] + 1))["nodes"]
    for node_id, figures in before.items():
        if figures["utilisation"] is None:
            assert after[node_id]["utilisation"] is None
        else:
            assert after[node_id]["utilisation"] <= figures["utilisation"] * (1 + 1e-9)


@PROPERTY
@given(boards(), st.data())
def test_a_higher_hit_ratio_never_raises_the_load_anywhere(board: dict[str, Any], data: st.DataObject) -> None:
    caches = [n for n in board["nodes"] if n["kind"] == "cache"]
    if not caches:
        return
    cache = data.draw(st.sampled_from(caches))
    higher = data.draw(st.floats(cache["props"]["hit_ratio"], 1))
    before = estimate_board(board)
    after = estimate_board(with_prop(board, cache["id"], "hit_ratio", higher))
    if before["errors"]:  # a loop that multiplies load has no rates to compare
        return
    for node_id, rate in rates(before).items():
        assert rates(after)[node_id] <= rate * (1 + 1e-9) + 1e-9


@PROPERTY
@given(boards(), st.floats(0.01, 100))
def test_scale_multiplies_every_rate(board: dict[str, Any], scale: float) -> None:
    unit, scaled = rates(estimate_board(board)), rates(estimate_board(board, scale=scale))
    for node_id, rate in unit.items():
        if rate is None:
            assert scaled[node_id] is None
        else:
            assert scaled[node_id] == pytest.approx(rate * scale, rel=1e-9, abs=1e-12)


@PROPERTY
@given(boards())
def test_every_valid_board_gets_a_strict_json_estimate_of_the_spec_shape(board: dict[str, Any]) -> None:
    result = estimate_board(board)
    json.dumps(result, allow_nan=False)
    assert [e["client"] for e in result["entries"]] == [
        n["id"] for n in board["nodes"] if palette.category_of(n["kind"]) == "client"
    ]
    assert set(result["nodes"]) == {n["id"] for n in board["nodes"]}
