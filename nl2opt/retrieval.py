"""Worked five-element examples (the golden set) and their retrieval by similarity for few-shot prompts.

A golden example is a YAML file whose header comments name the benchmark problem it formulates::

    # id: 94
    # suite: mamo-complexlp
    # source: mamo_complexlp/mamo__mamo_complex_lp.jsonl, id 94
    # label: 160.0
    # value: 176
    # disputed: the three distinct tours cost 176, 237 and 253 ...

followed by the five-element document, whose ``description`` is a one-line paraphrase of the
problem. Retrieval ranks examples by TF-IDF cosine similarity between the question and each
example's description and symbol names (OptiMUS's RAG mode does the same with embeddings).

Example:
    >>> library = ExampleLibrary([])
    >>> library.select("a diet problem", 2)
    []
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["ExampleLibrary", "GoldenExample", "default_golden_folder", "load_golden", "read_golden", "tokens"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_HEADER = re.compile(r"^#\s*([a-z_]+):\s*(.*?)\s*$")
_WORD = re.compile(r"[a-z]+")
_STOP = frozenset(["a", "an", "and", "are", "as", "at", "be", "by", "each", "for", "from", "has", "have", "in", "is", "it", "its", "of", "on", "or", "per", "that", "the", "their", "this", "to", "with", "which", "what", "how", "many", "much", "should", "can", "must", "will", "all", "any", "than", "into"])


@dataclass(frozen=True)
class GoldenExample:
    """One hand-written formulation of a benchmark problem.

    Attributes:
        id: the problem's id in its suite (as :func:`ormodel.datasets.nl.load_suite` gives it).
        suite: the suite's registry name.
        source: the suite file and record the id refers to.
        label: the suite's answer.
        value: the optimal objective of this formulation.
        disputed: why the label is believed wrong (``None`` when it is not disputed).
        document: the five-element document.
        path: the file.
    """

    id: str
    suite: str
    source: str
    label: float | None
    value: float
    disputed: str | None
    document: dict[str, Any]
    path: str

    @property
    def key(self) -> str:
        """``suite/id``."""
        return f"{self.suite}/{self.id}"

    @property
    def summary(self) -> str:
        """The one-line paraphrase (the document's description)."""
        return str(self.document.get("description") or self.document.get("name") or "")


def _number(text: str | None) -> float | None:
    if text is None or text.strip().lower() in ("", "none", "null"):
        return None
    return float(text)


def read_golden(path: str | os.PathLike[str]) -> GoldenExample:
    """Read one golden YAML file (header comments and document)."""
    text = Path(path).read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            header[match.group(1)] = match.group(2)
    missing = [key for key in ("id", "suite", "label", "value") if key not in header]
    if missing:
        raise ValueError(f"{path}: the header lacks {', '.join(missing)} (lines '# key: value' before the document)")
    document = yaml.load(text, Loader=_LOADER)
    if not isinstance(document, dict):
        raise ValueError(f"{path}: the document is not a five-element mapping")  # noqa: TRY004 - bad file content
    value = _number(header["value"])
    if value is None:
        raise ValueError(f"{path}: '# value:' must be a number")
    return GoldenExample(id=header["id"], suite=header["suite"], source=header.get("source", ""), label=_number(header["label"]),
                         value=value, disputed=header.get("disputed") or None, document=document, path=os.fspath(path))


def default_golden_folder() -> Path | None:
    """``$ORMODEL_NL_EXAMPLES``, else the installed ``ormodel/nl2opt/golden``, else the checkout's ``tests/nl2opt/golden``."""
    configured = os.environ.get("ORMODEL_NL_EXAMPLES")
    if configured:
        return Path(configured)
    here = Path(__file__).resolve().parent
    for candidate in (here / "golden", here.parent / "tests" / "nl2opt" / "golden"):
        if candidate.is_dir():
            return candidate
    return None


def load_golden(folder: str | os.PathLike[str] | None = None) -> list[GoldenExample]:
    """Every ``*.yaml`` golden example in ``folder`` (default :func:`default_golden_folder`), sorted by file name."""
    where = Path(folder) if folder is not None else default_golden_folder()
    if where is None or not where.is_dir():
        return []
    return [read_golden(path) for path in sorted(where.glob("*.yaml"))]


def tokens(text: str) -> list[str]:
    """Lower-case word stems of a text (snake_case split, plural 's' dropped, stop words removed)."""
    words = _WORD.findall(text.lower().replace("_", " "))
    stems = []
    for word in words:
        if word in _STOP or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        stems.append(word)
    return stems


def _example_text(example: GoldenExample) -> str:
    document = example.document
    parts = [str(document.get("name", "")), example.summary]
    for element in ("sets", "parameters", "variables"):
        parts.extend(str(name) for name in (document.get(element) or {}))
    for variable in (document.get("variables") or {}).values():
        if isinstance(variable, dict) and variable.get("description"):
            parts.append(str(variable["description"]))
    constraints = document.get("constraints") or []
    parts.extend(str(entry.get("name", "")) for entry in constraints if isinstance(entry, dict))
    return " ".join(parts)


class ExampleLibrary:
    """Golden examples ranked by TF-IDF cosine similarity to a question."""

    def __init__(self, examples: Sequence[GoldenExample]) -> None:
        self.examples = list(examples)
        counts = [Counter(tokens(_example_text(example))) for example in self.examples]
        documents = len(counts)
        frequency: Counter[str] = Counter()
        for count in counts:
            frequency.update(count.keys())
        self._idf = {word: math.log((1 + documents) / (1 + seen)) + 1.0 for word, seen in frequency.items()}
        self._vectors = [self._weights(count) for count in counts]

    @classmethod
    def from_folder(cls, folder: str | os.PathLike[str] | None = None) -> ExampleLibrary:
        """The library of the golden examples in ``folder`` (default :func:`default_golden_folder`)."""
        return cls(load_golden(folder))

    def _weights(self, count: Counter[str]) -> dict[str, float]:
        weights = {word: (1.0 + math.log(times)) * self._idf.get(word, 0.0) for word, times in count.items()}
        norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
        return {word: weight / norm for word, weight in weights.items() if weight > 0}

    def ranked(self, question: str, exclude: Iterable[str] = ()) -> list[tuple[float, GoldenExample]]:
        """All examples with their similarity to ``question``, best first; ``exclude`` holds ``suite/id`` keys."""
        skip = set(exclude)
        query = self._weights(Counter(tokens(question)))
        scored = []
        for example, vector in zip(self.examples, self._vectors):
            if example.key in skip:
                continue
            score = sum(weight * vector.get(word, 0.0) for word, weight in query.items())
            scored.append((score, example))
        scored.sort(key=lambda item: (-item[0], item[1].key))
        return scored

    def select(self, question: str, count: int, exclude: Iterable[str] = ()) -> list[GoldenExample]:
        """The ``count`` most similar examples (never one listed in ``exclude``)."""
        if count <= 0:
            return []
        return [example for _, example in self.ranked(question, exclude)[:count]]

    def few_shot(self, question: str, count: int, exclude: Iterable[str] = ()) -> list[tuple[str, dict[str, Any]]]:
        """(summary, document) pairs for :func:`ormodel.nl2opt.prompts.build_messages`."""
        return [(example.summary, example.document) for example in self.select(question, count, exclude)]
