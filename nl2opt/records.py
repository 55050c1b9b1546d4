"""Audit and replay: every chat call's prompt, answer, tokens and time go to a run record (JSONL).

A :class:`RecordingClient` wraps any chat model and appends one line per call to the record as
it happens (so an interrupted run keeps what it did). A :class:`ReplayClient` answers the same
conversations from a record without any LLM: each call is matched by a hash of its messages,
temperature and seed, so a replayed run takes the same path and gives the same result; a
conversation that is not in the record is an error, not a silent new call.

Record lines::

    {"type": "run", "version": 1, "config": {...}, "question": "...", "started": ...}
    {"type": "call", "key": "<sha256>", "messages": [...], "temperature": 0.0, "seed": 0,
     "structured": true, "response": {"text": ..., "prompt_tokens": ..., ...} | "error": {...},
     "sample": 0, "round": 1, "time": ...}
    {"type": "answer", "answer": {...}}
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ormodel.nl2opt.client import ChatModel, ChatResponse, LLMError, Message

__all__ = ["RecordingClient", "ReplayClient", "ReplayMismatch", "RunRecorder", "call_key", "read_record"]

RECORD_VERSION = 1
MAX_RECORDED_TEXT = 250_000  # characters of one answer kept in a record (longer answers are refused by the agent anyway)


def call_key(messages: Sequence[Message], temperature: float | None, seed: int | None) -> str:
    """The identity of a chat call: a hash of the conversation and sampling settings."""
    payload = json.dumps({"messages": list(messages), "temperature": temperature, "seed": seed}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ReplayMismatch(LookupError):
    """A replayed run asked for a conversation the record does not hold."""


class RunRecorder:
    """Appends record lines to a JSONL file (thread-safe), or keeps them in memory when ``path`` is None."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.lines: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text("", encoding="utf-8")

    def write(self, line: dict[str, Any]) -> None:
        """Add one line."""
        with self._lock:
            self.lines.append(line)
            if self.path is not None:
                with open(self.path, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(line, ensure_ascii=False) + "\n")

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The call lines so far."""
        return [line for line in self.lines if line.get("type") == "call"]


class RecordingClient:
    """A chat model that records every call of the model it wraps."""

    def __init__(self, inner: ChatModel, recorder: RunRecorder) -> None:
        self.inner = inner
        self.recorder = recorder
        self.context = threading.local()

    def complete(self, messages: Sequence[Message], structured: bool = True, temperature: float | None = None,
                 seed: int | None = None, declare_first: bool = False) -> ChatResponse:
        """Call the wrapped model and record the call (also when it fails)."""
        line: dict[str, Any] = {"type": "call", "key": call_key(messages, temperature, seed), "messages": list(messages),
                                "temperature": temperature, "seed": seed, "structured": structured, "declare_first": declare_first,
                                "sample": getattr(self.context, "sample", None), "round": getattr(self.context, "round", None),
                                "time": time.time()}
        try:
            response = self.inner.complete(messages, structured=structured, temperature=temperature, seed=seed,
                                           declare_first=declare_first)
        except LLMError as error:
            line["error"] = {"message": str(error), "attempts": error.attempts, "errors": error.errors}
            self.recorder.write(line)
            raise
        line["response"] = response.to_dict()
        if len(response.text) > MAX_RECORDED_TEXT:  # the agent refuses such answers unread; the record keeps their start
            line["response"]["text"] = response.text[:MAX_RECORDED_TEXT]
            line["response"]["truncated_from"] = len(response.text)
        self.recorder.write(line)
        return response


def read_record(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All lines of a record file."""
    lines = []
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                lines.append(json.loads(text))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not a record line ({error.msg})") from None
    return lines


class ReplayClient:
    """Answers chat calls from a record, without any LLM."""

    def __init__(self, lines: Sequence[dict[str, Any]], source: str = "record") -> None:
        self.source = source
        self._answers: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        for line in lines:
            if line.get("type") == "call":
                self._answers[line["key"]].append(line)
        self._lock = threading.Lock()
        self.replayed = 0

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> ReplayClient:
        """A replayer of the record at ``path``."""
        return cls(read_record(path), os.fspath(path))

    def complete(self, messages: Sequence[Message], structured: bool = True, temperature: float | None = None,
                 seed: int | None = None, declare_first: bool = False) -> ChatResponse:
        """The recorded answer to this conversation (or the recorded failure, raised again)."""
        key = call_key(messages, temperature, seed)
        with self._lock:
            queue = self._answers.get(key)
            if not queue:
                raise ReplayMismatch(f"{self.source} holds no answer for this conversation ({len(messages)} messages, "
                                     f"last: {str(messages[-1].get('content', ''))[:120]!r}); the prompts or settings "
                                     "differ from the recorded run")
            line = queue.popleft()
            self.replayed += 1
        if "error" in line:
            error = line["error"]
            raise LLMError(error["message"], attempts=int(error.get("attempts", 1)), errors=error.get("errors", []))
        return ChatResponse.from_dict(line["response"])
