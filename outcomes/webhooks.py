"""Serve the webhook receiver (connectors.webhooks) with the product's paths:

    outcomes webhooks [--host 127.0.0.1] [--port 8090]      (or python -m outcomes.webhooks)

The journal is OUTCOMES_WEBHOOK_JOURNAL (default <data>/webhooks/journal); events land in the landing zone.
"""

from __future__ import annotations

import argparse
import logging
import os

from outcomes.settings import Settings


def receiver_config(settings: Settings):
    from connectors.webhooks.app import ReceiverConfig

    journal = os.environ.get("OUTCOMES_WEBHOOK_JOURNAL", str(settings.data_dir / "webhooks" / "journal"))
    return ReceiverConfig.from_env(journal_dir=journal, landing_root=settings.landing_root)


def serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from connectors.redaction import install_log_redaction
    from connectors.webhooks.app import build_app

    install_log_redaction()
    # One process: the dedupe index and the journal have a single writer.
    uvicorn.run(build_app(receiver_config(settings)), host=host, port=port, workers=1, access_log=False,
                log_level="warning")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m outcomes.webhooks", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(Settings.from_env(), args.host, args.port)


if __name__ == "__main__":
    main()
