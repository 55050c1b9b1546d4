"""Best-known makespan bounds of Taillard's job-shop instances (facts, as of late 2026).

``TAILLARD_BOUNDS[name] = (lower bound, upper bound)``; equal when the instance is closed.
Values from the ScheduleOpt/benchmarks best-known-solutions table (see the shared data's SOURCES).

Example:
    >>> best_known_upper_bound("ta01"), is_closed("ta41")
    (1231, False)
"""

from __future__ import annotations

__all__ = ["TAILLARD_BOUNDS", "best_known_lower_bound", "best_known_upper_bound", "gap_to_best_known", "is_closed"]

TAILLARD_BOUNDS: dict[str, tuple[int, int]] = {
    "ta01": (1231, 1231),
    "ta02": (1244, 1244),
    "ta03": (1218, 1218),
    "ta04": (1175, 1175),
    "ta05": (1224, 1224),
    "ta06": (1238, 1238),
    "ta07": (1227, 1227),
    "ta08": (1217, 1217),
    "ta09": (1274, 1274),
    "ta10": (1241, 1241),
    "ta11": (1357, 1357),
    "ta12": (1367, 1367),
    "ta13": (1342, 1342),
    "ta14": (1345, 1345),
    "ta15": (1339, 1339),
    "ta16": (1360, 1360),
    "ta17": (1462, 1462),
    "ta18": (1396, 1396),
    "ta19": (1332, 1332),
    "ta20": (1348, 1348),
    "ta21": (1642, 1642),
    "ta22": (1600, 1600),
    "ta23": (1557, 1557),
    "ta24": (1644, 1644),
    "ta25": (1595, 1595),
    "ta26": (1643, 1643),
    "ta27": (1680, 1680),
    "ta28": (1603, 1603),
    "ta29": (1625, 1625),
    "ta30": (1562, 1584),
    "ta31": (1764, 1764),
    "ta32": (1774, 1783),
    "ta33": (1791, 1791),
    "ta34": (1828, 1828),
    "ta35": (2007, 2007),
    "ta36": (1819, 1819),
    "ta37": (1771, 1771),
    "ta38": (1673, 1673),
    "ta39": (1795, 1795),
    "ta40": (1658, 1669),
    "ta41": (1926, 2005),
    "ta42": (1900, 1937),
    "ta43": (1809, 1846),
    "ta44": (1961, 1978),
    "ta45": (1997, 1997),
    "ta46": (1976, 2002),
    "ta47": (1827, 1889),
    "ta48": (1921, 1937),
    "ta49": (1938, 1960),
    "ta50": (1848, 1923),
    "ta51": (2760, 2760),
    "ta52": (2756, 2756),
    "ta53": (2717, 2717),
    "ta54": (2839, 2839),
    "ta55": (2679, 2679),
    "ta56": (2781, 2781),
    "ta57": (2943, 2943),
    "ta58": (2885, 2885),
    "ta59": (2655, 2655),
    "ta60": (2723, 2723),
    "ta61": (2868, 2868),
    "ta62": (2869, 2869),
    "ta63": (2755, 2755),
    "ta64": (2702, 2702),
    "ta65": (2725, 2725),
    "ta66": (2845, 2845),
    "ta67": (2825, 2825),
    "ta68": (2784, 2784),
    "ta69": (3071, 3071),
    "ta70": (2995, 2995),
    "ta71": (5464, 5464),
    "ta72": (5181, 5181),
    "ta73": (5568, 5568),
    "ta74": (5339, 5339),
    "ta75": (5392, 5392),
    "ta76": (5342, 5342),
    "ta77": (5436, 5436),
    "ta78": (5394, 5394),
    "ta79": (5358, 5358),
    "ta80": (5183, 5183),
}


def _bounds(name: str) -> tuple[int, int]:
    try:
        return TAILLARD_BOUNDS[name.lower()]
    except KeyError:
        raise KeyError(f"no best-known bounds recorded for job-shop instance {name!r}") from None


def best_known_upper_bound(name: str) -> int:
    """Best-known makespan (upper bound)."""
    return _bounds(name)[1]


def best_known_lower_bound(name: str) -> int:
    """Best proven lower bound."""
    return _bounds(name)[0]


def is_closed(name: str) -> bool:
    """True when the optimum is known (lower bound equals upper bound)."""
    lower, upper = _bounds(name)
    return lower == upper


def gap_to_best_known(name: str, makespan: float) -> float:
    """Percent gap ``(makespan − UB) / UB · 100`` to the best-known upper bound."""
    upper = best_known_upper_bound(name)
    return (makespan - upper) / upper * 100.0
