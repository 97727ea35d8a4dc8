"""Django (ASGI), in one file: ``request.user`` from the token, Django's own decorators, ``@require``.

AUTHINFO_ISSUER=... uvicorn --factory examples.django.app:create_app
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from django.conf import settings

if not settings.configured:
    settings.configure(
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
        SECRET_KEY="example-only-not-secret",
        # request.user is the token's user; login_required/permission_required answer 401/403 to APIs
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],  # login_required's redirect
        MIDDLEWARE=["asgi_authinfo.contrib.django.AuthInfoUserMiddleware"],
    )

from django.contrib.auth.decorators import login_required, permission_required
from django.core.asgi import get_asgi_application
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from asgi_authinfo import AuthInfoMiddleware, Issuer, get_auth
from asgi_authinfo.contrib.django import require, with_lifespan  # with_lifespan: Django has no lifespan
from examples.settings import issuers_from_env


@require_GET
async def me(request: HttpRequest) -> JsonResponse:
    auth = get_auth(request)
    name = None if auth.user is None else auth.user.display_name
    return JsonResponse({"signed_in": auth.is_signed_in, "user_id": auth.user_id, "name": name})


@csrf_exempt  # bearer tokens are not ambient credentials: no CSRF for this API
@require_POST
@require(permission="posts:write")
def create_post(request: HttpRequest) -> JsonResponse:  # sync views work too
    return JsonResponse({"author": get_auth(request).user_id}, status=201)


@login_required
def profile(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"user_id": request.user.pk, "email": request.user.email})


@permission_required("reports:read")
def reports(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"reports": [], "for": request.user.get_username()})


urlpatterns = [path("me", me), path("posts", create_post), path("profile", profile), path("reports", reports)]


def create_app(
    issuers: Sequence[Issuer] | None = None, *, on_invalid: Literal["reject", "anonymous"] = "reject"
) -> AuthInfoMiddleware:
    return AuthInfoMiddleware(
        with_lifespan(get_asgi_application()), issuers=issuers or issuers_from_env(), on_invalid=on_invalid
    )
