"""Where the LLM lives: base URL, model, API key and call settings, from arguments, environment or a file.

Precedence, first found wins: explicit arguments, then the environment, then the config file.

Environment:

* ``ORMODEL_LLM_BASE_URL`` (or ``OPENAI_BASE_URL``): e.g. ``https://api.openai.com/v1``,
  ``http://localhost:11434/v1`` (Ollama), ``http://localhost:8000/v1`` (vLLM).
* ``ORMODEL_LLM_MODEL``: model name, e.g. ``gpt-4o-mini`` or ``qwen2.5:7b-instruct``.
* ``ORMODEL_LLM_API_KEY`` (or ``OPENAI_API_KEY``): the key; local servers accept any text.
* ``ORMODEL_LLM_CONFIG``: path of the config file (default ``~/.config/ormodel/llm.toml``).

Config file (TOML)::

    base_url = "http://localhost:11434/v1"
    model = "qwen2.5:7b-instruct"
    api_key = "ollama"          # or api_key_env = "MY_KEY_VARIABLE"
    timeout = 120
    max_retries = 4
    structured_output = "auto"  # auto | json_schema | json_object | none
    max_tokens = 2048           # answer length limit; 0 sends none (the server's default)
    stream = false              # true: receive answers as they are written, so a loop is stopped early
    loop_guard = true           # stop and report a looping answer (a key or line repeated)

For a model file on this machine, ``ormodel ask --local MODEL.gguf`` starts a llama.cpp server
(``pip install ormodel[local]``) and points the client at it (see :mod:`ormodel.nl2opt.local_server`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomllib

__all__ = ["DEFAULT_CONFIG_PATH", "DEFAULT_MAX_TOKENS", "HOW_TO_CONFIGURE", "LLMConfig", "LLMNotConfigured", "load_config"]

DEFAULT_CONFIG_PATH = Path("~/.config/ormodel/llm.toml")
OPENAI_BASE_URL = "https://api.openai.com/v1"
STRUCTURED_MODES = ("auto", "json_schema", "json_object", "none")
# Sized to the five-element document: the largest golden formulation is 2,097 characters of compact
# JSON (about 700 tokens; twice that pretty-printed), so 2048 tokens leave room for bigger problems
# and still stop a runaway answer long before a local server's context (4k-32k) is full.
DEFAULT_MAX_TOKENS = 2048

HOW_TO_CONFIGURE = """\
No LLM is configured. Point ormodel at any OpenAI-compatible chat server:

  OpenAI:        export OPENAI_API_KEY=sk-...        (model default: gpt-4o-mini)
  Ollama:        ollama serve; ollama pull qwen2.5:7b-instruct
                 export ORMODEL_LLM_BASE_URL=http://localhost:11434/v1 ORMODEL_LLM_MODEL=qwen2.5:7b-instruct
  vLLM:          vllm serve Qwen/Qwen2.5-7B-Instruct
                 export ORMODEL_LLM_BASE_URL=http://localhost:8000/v1 ORMODEL_LLM_MODEL=Qwen/Qwen2.5-7B-Instruct
  llama.cpp / LM Studio: the same, with the server's /v1 address.
  A GGUF file:   pip install 'ormodel[local]'; ormodel ask --local MODEL.gguf "..."

