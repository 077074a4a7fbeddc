"""The web app behind ``newstrail serve`` (needs the ``web`` extra: FastAPI, Jinja2, uvicorn)."""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
