"""LLM formulation agents: English → a solved, checked and explained five-element model.

* :mod:`~ormodel.nl2opt.config` and :mod:`~ormodel.nl2opt.client`: any OpenAI-compatible chat server
  (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio), with retries, timeouts and token usage.
* :mod:`~ormodel.nl2opt.agent`: formulate (structured output) → validate/compile → solve → check
  (IIS, unbounded ray, suspicious models) → revise, with optional self-consistency voting.
* :mod:`~ormodel.nl2opt.retrieval`: few-shot examples from the golden set by similarity.
* :mod:`~ormodel.nl2opt.records`: every call recorded; recorded runs replay without an LLM.
* :mod:`~ormodel.nl2opt.benchmark`: ``ormodel bench nl`` (execution rate, accuracy under three tolerances).

Example::

    from ormodel.nl2opt import formulate
    answer = formulate("A bakery makes bread and cake ...", model="gpt-4o-mini")
    print(answer.to_markdown())
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ormodel.nl2opt.agent import Answer

__all__ = ["Agent", "AgentOptions", "Answer", "ChatClient", "ExampleLibrary", "LLMConfig", "formulate", "load_config"]

_EXPORTS = {
    "Agent": "ormodel.nl2opt.agent", "AgentOptions": "ormodel.nl2opt.agent", "Answer": "ormodel.nl2opt.agent",
    "ChatClient": "ormodel.nl2opt.client", "LLMConfig": "ormodel.nl2opt.config", "load_config": "ormodel.nl2opt.config",
    "ExampleLibrary": "ormodel.nl2opt.retrieval",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ormodel.nl2opt' has no attribute {name!r}")


def formulate(question: str, model: str | None = None, base_url: str | None = None, samples: int = 1, max_rounds: int = 5,
              examples: int = 3, **settings: Any) -> Answer:
    """Formulate, solve, check and explain ``question`` with the configured LLM (see :func:`load_config`)."""
    from ormodel.nl2opt.agent import Agent, AgentOptions
    from ormodel.nl2opt.client import ChatClient
    from ormodel.nl2opt.config import load_config
    from ormodel.nl2opt.retrieval import ExampleLibrary

    client = ChatClient(load_config(model=model, base_url=base_url, **settings))
    library = ExampleLibrary.from_folder() if examples > 0 else None
    return Agent(client, AgentOptions(max_rounds=max_rounds, samples=samples, examples=examples), library).solve(question)
