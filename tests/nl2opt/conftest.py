"""Fixtures of the nl2opt tests: a scripted OpenAI-compatible server on 127.0.0.1 and small models."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ormodel.nl2opt.client import ChatClient
from ormodel.nl2opt.config import LLMConfig
from ormodel.nl2opt.testing import ScriptedChatServer

# A small production problem: 2 products, 2 resources; optimum 3*x[a] + 5*x[b] at x = (2, 6) → 36.
PRODUCTION: dict[str, Any] = {
    "name": "two_products",
    "description": "make two products from two limited resources to maximize profit",
    "sets": {"products": ["a", "b"], "resources": ["wood", "labor"]},
    "parameters": {
        "profit": {"index": ["products"], "values": {"a": 3, "b": 5}},
        "use": {"index": ["products", "resources"], "values": {"a": {"wood": 1, "labor": 3}, "b": {"wood": 0, "labor": 2}}},
        "available": {"index": ["resources"], "values": {"wood": 4, "labor": 18}},
        "b_limit": 6,
    },
    "variables": {"make": {"index": ["products"], "type": "continuous", "description": "units made of each product"}},
    "objective": {"sense": "maximize", "expression": "sum(profit[p] * make[p] for p in products)", "description": "total profit"},
    "constraints": [
        {"name": "capacity", "for": "r in resources", "expression": "sum(use[p, r] * make[p] for p in products) <= available[r]"},
        {"name": "b_cap", "expression": "make['b'] <= b_limit"},
    ],
}
PRODUCTION_OPTIMUM = 36.0
QUESTION = "A shop makes products a and b from wood and labor. How much of each should it make to maximize profit?"


def production(**changes: Any) -> dict[str, Any]:
    """A deep copy of the production model with top-level elements replaced."""
    document = copy.deepcopy(PRODUCTION)
    document.update(copy.deepcopy(changes))
    return document


def as_json(document: dict[str, Any]) -> str:
    """The document as the JSON an LLM would answer."""
    return json.dumps(document)


@pytest.fixture
def chat_server() -> Iterator[Callable[..., ScriptedChatServer]]:
    """Start scripted servers for a test (``chat_server(script)``); all are stopped afterwards."""
    servers: list[ScriptedChatServer] = []

    def start(script: Any, **options: Any) -> ScriptedChatServer:
        server = ScriptedChatServer(script, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def fast_client(server: ScriptedChatServer, **settings: Any) -> ChatClient:
    """A client with short timeouts and backoff, for tests."""
    defaults: dict[str, Any] = {"timeout": 5.0, "max_retries": 3, "backoff": 0.01, "max_backoff": 0.05}
    defaults.update(settings)
    return ChatClient(LLMConfig(base_url=server.url, model="scripted-model", api_key="test", **defaults))
