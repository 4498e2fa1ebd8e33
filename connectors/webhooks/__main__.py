"""Serve the webhook receiver: python -m connectors.webhooks [--host 127.0.0.1] [--port 8090]."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from connectors.redaction import install_log_redaction


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m connectors.webhooks", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    # One process: the dedupe index and the journal have a single writer.
    uvicorn.run("connectors.webhooks.app:build_app", factory=True, host=args.host, port=args.port,
                workers=1, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
