"""The one error type of rejected input, shared by the board schema, ops and JSON parsing."""

from __future__ import annotations


class BoardError(ValueError):
    """A document (or an op, or a message) was rejected. `errors` lists every problem as
    {"loc", "msg"}: where it was found (`nodes[3].kind`, "" for the whole input) and why."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['loc']}: {e['msg']}" if e["loc"] else e["msg"] for e in errors))

    @classmethod
    def one(cls, loc: str, msg: str) -> BoardError:
        return cls([{"loc": loc, "msg": msg}])
