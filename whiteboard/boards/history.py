"""Board history: past versions rebuilt from the op log, named versions, checkpoints, restore, activity.

The op log (`BoardOp`) is the history: version 1 is the `replace` that created the board and
every later version is one op. A past version is rebuilt by replaying the ops after the nearest
snapshot (a named version or an automatic checkpoint) or the nearest `replace`, whichever is
later; checkpoints every `CHECKPOINT_EVERY` ops keep that replay short.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from whiteboard.boards.models import Board, BoardOp, Snapshot
from whiteboard.domain.activity import describe_op, labels_of, via
from whiteboard.domain.board import MAX_NAME, BoardError
from whiteboard.domain.diff import diff_boards
from whiteboard.domain.load_diff import load_change
from whiteboard.domain.ops import apply_op
from whiteboard.reviews.running import sparing_the_collector

CHECKPOINT_EVERY = 100
# Items a page of the API's lists holds, and the pictures of a diff: here, below both the views
# and the OpenAPI document that describes them.
PAGE_SIZE = 50
IMAGE_FORMATS = ("png", "svg")
MAX_NAMED_VERSIONS = 500
# The first op after a pause this long starts a new editing session: the state before it is kept.
CHECKPOINT_PAUSE = timedelta(minutes=10)


class VersionNotFound(Exception):
    def __init__(self, version: object) -> None:
        super().__init__(f"no version {version} of this board")


def take_checkpoints(
    *, board: Board, before_version: int, before_document: dict[str, Any], last_change: datetime, user: User | None
) -> None:
    """Called by `board_apply_op` inside its transaction, after the op is stored."""
    paused = before_version >= 1 and timezone.now() - last_change >= CHECKPOINT_PAUSE
    if paused and not Snapshot.objects.filter(board=board, version=before_version).exists():
        author = BoardOp.objects.filter(board=board, version=before_version).values_list("user", flat=True).first()
        Snapshot.objects.create(
            board=board, version=before_version, kind=Snapshot.Kind.AUTO, author_id=author, document=before_document
        )
    if board.version % CHECKPOINT_EVERY == 0:
        Snapshot.objects.create(
            board=board, version=board.version, kind=Snapshot.Kind.AUTO, author=user, document=board.document
        )


def parse_version(raw: object, board: Board) -> int:
    """A version number of this board from user input; VersionNotFound otherwise."""
    try:
        version = int(str(raw))
    except ValueError:
        raise VersionNotFound(str(raw)[:20]) from None
    if not 1 <= version <= board.version:
        raise VersionNotFound(version)
    return version


def document_at(board: Board, version: int) -> dict[str, Any]:
    """The board document as it was at `version` (1 .. board.version)."""
    if not 1 <= version <= board.version:
        raise VersionNotFound(version)
    if version == board.version:
        current: dict[str, Any] = board.document
        return current
    snapshot = (
        Snapshot.objects.filter(board=board, version__lte=version)
        .order_by("-version")
        .values_list("version", "document")
        .first()
    )
    replaced = (
        BoardOp.objects.filter(board=board, version__lte=version, op__action="replace")
        .order_by("-version")
        .values_list("version", "op")
        .first()
    )
    if replaced is not None and (snapshot is None or replaced[0] >= snapshot[0]):
        start, document = replaced[0], replaced[1]["board"]
    elif snapshot is not None:
        start, document = snapshot
    else:
        raise VersionNotFound(version)  # a log that does not start with a replace: nothing to replay from
    ops = BoardOp.objects.filter(board=board, version__gt=start, version__lte=version).order_by("version")
    if ops.count() != version - start:
        raise VersionNotFound(version)  # its single ops were folded into checkpoints (boards.compaction)
    for op in ops.values_list("op", flat=True).iterator():
        document = apply_op(document, op, validated=True)
    replayed: dict[str, Any] = document
    return replayed


def diff_versions(board: Board, from_version: int, to_version: int, *, load: bool = False) -> dict[str, Any]:
    """What changed between two versions; with `load`, also what it did to the load estimate
    (`load`: None when neither version has a client with `rps`)."""
    before, after = document_at(board, from_version), document_at(board, to_version)
    with sparing_the_collector(before, after):
        diff = diff_boards(before, after)
        if load:
            diff["load"] = load_change(before, after)
    return {"board_id": board.pk, "from": from_version, "to": to_version, **diff}


def snapshot_create(*, board: Board, name: str, user: User, version: int | None = None) -> Snapshot:
    """Name a version (the current one unless given)."""
    name = name.strip()
    if not name:
        raise BoardError.one("name", "a named version needs a name")
    if len(name) > MAX_NAME:
        raise BoardError.one("name", f"is {len(name)} characters long, the limit is {MAX_NAME}")
    if Snapshot.objects.filter(board=board, kind=Snapshot.Kind.NAMED).count() >= MAX_NAMED_VERSIONS:
        raise BoardError.one("name", f"a board keeps at most {MAX_NAMED_VERSIONS} named versions; forget one first")
    version = board.version if version is None else version
    return Snapshot.objects.create(
        board=board,
        version=version,
        kind=Snapshot.Kind.NAMED,
        name=name,
        author=user,
        document=document_at(board, version),
    )


def snapshot_delete(*, board: Board, snapshot_id: int) -> None:
    """Forget a name; the version itself stays in the log. Checkpoints cannot be deleted."""
    deleted, _ = Snapshot.objects.filter(board=board, pk=snapshot_id, kind=Snapshot.Kind.NAMED).delete()
    if not deleted:
        raise VersionNotFound(snapshot_id)


def snapshots(board: Board) -> Any:
    return Snapshot.objects.filter(board=board).select_related("author").order_by("-version", "-pk")


@dataclass(frozen=True)
class Activity:
    version: int
    user: str
    at: datetime
    action: str
    text: str
    via: str = ""  # "MCP" for an op an AI agent applied for the user

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "user": self.user,
            "at": self.at.isoformat(),
            "action": self.action,
            "text": self.text,
            "via": self.via or None,
        }


def activity(board: Board) -> Any:
    """The op log, newest first, as a queryset of rows for `activity_rows` (paginate it first)."""
    return (
        BoardOp.objects.filter(board=board)
        .order_by("-version")
        .values_list("version", "op_id", "user__username", "created_at", "op")
    )


def activity_rows(rows: Any, board: Board) -> list[Activity]:
    """The rows in words, naming elements by their labels: the labels in the ops' own elements,
    else the labels the elements have now."""
    names = labels_of(board.document)
    return [
        Activity(version, username or "", created_at, op.get("action", ""), describe_op(op, op_id, names), via(op_id))
        for version, op_id, username, created_at, op in rows
    ]


def named_versions(board: Board) -> list[Snapshot]:
    """The board's named versions, newest first (for picking versions by name)."""
    named = Snapshot.objects.filter(board=board, kind=Snapshot.Kind.NAMED).select_related("author")
    return list(named.order_by("-version", "-pk"))


def last_named_snapshot(board: Board) -> Snapshot | None:
    """The newest named version before the current one: what "what changed" compares with."""
    return (
        Snapshot.objects.filter(board=board, kind=Snapshot.Kind.NAMED, version__lt=board.version)
        .order_by("-version", "-pk")
        .first()
    )


def last_named_version(board: Board) -> int | None:
    snapshot = last_named_snapshot(board)
    return None if snapshot is None else snapshot.version


def authors(board: Board, versions: list[int]) -> dict[int, tuple[str, datetime]]:
    """Who made each of these versions and when."""
    rows = BoardOp.objects.filter(board=board, version__in=versions).values_list(
        "version", "user__username", "created_at"
    )
    return {version: (username or "", at) for version, username, at in rows}
