"""An agent's session over MCP, with the official SDK's client: it draws the multi-agent squad
board op by op, reviews it, fixes what the review finds, estimates its load, and renders it.

    python scripts/mcp_walkthrough.py http://127.0.0.1:8000/mcp "$TOKEN"     # streamable HTTP
    python scripts/mcp_walkthrough.py --stdio USERNAME                     # manage.py mcp

The board comes from fixtures/multi_agent_squad.json, drafted as a first draft often is: the API
gateway without replicas. The README shows this script's output.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

ROOT = Path(__file__).resolve().parent.parent


def draft_ops(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The ops that draw the plan on an empty board: groups (parents first), nodes, then edges."""
    ops = [{"action": "add_group", "group": group} for group in plan["groups"]]
    for node in plan["nodes"]:
        if node["id"] == "gw":  # the first draft's mistake
            node = {**node, "props": {k: v for k, v in node["props"].items() if k != "replicas"}}
        ops.append({"action": "add_node", "node": node})
    ops += [{"action": "add_edge", "edge": edge} for edge in plan["edges"]]
    return ops


def show_findings(review: dict[str, Any]) -> None:
    summary = review["summary"]
    print(f"  {summary['error']} error(s), {summary['warning']} warning(s), {summary['info']} info")
    for finding in review["findings"]:
        if not finding["suppressed"]:
            print(f"  {finding['severity']:7} {finding['rule']} {finding['nodes']}: {finding['message']}")


async def session(client: Client, picture: Path) -> None:
    palette = (await client.call_tool("get_palette", {})).structured_content
    kinds = sum(len(category["kinds"]) for category in palette["categories"])
    print(f"get_palette: {len(palette['categories'])} categories, {kinds} kinds")

    plan = json.loads((ROOT / "fixtures" / "multi_agent_squad.json").read_text())
    empty = {"format": "archboard/1", "name": plan["name"], "description": plan["description"]}
    empty |= {"nodes": [], "edges": []}
    created = (await client.call_tool("create_board", {"board": empty})).structured_content
    board_id = created["id"]
    print(f"create_board: board {board_id}, version {created['version']}")

    ops = draft_ops(plan)
    drawn = await client.call_tool("apply_ops", {"board_id": board_id, "ops": ops})
    applied = sum(result["type"] == "applied" for result in drawn.structured_content["results"])
    print(f"apply_ops: {applied} of {len(ops)} ops applied, board at version {drawn.structured_content['version']}")

    print("review_board:")
    review = (await client.call_tool("review_board", {"board_id": board_id})).structured_content
    show_findings(review)

    fix = {"action": "update_node", "id": "gw", "set": {"props": {"replicas": 3}}}
    fixed = await client.call_tool("apply_ops", {"board_id": board_id, "ops": [fix]})
    print(f"apply_ops: {json.dumps(fix)} -> version {fixed.structured_content['version']}")

    print("review_board:")
    show_findings((await client.call_tool("review_board", {"board_id": board_id})).structured_content)

    estimate = (await client.call_tool("estimate_board", {"board_id": board_id})).structured_content
    entry, bottleneck = estimate["entries"][0], estimate["bottleneck"]
    print(
        f"estimate_board: {entry['client']} at {entry['rps']:g} rps: p99 {entry['p99_ms']:,.0f} ms "
        f"(SLO {entry['slo_p99_ms']:,.0f} ms); bottleneck {bottleneck} at "
        f"{estimate['nodes'][bottleneck]['utilisation']:.0%}; max scale {estimate['max_scale']:.2f}"
    )

    refused = await client.call_tool(
        "apply_ops", {"board_id": board_id, "ops": [{"action": "add_node", "node": {"id": "vec", "kind": "vectordb"}}]}
    )
    print(f"apply_ops with a mistake: isError={refused.is_error}")
    for block in refused.content:
        print("  " + block.text.replace("\n", "\n  "))

    image = (await client.call_tool("render_board", {"board_id": board_id, "format": "png"})).content[0]
    picture.write_bytes(base64.b64decode(image.data))
    print(f"render_board: {image.mime_type}, {picture.stat().st_size} bytes -> {picture}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="the MCP URL, or with --stdio the username")
    parser.add_argument("token", nargs="?", help="an API token (HTTP)")
    parser.add_argument("--stdio", action="store_true", help="start manage.py mcp --user TARGET instead")
    parser.add_argument("-o", "--picture", type=Path, default=Path("squad.png"))
    args = parser.parse_args()
    if args.stdio:
        # The same settings as this shell's (DATABASE_URL, SQLITE_PATH, REDIS_URL, ...): the SDK
        # passes a child only a few variables unless told.
        command = ["manage.py", "mcp", "--user", args.target]
        server = StdioServerParameters(command=sys.executable, args=command, cwd=str(ROOT), env=dict(os.environ))
        async with Client(server) as client:
            await session(client, args.picture)
        return 0
    if not args.token:
        parser.error("an API token is needed over HTTP")
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {args.token}"}) as http,
        Client(streamable_http_client(args.target, http_client=http)) as client,
    ):
        await session(client, args.picture)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
