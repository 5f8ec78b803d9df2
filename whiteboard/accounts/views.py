"""Sign-up and API tokens (log-in and log-out are Django's own views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from whiteboard.accounts.models import ApiToken
from whiteboard.accounts.services import MAX_TOKENS_PER_USER, token_create, token_revoke
from whiteboard.typing import AuthedRequest


@require_http_methods(["GET", "POST"])
def signup(request: AuthedRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("board_list")
    form: UserCreationForm = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}!")
        return redirect("board_list")
    return render(request, "accounts/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def tokens(request: AuthedRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        if ApiToken.objects.filter(user=request.user).count() >= MAX_TOKENS_PER_USER:
            messages.error(request, f"You have {MAX_TOKENS_PER_USER} tokens; revoke one first.")
        else:
            name = request.POST.get("name", "").strip() or "token"
            _, new_token = token_create(user=request.user, name=name)
    user_tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/tokens.html", {"tokens": user_tokens, "new_token": new_token})


@require_POST
@login_required
def token_delete(request: AuthedRequest, token_id: int) -> HttpResponse:
    if token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked.")
    return redirect("tokens")
