"""Where an Ozon posting goes: the buyer's cluster, which Ozon sends as `financial_data.cluster_to`
(and the cluster of the shipping warehouse as `cluster_from`).

Ozon routes an order to stock in the buyer's own cluster when there is any, so most FBO postings
stay local; the rest come from another cluster. The sandbox draws the buyer's cluster from the
posting's order id, so it does not depend on when or in what order postings are served:
`LOCAL_SHARE` of FBO postings go to the shipping warehouse's own cluster, the others (and every
FBS/rFBS posting, whose seller warehouse belongs to no Ozon cluster) to one of the Ozon clusters
drawn evenly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.ozon_warehouses import CANONICAL_WAREHOUSES

if TYPE_CHECKING:
    from sandbox.ozon_simulation import Posting

LOCAL_SHARE = 0.6
CLUSTERS = tuple(sorted({warehouse.cluster_name for warehouse in CANONICAL_WAREHOUSES}))
_OTHERS = {own: tuple(cluster for cluster in CLUSTERS if cluster != own) for own in CLUSTERS}
_MASK = 2**64 - 1


def _draw(order_id: int) -> int:
    """A 64-bit number spread evenly from `order_id` (splitmix64's finaliser)."""
    x = (order_id * 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def buyer_cluster(posting: Posting) -> str:
    """The cluster of the posting's buyer."""
    drawn = _draw(posting.order_id)
    own = posting.warehouse.cluster_name if posting.scheme == "fbo" else None
    if own in CLUSTERS and (drawn & 0xFFFF) < LOCAL_SHARE * 0x10000:
        return own
    others = _OTHERS.get(own, CLUSTERS)
    return others[(drawn >> 16) % len(others)]
