"""`python -m sandbox`: serve the fake APIs until SIGINT or SIGTERM, or, with
`--export-truth DIR`, write every account's ground truth as of the clock and exit."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from dataclasses import fields
from pathlib import Path

from sandbox import Sandbox, SandboxConfig


def parse_args(argv: list[str] | None = None) -> tuple[SandboxConfig, Path | None]:
    defaults = SandboxConfig()
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--port", type=int, default=defaults.ozon_port, help="Ozon API port (0: a free one)")
    parser.add_argument("--wb-port", type=int, default=defaults.wb_port, help="Wildberries API port (0: a free one)")
    parser.add_argument("--wb-base-token-accounts", type=int, default=defaults.wb_base_token_accounts)
    parser.add_argument(
        "--wb-unmasked-warehouses", action="store_true", help="serve real WB warehouse names (WB masks them)"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--products", type=int, default=defaults.products, help="per account")
    parser.add_argument("--warehouses", type=int, default=defaults.warehouses, help="first N Ozon FBO warehouses")
    parser.add_argument("--archived-share", type=float, default=defaults.archived_share)
    parser.add_argument("--accounts", type=int, default=defaults.accounts)
    parser.add_argument("--rate-limit-rps", type=float, default=defaults.rate_limit_rps, help="0: no limit")
    parser.add_argument(
        "--rate-limit-scale", type=float, default=defaults.rate_limit_scale, help="multiplies every limit"
    )
    parser.add_argument("--unknown-warehouses", type=int, default=defaults.unknown_warehouses)
    parser.add_argument("--history-days", type=int, default=defaults.history_days, help="days of orders before now")
    parser.add_argument("--export-truth", type=Path, metavar="DIR", help="write the ground truth as JSON and exit")
    endpoint_help = "; PATH is a route template of either marketplace, INDEX: (0-based) one account only; repeatable"
    for flag, answer in (
        ("--remove", "as a removed method (Ozon 400 code 9, WB 404)"),
        ("--forbid", "as refused to this token (Ozon 403 code 7, WB 401/403 per host)"),
    ):
        parser.add_argument(
            flag, action="append", default=[], metavar="[INDEX:]PATH", help=f"answer PATH {answer}{endpoint_help}"
        )
    parser.add_argument(
        "--sparse", action="store_true", help="leave out answer fields the API schema does not require (not the keys)"
    )
    parser.add_argument(
        "--ozon-product-stocks-with-fbo",
        action="store_true",
        help="serve FBO rows in /v4/product/info/stocks as before Ozon's announced change (FBO only in analytics)",
    )
    args = parser.parse_args(argv)
    try:
        config = make_config(args)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    return config, args.export_truth


def make_config(args: argparse.Namespace) -> SandboxConfig:
    """The options named as the config's fields, and the few named otherwise."""
    same_name = {field.name: getattr(args, field.name) for field in fields(SandboxConfig) if hasattr(args, field.name)}
    return SandboxConfig(
        **same_name,
        ozon_port=args.port,
        wb_masked_warehouses=not args.wb_unmasked_warehouses,
        removed_endpoints=tuple(args.remove),
        forbidden_endpoints=tuple(args.forbid),
    )


def export_truth(sandbox: Sandbox, directory: Path) -> None:
    started = time.monotonic()
    files = sandbox.ozon.export_truth(directory) + sandbox.wildberries.export_truth(directory)
    print(f"ground truth as of {sandbox.clock.now().isoformat()} in {time.monotonic() - started:.1f}s:")
    for path in files:
        print(f"  {path}")


def main(argv: list[str] | None = None) -> int:
    config, truth_directory = parse_args(argv)
    try:
        sandbox = Sandbox(config)
    except ValueError as exc:  # e.g. --remove/--forbid naming no route
        print(f"python -m sandbox: error: {exc}", file=sys.stderr)
        return 2
    if truth_directory:
        with sandbox:
            export_truth(sandbox, truth_directory)
        return 0
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with sandbox:
        ozon = sandbox.ozon
        print(
            f"Ozon sandbox at {ozon.base_url} (seed {config.seed}, {config.products} products per account, "
            f"{config.warehouses} warehouses); these credentials are fake:"
        )
        for account in ozon.accounts:
            print(f"  Client-Id {account.client_id}  Api-Key {account.api_key}")
        first = ozon.accounts[0]
        print(
            f"OZON_API_BASE_URL={ozon.base_url}\nOZON_CLIENT_ID={first.client_id}\nOZON_API_KEY={first.api_key}\n"
            f"LOADER_NOW={sandbox.clock.now().isoformat()}",
            flush=True,
        )
        for name, entries in (("removed", config.removed_endpoints), ("forbidden", config.forbidden_endpoints)):
            if entries:
                print(f"{name}: {', '.join(entries)}")
        if config.sparse:
            print("sparse answers: fields the API schemas do not require are left out")
        wildberries = sandbox.wildberries
        print(f"Wildberries sandbox at {wildberries.base_url} (all WB hosts' paths); these tokens are fake:")
        for account in wildberries.accounts:
            print(f"  {account.name} ({account.token_type}) {account.token}")
        print(
            f"WB_API_BASE_URL={wildberries.base_url}\nWB_API_TOKEN={wildberries.accounts[0].token}",
            flush=True,
        )
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
