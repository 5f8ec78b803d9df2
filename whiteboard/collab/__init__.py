"""Real-time collaboration: the WebSocket protocol, the per-worker fan-out hub and a Python client."""
