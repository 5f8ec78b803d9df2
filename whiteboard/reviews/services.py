"""Review services: comment threads on board elements, and the review status of a board.

Views, the API and (through `notify_board`) live editors all go through these functions. Access
is checked by the caller with `access.get_board_for`; the rules that depend on more than the
role (who may resolve a thread, who may approve) are checked here.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from whiteboard.boards.access import Role, allows
from whiteboard.boards.history import last_named_snapshot
from whiteboard.boards.models import Board
from whiteboard.boards.sharing import members
from whiteboard.collab.publish import send_event
from whiteboard.domain import palette
from whiteboard.domain.board import BoardError
from whiteboard.domain.review import compare_findings
from whiteboard.limits import hit
from whiteboard.reviews.models import BoardReview, Comment, ReviewEvent, ReviewStatus, Thread
from whiteboard.reviews.running import review_of, stored_board_review

MAX_BODY = 5_000
MAX_THREADS = 5_000  # per board
MAX_COMMENTS = 500  # per thread
MAX_NOTE = 2_000
MAX_REVIEWERS = 20
STATUS_HISTORY = 50  # status changes the API shows with the status, newest first
# A thread's status in the API, its filter and the marker counts.
OPEN, RESOLVED = "open", "resolved"
THREAD_STATUSES = (OPEN, RESOLVED)
# "@" and the run of name characters after it (not after a name character or "@"): a name may
# contain . @ + - but does not end with . or @ (so "@vera." mentions vera). The run is matched
# whole and trimmed in code: one pass over the text, where a pattern that backtracked to find the
# last letter took quadratic time on a long run of dots.
_MENTION_RUN = re.compile(r"(?<![\w@])@([\w.@+-]+)")

TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReviewStatus.DRAFT: (ReviewStatus.IN_REVIEW,),
    ReviewStatus.IN_REVIEW: (ReviewStatus.CHANGES_REQUESTED, ReviewStatus.APPROVED, ReviewStatus.DRAFT),
    ReviewStatus.CHANGES_REQUESTED: (ReviewStatus.IN_REVIEW, ReviewStatus.DRAFT),
    ReviewStatus.APPROVED: (ReviewStatus.IN_REVIEW, ReviewStatus.DRAFT),
}
REVIEWER_DECISIONS = (ReviewStatus.CHANGES_REQUESTED, ReviewStatus.APPROVED)


# --- live updates ------------------------------------------------------------------------------


def notify_board(board_id: int, message: dict[str, Any]) -> None:
    """Send `message` to every live client of the board once the transaction commits."""
    transaction.on_commit(partial(send_event, board_id, message))


# --- comments ----------------------------------------------------------------------------------


def _element(board: Board, target_type: str, target_id: str) -> dict[str, Any] | None:
    section = {"node": "nodes", "edge": "edges"}.get(target_type)
    if section is None:
        return None
    return next((e for e in board.document[section] if e["id"] == target_id), None)


def parse_target(raw: object) -> tuple[str, str]:
    """`"board"`, `"node:ID"`, `"edge:ID"` or `{"type", "id"}` -> (type, id); BoardError otherwise."""
    if isinstance(raw, dict):
        target_type, target_id = raw.get("type"), raw.get("id") or ""
    elif isinstance(raw, str):
        target_type, _, target_id = raw.partition(":")
    else:
        raise BoardError.one("target", 'must be "board", "node:ID", "edge:ID" or {"type": ..., "id": ...}')
    if target_type not in Thread.Target.values:
        raise BoardError.one("target.type", "must be board, node or edge")
    if not isinstance(target_id, str) or (target_type != "board" and not target_id):
        raise BoardError.one("target.id", f"a comment on a {target_type} names its id")
    return target_type, target_id if target_type != "board" else ""


def _clean_body(body: object) -> str:
    if not isinstance(body, str) or not body.strip():
        raise BoardError.one("text", "write something")
    if len(body) > MAX_BODY:
        raise BoardError.one("text", f"is {len(body)} characters long, the limit is {MAX_BODY}")
    return body.strip()


def find_mentions(text: str) -> list[tuple[int, int, str]]:
    """Each @name in the text as (start, end, name), `start` at the "@"; linear in the text."""
    found = []
    for match in _MENTION_RUN.finditer(text):
        name = match.group(1).rstrip(".@")
        if name:
            found.append((match.start(), match.start() + 1 + len(name), name))
    return found


def mentioned_users(board: Board, body: str) -> list[User]:
    """The board's members named with @username in the text (other names are plain text)."""
    names = {name.lower() for _, _, name in find_mentions(body)}
    if not names:
        return []
    return [user for user, _ in members(board) if user.get_username().lower() in names]


def _add_comment(thread: Thread, board: Board, author: User, body: str) -> Comment:
    comment = Comment.objects.create(thread=thread, author=author, body=body)
    comment.mentions.set(mentioned_users(board, body))
    return comment


