"""Combinatorial auctions, Leyton-Brown, Pearson & Shoham (2000) "arbitrary" relationships.

Winner determination: ``max sum(price_b x_b)`` s.t. every item is sold at most once,
``x`` binary. Bids are produced bidder by bidder as in Gasse et al. (2019): a bundle grown
from the bidder's private interests and pairwise item compatibilities, then up to
``max_n_sub_bids`` substitutable bundles; bidders with more than two bids get a dummy item
that makes their bids mutually exclusive (rows ``xor[k]``).

Bundle growth is sequential by nature (each item depends on the bundle so far); inside each
step everything is numpy.
"""

from __future__ import annotations

import numpy as np
from ormodel.datasets.milp._build import ColumnFamily, RowFamily, assemble

from ormodel.standard_form import Sense, StandardForm

__all__ = ["combinatorial_auction"]


class _BundleSampler:
    """Draws items for one bidder, weighted by interest and compatibility with the bundle."""

    def __init__(self, interests: np.ndarray, compatibilities: np.ndarray, rng: np.random.Generator, quirk: bool):
        self.interests = interests
        self.compatibilities = compatibilities
        self.rng = rng
        self.quirk = quirk

    def _pick(self, weights: np.ndarray) -> int:
        cumulative = np.cumsum(weights)
        return int(np.searchsorted(cumulative, self.rng.random() * cumulative[-1], side="right"))

    def first(self) -> int:
        return self._pick(self.interests)

    def next(self, mask: np.ndarray) -> int:
        if self.quirk:
            # learn2branch/Ecole index the compatibility rows with the 0/1 mask itself.
            affinity = self.compatibilities[mask.astype(np.int64)].mean(axis=0)
        else:
            affinity = self.compatibilities[mask].mean(axis=0)
        return self._pick((~mask) * self.interests * affinity)


def _bundle_price(bundle: np.ndarray, private_values: np.ndarray, additivity: float, integers: bool) -> float:
    price = float(private_values[bundle].sum() + len(bundle) ** (1.0 + additivity))
    return float(np.floor(price)) if integers else price


def _bids(
    rng: np.random.Generator,
    n_items: int,
    n_bids: int,
    min_value: float,
    max_value: float,
    value_deviation: float,
    add_item_prob: float,
    max_n_sub_bids: int,
    additivity: float,
    budget_factor: float,
    resale_factor: float,
    integers: bool,
    quirk: bool,
) -> tuple[list[tuple[np.ndarray, float, int]], int]:
    """(items, price, dummy item or -1) per bid, and the number of dummy items."""
    values = min_value + (max_value - min_value) * rng.random(n_items)
    compatibilities = np.triu(rng.random((n_items, n_items)), k=1)
    compatibilities = compatibilities + compatibilities.T
    compatibilities = compatibilities / compatibilities.sum(axis=1)
    bids: list[tuple[np.ndarray, float, int]] = []
    dummy_count = 0
    while len(bids) < n_bids:
        interests = rng.random(n_items)
        private_values = values + max_value * value_deviation * (2.0 * interests - 1.0)
        sampler = _BundleSampler(interests, compatibilities, rng, quirk)
        mask = np.zeros(n_items, dtype=bool)
        mask[sampler.first()] = True
        while rng.random() < add_item_prob:
            if mask.all():
                break
            mask[sampler.next(mask)] = True
        bundle = np.flatnonzero(mask)
        price = _bundle_price(bundle, private_values, additivity, integers)
        if price < 0:
            continue
        bidder_bids: dict[tuple[int, ...], float] = {tuple(bundle.tolist()): price}
        candidates: list[tuple[np.ndarray, float]] = []
        for item in bundle.tolist():
            sub_mask = np.zeros(n_items, dtype=bool)
            sub_mask[item] = True
            while sub_mask.sum() < bundle.shape[0]:
                sub_mask[sampler.next(sub_mask)] = True
            sub_bundle = np.flatnonzero(sub_mask)
            candidates.append((sub_bundle, _bundle_price(sub_bundle, private_values, additivity, integers)))
        budget = budget_factor * price
        min_resale_value = resale_factor * values[bundle].sum()
        order = np.argsort([-candidate_price for _, candidate_price in candidates], kind="stable")
        for position in order.tolist():
            sub_bundle, sub_price = candidates[position]
            if len(bidder_bids) >= max_n_sub_bids + 1 or len(bids) + len(bidder_bids) >= n_bids:
                break
            key = tuple(sub_bundle.tolist())
            if sub_price < 0 or sub_price > budget or values[sub_bundle].sum() < min_resale_value or key in bidder_bids:
                continue
            bidder_bids[key] = sub_price
        dummy = -1
        if len(bidder_bids) > 2:
            dummy = dummy_count
            dummy_count += 1
        for key, bid_price in bidder_bids.items():
            bids.append((np.asarray(key, dtype=np.int64), bid_price, dummy))
    return bids, dummy_count


def combinatorial_auction(
    rng: np.random.Generator,
    name: str,
    n_items: int = 100,
    n_bids: int = 500,
    min_value: float = 1.0,
    max_value: float = 100.0,
    value_deviation: float = 0.5,
    add_item_prob: float = 0.7,
    max_n_sub_bids: int = 5,
    additivity: float = 0.2,
    budget_factor: float = 1.5,
    resale_factor: float = 0.5,
    integers: bool = False,
    gasse_compat_indexing: bool = False,
) -> StandardForm:
    """A winner-determination instance with ``n_items`` goods and ``n_bids`` bids.

    ``gasse_compat_indexing=True`` reproduces a quirk of the learn2branch and Ecole code,
    which average compatibility rows 0 and 1 (indexed by the bundle's 0/1 mask) instead of
    the rows of the items in the bundle; the default follows Leyton-Brown et al.
    """
    if not 0.0 <= add_item_prob <= 1.0:
        raise ValueError(f"combinatorial auction: add_item_prob must lie in [0, 1], got {add_item_prob}")
    if max_value < min_value:
        raise ValueError(f"combinatorial auction: max_value {max_value} is below min_value {min_value}")
    bids, dummy_count = _bids(
        rng, n_items, n_bids, min_value, max_value, value_deviation, add_item_prob, max_n_sub_bids,
        additivity, budget_factor, resale_factor, integers, gasse_compat_indexing,
    )
    prices = np.array([price for _, price, _ in bids])
    sizes = np.array([items.shape[0] for items, _, _ in bids])
    item_of = np.concatenate([items for items, _, _ in bids])
    bid_of = np.repeat(np.arange(len(bids), dtype=np.int64), sizes)
    used_items = np.unique(item_of)
    item_row = np.full(n_items, -1, dtype=np.int64)
    item_row[used_items] = np.arange(used_items.shape[0])
    dummy_of = np.array([dummy for _, _, dummy in bids], dtype=np.int64)
    exclusive = np.flatnonzero(dummy_of >= 0)
    rows = [
        RowFamily(
            "item", used_items.shape[0], item_row[item_of], bid_of, np.ones(item_of.shape[0]),
            upper=1.0, keys=used_items,
        )
    ]
    if dummy_count:
        rows.append(
            RowFamily("xor", dummy_count, dummy_of[exclusive], exclusive, np.ones(exclusive.shape[0]), upper=1.0)
        )
    return assemble(name, Sense.MAXIMIZE, [ColumnFamily("x", prices)], rows)
