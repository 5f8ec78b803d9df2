"""The MCP server (SPEC section 10): AI agents list, read, draw, review and export boards.

An interface beside the REST API and the WebSocket: `server` defines the tools and the board
resources on the official `mcp` SDK, `http` serves them at `/mcp` (streamable HTTP, bearer
tokens), `stdio` serves them to one local user (`manage.py mcp --user NAME`), and `screen` reads
every message strictly before the SDK does.
"""