or pass --base-url and --model, or write ~/.config/ormodel/llm.toml (see `ormodel ask --help`)."""


class LLMNotConfigured(RuntimeError):
    """No base URL/model/key could be found; the message says how to set one up."""

    def __init__(self, detail: str = "") -> None:
        super().__init__((detail + "\n\n" if detail else "") + HOW_TO_CONFIGURE)


@dataclass(frozen=True)
class LLMConfig:
    """Everything needed to call one chat model.

    Attributes:
        base_url: the server's OpenAI-compatible root, ending in ``/v1``.
        model: model name as the server knows it.
        api_key: bearer key (local servers accept any non-empty text).
        timeout: seconds per HTTP request.
        max_retries: retries after 429, 5xx, timeouts and dropped connections.
        backoff: first wait in seconds; doubled after each retry (plus jitter), capped by ``max_backoff``.
        max_backoff: longest wait between retries in seconds.
        temperature: sampling temperature (0 for the first sample; self-consistency raises it).
        max_tokens: answer length limit (``None``: send none, the server's default); an answer cut
            there comes back with a finding for the next round.
        structured_output: ``auto`` tries JSON-Schema output and falls back to a fenced block
            when the server refuses it; ``json_schema``/``json_object``/``none`` force one mode.
        stream: receive the answer as a stream (token usage is then asked for in the last chunk); a
            looping answer is then stopped as soon as the loop shows.
        loop_guard: stop (or, without streaming, cut after the fact) an answer that repeats a JSON
            key or a line, and report it as a finding.
        seed: sampling seed sent to servers that honor it.
        extra_headers: additional HTTP headers.
    """

    base_url: str
    model: str
    api_key: str = "not-needed"
    timeout: float = 120.0
    max_retries: int = 4
    backoff: float = 1.0
    max_backoff: float = 30.0
    temperature: float = 0.0
    max_tokens: int | None = DEFAULT_MAX_TOKENS
    structured_output: str = "auto"
    stream: bool = False
    loop_guard: bool = True
    seed: int | None = 0
    extra_headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.structured_output not in STRUCTURED_MODES:
            raise ValueError(f"structured_output must be one of {', '.join(STRUCTURED_MODES)}, got {self.structured_output!r}")
        if self.timeout <= 0:
            raise ValueError(f"timeout must be positive, got {self.timeout}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ValueError(f"max_tokens must be positive (or 0 in a config file for none), got {self.max_tokens}")

    def with_overrides(self, **changes: Any) -> LLMConfig:
        """A copy with the given (non-None) fields replaced."""
        return replace(self, **{key: value for key, value in changes.items() if value is not None})

    def describe(self) -> dict[str, Any]:
        """JSON-ready settings without the key (for run records)."""
        return {"base_url": self.base_url, "model": self.model, "timeout": self.timeout, "max_retries": self.max_retries,
                "temperature": self.temperature, "max_tokens": self.max_tokens, "structured_output": self.structured_output,
                "stream": self.stream, "loop_guard": self.loop_guard, "seed": self.seed}


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None
    return dict(data.get("llm", data))


def load_config(model: str | None = None, base_url: str | None = None, api_key: str | None = None,
                config_path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None,
                **overrides: Any) -> LLMConfig:
    """The LLM configuration from arguments, environment and config file; raises :class:`LLMNotConfigured`."""
    env = os.environ if environ is None else environ
    path_text = config_path or env.get("ORMODEL_LLM_CONFIG")
    path = Path(path_text).expanduser() if path_text else DEFAULT_CONFIG_PATH.expanduser()
    file_settings: dict[str, Any] = {}
    if path.exists():
        file_settings = _read_file(path)
    elif path_text:
        raise LLMNotConfigured(f"config file {path} does not exist")
    key_from_file = file_settings.get("api_key")
    if key_from_file is None and file_settings.get("api_key_env"):
        key_from_file = env.get(str(file_settings["api_key_env"]))
    key = api_key or env.get("ORMODEL_LLM_API_KEY") or env.get("OPENAI_API_KEY") or key_from_file
    url = base_url or env.get("ORMODEL_LLM_BASE_URL") or env.get("OPENAI_BASE_URL") or file_settings.get("base_url")
    name = model or env.get("ORMODEL_LLM_MODEL") or file_settings.get("model")
    if url is None and key and (env.get("OPENAI_API_KEY") or api_key):
        url = OPENAI_BASE_URL
    if url is None:
        raise LLMNotConfigured("no server address (--base-url, ORMODEL_LLM_BASE_URL, or an OpenAI key)")
    if name is None:
        if url.rstrip("/") == OPENAI_BASE_URL:
            name = "gpt-4o-mini"
        else:
            raise LLMNotConfigured(f"no model name for {url} (--model or ORMODEL_LLM_MODEL)")
    if not key:
        if url.rstrip("/") == OPENAI_BASE_URL:
            raise LLMNotConfigured("the OpenAI API needs a key (OPENAI_API_KEY)")
        key = "not-needed"
    known = {"timeout", "max_retries", "backoff", "max_backoff", "temperature", "max_tokens", "structured_output", "stream",
             "loop_guard", "seed", "extra_headers"}
    settings = {item: file_settings[item] for item in known if item in file_settings}
    settings.update({item: value for item, value in overrides.items() if value is not None})
    if settings.get("max_tokens") == 0:
        settings["max_tokens"] = None  # 0 asks for no limit: the server's default
    unknown = set(settings) - known
    if unknown:
        raise ValueError(f"unknown LLM settings: {', '.join(sorted(unknown))}")
    return LLMConfig(base_url=str(url).rstrip("/"), model=str(name), api_key=str(key), **settings)
