"""WSGI entry point for gunicorn: `gunicorn miniapp_api.wsgi:app`."""

from miniapp_api import create_app

app = create_app()
