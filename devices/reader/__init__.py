"""The reference door reader: asks the server, decides alone when it must, never loses an event.

Run it with `python -m devices.reader --config reader.toml` (no Flask, no database server);
docs/reader.md explains the configuration and what an offline reader can and cannot check.
"""

FIRMWARE = "ruang-reader/1.0"
