"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests and for replaying golden formulations.

:class:`ScriptedChatServer` is a real HTTP server (``ThreadingHTTPServer`` on an ephemeral
port) that answers ``POST /v1/chat/completions`` from a script: a list of :class:`Reply` taken
in order, or a function of the request. Replies can be HTTP errors (429, 500, 400), slow answers
(to trigger client timeouts), or content; token usage is counted in words. Streaming requests
get server-sent events. Every request body is kept in ``requests``.

:func:`golden_script` answers each problem with the golden formulation of that problem, which is
how ``ormodel bench nl`` is measured end to end without an LLM.

Example:
    >>> with ScriptedChatServer([Reply('{"variables": {}}')]) as server:
    ...     server.url.startswith("http://127.0.0.1:")
    True
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = ["Reply", "ScriptedChatServer", "golden_script", "question_of"]


@dataclass
class Reply:
    """One scripted answer.

    Attributes:
        content: the assistant message (ignored for error statuses).
        status: HTTP status; 200 answers, anything else is an error with ``error`` as message.
        delay: seconds to wait before answering (longer than the client timeout makes it time out).
        headers: extra response headers (e.g. ``Retry-After``).
        error: error message for non-200 replies.
        refuse_response_format: answer 400 when the request carries ``response_format``, else ``content``.
    """

    content: str = ""
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    error: str = "scripted error"
    refuse_response_format: bool = False


Script = Sequence[Reply] | Callable[[dict[str, Any], int], Reply]


def _words(text: str) -> int:
    return len(text.split())


def question_of(request: Mapping[str, Any]) -> str:
    """The problem text of a chat request: the last user message that opens with ``Problem:``."""
    for message in reversed(list(request.get("messages") or [])):
        content = str(message.get("content") or "")
        if message.get("role") == "user" and content.startswith("Problem:\n"):
            return content[len("Problem:\n"):].strip()
    return ""


def golden_script(answers: Mapping[str, str]) -> Callable[[dict[str, Any], int], Reply]:
    """A script answering each question (matched on whitespace-normalized text) with its scripted content."""
    normalized = {" ".join(question.split()): content for question, content in answers.items()}

    def script(request: dict[str, Any], index: int) -> Reply:
        question = " ".join(question_of(request).split())
        if question not in normalized:
            return Reply(status=404, error=f"no scripted answer for question {question[:80]!r}")
        return Reply(normalized[question])

    return script


class ScriptedChatServer:
    """See the module docstring; use as a context manager or call :meth:`start`/:meth:`stop`."""

    def __init__(self, script: Script, model: str = "scripted-model") -> None:
        self.script = script
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._count = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL (``http://127.0.0.1:PORT/v1``)."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/v1"

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            index = self._count
            self._count += 1
            self.requests.append(request)
        if callable(self.script):
            return self.script(request, index)
        if index >= len(self.script):
            return Reply(status=500, error=f"the script has only {len(self.script)} replies")
        return self.script[index]

    def start(self) -> ScriptedChatServer:
        """Listen on 127.0.0.1 on a free port, serving in a daemon thread."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, status: int, payload: dict[str, Any], headers: Mapping[str, str] = {}) -> None:
                body = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    request = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    self._send(400, {"error": {"message": "request body is not JSON", "type": "invalid_request_error"}})
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"unknown path {self.path}", "type": "invalid_request_error"}})
                    return
                reply = owner._next(request)
                try:
                    if reply.delay:
                        time.sleep(reply.delay)
                    if reply.refuse_response_format and "response_format" in request:
                        self._send(400, {"error": {"message": "response_format is not supported by this server",
                                                   "type": "invalid_request_error", "param": "response_format"}})
                        return
                    if reply.status != 200:
                        self._send(reply.status, {"error": {"message": reply.error, "type": "scripted"}}, reply.headers)
                        return
                    prompt_tokens = sum(_words(str(message.get("content") or "")) for message in request.get("messages", []))
                    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": _words(reply.content),
                             "total_tokens": prompt_tokens + _words(reply.content)}
                    if request.get("stream"):
                        self._stream(reply, usage)
                        return
                    self._send(200, {"id": "chatcmpl-scripted", "object": "chat.completion", "created": 0, "model": owner.model,
                                     "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.content},
                                                  "finish_reason": "stop"}], "usage": usage}, reply.headers)
                except (BrokenPipeError, ConnectionResetError):
                    return

            def _stream(self, reply: Reply, usage: dict[str, int]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                half = len(reply.content) // 2
                for piece in (reply.content[:half], reply.content[half:]):
                    chunk = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": owner.model,
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                final = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": owner.model,
                         "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(final)}\n\n".encode())
                usage_chunk = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": owner.model,
                               "choices": [], "usage": usage}
                self.wfile.write(f"data: {json.dumps(usage_chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="scripted-chat-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
