"""``python -m oscar_shop`` (``make demo-oscar``): the Oscar shop and the checkout service.

Runs until Ctrl-C; the shop's database and the service's store stay in ``--workdir``.
"""

import argparse
import contextlib
import signal
from pathlib import Path

from oscar_shop.stack import STAFF_EMAIL, STAFF_PASSWORD, run_stack

SANDBOX_ADMIN_KEY = "flexiti-sandbox-admin-key"  # the service's public console key in sandbox mode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="the shop's port")
    parser.add_argument("--service-port", type=int, default=8001)
    parser.add_argument("--workdir", type=Path, default=Path("instance/oscar-demo"))
    args = parser.parse_args()
    with run_stack(args.workdir.resolve(), shop_port=args.port,
                   service_port=args.service_port) as stack:  # fmt: skip
        print(
            f"""
Oscar shop:          {stack.shop}/   (buy the Linen armchair; the $30 shelf is not financeable)
Oscar dashboard:     {stack.shop}/dashboard/   sign in as {STAFF_EMAIL} / {STAFF_PASSWORD}
Checkout service:    {stack.service}/flexiti/api/openapi.json   (sandbox mode: no money moves)
Service console:     {stack.service}/flexiti/admin/   key {SANDBOX_ADMIN_KEY}
Logs and databases:  {args.workdir}/
Ctrl-C stops both.""",
            flush=True,
        )
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop as on Ctrl-C
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
