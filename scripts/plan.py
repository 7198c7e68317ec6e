"""What a run loads and in which order: resource groups, their dependencies, and the steps they become.

A new loader resource is one line in GROUPS (tests/operations/test_plan.py fails while a
resource of a registered marketplace belongs to no group). Names a marketplace does not (yet)
have are ignored, so a group may list resources that are still being built.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Group:
    name: str
    after: tuple[str, ...]  # groups whose load of the same account must have loaded (in full or in part) first
    resources: dict[str, tuple[str, ...]]  # marketplace -> loader resources (= raw table names)


GROUPS: tuple[Group, ...] = (
    Group(
        "catalogue",
        after=(),
        resources={
            "ozon": ("product_list_items", "products", "warehouses", "clusters"),
            "wildberries": ("cards", "cards_trash", "seller_warehouses", "offices"),
        },
    ),
    Group(
        "orders",
        after=("catalogue",),
        resources={
            "ozon": ("postings_fbo", "postings_fbs"),
            "wildberries": ("orders", "sales"),
        },
    ),
    Group(
        "stock",
        after=("catalogue",),
        resources={
            # with analytics_stocks the loader stores the product_list_items it asked for
            # (loaders/pipeline.py with_feeders); products, the list's other transformer, is not read
            "ozon": ("product_stocks", "analytics_stocks", "warehouse_stock_report"),
            "wildberries": ("warehouse_remains", "wb_warehouse_stocks"),
        },
    ),
)
GROUP_NAMES = tuple(group.name for group in GROUPS)


@dataclass(frozen=True)
class LoadStep:
    group: Group
    marketplace: str
    account: str
    resources: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"load {self.group.name} {self.marketplace}/{self.account}"


def load_steps(selected: tuple[str, ...], marketplaces: dict[str, tuple[tuple[str, ...], list[str]]]) -> list[LoadStep]:
    """Steps for the `selected` groups in dependency order.

    `marketplaces`: name -> (its loader resources, its configured account names).
    """
    steps = []
    for group in GROUPS:
        if group.name not in selected:
            continue
        for marketplace, wanted in group.resources.items():
            known, accounts = marketplaces.get(marketplace, ((), []))
            resources = tuple(name for name in wanted if name in known)
            if resources:
                steps.extend(LoadStep(group, marketplace, account, resources) for account in accounts)
    return steps


def unplanned_resources(marketplace: str, resources: tuple[str, ...]) -> list[str]:
    planned = {name for group in GROUPS for name in group.resources.get(marketplace, ())}
    return [name for name in resources if name not in planned]
