"""Real servers and a real browser for the tests and the benchmarks: one harness for both.

- deployment.py: ASGI workers started as `make run` and the container start them, on a database
  of their own, with nginx in front when asked (scale-out, fault and deployment tests,
  bench/collab.py).
- liveserver.py: one server for the browser tests and the editor benchmarks, with users, tokens
  and an API client.
- chromium.py: Debian's Chromium and the flags every launch uses.
"""
