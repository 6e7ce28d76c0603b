"""A threaded loopback HTTP server with scripted answers and a small control API."""

from __future__ import annotations

import abc
import json
import socket
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Request:
    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        self.method = handler.command
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        length = int(handler.headers.get("Content-Length") or 0)
        self.body = handler.rfile.read(length) if length else b""

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class StandInServer(abc.ABC):
    """Subclasses implement `answer(request) -> (status, body)`; scripts override answers."""

    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[tuple[int, Any]]] = defaultdict(deque)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out as separate writes; with Nagle on, a keep-alive
                # client's delayed ACK would add 40 ms to every answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                request = Request(self)
                if request.path.startswith("/__control__/"):
                    status, body = server.control(request)
                else:
                    status, body = server.scripted(request) or server.answer(request)
                payload = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                # Exactly this, as the real APIs send it: the Tencent SDK looks for errors only
                # when the Content-Type is exactly "application/json".
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=type(self).__name__, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def start(self) -> StandInServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, key: str, *answers: tuple[int, Any]) -> None:
        """The next requests for `key` get these answers, in order, instead of the normal one."""
        with self._lock:
            self._scripts[key].extend(answers)

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()

    def script_key(self, request: Request) -> str:
        return request.path

    def scripted(self, request: Request) -> tuple[int, Any] | None:
        with self._lock:
            queue = self._scripts.get(self.script_key(request))
            return queue.popleft() if queue else None

    @abc.abstractmethod
    def answer(self, request: Request) -> tuple[int, Any]:
        """The normal answer of the API this server stands in for."""

    def control(self, request: Request) -> tuple[int, Any]:
        """POST /__control__/script {"key", "answers": [[status, body], …]}; POST /__control__/reset."""
        if request.path == "/__control__/script":
            data = request.json()
            self.script(data["key"], *[(int(status), body) for status, body in data["answers"]])
            return 200, {"ok": True}
        if request.path == "/__control__/reset":
            self.reset()
            return 200, {"ok": True}
        return 404, {"error": "unknown control"}
