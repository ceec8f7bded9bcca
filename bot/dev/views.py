"""Dev-mode pages: the phone simulator and the dev inbox. Registered only when dev_mode is on."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dev", __name__, url_prefix="/dev")
