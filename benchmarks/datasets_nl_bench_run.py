"""`ormodel bench run nl:SUITE:IDS` end to end, with the nl2opt method answering from the golden formulations.

A scripted OpenAI-compatible server on 127.0.0.1 answers each problem's text with its hand-written golden
formulation (tests/nl2opt/golden), so the generic runner path (suite kind ``nl:``, record loader, the
``nl2opt`` method, judging, ``bench report``'s accuracy table) runs without an LLM.

Usage:
    python benchmarks/datasets_nl_bench_run.py --suite logior --ids prob_001,prob_002,prob_003 \
        --data ../shared/data/nl --table benchmarks/results/datasets_e2e/nl_logior.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="logior")
    parser.add_argument("--ids", default="prob_001,prob_002,prob_003")
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "nl"))
    parser.add_argument("--table", required=True)
    args = parser.parse_args()

    from ormodel.datasets.nl import load_suite
    from ormodel.nl2opt.retrieval import load_golden
    from ormodel.nl2opt.testing import ScriptedChatServer, golden_script

    ids = [item.strip() for item in args.ids.split(",") if item.strip()]
    records = {record.id: record for record in load_suite(args.suite, args.data)}
    golden = {example.key: example for example in load_golden()}
    answers = {records[identifier].text: json.dumps(golden[f"{args.suite}/{identifier}"].document) for identifier in ids}
    Path(args.table).unlink(missing_ok=True)
    with ScriptedChatServer(golden_script(answers)) as server:
        method = f"scripted-golden=nl2opt:param.base_url={server.url},param.model=scripted-golden,param.examples=0"
        command = [sys.executable, "-m", "ormodel", "bench", "run", f"nl:{args.suite}:{','.join(ids)}", "-m", method,
                   "--time-limit", "120", "--jobs", "1", "--no-progress", "--table", args.table]
        run = subprocess.run(command, text=True, check=False,
                             env={**os.environ, "ORMODEL_LLM_API_KEY": "scripted", "ORMODEL_NL_DATA": args.data})
    if run.returncode != 0:
        return run.returncode
    report = subprocess.run([sys.executable, "-m", "ormodel", "bench", "report", args.table, "-o",
                             str(Path(args.table).with_suffix("")) + "_report", "--no-plots"], check=False)
    return report.returncode


if __name__ == "__main__":
    raise SystemExit(main())
