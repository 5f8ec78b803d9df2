"""Log-in with rate limits, sign-up and API tokens (log-out is Django's own view)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from whiteboard.accounts.models import ApiToken
from whiteboard.accounts.services import MAX_TOKENS_PER_USER, token_create, token_revoke
from whiteboard.limits import RateLimited, check, client_ip, count, hit, reset
from whiteboard.typing import AuthedRequest


def account_key(name: str) -> str:
    """The account a log-in names, as the limiter counts it.

    Django's log-in form NFKC-normalises the name before it looks the user up, so "ｄｅｍｏ"
    (fullwidth) logs in as "demo": every spelling that can reach one account must share its
    counter, and case-folding makes "Demo" and "DEMO" share it too (they are rarely distinct
    accounts, and counting them together only errs on the safe side)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())[:150]


class LoginView(auth_views.LoginView):
    """Django's log-in, with failed attempts limited per account name and per client address.

    Only failures count, so people who log in normally never meet the limit; a locked-out
    account stays locked for the rest of the window even with the right password, so guessing
    cannot go on from many addresses.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = account_key(request.POST.get("username", ""))
        try:
            check("login_ip", client_ip(request))
            check("login_account", account)
        except RateLimited as exc:
            context = self.get_context_data(form=self.get_form(), rate_limited=str(exc))
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        count("login_ip", client_ip(self.request))
        count("login_account", account_key(self.request.POST.get("username", "")))
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        reset("login_account", account_key(form.get_user().get_username()))
        return super().form_valid(form)


@require_http_methods(["GET", "POST"])
def signup(request: AuthedRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("board_list")
    form: UserCreationForm[User] = UserCreationForm(request.POST or None)
    if request.method == "POST":
        try:
            hit("signup_ip", client_ip(request))
        except RateLimited as exc:
            context = {"form": UserCreationForm(), "rate_limited": str(exc)}
            response = render(request, "accounts/signup.html", context, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
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
