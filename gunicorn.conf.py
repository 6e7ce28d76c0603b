"""gunicorn settings for the API (`miniapp serve` in production, scripts/stack.sh).

Sync workers, one process per request at a time: the face check spends ~1 s of CPU in dlib, and
a process-per-request model keeps one slow request from stalling the others in its process.
Every value can be changed through the environment without editing this file.
"""

from __future__ import annotations

import multiprocessing
import os

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
# The application is imported in each worker, after the fork: database and Redis connections are
# never shared between processes.
preload_app = False
