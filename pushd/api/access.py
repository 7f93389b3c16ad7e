"""Who may call each route: every route declares a rule, checked before its body is read.

A router is made with `router(...)`; its routes are `AccessRoute`s and its `dependencies` carry one
`Require` (or `PUBLIC`). The check runs in the route handler itself, ahead of FastAPI's body parsing,
so an unauthenticated caller gets 401 whatever body it sent. `create_app` refuses to build an app
with a route that has no rule.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPBearer
from starlette.types import Receive, Scope, Send

from pushd.auth import AccessDenied, Permission, Principal, allows
from pushd.auth.roles import weakest_role_with
from pushd.responses import errors

PRINCIPAL_KEY = "pushd.principal"
_bearer = HTTPBearer(auto_error=False, description="An API token, or a session token from POST /api/v1/auth/login")
UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="pushd"'}


class Require:
    """The rule of a route: who may call it. As a dependency it documents the bearer scheme."""

    def __init__(self, permission: Permission | None, *, public: bool = False, public_if: str | None = None) -> None:
        self.permission = permission  # None: any valid credential
        self.public = public
        self.public_if = public_if  # the name of a boolean setting that opens the route to anyone

    def is_public(self, request: Request) -> bool:
        return self.public or bool(self.public_if and getattr(request.app.state.pushd.settings, self.public_if))

    async def __call__(self, _: Annotated[Any, Depends(_bearer)]) -> None:
        return None


class _Public(Require):
    """The rule of a route open to anyone: it declares no security scheme in the OpenAPI schema."""

    async def __call__(self) -> None:  # type: ignore[override]
        return None


PUBLIC = _Public(None, public=True)
AUTHENTICATED = Require(None)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def check(request: Request, rule: Require) -> None:
    """401 without a valid credential, 403 when its role lacks the permission."""
    if rule.is_public(request):
        return
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise HTTPException(401, "missing bearer token (Authorization: Bearer <token>)", headers=UNAUTHORIZED)
    try:
        principal = await request.app.state.pushd.auth.authenticate(token)
    except AccessDenied as exc:
        raise HTTPException(401, str(exc), headers=UNAUTHORIZED) from None
    if rule.permission is not None and not allows(principal.role, rule.permission):
        need = weakest_role_with(rule.permission)
        raise HTTPException(403, f"role {principal.role} may not do this; it needs {need} or higher")
    request.scope[PRINCIPAL_KEY] = principal


def rule_of(dependencies: list[Any]) -> Require | None:
    rules = [d.dependency for d in dependencies if isinstance(getattr(d, "dependency", None), Require)]
    if len(rules) > 1:
        raise RuntimeError("a route has more than one access rule")
    return rules[0] if rules else None


class AccessRoute(APIRoute):
    """An APIRoute that checks its rule first, and documents every error answer it can give: those
    of its rule, and those that follow from its shape (see `derived_statuses`). A route adds only
    what is its own (409, 400) with `responses=errors(...)`."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kw: Any) -> None:
        rule = rule_of(kw.get("dependencies") or [])
        if rule is None:
            raise RuntimeError(f"route {path} has no access rule: add Require(...) or PUBLIC to its dependencies")
        self.rule = rule
        self._allow: str | None = None
        super().__init__(path, endpoint, **kw)
        derived = errors(*self.derived_statuses())
        if derived.keys() - self.responses.keys():  # built again, so that FastAPI knows the models
            kw["responses"] = {**derived, **self.responses}
            super().__init__(path, endpoint, **kw)

    def derived_statuses(self) -> list[int]:
        """401/403 from the rule; 404 with path parameters (nothing by that id); 422 with any
        parameter or body; 413 (BodyLimitMiddleware) and 415 (ContentTypeMiddleware) with a body;
        503 (store unavailable or overloaded, or no host sample yet) and 500 (a bug) from every route."""
        rule = self.rule
        statuses = [] if rule.public else [401, 403] if rule.permission else [401]
        has_body = self.body_field is not None or "requestBody" in (self.openapi_extra or {})
        if "{" in self.path:
            statuses.append(404)
        if has_body or get_flat_params(self.dependant):
            statuses.append(422)
        if has_body:
            statuses += [413, 415]
        return [*statuses, 500, 503]

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Starlette answers a method this route lacks with 405 and an Allow header naming this
        route's methods only; name every method of the path, whichever route matched first."""
        if self.methods and scope["method"] not in self.methods:
            if self._allow is None:
                self._allow = ", ".join(sorted({m for m, path, _ in api_routes(scope["app"]) if path == self.path}))
            raise HTTPException(405, headers={"Allow": self._allow})
        await super().handle(scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        rule = self.rule

        async def guarded(request: Request) -> Response:
            await check(request, rule)
            return await handler(request)
        return guarded


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, path, route) of every API route, including those of included routers (FastAPI 0.16x
    keeps included routers as branches rather than copying their routes into `app.routes`)."""
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute):
            for method in sorted(ctx.methods or ()):
                yield method, ctx.path or route.path, route


def check_rules(app: FastAPI) -> None:
    """Refuse an app with an API route that is not an AccessRoute (made outside `router()`)."""
    for _, path, route in api_routes(app):
        if not isinstance(route, AccessRoute):
            raise RuntimeError(f"{path} is not an AccessRoute: build its router with pushd.api.access.router")


def router(rule: Require, **kw: Any) -> APIRouter:
    """An APIRouter whose routes all follow `rule`; a route with another rule belongs to another router
    (a second rule on one route is refused)."""
    return APIRouter(route_class=AccessRoute, dependencies=[Depends(rule)], **kw)


async def current_principal(request: Request) -> Principal:
    principal = request.scope.get(PRINCIPAL_KEY)
    if principal is None:  # a public route asked for the caller: there is none
        raise HTTPException(401, "this route has no caller", headers=UNAUTHORIZED)
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]
