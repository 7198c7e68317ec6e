"""The marketplaces the CLI can load, by name."""

from __future__ import annotations

from collections.abc import Callable

from loaders import config, ozon, wildberries
from loaders.outcomes import Outcomes
from loaders.ozon import helpers as ozon_helpers
from loaders.pipeline import Marketplace, PreparedSource
from loaders.wildberries import helpers as wildberries_helpers


def _prepare_ozon(account: config.OzonAccount) -> PreparedSource:
    client = ozon_helpers.make_client(account)
    outcomes = Outcomes(f"Ozon account {account.name}")
    unfinished: set[str] = set()
    source = ozon.ozon_source(account, client=client, outcomes=outcomes, unfinished=unfinished)
    return PreparedSource(source, [client], outcomes, unfinished)


def _prepare_wildberries(account: config.WildberriesAccount) -> PreparedSource:
    client = wildberries_helpers.make_client(account)
    outcomes = Outcomes(f"Wildberries account {account.name}")
    source = wildberries.wildberries_source(account, client=client, outcomes=outcomes)
    return PreparedSource(source, [client], outcomes)


def _checked(accounts: Callable[[], list], resources: tuple[str, ...], needs: dict[str, str]) -> Callable[[], list]:
    """`accounts`, each account's resources to leave out checked against the marketplace's."""

    def read() -> list:
        found = accounts()
        for account in found:
            config.check_skip_resources(account, resources, needs)
        return found

    return read


MARKETPLACES: dict[str, Marketplace] = {
    "ozon": Marketplace(
        name="ozon",
        dataset=config.RAW_DATASETS["OZON"],
        resources=ozon.RESOURCES,
        accounts=_checked(config.ozon_accounts, ozon.RESOURCES, ozon.NEEDS),
        prepare=_prepare_ozon,
        needs=ozon.NEEDS,
        routed=ozon.ROUTED,
    ),
    "wildberries": Marketplace(
        name="wildberries",
        dataset=config.RAW_DATASETS["WB"],
        resources=wildberries.RESOURCES,
        accounts=_checked(config.wildberries_accounts, wildberries.RESOURCES, {}),
        prepare=_prepare_wildberries,
        routed=wildberries.ROUTED,
    ),
}
