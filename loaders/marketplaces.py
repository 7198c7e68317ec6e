"""The marketplaces the CLI can load, by name."""

from __future__ import annotations

from loaders import config, ozon
from loaders.ozon import helpers as ozon_helpers
from loaders.pipeline import Marketplace


def _ozon_source(account: config.OzonAccount):
    client = ozon_helpers.make_client(account)
    return ozon.ozon_source(account, client=client), [client]


MARKETPLACES: dict[str, Marketplace] = {
    "ozon": Marketplace(
        name="ozon",
        dataset="raw_ozon",
        resources=ozon.RESOURCES,
        accounts=config.ozon_accounts,
        source=_ozon_source,
    ),
}
