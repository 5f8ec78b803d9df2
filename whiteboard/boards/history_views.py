"""Pages for a board's history, diffs, activity and sharing, and the read-only shared view."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from whiteboard.boards import history, sharing
from whiteboard.boards.access import get_board_for
from whiteboard.boards.history_api import diff_range, document_or_404, page_of, version_or_404
from whiteboard.boards.models import Board, Snapshot
from whiteboard.boards.services import board_restore, board_unshare
from whiteboard.domain import palette
from whiteboard.domain.board import BoardError
from whiteboard.domain.diff import DIFF_COLORS
from whiteboard.limits import RateLimited, client_ip, too_many
from whiteboard.rendering import FORMATS, RenderError, picture_from_query, render_board_async
from whiteboard.reviews.running import review_of, stored_board_review
from whiteboard.typing import AuthedRequest

HISTORY_PAGE = 25
ACTIVITY_PAGE = 50


def _error_text(exc: BoardError) -> str:
    return "; ".join(e["msg"] for e in exc.errors[:5])


@require_GET
@login_required
def board_history(request: AuthedRequest, board_id: int) -> HttpResponse:
    """Every version, newest first (from the op log), with the names given to some of them."""
    board, role = get_board_for(request.user, board_id, need="view")
    page = page_of(request, history.activity(board), HISTORY_PAGE)
    named = history.named_versions(board)
    names: dict[int, list[str]] = {}
    for snapshot in named:
        names.setdefault(snapshot.version, []).append(snapshot.name)
    rows = [(row, names.get(row.version, [])) for row in history.activity_rows(page, board)]
    undo = request.GET.get("undo")
    context = {
        "board": board,
        "role": role,
        "page": page,
        "rows": rows,
        "named": named,
        "undo": int(undo) if undo and undo.isdigit() and 1 <= int(undo) < board.version else None,
    }
    if request.htmx:
        return render(request, "boards/history.html#rows", context)
    return render(request, "boards/history.html", context)


@require_POST
@login_required
def version_save(request: AuthedRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="edit")
    version = version_or_404(board, request.POST.get("version") or board.version)
    try:
        history.snapshot_create(board=board, name=request.POST.get("name", ""), user=request.user, version=version)
    except BoardError as exc:
        messages.error(request, f"Could not name the version: {_error_text(exc)}")
    return redirect("board_history", board_id=board.pk)


@require_POST
@login_required
def version_forget(request: AuthedRequest, board_id: int, snapshot_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="edit")
    try:
        history.snapshot_delete(board=board, snapshot_id=snapshot_id)
    except history.VersionNotFound:
        raise Http404("No such named version.")
    return redirect("board_history", board_id=board.pk)


def _element_rows(doc: dict[str, Any]) -> dict[str, Any]:
    labels = {n["id"]: n["label"] or n["id"] for n in doc["nodes"]}
    return {
        "nodes": [{**n, "kind_name": palette.KINDS[n["kind"]].name} for n in doc["nodes"]],
        "edges": [
            {**e, "source_label": labels[e["source"]], "target_label": labels[e["target"]]} for e in doc["edges"]
        ],
    }


@require_GET
@login_required
def version_detail(request: AuthedRequest, board_id: int, version: int) -> HttpResponse:
    board, role = get_board_for(request.user, board_id, need="view")
    version = version_or_404(board, version)
    doc = document_or_404(board, version)
    authors = history.authors(board, [version])
    names = Snapshot.objects.filter(board=board, version=version, kind=Snapshot.Kind.NAMED).values_list(
        "name", flat=True
    )
    context = {
        "board": board,
        "role": role,
        "version": version,
        "doc": doc,
        "author": authors.get(version),
        "names": list(names),
        "review": stored_board_review(board_id=board.pk, version=version, created_at=board.created_at, document=doc),
        **_element_rows(doc),
    }
    return render(request, "boards/version.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def version_restore(request: AuthedRequest, board_id: int, version: int) -> HttpResponse:
    """GET asks first (what the restore will change); POST restores, and the history page then
    offers to undo it (restoring the version just before the restore)."""
    board, role = get_board_for(request.user, board_id, need="edit")
    version = version_or_404(board, version)
    if request.method == "GET":
        diff = history.diff_versions(board, board.version, version)
        context = {"board": board, "role": role, "version": version, "diff": diff}
        return render(request, "boards/restore.html", context)
    before = board.version
    applied = board_restore(board=board, version=version, user=request.user)
    messages.success(request, f"Restored version {version} as version {applied.version}.")
    return redirect(f"{reverse('board_history', args=[board.pk])}?undo={before}")


def _image_input(user: Any, board_id: int, version: int, link: str | None = None) -> tuple[Board, dict[str, Any]]:
    board, _ = get_board_for(user, board_id, need="view", link=link)
    return board, document_or_404(board, version_or_404(board, version))


async def _image(request: HttpRequest, board_id: int, version: int | None, fmt: str, link: str | None) -> HttpResponse:
    if fmt not in ("png", "svg"):
        raise Http404("No such format.")
    user = await request.auser()
    if link is None and not user.is_authenticated:
        raise Http404("No such board.")
    if version is None:
        board, _ = await sync_to_async(get_board_for)(user, board_id, need="view", link=link)
        doc = board.document
    else:
        board, doc = await sync_to_async(_image_input)(user, board_id, version, link)
    # Someone who came in by a link alone is counted by address.
    budget = user.pk if user.is_authenticated else ("address", client_ip(request))
    try:
        rendered = await render_board_async(doc, fmt=fmt, picture=picture_from_query(request.GET), budget=budget)
    except RenderError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    except RateLimited as exc:
        return too_many(exc, json_body=False)
    response = HttpResponse(rendered.content, content_type=FORMATS[fmt])
    response["Cache-Control"] = "private, max-age=0"
    # An SVG opened on its own is a document of this site: it may show its embedded icons, nothing more.
    response["Content-Security-Policy"] = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return response


@require_GET
async def version_image(request: HttpRequest, board_id: int, version: int, fmt: str) -> HttpResponse:
    return await _image(request, board_id, version, fmt, None)


@require_GET
@login_required
def board_diff(request: AuthedRequest, board_id: int) -> HttpResponse:
    board, role = get_board_for(request.user, board_id, need="view")
    if "from" not in request.GET:
        # What changed since the last named version (a review round), else since the last change.
        start = history.last_named_version(board) or max(1, board.version - 1)
        return redirect(f"{request.path}?from={start}&to={board.version}")
    try:
        start, end = diff_range(request, board)
    except BoardError:
        raise Http404("No such version.")
    diff = history.diff_versions(board, start, end, load=True)
    named = history.named_versions(board)
    choices = [(board.version, f"Now (v{board.version})")]
    choices += [(s.version, f"{s.name} (v{s.version})") for s in named]
    for version in (start, end):
        if version not in {v for v, _ in choices}:
            choices.append((version, f"v{version}"))
    context = {
        "board": board,
        "role": role,
        "diff": diff,
        "start": start,
        "end": end,
        "colors": DIFF_COLORS,
        "choices": choices,
    }
    return render(request, "boards/diff.html", context)


@require_GET
@login_required
def board_activity(request: AuthedRequest, board_id: int) -> HttpResponse:
    board, role = get_board_for(request.user, board_id, need="view")
    page = page_of(request, history.activity(board), ACTIVITY_PAGE)
    context = {"board": board, "role": role, "page": page, "rows": history.activity_rows(page, board)}
    if request.htmx:
        return render(request, "boards/activity.html#rows", context)
    return render(request, "boards/activity.html", context)


# --- sharing -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def board_share(request: AuthedRequest, board_id: int) -> HttpResponse:
    """Members, invitations, ownership and read-only links. Changes are the owner's."""
    board, role = get_board_for(request.user, board_id, need="view" if request.method == "GET" else "own")
    new_link = None
    if request.method == "POST":
        new_link = _share_action(request, board)
        if new_link is None:
            return redirect("board_share", board_id=board.pk)
        board.refresh_from_db()
    context = {
        "board": board,
        "role": role,
        "members": sharing.members(board)[1:],
        "links": sharing.live_links(board) if role == "owner" else [],
        "new_link": request.build_absolute_uri(f"/s/{new_link}/") if new_link else None,
    }
    return render(request, "boards/share.html", context)


