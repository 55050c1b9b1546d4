"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests and for replaying golden formulations.

:class:`ScriptedChatServer` is a real HTTP server (``ThreadingHTTPServer`` on an ephemeral
port) that answers ``POST /v1/chat/completions`` from a script: a list of :class:`Reply` taken
in order, or a function of the request. Replies can be HTTP errors (429, 500, 400), slow answers
(to trigger client timeouts), refusals of ``response_format`` (400, or 500 with a message, as
``llama_cpp.server`` answers), looping generations (a piece repeated until ``max_tokens`` or the
client hangs up), or content. A token is a word with the whitespace after it; the request's
``max_tokens`` cuts the answer there with ``finish_reason: "length"``, as real servers do.
Streaming requests get server-sent events, one token per event. Every request body is kept in
``requests``, and the tokens actually sent for it in ``sent_tokens``.

:func:`golden_script` answers each problem with the golden formulation of that problem, which is
how ``ormodel bench nl`` is measured end to end without an LLM.

Example:
    >>> with ScriptedChatServer([Reply('{"variables": {}}')]) as server:
    ...     server.url.startswith("http://127.0.0.1:")
    True
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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
        refuse_response_format: answer ``refusal_status`` with ``refusal_error`` when the request
            carries ``response_format``, else ``content``.
        refusal_status, refusal_error: how the format is refused (400 by default; 500 with
            ``"Input should be 'text' or 'json_object'"`` is what llama-cpp-python's server says).
        finish_reason: the reason reported when the answer is complete.
        repeat: after ``content``, write this piece again and again (a looping model) until the
            request's ``max_tokens``, ``repeat_limit`` pieces, or the client hangs up.
        repeat_limit: most repeated pieces.
        token_delay: seconds between streamed tokens.
    """

    content: str = ""
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    error: str = "scripted error"
    refuse_response_format: bool = False
    refusal_status: int = 400
    refusal_error: str = "response_format is not supported by this server"
    finish_reason: str = "stop"
    repeat: str = ""
    repeat_limit: int = 10_000
    token_delay: float = 0.0


Script = Sequence[Reply] | Callable[[dict[str, Any], int], Reply]


_TOKEN = re.compile(r"\s*\S+\s*|\s+")


def _words(text: str) -> int:
    return len(text.split())


def _tokens(reply: Reply, max_tokens: int | None) -> tuple[Iterator[str], Callable[[], str]]:
    """The reply's tokens, cut at ``max_tokens``, and (once they are used up) its finish reason."""
    pieces: Iterator[str] = iter(_TOKEN.findall(reply.content))
    if reply.repeat:
        pieces = itertools.chain(pieces, itertools.repeat(reply.repeat, reply.repeat_limit))
    state = {"count": 0, "cut": False}

    def limited() -> Iterator[str]:
        for piece in pieces:
            if max_tokens is not None and state["count"] >= max_tokens:
                state["cut"] = True
                return
            state["count"] += 1
            yield piece

    return limited(), lambda: "length" if state["cut"] or reply.repeat else reply.finish_reason


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
        self.sent_tokens: list[int] = []
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

    def _next(self, request: dict[str, Any]) -> tuple[int, Reply]:
        with self._lock:
            index = self._count
            self._count += 1
            self.requests.append(request)
            self.sent_tokens.append(0)
        if callable(self.script):
            return index, self.script(request, index)
        if index >= len(self.script):
            return index, Reply(status=500, error=f"the script has only {len(self.script)} replies")
        return index, self.script[index]

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
                index, reply = owner._next(request)
                try:
                    if reply.delay:
                        time.sleep(reply.delay)
                    if reply.refuse_response_format and "response_format" in request:
                        kind = "invalid_request_error" if reply.refusal_status < 500 else "server_error"
                        self._send(reply.refusal_status, {"error": {"message": reply.refusal_error, "type": kind,
                                                                    "param": "response_format"}})
                        return
                    if reply.status != 200:
                        self._send(reply.status, {"error": {"message": reply.error, "type": "scripted"}}, reply.headers)
                        return
                    prompt_tokens = sum(_words(str(message.get("content") or "")) for message in request.get("messages", []))
                    limit = request.get("max_tokens")
                    tokens, finish_reason = _tokens(reply, int(limit) if limit is not None else None)
                    if request.get("stream"):
                        self._stream(index, tokens, finish_reason, prompt_tokens, reply.token_delay)
                        return
                    pieces = list(tokens)
                    content = "".join(pieces)
                    owner.sent_tokens[index] = len(pieces)
                    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                             "total_tokens": prompt_tokens + len(pieces)}
                    self._send(200, {"id": "chatcmpl-scripted", "object": "chat.completion", "created": 0, "model": owner.model,
                                     "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                                  "finish_reason": finish_reason()}], "usage": usage}, reply.headers)
                except (BrokenPipeError, ConnectionResetError):
                    return

            def _event(self, choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> None:
                chunk: dict[str, Any] = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0,
                                         "model": owner.model, "choices": choices}
                if usage is not None:
                    chunk["usage"] = usage
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            def _stream(self, index: int, tokens: Iterator[str], finish_reason: Callable[[], str], prompt_tokens: int,
                        token_delay: float) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                sent = 0
                for piece in tokens:
                    self._event([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
                    sent += 1
                    owner.sent_tokens[index] = sent
                    if token_delay:
                        time.sleep(token_delay)
                self._event([{"index": 0, "delta": {}, "finish_reason": finish_reason()}])
                self._event([], {"prompt_tokens": prompt_tokens, "completion_tokens": sent, "total_tokens": prompt_tokens + sent})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

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
