"""A chat client for any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio).

Built on the ``openai`` package. Rate limits (429), server errors (5xx), timeouts and dropped
connections are retried with exponential backoff and jitter (``Retry-After`` is honored);
other errors (bad key, unknown model) stop at once with the server's message. Structured output
is asked for with the five-element JSON Schema; a server that refuses ``response_format`` (HTTP
400/422/404, or a 500 whose message is about the format, as ``llama_cpp.server`` answers) is asked
once again without it (``structured_output="auto"``) and remembered as not supporting it.

Local models fail in ways hosted ones rarely do, so every answer is also checked on the way in:
a looping generation (a JSON key or a line repeated, endless whitespace; see
:mod:`ormodel.nl2opt.loop_guard`) is stopped (while streaming, as soon as it shows) and an answer
cut at ``max_tokens`` is marked; both come back with a ``finding`` the agent sends to the model in
the next round. Every answer comes back with its token usage, latency and the failed attempts
before it.

Example:
    >>> from ormodel.nl2opt.config import LLMConfig
    >>> client = ChatClient(LLMConfig(base_url="http://127.0.0.1:9/v1", model="m", max_retries=0, timeout=0.5))
    >>> client.config.model
    'm'
"""

from __future__ import annotations

import copy
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ormodel.nl2opt.config import LLMConfig
from ormodel.nl2opt.loop_guard import LoopGuard, find_loop

__all__ = ["ChatClient", "ChatModel", "ChatResponse", "LLMError", "Message", "five_element_response_format", "generation_schema",
           "length_finding"]

Message = dict[str, str]

# Words in a server error that show the request's response_format was what it refused.
_FORMAT_WORDS = re.compile(r"response_format|json_schema|json_object|schema|grammar", re.IGNORECASE)
_CHARACTERS_PER_TOKEN = 4  # prompt-size estimate when a stopped stream reports no usage


def length_finding(completion_tokens: int, max_tokens: int | None) -> str:
    """The finding for an answer the server cut at the token limit."""
    limit = f" (the limit is {max_tokens})" if max_tokens else ""
    return (f"Your answer was cut off after {completion_tokens} tokens{limit} before the model was complete. "
            "Write it more compactly: no comments or explanations, every number once, tables as lists or mappings, "
            "sets as ranges {\"from\": 1, \"to\": n} where they fit.")