def thread_create(*, board: Board, user: User, target: object, body: object) -> Thread:
    """Open a thread on the board, a node or an edge; BoardError (422) if that element is missing,
    RateLimited past the user's comment rate."""
    target_type, target_id = parse_target(target)
    text = _clean_body(body)
    label = ""
    if target_type != "board":
        element = _element(board, target_type, target_id)
        if element is None:
            raise BoardError.one(
                "target.id",
                f"that {target_type} ({target_id[:64]!r}) is no longer on this board: your text is kept, "
                "post it on the board or on another element",
            )
        label = element.get("label") or ""
    if Thread.objects.filter(board=board).count() >= MAX_THREADS:
        raise BoardError.one("target", f"a board holds at most {MAX_THREADS} comment threads")
    hit("comment", user.pk)
    with transaction.atomic():
        thread = Thread.objects.create(
            board=board,
            target_type=target_type,
            target_id=target_id,
            target_label=label,
            version=board.version,
            created_by=user,
        )
        _add_comment(thread, board, user, text)
        notify_board(board.pk, {"type": "comment", "event": "created", "thread": thread_json(thread, board)})
    return thread


def thread_reply(*, board: Board, thread: Thread, user: User, body: object) -> Comment:
    text = _clean_body(body)
    if thread.comments.count() >= MAX_COMMENTS:
        raise BoardError.one("text", f"a thread holds at most {MAX_COMMENTS} comments; open a new one")
    hit("comment", user.pk)
    with transaction.atomic():
        comment = _add_comment(thread, board, user, text)
        notify_board(board.pk, {"type": "comment", "event": "replied", "thread": thread_json(thread, board)})
    return comment


def _may_resolve(thread: Thread, user: User, role: Role) -> bool:
    return allows(role, "edit") or thread.created_by_id == user.pk


def thread_set_resolved(*, board: Board, thread: Thread, user: User, role: Role, resolved: bool) -> Thread:
    """Resolve or reopen: the thread's author, editors and the owner may."""
    if not _may_resolve(thread, user, role):
        raise PermissionDenied("Only the thread's author, editors and the owner can resolve or reopen it.")
    if thread.resolved != resolved:
        thread.resolved_at = timezone.now() if resolved else None
        thread.resolved_by = user if resolved else None
        thread.save(update_fields=["resolved_at", "resolved_by"])
        event = "resolved" if resolved else "reopened"
        notify_board(board.pk, {"type": "comment", "event": event, "thread": thread_json(thread, board)})
    return thread


def threads_for(board: Board, *, target: str | None = None, status: str | None = None) -> QuerySet[Thread]:
    """The board's threads, newest first; `target` like "node:gw" or "board", `status` open/resolved."""
    threads = Thread.objects.filter(board=board).select_related("created_by", "resolved_by")
    if target:
        target_type, target_id = parse_target(target)
        threads = threads.filter(target_type=target_type, target_id=target_id)
    if status == OPEN:
        threads = threads.filter(resolved_at__isnull=True)
    elif status == RESOLVED:
        threads = threads.filter(resolved_at__isnull=False)
    return threads.prefetch_related("comments__author", "comments__mentions")


def target_name(board: Board, target: str | None) -> str:
    """How a person names a comment target ("node:gw"): the element's label, else its kind's name
    ("the board" for the board; the id only when the element is gone)."""
    if not target or target == "board":
        return "the board"
    try:
        target_type, target_id = parse_target(target)
    except BoardError:
        return target
    element = _element(board, target_type, target_id)
    if element is None:
        return target_id
    if element.get("label"):
        return str(element["label"])
    if target_type == "node":
        kind = palette.KINDS.get(element["kind"])
        return kind.name if kind is not None else str(element["kind"])
    return "connection"


def thread_get(board: Board, thread_id: int) -> Thread:
    """A thread of this board; Thread.DoesNotExist (404) for another board's thread."""
    return threads_for(board).get(pk=thread_id)


def target_info(thread: Thread, board: Board) -> dict[str, Any]:
    """What the thread is about, as of now: the element's current label, or that it is gone."""
    info: dict[str, Any] = {"type": thread.target_type, "id": thread.target_id}
    if thread.target_type == "board":
        return {**info, "label": board.name, "exists": True}
    element = _element(board, thread.target_type, thread.target_id)
    if element is None:
        return {**info, "label": thread.target_label, "exists": False}
    return {**info, "label": element.get("label") or "", "exists": True}


def _username(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


def thread_json(thread: Thread, board: Board) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "board": board.pk,
        "target": target_info(thread, board),
        "version": thread.version,
        "status": RESOLVED if thread.resolved else OPEN,
        "created_by": _username(thread.created_by),
        "created_at": thread.created_at.isoformat(),
        "resolved_by": _username(thread.resolved_by),
        "resolved_at": thread.resolved_at.isoformat() if thread.resolved_at else None,
        "comments": [
            {
                "id": c.pk,
                "author": _username(c.author),
                "text": c.body,
                "mentions": sorted(u.get_username() for u in c.mentions.all()),
                "created_at": c.created_at.isoformat(),
            }
            for c in thread.comments.all()
        ],
    }


