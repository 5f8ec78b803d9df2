"""Project-level views: the health check used by Docker and the load balancer, and the 404 page."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Under /api/ an unknown address answers in the API's error shape, elsewhere with the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "no such API route", "errors": []}, status=404)
    return defaults.page_not_found(request, exception)