class LLMError(RuntimeError):
    """A chat call that failed for good (after retries, or at once for errors retrying cannot fix)."""

    def __init__(self, message: str, attempts: int = 1, errors: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.errors = list(errors)


@dataclass
class ChatResponse:
    """One chat answer with what it cost.

    Attributes:
        text: the assistant's message content.
        prompt_tokens, completion_tokens: usage reported by the server (0 when it reports none).
        latency: seconds from the first request to the answer, retries and waits included.
        attempts: requests made (1 when the first one succeeded).
        errors: one line per failed attempt (status and message).
        structured: whether the answer was produced under a JSON response format.
        finish_reason: the server's reason for stopping (``stop``, ``length``, ...), or ``loop`` when
            the client stopped a looping answer.
        model: the model name the server reports.
        finding: why the answer cannot be used as it is (a loop, a cut at ``max_tokens``), in words
            for the model's next round; None for a complete answer.
        usage_estimated: the token counts are estimates (a stream stopped before the server reported usage).
    """

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency: float = 0.0
    attempts: int = 1
    errors: list[str] = field(default_factory=list)
    structured: bool = False
    finish_reason: str | None = None
    model: str | None = None
    finding: str | None = None
    usage_estimated: bool = False

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (inverse of :meth:`from_dict`)."""
        return {"text": self.text, "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "latency": self.latency, "attempts": self.attempts, "errors": list(self.errors), "structured": self.structured,
                "finish_reason": self.finish_reason, "model": self.model, "finding": self.finding,
                "usage_estimated": self.usage_estimated}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChatResponse:
        """Rebuild a response from :meth:`to_dict` output."""
        return cls(text=data["text"], prompt_tokens=int(data.get("prompt_tokens", 0)), completion_tokens=int(data.get("completion_tokens", 0)),
                   latency=float(data.get("latency", 0.0)), attempts=int(data.get("attempts", 1)), errors=list(data.get("errors", [])),
                   structured=bool(data.get("structured", False)), finish_reason=data.get("finish_reason"), model=data.get("model"),
                   finding=data.get("finding"), usage_estimated=bool(data.get("usage_estimated", False)))


class ChatModel(Protocol):
    """What the agent needs from a chat client (the live client, a recorder, or a replayer)."""

    def complete(self, messages: Sequence[Message], structured: bool = True, temperature: float | None = None,
                 seed: int | None = None, declare_first: bool = False) -> ChatResponse:
        """One chat completion; ``declare_first`` asks a structured answer to open with its sets and parameters."""
        ...


DECLARED_FIRST = ("sets", "parameters", "variables")
"""The top-level keys an answer asked for with ``declare_first`` must open with, in this order."""


def generation_schema(declare_first: bool = False) -> dict[str, Any]:
    """The five-element JSON Schema as sent to a model: the reader's schema, with the objective's ``sense`` required.

    Grammar-constrained servers (llama.cpp) emit an object's required keys first, then the optional ones
    in schema order. So:

    * the objective must open with its ``sense`` (Qwen2.5-Coder-1.5B left it out, and NL4Opt maximization
      problems were then minimized by default);
    * a constraint's keys are all optional, so that ``for`` may precede ``expression`` (with ``name`` and
      ``expression`` required, ``expression`` came right after ``name``, with its index unbound); the
      reader still rejects a constraint without a name or an expression, with a message saying so;
    * ``variables`` is required, so answers open with it: a problem of a few scalars stays short. Requiring
      ``sets`` first for every answer made the model invent members for NL4Opt 33 (two scalar variables:
      "A" … "Z" and a table of 0.5 until ``max_tokens``), as offering ``sets`` first did before;
    * with ``declare_first`` (the round after an answer used a set it did not declare), ``sets``,
      ``parameters`` and ``variables`` are required in that order, so the answer declares its index sets and
      data tables before the variables that use them (an empty object where there are none). Without it, 31
      distinct recorded answers in 13 problems indexed by sets and read tables declared nowhere, round after
      round; MAMO ComplexLP 166 asked for with it declared both sets and all four tables in one answer.
      ``description`` stays optional: requiring it made the model copy the problem into it. Under
      ``declare_first`` it is not offered at all (the reader still accepts it): the answer is asked for
      before any error when the problem text lists tables (:func:`ormodel.nl2opt.problem_text.states_tables`),
      and free text there costs tokens the tables need.
    """
    from ormodel.io import json_schema

    schema = copy.deepcopy(json_schema())
    schema["properties"]["objective"]["required"] = ["sense"]
    if declare_first:
        schema["required"] = [*DECLARED_FIRST, *(key for key in schema.get("required", []) if key not in DECLARED_FIRST)]
        properties = schema["properties"]
        schema["properties"] = {**{key: properties[key] for key in DECLARED_FIRST},
                                **{key: value for key, value in properties.items() if key != "description"}}
    for definition in ("constraint", "constraint_body"):
        if definition in schema.get("$defs", {}):
            schema["$defs"][definition].pop("required", None)
    return schema


def five_element_response_format(mode: str, declare_first: bool = False) -> dict[str, Any] | None:
    """The ``response_format`` for a structured-output mode (``json_schema``, ``json_object`` or ``none``);
    ``declare_first``: see :func:`generation_schema`."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "five_element_model", "schema": generation_schema(declare_first),
                                                       "strict": False}}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