def markers(board: Board) -> dict[str, dict[str, int]]:
    """Open and resolved thread counts per element ("node:gw", "edge:e1", "board"), for canvas markers."""
    rows = (
        Thread.objects.filter(board=board)
        .values("target_type", "target_id")
        .annotate(
            n_open=Count("pk", filter=Q(resolved_at__isnull=True)),
            n_resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        )
    )
    return {
        (r["target_type"] if r["target_type"] == "board" else f"{r['target_type']}:{r['target_id']}"): {
            OPEN: r["n_open"],
            RESOLVED: r["n_resolved"],
        }
        for r in rows
    }


# --- review status ------------------------------------------------------------------------------


def review_state(board: Board) -> BoardReview:
    state, _ = BoardReview.objects.get_or_create(board=board)
    return state


def changes_since_named(board: Board, review: dict[str, Any]) -> dict[str, Any] | None:
    """How the findings of `review` (the board's current review) differ from those of its last
    named version before the current one (`history.last_named_snapshot`, what the diff page
    compares with too): `{"name", "version", "new", "fixed", "suppressed", "unsuppressed"}`, or
    None when there is none. The named version is reviewed with today's rules, so the change is
    the design's, not the rule set's."""
    named = last_named_snapshot(board)
    if named is None:
        return None
    # A named version is the board as it was at that version: the same review as the board's then.
    before = stored_board_review(
        board_id=board.pk, version=named.version, created_at=board.created_at, document=named.document
    )
    return {"name": named.name, "version": named.version, **compare_findings(before["findings"], review["findings"])}


def blocking_findings(board: Board) -> list[dict[str, Any]]:
    """Error findings that block approval: open, or suppressed without a reason."""
    return [
        f
        for f in review_of(board)["findings"]
        if f["severity"] == "error" and (not f["suppressed"] or not str(f.get("reason") or "").strip())
    ]


def _reviewers(board: Board, names: list[str]) -> list[User]:
    if len(names) > MAX_REVIEWERS:
        raise BoardError.one("reviewers", f"name at most {MAX_REVIEWERS} reviewers")
    by_name = {user.get_username(): (user, role) for user, role in members(board)}
    found, errors = [], []
    for i, name in enumerate(names):
        member = by_name.get(name) if isinstance(name, str) else None
        if member is None:
            errors.append({"loc": f"reviewers[{i}]", "msg": "not a member of this board"})
        elif not allows(member[1], "edit"):
            errors.append({"loc": f"reviewers[{i}]", "msg": f"{name} is a viewer: reviewers need edit rights"})
        else:
            found.append(member[0])
    if errors:
        raise BoardError(errors)
    return found


def review_set_status(
    *, board: Board, user: User, status: str, reviewers: list[str] | None = None, note: str = ""
) -> BoardReview:
    """Move the review on. The caller has checked edit rights (`get_board_for(need="edit")`).

    Only a named reviewer may approve or request changes, and approval needs every error
    finding fixed or suppressed with a reason.
    """
    if status not in ReviewStatus.values:
        raise BoardError.one("status", f"unknown status {str(status)[:40]!r}: use {', '.join(ReviewStatus.values)}")
    if len(note) > MAX_NOTE:
        raise BoardError.one("note", f"is {len(note)} characters long, the limit is {MAX_NOTE}")
    with transaction.atomic():
        Board.objects.select_for_update().filter(pk=board.pk).first()
        state = review_state(board)
        if status not in TRANSITIONS[state.status]:
            raise BoardError.one(
                "status",
                f"a review that is {ReviewStatus(state.status).label.lower()} cannot become "
                f"{ReviewStatus(status).label.lower()}",
            )
        if reviewers is not None:
            state.reviewers.set(_reviewers(board, reviewers))
        names = sorted(u.get_username() for u in state.reviewers.all())
        if status == ReviewStatus.IN_REVIEW and not names:
            raise BoardError.one("reviewers", "name at least one reviewer")
        if status in REVIEWER_DECISIONS and user.get_username() not in names:
            raise PermissionDenied("Only the named reviewers can approve or request changes.")
        if status == ReviewStatus.APPROVED:
            blocking = blocking_findings(board)
            if blocking:
                hint = "fix it, or suppress it with a reason"
                raise BoardError(
                    [{"loc": f"findings[{f['rule']}]", "msg": f"{f['message']} ({hint})"} for f in blocking]
                )
        ReviewEvent.objects.create(
            board=board,
            actor=user,
            from_status=state.status,
            to_status=status,
            version=board.version,
            note=note.strip(),
            reviewers=names,
        )
        state.status = status
        state.version = board.version
        state.updated_by = user
        state.save()
        notify_board(board.pk, {"type": "review_status", **review_json(state, board)})
    return state


def review_json(state: BoardReview, board: Board) -> dict[str, Any]:
    return {
        "board": board.pk,
        "status": state.status,
        "reviewers": sorted(u.get_username() for u in state.reviewers.all()),
        "version": state.version,
        "current_version": board.version,
        "updated_by": _username(state.updated_by),
        "updated_at": state.updated_at.isoformat() if state.pk else None,
    }


def review_history(board: Board) -> QuerySet[ReviewEvent]:
    return ReviewEvent.objects.filter(board=board).select_related("actor")
