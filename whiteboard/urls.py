from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from whiteboard.accounts import views as account_views
from whiteboard.boards import api, views
from whiteboard.reviews import views as review_views
from whiteboard.views import healthz

urlpatterns = [
    path("", views.board_list, name="board_list"),
    path("healthz", healthz, name="healthz"),
    path("boards/new", views.board_create, name="board_create"),
    path("boards/<int:board_id>/", views.board_detail, name="board_detail"),
    path("boards/<int:board_id>/rename", views.board_rename, name="board_rename"),
    path("boards/<int:board_id>/duplicate", views.board_duplicate, name="board_duplicate"),
    path("boards/<int:board_id>/delete", views.board_delete, name="board_delete"),
    path("boards/<int:board_id>/share", views.board_share, name="board_share"),
    path("boards/<int:board_id>/review", review_views.review_panel, name="review_panel"),
    path("rules/", review_views.rule_list, name="rule_list"),
    path("rules/<str:rule_id>/", review_views.rule_detail, name="rule_detail"),
    path("palette/icons/<str:kind>.png", views.palette_icon, name="palette_icon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/tokens/", account_views.tokens, name="tokens"),
    path("accounts/tokens/<int:token_id>/revoke", account_views.token_delete, name="token_revoke"),
    path("api/openapi.json", api.openapi, name="api_openapi"),
    path("api/palette", api.palette_list, name="api_palette"),
    path("api/boards", api.boards, name="api_boards"),
    path("api/boards/<int:board_id>", api.board_detail, name="api_board"),
    path("api/boards/<int:board_id>/review", api.board_review, name="api_board_review"),
    path("api/boards/<int:board_id>/export.<str:fmt>", api.board_export, name="api_board_export"),
    path("api/review", api.review, name="api_review"),
    path("api/render", api.render, name="api_render"),
]
