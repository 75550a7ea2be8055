"""The query parameters each /api/ endpoint takes; any other is a 400 ``unknown_parameter``
naming it (`check`, run before every request)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request

from ..errors import UnknownParameter


def takes(*names: str) -> Callable:
    """Declare a view's query parameters (a view that declares none takes none)."""

    def mark(view: Callable) -> Callable:
        view.query_parameters = names
        return view

    return mark


def check() -> None:
    """Refuse an /api/ request that carries a query parameter its endpoint does not take."""
    if not request.path.startswith("/api/") or request.endpoint is None:
        return
    if request.method == "OPTIONS":  # a preflight carries the URL it asks about: answer it
        return
    if request.method not in ("GET", "HEAD") and request.path.endswith("/similar"):
        return  # a write to the read-only list of similar articles: its 405 comes first
    view = current_app.view_functions.get(request.endpoint)
    known = list(getattr(view, "query_parameters", ()))
    unknown = sorted(set(request.args) - set(known))
    if unknown:
        raise UnknownParameter(unknown, known)
