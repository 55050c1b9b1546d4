"""Job-shop instances: dataclass, standard text format, random and Taillard generators, bounds."""

from ormodel.datasets.jssp.bounds import (
    TAILLARD_BOUNDS,
    best_known_lower_bound,
    best_known_upper_bound,
    gap_to_best_known,
    is_closed,
)
from ormodel.datasets.jssp.generators import dmu_jobshop, general_jobshop, random_jobshop, random_jobshop_batch
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance
from ormodel.datasets.jssp.taillard import (
    TAILLARD_SEEDS,
    taillard_generate,
    taillard_instance,
    taillard_names,
    taillard_size_class,
)
from ormodel.datasets.jssp.text_format import format_jobshop_text, parse_jobshop_text, read_jobshop, write_jobshop

__all__ = [
    "TAILLARD_BOUNDS",
    "TAILLARD_SEEDS",
    "JobShopError",
    "JobShopInstance",
    "best_known_lower_bound",
    "best_known_upper_bound",
    "dmu_jobshop",
    "format_jobshop_text",
    "gap_to_best_known",
    "general_jobshop",
    "is_closed",
    "parse_jobshop_text",
    "random_jobshop",
    "random_jobshop_batch",
    "read_jobshop",
    "taillard_generate",
    "taillard_instance",
    "taillard_names",
    "taillard_size_class",
    "write_jobshop",
]
