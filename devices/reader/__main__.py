"""`python -m devices.reader --config reader.toml`: run a door reader until its input ends."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from devices.reader.agent import Reader
from devices.reader.config import ConfigError, load
from devices.reader.inputs import scans
from devices.reader.outputs import relay_from


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.reader", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="the reader's TOML file")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = load(args.config)
    except ConfigError as exc:
        print(f"reader: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    reader = Reader(config, relay_from(config.output))
    reader.start()
    try:
        for token in scans(config.input):
            outcome = reader.present(token)
            print(
                "GRANT" if outcome.grant else "DENY",
                outcome.reason,
                "offline" if outcome.offline else "server",
                outcome.event_id,
                flush=True,
            )
    except KeyboardInterrupt:
        pass
    finally:
        reader.stop()
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
