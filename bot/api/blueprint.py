"""The ``/api/v1`` blueprint object, alone so that view modules can import it.

It holds no view and imports nothing of the API: views, errors and the OpenAPI route all
import it, and it imports none of them.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
