from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from whiteboard.accounts import views as account_views
from whiteboard.api import api
from whiteboard.boards import history_views, views
from whiteboard.reviews import views as review_views
from whiteboard.views import healthz

handler404 = "whiteboard.views.not_found"

urlpatterns = [
    path("", views.board_list, name="board_list"),
    path("healthz", healthz, name="healthz"),
    path("boards/new", views.board_create, name="board_create"),
    path("boards/<int:board_id>/", views.board_detail, name="board_detail"),
    path("boards/<int:board_id>/layout", views.board_layout, name="board_layout"),
    path("boards/<int:board_id>/rename", views.board_rename, name="board_rename"),
    path("boards/<int:board_id>/duplicate", views.board_duplicate, name="board_duplicate"),
    path("boards/<int:board_id>/delete", views.board_delete, name="board_delete"),
    path("boards/<int:board_id>/share", history_views.board_share, name="board_share"),
    path("boards/<int:board_id>/history", history_views.board_history, name="board_history"),
    path("boards/<int:board_id>/history/save", history_views.version_save, name="version_save"),
    path("boards/<int:board_id>/history/<int:snapshot_id>/forget", history_views.version_forget, name="version_forget"),
    path("boards/<int:board_id>/versions/<int:version>/", history_views.version_detail, name="version_detail"),
    path("boards/<int:board_id>/versions/<int:version>/restore", history_views.version_restore, name="version_restore"),
    path(
        "boards/<int:board_id>/versions/<int:version>/image.<str:fmt>",
        history_views.version_image,
        name="version_image",
    ),
    path("boards/<int:board_id>/diff", history_views.board_diff, name="board_diff"),
    path("boards/<int:board_id>/activity", history_views.board_activity, name="board_activity"),
    path("boards/<int:board_id>/comments", review_views.comments, name="comments"),
    path("boards/<int:board_id>/comments/<int:thread_id>/reply", review_views.comment_reply, name="comment_reply"),
    path(
        "boards/<int:board_id>/comments/<int:thread_id>/resolve", review_views.comment_resolve, name="comment_resolve"
    ),
    path("boards/<int:board_id>/review/status", review_views.review_status, name="review_status"),
    path("s/<str:token>/", history_views.shared_board, name="shared_board"),
    path("s/<str:token>/image.<str:fmt>", history_views.shared_image, name="shared_image"),
    path("boards/<int:board_id>/review", review_views.review_panel, name="review_panel"),
    path("rules/", review_views.rule_list, name="rule_list"),
    path("rules/<str:rule_id>/", review_views.rule_detail, name="rule_detail"),
    path("palette/icons/<str:kind>.png", views.palette_icon, name="palette_icon"),
    path("palette/icons/tech/<str:tech>.png", views.palette_tech_icon, name="palette_tech_icon"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/tokens/", account_views.tokens, name="tokens"),
    path("accounts/tokens/<int:token_id>/revoke", account_views.token_delete, name="token_revoke"),
    path("api/", api.urls),
]
