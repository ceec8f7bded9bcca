"""Security headers on every response: a strict Content-Security-Policy, no framing, no referrer
beyond our own origin.

Set once for the whole app (an ``after_request`` hook), so a new page, an error page or a
blueprint added later cannot forget them. A view that needs something stricter sets its own
header first and keeps it (the dev uploads send ``default-src 'none'; sandbox``, the signed
downloads ``no-referrer``): the hook only fills in what is missing.

Why this policy:

- ``script-src 'self'``: no inline script, no ``eval``, no script from elsewhere. The pages
  load their code from ``/static`` (ECharts is vendored there); the dashboard hands its
  figures over as a JSON data block (``<script type="application/json">``), which is data and
  never runs. Were an escaping mistake ever to let a reporter's text into a page as markup,
  it still could not run. There is no inline script, so no nonce is needed; should one ever
  be, add a per-request nonce here rather than ``'unsafe-inline'``.
- ``style-src 'self'``: stylesheets from ``/static`` only, no ``style`` attributes (the
  dashboard's tooltips are drawn on the canvas, ``renderMode: "richText"``, for that reason).
- ``img-src 'self' data: blob:``: photos come from our own routes; ``data:`` is the empty
  favicon, ``blob:`` the simulator's preview of a chosen picture before it is uploaded.
- ``media-src 'self'``: the voice and video evidence plays from our own routes only (said
  outright, not left to ``default-src``, so a later loosening of the default cannot widen it).
- ``connect-src 'self'``: the simulator's ``fetch`` calls go to this app only.
- ``frame-ancestors 'none'`` with ``X-Frame-Options: DENY`` for older browsers: no page of
  ours can be framed by another site (clickjacking an officer's 销号 button).
- ``form-action 'self'``, ``base-uri 'none'``, ``object-src 'none'``: a form cannot be sent
  elsewhere, relative links cannot be re-based, no plug-ins.
- ``Referrer-Policy: same-origin``: our URLs carry hazard numbers and, behind the public
  links, unguessable tokens; other sites (the map link on a hazard page) learn nothing.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.wrappers import Response

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


_LOWER = tuple((name.lower(), name, value) for name, value in HEADERS.items())


def add_security_headers(response: Response) -> Response:
    """Fill in each header the view has not set itself (in one look at what it set: a
    ``setdefault`` per header searched them all four times, a seventh of a bare request)."""
    have = {name.lower() for name in response.headers.keys()}  # noqa: SIM118 - Headers, not a dict
    response.headers.extend([(name, value) for lower, name, value in _LOWER if lower not in have])
    return response


def init_app(app: Flask) -> None:
    """Register the hook for every response of the app, error pages included."""
    app.after_request(add_security_headers)
