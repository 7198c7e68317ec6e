"""Ozon FBO warehouses (the same list as the dbt seed `warehouses`) and how their names get misspelt.

Ozon spells one warehouse several ways across endpoints (`Санкт_Петербург_РФЦ`,
`САНКТ-ПЕТЕРБУРГ_РФЦ`, ...). The sandbox reproduces that: every (warehouse, SKU) pair is
served under one spelling, picked from the seed, and every spelling resolves back to the
canonical name through the dbt macro `normalize_warehouse_name` or the seed `warehouse_aliases`.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

# The dbt seed is the one list of Ozon FBO warehouses; the sandbox serves exactly those.
WAREHOUSE_SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "warehouses.csv"


def _seed_rows() -> list[tuple[str, str, str]]:
    with WAREHOUSE_SEED.open(encoding="utf-8", newline="") as seed:
        return [
            (row["warehouse_name"], row["cluster_name"], row["city"])
            for row in csv.DictReader(seed)
            if row["marketplace"] == "ozon" and row["warehouse_type"] == "fbo"
        ]


UNKNOWN_CLUSTER = "Новые склады"
# Where Ozon's own cluster differs from the seed's (as a real account's /v1/cluster/list and
# /v1/analytics/stocks send it): the marts must follow the API, the seed is only the fallback.
API_CLUSTERS = {"ТВЕРЬ_РФЦ": "Москва, МО и Дальние регионы"}


@dataclass(frozen=True)
class Warehouse:
    warehouse_id: int
    canonical_name: str
    cluster_id: int
    cluster_name: str
    macrolocal_cluster_id: int
    city: str
    known: bool = True


def _build_catalogue() -> tuple[Warehouse, ...]:
    # Fixed ids, independent of the data seed: a real warehouse keeps its id across sellers.
    ids = random.Random("ozon-fbo-warehouses")  # noqa: S311 (fake data)
    rows = _seed_rows()
    clusters = list(dict.fromkeys(cluster for _, cluster, _ in rows))
    cluster_ids = dict(zip(clusters, ids.sample(range(2, 200), len(clusters)), strict=True))
    macrolocal_ids = dict(zip(clusters, ids.sample(range(1000, 9999), len(clusters)), strict=True))
    warehouse_ids = ids.sample(range(1_000_000_000, 9_999_999_999), len(rows))
    return tuple(
        Warehouse(
            warehouse_id=1_020_000_000_000_000 + warehouse_ids[i] * 1000,
            canonical_name=name,
            cluster_id=cluster_ids[API_CLUSTERS.get(name, cluster)],
            cluster_name=API_CLUSTERS.get(name, cluster),
            macrolocal_cluster_id=macrolocal_ids[API_CLUSTERS.get(name, cluster)],
            city=city,
        )
        for i, (name, cluster, city) in enumerate(rows)
    )


CANONICAL_WAREHOUSES = _build_catalogue()


def unknown_warehouse(number: int) -> Warehouse:
    """A warehouse that no dbt seed knows (number starts at 1); always served under this exact name."""
    return Warehouse(
        warehouse_id=1_020_999_000_000_000 + number * 1000,
        canonical_name=f"ТЕСТОВЫЙ_НОВЫЙ_СКЛАД_{number}",
        cluster_id=999,
        cluster_name=UNKNOWN_CLUSTER,
        macrolocal_cluster_id=9999,
        city="",
        known=False,
    )


# --- spellings -------------------------------------------------------------------------------

VARIANT_KINDS = ("canonical", "mixed_case", "hyphens", "spaces", "padded", "latin_lookalikes", "without_suffix")
# The canonical spelling is served about half of the time, the six misspellings share the rest.
_WEIGHTED_KINDS = ("canonical",) * 5 + VARIANT_KINDS

_SUFFIXES = ("_РФЦ_НОВЫЙ", "_МРФЦ", "_МПСЦ", "_РФЦ")
_SUFFIX_WORDS = {"РФЦ", "МРФЦ", "МПСЦ"}
_LATIN_LOOKALIKES = str.maketrans("АВСЕНКМОРТХУ", "ABCEHKMOPTXY")


def pick_variant_kind(rng: random.Random) -> str:
    return _WEIGHTED_KINDS[int(rng.random() * len(_WEIGHTED_KINDS))]


def spell(canonical: str, kind: str, rng: random.Random) -> str:
    """`canonical` written the way `kind` describes; `rng` picks among equivalent spellings."""
    if kind == "canonical":
        return canonical
    if kind == "mixed_case":
        word_case = str.capitalize if rng.random() < 0.7 else str.lower
        return "_".join(w if w in _SUFFIX_WORDS else word_case(w) for w in canonical.split("_"))
    if kind == "hyphens":
        return canonical.replace("_", "-", -1 if rng.random() < 0.5 else 1)
    if kind == "spaces":
        return canonical.replace("_", " ")
    if kind == "padded":
        return f" {canonical.replace('_', '  ', 1)} "
    if kind == "latin_lookalikes":
        return _with_latin_lookalikes(canonical, rng)
    if kind == "without_suffix":
        return _without_suffix(canonical, rng)
    raise ValueError(f"unknown spelling kind {kind!r}")


def _with_latin_lookalikes(canonical: str, rng: random.Random) -> str:
    positions = [i for i, ch in enumerate(canonical) if ch.translate(_LATIN_LOOKALIKES) != ch]
    swapped = {i for i in positions if rng.random() < 0.5} or {positions[0]}
    return "".join(ch.translate(_LATIN_LOOKALIKES) if i in swapped else ch for i, ch in enumerate(canonical))


def _without_suffix(canonical: str, rng: random.Random) -> str:
    if canonical.endswith("_НОВЫЙ") and rng.random() < 0.5:
        return canonical.removesuffix("_НОВЫЙ")
    suffix = next(s for s in _SUFFIXES if canonical.endswith(s))
    return canonical.removesuffix(suffix)
