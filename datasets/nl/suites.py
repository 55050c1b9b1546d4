"""Registry of the NL optimization suites: one entry per copied file version (``SUITES``).

Each suite names its file relative to the data root (``../shared/data/nl`` in this project),
where the file came from, its licence, the reader for its format, the tolerance that fits its
labels, and the correction files used to flag known label problems. Names follow
``<benchmark>[-<version>][-<who corrected or copied it>]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ormodel.datasets.nl.records import ROUNDED_2DP, STRICT, TolerancePolicy

__all__ = ["BENCHMARKS", "SUITES", "CrossCheck", "IssueFile", "SuiteSpec"]

LLMOPT = "caigaojiang/LLMOPT@445401ca"
OPTMATH = "optsuite/OptMATH@f15bbc44"
SIRL = "Cardinal-Operations/SIRL@8e85194b"
RESOCRATIC = "yangzhch6/ReSocratic@56a638f6"
MAMO = "FreedomIntelligence/Mamo@2c91069d"
NL4OPT_COMP = "nl4opt/nl4opt-competition@49f1e0d6"
ORTHOUGHT = "ZJU-TSELab/ORThought@fb8a5ded"
LLM4OR = "LLM4OR/LLM4OR@75962df5"
OPTIMIND = "microsoft/OptiGuide@419cf7b9"
COE = "xzymustbexzy/Chain-of-Experts@9ce1fb7e"


@dataclass(frozen=True)
class IssueFile:
    """A side file listing label problems of a suite (e.g. ORThought's answer fixes)."""

    path: str
    kind: str  # "orthought_wrong", "orthought_deleted", "orthought_error_type", "orthought_kept"


@dataclass(frozen=True)
class CrossCheck:
    """Compare a suite with another version: flag records it drops or answers differently."""

    suite: str
    match_by: str  # "question", "id" or "index"
    label: str


@dataclass(frozen=True)
class SuiteSpec:
    """One suite file: where it lives, where it came from, and how to read it."""

    name: str
    benchmark: str
    variant: str
    path: str
    source: str
    license: str
    reader: str
    file_format: str
    count: int
    tolerance: TolerancePolicy = STRICT
    flags: tuple[str, ...] = ()
    issue_files: tuple[IssueFile, ...] = ()
    cross_checks: tuple[CrossCheck, ...] = ()
    question_field: str = ""
    answer_field: str = ""
    id_field: str = ""

    @property
    def origin(self) -> str:
        """``repo@commit:path`` of the copied file."""
        return self.source


def _qa(name: str, benchmark: str, variant: str, path: str, source: str, license: str, count: int,
        file_format: str = "jsonl", **extra: Any) -> SuiteSpec:
    return SuiteSpec(name=name, benchmark=benchmark, variant=variant, path=path, source=source, license=license,
                     reader="question_answer", file_format=file_format, count=count, **extra)


def _llmopt(name: str, benchmark: str, path: str, original: str, count: int, **extra: Any) -> SuiteSpec:
    return _qa(name, benchmark, "relabelled by LLMOPT (answers rounded to 2 decimals)", path,
               f"{LLMOPT}:data/testset/{original}", "none stated (LEGAL.md only)", count,
               tolerance=ROUNDED_2DP, flags=("relabelled-by-llmopt", "labels-rounded-2dp"), id_field="index", **extra)


_SPECS: list[SuiteSpec] = [
    # NL4Opt
    _qa("nl4opt", "NL4Opt", "test set, HF CardinalOperations copy (245, 17 'No Best Solution')",
        "nl4opt/optmath__NL4OPT.jsonl", f"{OPTMATH}:benchmark/NL4OPT.json", "MIT (competition); Apache-2.0 (OptMATH)", 245,
        cross_checks=(CrossCheck("nl4opt-sirl", "question", "sirl"),)),
    _qa("nl4opt-sirl", "NL4Opt", "SIRL copy (2 answers differ from the HF copy)", "nl4opt/sirl__NL4OPT.jsonl",
        f"{SIRL}:test_data/NL4OPT.jsonl", "none stated", 245),
    _llmopt("nl4opt-llmopt", "NL4Opt", "nl4opt/llmopt__nl4opt_test.jsonl", "nl4opt_test.jsonl", 230),
    SuiteSpec("nl4opt-e", "NL4Opt", "NL4OPT-E rewrite with variable values (ReSocratic)", "nl4opt/resocratic__NL4OPT-E.json",
              f"{RESOCRATIC}:data/NL4OPT-E.json", "Apache-2.0", "results_dict", "json", 289),
    SuiteSpec("nl4opt-lpwp", "NL4Opt", "parametrised LPWP form with sample data (Chain-of-Experts)", "nl4opt/coe__LPWP.jsonl",
              f"{COE}:dataset/LPWP", "none stated", "folder_sample", "jsonl", 288),
    SuiteSpec("nl4opt-clean-llm4or", "NL4Opt", "CLEAN subset, label errors removed (LLM4OR)", "nl4opt/llm4or__clean_NL4Opt.jsonl",
              f"{LLM4OR}:static/clean_benchmarks/NL4Opt", "none stated", "folder_sample", "jsonl", 214),
    SuiteSpec("nl4opt-generation-test", "NL4Opt", "official generation split: annotations, no objective values",
              "nl4opt/nl4optcomp__generation_test.jsonl", f"{NL4OPT_COMP}:generation_data/test.jsonl", "MIT",
              "nl4opt_generation", "jsonl", 289),
    SuiteSpec("nl4opt-generation-dev", "NL4Opt", "official generation dev split: annotations, no objective values",
              "nl4opt/nl4optcomp__generation_dev.jsonl", f"{NL4OPT_COMP}:generation_data/dev.jsonl", "MIT",
              "nl4opt_generation", "jsonl", 99),
    # MAMO EasyLP
    _qa("mamo-easylp", "MAMO EasyLP", "official", "mamo_easylp/mamo__mamo_easy_lp.jsonl",
        f"{MAMO}:data/optimization/Easy_LP/mamo_easy_lp.jsonl", "CC BY-SA 4.0", 652,
        cross_checks=(CrossCheck("mamo-easylp-sirl-fixed", "question", "sirl-fixed"),
                      CrossCheck("mamo-easylp-clean-llm4or", "id", "llm4or-clean"),
                      CrossCheck("mamo-easylp-llmopt", "question", "llmopt"))),
    _qa("mamo-easylp-optmath", "MAMO EasyLP", "ORLM/HF copy (OptMATH)", "mamo_easylp/optmath__MAMO_EasyLP.jsonl",
        f"{OPTMATH}:benchmark/MAMO_EasyLP.json", "CC BY-SA 4.0 (Mamo)", 652),
    _qa("mamo-easylp-sirl", "MAMO EasyLP", "SIRL copy of the original", "mamo_easylp/sirl__MAMO_EasyLP.jsonl",
        f"{SIRL}:test_data/MAMO_EasyLP.json", "CC BY-SA 4.0 (Mamo)", 652),
    _qa("mamo-easylp-sirl-fixed", "MAMO EasyLP", "CORRECTED by SIRL (10 removed, 70 answers fixed)",
        "mamo_easylp/sirl__MAMO_EasyLP_fixed.jsonl", f"{SIRL}:test_data/MAMO_EasyLP_fixed.jsonl", "CC BY-SA 4.0 (Mamo)", 642),
    _llmopt("mamo-easylp-llmopt", "MAMO EasyLP", "mamo_easylp/llmopt__mamo_easy_test.jsonl", "mamo_easy_test.jsonl", 652),
    _qa("mamo-easylp-clean-llm4or", "MAMO EasyLP", "CLEAN subset (LLM4OR), answers unchanged",
        "mamo_easylp/llm4or__clean_Mamo_easy_lp.jsonl", f"{LLM4OR}:static/clean_benchmarks/Mamo/Mamo_easy_lp_clean.jsonl",
        "CC BY-SA 4.0 (Mamo)", 545),
    # MAMO ComplexLP
    _qa("mamo-complexlp", "MAMO ComplexLP", "official", "mamo_complexlp/mamo__mamo_complex_lp.jsonl",
        f"{MAMO}:data/optimization/Complex_LP/mamo_complex_lp.jsonl", "CC BY-SA 4.0", 211,
        cross_checks=(CrossCheck("mamo-complexlp-sirl-fixed", "question", "sirl-fixed"),
                      CrossCheck("mamo-complexlp-optimind", "question", "optimind"),
                      CrossCheck("mamo-complexlp-clean-llm4or", "id", "llm4or-clean"),
                      CrossCheck("mamo-complexlp-llmopt", "question", "llmopt"))),
    _qa("mamo-complexlp-optmath", "MAMO ComplexLP", "ORLM/HF copy (OptMATH)", "mamo_complexlp/optmath__MAMO_ComplexLP.jsonl",
        f"{OPTMATH}:benchmark/MAMO_ComplexLP.json", "CC BY-SA 4.0 (Mamo)", 211),
    _qa("mamo-complexlp-sirl", "MAMO ComplexLP", "SIRL copy of the original", "mamo_complexlp/sirl__MAMO_ComplexLP.jsonl",
        f"{SIRL}:test_data/MAMO_ComplexLP.json", "CC BY-SA 4.0 (Mamo)", 211),
    _qa("mamo-complexlp-sirl-fixed", "MAMO ComplexLP", "CORRECTED by SIRL (8 removed, 43 answers fixed)",
        "mamo_complexlp/sirl__MAMO_ComplexLP_fixed.jsonl", f"{SIRL}:test_data/MAMO_ComplexLP_fixed.jsonl",
        "CC BY-SA 4.0 (Mamo)", 203),
    _qa("mamo-complexlp-optimind", "MAMO ComplexLP", "CORRECTED by OptiMind (210) with problem classes",
        "mamo_complexlp/optimind__cleaned_mamo_complex.csv",
        f"{OPTIMIND}:optimind/data/optimind_cleaned_classified_mamo_complex.csv", "MIT", 210, file_format="csv"),
    _llmopt("mamo-complexlp-llmopt", "MAMO ComplexLP", "mamo_complexlp/llmopt__mamo_complex_test.jsonl",
            "mamo_complex_test.jsonl", 211),
    _qa("mamo-complexlp-clean-llm4or", "MAMO ComplexLP", "CLEAN subset (LLM4OR)",
        "mamo_complexlp/llm4or__clean_Mamo_complex_lp.jsonl",
        f"{LLM4OR}:static/clean_benchmarks/Mamo/Mamo_complex_lp_clean.jsonl", "CC BY-SA 4.0 (Mamo)", 111),
    # IndustryOR v1 and v2 (different problem sets, only ~16/100 shared)
    _qa("industryor-v1", "IndustryOR", "v1 original (ORLM results, LLMOPT, LLM4OR)", "industryor/llm4or__orig_IndustryOR.jsonl",
        f"{LLM4OR}:static/datasets/IndustryOR/dataset.jsonl", "HF card (not in repo)", 100, flags=("industryor-v1",),
        cross_checks=(CrossCheck("industryor-v1-clean-llm4or", "question", "llm4or-clean"),
                      CrossCheck("industryor-v1-llmopt", "question", "llmopt"))),
    _llmopt("industryor-v1-llmopt", "IndustryOR", "industryor/llmopt__industryor.jsonl", "industryor.jsonl", 100),
    _qa("industryor-v1-clean-llm4or", "IndustryOR", "v1 CLEAN subset (LLM4OR)", "industryor/llm4or__clean_IndustryOR.jsonl",
        f"{LLM4OR}:static/clean_benchmarks/IndustryOR.jsonl", "HF card (not in repo)", 42, flags=("industryor-v1",)),
    _qa("industryor-v1-clean-orthought", "IndustryOR", "v1 CLEAN subset as copied by ORThought (= LLM4OR clean)",
        "industryor/orthought__industryor_clean.jsonl", f"{ORTHOUGHT}:datasets/processed/IndustryOR/industryor_clean.jsonl",
        "HF card (not in repo)", 42, flags=("industryor-v1",)),
    _qa("industryor-v2", "IndustryOR", "v2 original (HF updated set)", "industryor/orthought__IndustryOR.csv",
        f"{ORTHOUGHT}:datasets/processed/IndustryOR/IndustryOR.csv", "none stated", 100, file_format="csv",
        flags=("industryor-v2",), question_field="en_question", answer_field="en_answer", id_field="id",
        issue_files=(IssueFile("industryor/orthought__IndustryOR_wrong.csv", "orthought_wrong"),
                     IssueFile("industryor/orthought__IndustryOR_delete_prob_error_type.csv", "orthought_deleted"),
                     IssueFile("industryor/orthought__summary_industryor.json", "orthought_kept")),
        cross_checks=(CrossCheck("industryor-v2-sirl-fixed", "question", "sirl-fixed"),
                      CrossCheck("industryor-v2-optimind", "question", "optimind"))),
    _qa("industryor-v2-sirl-fixed", "IndustryOR", "v2 CORRECTED item by item by SIRL", "industryor/sirl__IndustryOR_fixedV2.json",
        f"{SIRL}:test_data/IndustryOR_fixedV2.json", "none stated", 100, flags=("industryor-v2",)),
    _qa("industryor-v2-optimind", "IndustryOR", "v2 CORRECTED by OptiMind (99) with problem classes",
        "industryor/optimind__cleaned_industryor.csv",
        f"{OPTIMIND}:optimind/data/optimind_cleaned_classified_industryor.csv", "MIT", 99, file_format="csv",
        flags=("industryor-v2",)),
    SuiteSpec("industryor-v2-orthought", "IndustryOR", "v2 CORRECTED by ORThought (83 kept) with model.txt",
              "industryor/orthought__industryor_full.jsonl", f"{ORTHOUGHT}:datasets/processed/IndustryOR",
              "none stated", "orthought_full", "jsonl", 83, flags=("industryor-v2",)),
    # OptMATH-Bench
    _qa("optmath-bench", "OptMATH-Bench", "official (166)", "optmath_bench/optmath__OptMATH_Bench.json",
        f"{OPTMATH}:benchmark/OptMATH_Bench.json", "Apache-2.0", 166, file_format="json",
        cross_checks=(CrossCheck("optmath-bench-optimind", "question", "optimind"),
                      CrossCheck("optmath-bench-llmopt", "question", "llmopt"))),
    _qa("optmath-bench-sirl", "OptMATH-Bench", "SIRL copy of the official 166", "optmath_bench/sirl__OptMATH_Bench_166.jsonl",
        f"{SIRL}:test_data/OptMATH_Bench_166.jsonl", "Apache-2.0 (OptMATH)", 166),
    _qa("optmath-bench-193", "OptMATH-Bench", "193-problem variant (different problems, SIRL)",
        "optmath_bench/sirl__OptMATH_Bench_193.jsonl", f"{SIRL}:test_data/OptMATH_Bench_193.jsonl", "Apache-2.0 (OptMATH)", 193),
    _llmopt("optmath-bench-llmopt", "OptMATH-Bench", "optmath_bench/llmopt__optmath_bench.jsonl", "optmath_bench.jsonl", 166),
    _qa("optmath-bench-optimind", "OptMATH-Bench", "CORRECTED by OptiMind (130 of 166 kept)",
        "optmath_bench/optimind__cleaned_optmath.csv", f"{OPTIMIND}:optimind/data/optimind_cleaned_classified_optmath.csv",
        "MIT", 130, file_format="csv"),
    # OptiBench
    SuiteSpec("optibench", "OptiBench", "official: variables and objective per problem", "optibench/resocratic__OptiBench.json",
              f"{RESOCRATIC}:data/OptiBench.json", "Apache-2.0", "results_dict", "json", 605,
              cross_checks=(CrossCheck("optibench-clean-llm4or", "index", "llm4or-clean"),)),
    _qa("optibench-sirl", "OptiBench", "SIRL copy (objective only)", "optibench/sirl__OptiBench.jsonl",
        f"{SIRL}:test_data/OptiBench.jsonl", "Apache-2.0 (ReSocratic)", 605),
    _llmopt("optibench-llmopt", "OptiBench", "optibench/llmopt__optibench.jsonl", "optibench.jsonl", 605),
    SuiteSpec("optibench-clean-llm4or", "OptiBench", "CLEAN subset (LLM4OR, 403 of 605)", "optibench/llm4or__clean_ReSocratic.jsonl",
              f"{LLM4OR}:static/clean_benchmarks/ReSocratic.jsonl", "Apache-2.0 (ReSocratic)", "results_dict", "jsonl", 403),
    # LogiOR
    SuiteSpec("logior", "LogiOR", "ORThought (prob_037 fixed 2026-01) with model.txt", "logior/orthought__logior_full.jsonl",
              f"{ORTHOUGHT}:datasets/processed/LogiOR", "none stated (HF LabMem012/LogiOR)", "orthought_full", "jsonl", 92),
    # NLP4LP
    SuiteSpec("nlp4lp", "NLP4LP", "original 269 (ORThought copy) with problem_info", "nlp4lp/orthought__nlp4lp.csv",
              f"{ORTHOUGHT}:datasets/processed/NLP4LP/nlp4lp.csv", "CC BY-NC 4.0 (research use only)", "nlp4lp_csv", "csv", 269,
              flags=("license-cc-by-nc-4.0",),
              issue_files=(IssueFile("nlp4lp/orthought__nlp4lp_wrong.csv", "orthought_wrong"),
                           IssueFile("nlp4lp/orthought__nlp4lp_error_type.csv", "orthought_error_type"),
                           IssueFile("nlp4lp/orthought__summary_nlp4lp.json", "orthought_kept"))),
    SuiteSpec("nlp4lp-orthought", "NLP4LP", "CORRECTED by ORThought (264 of 269) with model.txt",
              "nlp4lp/orthought__nlp4lp_full.jsonl", f"{ORTHOUGHT}:datasets/processed/NLP4LP",
              "CC BY-NC 4.0 (research use only)", "orthought_full", "jsonl", 264, flags=("license-cc-by-nc-4.0",)),
    _llmopt("nlp4lp-llmopt", "NLP4LP", "nlp4lp/llmopt__nlp4lp.jsonl", "nlp4lp.jsonl", 242),
    SuiteSpec("nlp4lp-clean-llm4or", "NLP4LP", "CLEAN subset (LLM4OR, 178) with problem_info", "nlp4lp/llm4or__clean_NLP4LP.jsonl",
              f"{LLM4OR}:static/clean_benchmarks/NL4LP", "CC BY-NC 4.0 (research use only)", "folder_nlp4lp", "jsonl", 178,
              flags=("license-cc-by-nc-4.0",)),
    # ComplexOR
    SuiteSpec("complexor", "ComplexOR", "18 released problems with gt_model.txt (Chain-of-Experts)", "complexor/coe__ComplexOR.jsonl",
              f"{COE}:dataset/ComplexOR", "none stated", "folder_sample", "jsonl", 18),
    SuiteSpec("complexor-orthought", "ComplexOR", "CORRECTED by ORThought with model.txt", "complexor/orthought__complexor_full.jsonl",
              f"{ORTHOUGHT}:datasets/processed/ComplexOR", "none stated", "orthought_full", "jsonl", 18),
    _llmopt("complexor-llmopt", "ComplexOR", "complexor/llmopt__complexor.jsonl", "complexor.jsonl", 18),
    SuiteSpec("complexor-clean-llm4or", "ComplexOR", "LLM4OR copy (CoE format) with gt_model.txt",
              "complexor/llm4or__clean_ComplexOR.jsonl", f"{LLM4OR}:static/clean_benchmarks/ComplexOR", "none stated",
              "folder_sample", "jsonl", 18),
    # ICML'24 AI4Math track 3
    _llmopt("icml24-track3", "ICML'24 AI4Math Track 3", "icml2024_track3/llmopt__task3_test.jsonl", "task3_test.jsonl", 410),
]

SUITES: dict[str, SuiteSpec] = {spec.name: spec for spec in _SPECS}

BENCHMARKS: dict[str, tuple[str, ...]] = {}
for _spec in _SPECS:
    BENCHMARKS.setdefault(_spec.benchmark, ())
    BENCHMARKS[_spec.benchmark] += (_spec.name,)
