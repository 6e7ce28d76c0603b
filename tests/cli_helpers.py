"""Running the `miniapp` command against a test app."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.cli import ScriptInfo

from miniapp_api.cli import main


def run_cli(app: Flask, *args: str, input: str | None = None) -> Any:
    return app.test_cli_runner().invoke(main, list(args), input=input, obj=ScriptInfo(create_app=lambda: app))