class ChatClient:
    """Calls one model on one server; safe to share between threads."""

    def __init__(self, config: LLMConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        import openai

        self.config = config
        self._openai = openai
        self._client = openai.OpenAI(base_url=config.base_url, api_key=config.api_key, timeout=config.timeout, max_retries=0,
                                     default_headers=config.extra_headers or None)
        self._sleep = sleep
        self._random = random.Random(config.seed if config.seed is not None else 0)
        self._lock = threading.Lock()
        self.structured_mode = "json_schema" if config.structured_output == "auto" else config.structured_output

    # -- retries ------------------------------------------------------------------------------

    def _retryable(self, error: Exception) -> bool:
        errors = self._openai
        if isinstance(error, (errors.RateLimitError, errors.APITimeoutError, errors.APIConnectionError)):
            return True
        return isinstance(error, errors.APIStatusError) and error.status_code >= 500

    def _wait(self, attempt: int, error: Exception) -> float:
        retry_after = None
        response = getattr(error, "response", None)
        if response is not None:
            header = response.headers.get("retry-after")
            try:
                retry_after = float(header) if header is not None else None
            except ValueError:
                retry_after = None
        with self._lock:
            jitter = self._random.uniform(0.0, 0.25)
        delay = min(self.config.backoff * (2 ** attempt) * (1.0 + jitter), self.config.max_backoff)
        if retry_after is not None:
            delay = min(max(delay, retry_after), self.config.max_backoff)
        return delay

    @staticmethod
    def _describe(error: Exception) -> str:
        status = getattr(error, "status_code", None)
        name = type(error).__name__
        message = str(error).strip().replace("\n", " ")[:300]
        return f"{name}{f' {status}' if status else ''}: {message}"

    def _refuses_format(self, error: Exception) -> bool:
        """Whether a failed request may have failed for its ``response_format`` (worth one try without it)."""
        errors = self._openai
        if isinstance(error, (errors.BadRequestError, errors.UnprocessableEntityError)):
            return True
        if isinstance(error, errors.NotFoundError) or (isinstance(error, errors.APIStatusError) and error.status_code >= 500):
            return bool(_FORMAT_WORDS.search(str(error)))
        return False

    # -- calls --------------------------------------------------------------------------------

    def complete(self, messages: Sequence[Message], structured: bool = True, temperature: float | None = None,
                 seed: int | None = None, declare_first: bool = False) -> ChatResponse:
        """Send the messages and return the answer; raises :class:`LLMError` when the call fails for good."""
        started = time.perf_counter()
        failures: list[str] = []
        attempt = 0
        mode = self.structured_mode if structured else "none"
        fell_back = False
        while True:
            try:
                response = self._request(list(messages), five_element_response_format(mode, declare_first),
                                         self.config.temperature if temperature is None else temperature,
                                         self.config.seed if seed is None else seed)
            except Exception as error:
                if not isinstance(error, self._openai.OpenAIError):
                    raise
                if mode != "none" and not fell_back and self.config.structured_output == "auto" and self._refuses_format(error):
                    failures.append(self._describe(error) + " (retrying once without response_format)")
                    mode, fell_back = "none", True
                    continue
                failures.append(self._describe(error))
                if not self._retryable(error) or attempt >= self.config.max_retries:
                    why = "gave up after" if self._retryable(error) else "stopped after"
                    raise LLMError(f"chat call to {self.config.base_url} ({self.config.model}) {why} {len(failures)} attempt(s): "
                                   f"{failures[-1]}", attempts=len(failures), errors=failures) from None
                self._sleep(self._wait(attempt, error))
                attempt += 1
                continue
            if fell_back:
                self.structured_mode = "none"  # the server answered once the format was left out: remember it
            response.latency = time.perf_counter() - started
            response.attempts = len(failures) + 1
            response.errors = failures
            response.structured = mode != "none"
            return response

    def _request(self, messages: list[Message], response_format: dict[str, Any] | None, temperature: float,
                 seed: int | None) -> ChatResponse:
        arguments: dict[str, Any] = {"model": self.config.model, "messages": messages, "temperature": temperature}
        if seed is not None:
            arguments["seed"] = seed
        if self.config.max_tokens is not None:
            arguments["max_tokens"] = self.config.max_tokens
        if response_format is not None:
            arguments["response_format"] = response_format
        if self.config.stream:
            return self._streamed(arguments)
        completion = self._client.chat.completions.create(**arguments)
        if not completion.choices:
            raise LLMError(f"{self.config.base_url} answered without choices")
        choice = completion.choices[0]
        usage = completion.usage
        response = ChatResponse(text=choice.message.content or "", prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                                completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
                                finish_reason=choice.finish_reason, model=completion.model)
        if self.config.loop_guard:
            loop = find_loop(response.text)
            if loop is not None:
                response.text, response.finish_reason, response.finding = response.text[:loop.position], "loop", loop.message()
        return self._mark_cut(response)

    def _mark_cut(self, response: ChatResponse) -> ChatResponse:
        """Give an answer the server cut at the token limit its finding."""
        if response.finish_reason == "length" and response.finding is None:
            response.finding = length_finding(response.completion_tokens, self.config.max_tokens)
        return response

    def _streamed(self, arguments: dict[str, Any]) -> ChatResponse:
        parts: list[str] = []
        prompt_tokens = completion_tokens = pieces = read = 0
        finish_reason = model = None
        reported = False
        guard = LoopGuard() if self.config.loop_guard else None
        stream = self._client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **arguments)
        loop = None
        try:
            for chunk in stream:
                model = chunk.model or model
                if chunk.usage is not None:
                    prompt_tokens = int(chunk.usage.prompt_tokens or 0)
                    completion_tokens = int(chunk.usage.completion_tokens or 0)
                    reported = True
                for choice in chunk.choices or []:
                    content = choice.delta.content if choice.delta is not None else None
                    if content:
                        pieces += 1
                        loop = guard.feed(content) if guard is not None else None
                        if loop is not None:
                            parts.append(content[:loop.position - read])
                            break
                        parts.append(content)
                        read += len(content)
                    finish_reason = choice.finish_reason or finish_reason
                if loop is not None:
                    break
        finally:
            stream.close()  # after a loop: hang up, so that the server stops generating
        response = ChatResponse(text="".join(parts), prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                                finish_reason=finish_reason, model=model)
        if loop is not None:
            response.finish_reason, response.finding = "loop", loop.message()
        if not reported:
            characters = sum(len(str(message.get("content") or "")) for message in arguments["messages"])
            response.prompt_tokens = characters // _CHARACTERS_PER_TOKEN
            response.completion_tokens = pieces  # servers like llama.cpp send one token per piece
            response.usage_estimated = True
        return self._mark_cut(response)
