"""The ceiling: a bare Flask JSON endpoint, served by the same gunicorn settings as the API.

    gunicorn -c gunicorn.conf.py --bind 127.0.0.1:8001 benchmarks.load.bare_app:app

Whatever the API's endpoints do beyond this (routing through flask-smorest, authentication,
the database) is what the load test's ratio measures.
"""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

app = Flask(__name__)


@app.get("/ping")
def ping() -> ResponseReturnValue:
    return jsonify(status="ok")