def _share_action(request: AuthedRequest, board: Board) -> str | None:
    """Carry out one sharing form; the new link's token when one was made (shown once)."""
    action = request.POST.get("action", "invite")
    who = (request.POST.get("who") or request.POST.get("username") or "").strip()
    try:
        if action in ("invite", "add"):
            if sharing.find_user(who) is None:
                messages.error(request, f"No user named “{who}”, and no one with that email address.")
                return None
            membership = sharing.board_invite(board=board, who=who, role=request.POST.get("role", "viewer"))
            messages.success(request, f"{membership.user.get_username()} is now {membership.role}.")
        elif action == "remove":
            board_unshare(board=board, user_id=int(request.POST.get("user_id", "0") or 0))
        elif action == "transfer":
            new_owner = sharing.find_user(who)
            if new_owner is None:
                raise BoardError.one("username", "no such user")
            sharing.board_transfer(board=board, new_owner=new_owner)
            messages.success(request, f"{new_owner.get_username()} owns the board now; you are an editor.")
        elif action == "link":
            _, token = sharing.link_create(board=board, user=request.user)
            return token
        elif action == "revoke_link":
            sharing.link_revoke(board=board, link_id=int(request.POST.get("link_id", "0") or 0))
            messages.success(request, "The link no longer works.")
    except (BoardError, ValueError) as exc:
        messages.error(request, _error_text(exc) if isinstance(exc, BoardError) else "invalid request")
    return None


def _link_board(token: str) -> Board:
    board_id = sharing.link_board_id(token)
    if board_id is None:
        raise Http404("No such link.")
    board, _ = get_board_for(AnonymousUser(), board_id, need="view", link=token)
    return board


@require_GET
def shared_board(request: HttpRequest, token: str) -> HttpResponse:
    """What a read-only link shows: the picture, the components and the review."""
    board = _link_board(token)
    doc = board.document
    context = {
        "board": board,
        "token": token,
        "doc": doc,
        "review": review_of(board),
        **_element_rows(doc),
    }
    response = render(request, "boards/shared.html", context)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
async def shared_image(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    board_id = await sync_to_async(sharing.link_board_id)(token)
    if board_id is None:
        raise Http404("No such link.")
    return await _image(request, board_id, None, fmt, token)
