"""`GET /api/openapi.json`: the chat API's OpenAPI description, kept as a data file.

The YAML beside this module is the contract; tests/test_openapi.py checks the app
against it with schemathesis, so the two cannot drift apart.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from flask import Blueprint, jsonify

bp = Blueprint("api_spec", __name__, url_prefix="/api")

SPEC_PATH = Path(__file__).with_name("openapi.yaml")


@cache
def spec() -> dict:
    with SPEC_PATH.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@bp.get("/openapi.json")
def openapi():
    resp = jsonify(spec())
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp
