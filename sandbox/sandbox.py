"""`Sandbox`: every fake marketplace API of one config, each on its own local port."""

from __future__ import annotations

from sandbox.clock import SandboxClock
from sandbox.config import SandboxConfig, endpoint_entry
from sandbox.ozon import OzonApi
from sandbox.server import FORBIDDEN, REMOVED, ApiServer
from sandbox.wildberries import WildberriesApi


class Sandbox:
    """Fake marketplace APIs for tests, the demo and benchmarks.

    with Sandbox(SandboxConfig(seed=42, products=300)) as sb:
        sb.ozon.base_url, sb.ozon.accounts[0].client_id, sb.ozon.truth(client_id), ...
        sb.wildberries.base_url, sb.wildberries.accounts[0].token, sb.wildberries.truth(token), ...
        sb.clock.advance(timedelta(days=1))  # simulated time, shared by every marketplace
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.clock = SandboxClock(self.config.start)
        self.ozon = OzonApi(self.config, self.clock)
        self.wildberries = WildberriesApi(self.config, self.clock)
        self._servers: list[ApiServer] = []
        for mode, entries in ((REMOVED, self.config.removed_endpoints), (FORBIDDEN, self.config.forbidden_endpoints)):
            for entry in entries:
                self._disable(entry, mode)

    def _disable(self, entry: str, mode: str) -> None:
        index, path = endpoint_entry(entry)
        api = next((api for api in (self.ozon, self.wildberries) if api.has_route(path)), None)
        if api is None:
            raise ValueError(f"{entry!r}: no Ozon or Wildberries route {path!r}")
        api.disable_endpoint(path, mode, account=None if index is None else api.accounts[index])

    def start(self) -> Sandbox:
        server = ApiServer(self.ozon, self.config.host, self.config.ozon_port)
        server.start()
        self.ozon.base_url = server.base_url
        self._servers.append(server)
        server = ApiServer(self.wildberries, self.config.host, self.config.wb_port)
        server.start()
        self.wildberries.base_url = server.base_url
        self._servers.append(server)
        return self

    def prepare(self) -> Sandbox:
        """Generate the Ozon and Wildberries sellers and their history up to the clock now rather
        than on the first requests; returns the sandbox."""
        self.ozon.prepare()
        self.wildberries.prepare()
        return self

    def stop(self) -> None:
        while self._servers:
            self._servers.pop().stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
