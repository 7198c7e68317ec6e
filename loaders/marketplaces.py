"""The marketplaces the CLI can load, by name."""

from __future__ import annotations

from loaders import config, ozon
from loaders.ozon import helpers as ozon_helpers
from loaders.pipeline import Marketplace, PreparedSource


def _prepare_ozon(account: config.OzonAccount) -> PreparedSource:
    client = ozon_helpers.make_client(account)
    report_failures: list = []
    source = ozon.ozon_source(account, client=client, report_failures=report_failures)
    return PreparedSource(source, [client], report_failures)


MARKETPLACES: dict[str, Marketplace] = {
    "ozon": Marketplace(
        name="ozon",
        dataset="raw_ozon",
        resources=ozon.RESOURCES,
        accounts=config.ozon_accounts,
        prepare=_prepare_ozon,
    ),
}
