"""Loader for the natural-language optimization suites (``ormodel.datasets.nl``).

One normalized :class:`NLRecord` (id, suite, text, answer, tolerance, reference formulation,
source, known-issue flags) for NL4Opt, MAMO EasyLP/ComplexLP, IndustryOR v1/v2, OptMATH-Bench,
OptiBench, LogiOR, NLP4LP, ComplexOR and ICML'24 track 3, and their corrected versions. The data
is not bundled: pass the folder that holds the copied files.

Example:
    >>> from ormodel.datasets.nl import SUITES
    >>> SUITES["mamo-easylp-sirl-fixed"].count
    642
"""

from ormodel.datasets.nl.loader import SuiteStatus, available_suites, load_suite, read_normalized, write_normalized
from ormodel.datasets.nl.records import (
    ABSOLUTE_001,
    ABSOLUTE_1E4,
    RELATIVE_5PCT,
    ROUNDED_2DP,
    STRICT,
    TOLERANCES,
    AnswerStatus,
    NLDataError,
    NLRecord,
    TolerancePolicy,
    parse_answer,
)
from ormodel.datasets.nl.suites import BENCHMARKS, SUITES, CrossCheck, IssueFile, SuiteSpec

__all__ = [
    "ABSOLUTE_001",
    "ABSOLUTE_1E4",
    "BENCHMARKS",
    "RELATIVE_5PCT",
    "ROUNDED_2DP",
    "STRICT",
    "SUITES",
    "TOLERANCES",
    "AnswerStatus",
    "CrossCheck",
    "IssueFile",
    "NLDataError",
    "NLRecord",
    "SuiteSpec",
    "SuiteStatus",
    "TolerancePolicy",
    "available_suites",
    "load_suite",
    "parse_answer",
    "read_normalized",
    "write_normalized",
]
