"""Run localstripe for the tests: bound to 127.0.0.1 on the given port, with no on-disk state.

As shipped, localstripe listens on every interface (IPv6 `::`) and pickles its whole store to
/tmp/localstripe.pickle after every write, loading it again at start: two test runs on one
machine would share (and overwrite) each other's customers and PaymentIntents. Here the store
lives in memory only, so each started server begins empty and vanishes with its process.

Usage: python -m tests.localstripe_main PORT
"""

from __future__ import annotations

import socket
import sys

from aiohttp import web
from localstripe import resources, server


def _no_disk(_store: resources.Store) -> None:
    """The store stays in this process's memory."""


def main(port: int) -> None:
    resources.Store.dump_to_disk = _no_disk  # type: ignore[method-assign]
    resources.Store.try_load_from_disk = _no_disk  # type: ignore[method-assign]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main(int(sys.argv[1]))
