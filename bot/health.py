"""`/healthz`: the process is up and its data files loaded, so it can answer."""

from flask import Blueprint, jsonify

from . import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    if not services.ready():
        return jsonify({"status": "unavailable", "reason": "intent data failed validation"}), 503
    return jsonify({"status": "ok"})
