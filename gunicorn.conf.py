"""gunicorn settings for the API (`miniapp serve` in production, scripts/stack.sh).

Sync workers, one process per request at a time: the face check spends ~1 s of CPU in dlib, and
a process-per-request model keeps one slow request from stalling the others in its process.
Every value can be changed through the environment without editing this file.
"""

from __future__ import annotations

import multiprocessing
import os
import sys

# 2 × CPUs + 1 (gunicorn's own advice for sync workers); WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
# A request's whole life: the face check's decode and encodings stay well inside it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then, so slow growth (caches, fragmentation) cannot accumulate.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Request line and headers: refuse oversized ones before Flask sees them.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# The app logs each request itself (JSON, masked, with its request id).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The application is imported once, in the master, and forked: a recycled worker starts in
# milliseconds instead of importing dlib, OpenCV, Celery and ReportLab again (≈ 1.9 s of CPU each
# time). PRELOAD_APP=false imports it in each worker instead.
preload_app = os.environ.get("PRELOAD_APP", "true").lower() not in ("0", "false", "no")


def post_fork(_server: object, _worker: object) -> None:
    """A worker never uses a connection the master may have opened: database connections are
    dropped from the inherited pool without closing them under the master (redis-py's pools
    notice the new process by themselves)."""
    preloaded = sys.modules.get("miniapp_api.wsgi")  # None: another app, or not preloaded
    if preloaded is not None:
        preloaded.app.extensions["miniapp_db"].engine.dispose(close=False)
