"""Each hub's public keys and revocation list, published retained, at start and on change.

Polled every few seconds: one query for the hubs' revocation versions and one for the keys. A
revocation list is rebuilt only when its hub's version moved; a payload is published only when
it differs from what this gateway last published. After a (re)connect everything is published
again (the broker may have lost its retained messages).
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Hub
from app.services.access.keys import published_keys, raw_public
from app.services.access.passes import revocation_list
from devices import protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retained:
    topic: str
    payload: bytes
    hub_id: int
    version: int | None = None  # of a revocation list


class RetainedState:
    """What this gateway last published retained, per topic."""

    def __init__(self) -> None:
        self._published: dict[str, bytes] = {}
        self._versions: dict[int, int] = {}

    def forget(self) -> None:
        """Publish everything again on the next poll."""
        self._published.clear()
        self._versions.clear()

    def changes(self) -> list[Retained]:
        """Every retained message that is new or changed since last time."""
        keys = protocol.KeySet(
            keys={
                str(key_id): base64.b64encode(raw_public(key)).decode()
                for key_id, key in sorted(published_keys().items())
            }
        ).to_json()
        hubs = db.session.execute(
            select(Hub.id, Hub.slug, Hub.revocation_version).where(Hub.active).order_by(Hub.id)
        ).all()
        changed: list[Retained] = []
        for hub_id, slug, version in hubs:
            try:
                keys_topic, revocations_topic = (
                    protocol.keys_topic(slug),
                    protocol.revocations_topic(slug),
                )
            except protocol.ProtocolError:
                log.error("hub %r: its slug cannot be a topic segment; nothing published", slug)
                continue
            if self._published.get(keys_topic) != keys:
                changed.append(Retained(keys_topic, keys, hub_id))
            if self._versions.get(hub_id) != version:
                payload, listed = self._revocations(hub_id)
                changed.append(Retained(revocations_topic, payload, hub_id, listed))
        return changed

    def published(self, message: Retained) -> None:
        """Remember a publish the broker took, so the same payload is not sent again."""
        self._published[message.topic] = message.payload
        if message.version is not None:
            self._versions[message.hub_id] = message.version

    def _revocations(self, hub_id: int) -> tuple[bytes, int]:
        revoked = revocation_list(hub_id)
        ids = revoked.pass_ids
        if len(ids) > protocol.MAX_REVOCATIONS:
            # Readers keep the newest ids; the oldest revoked passes have mostly expired.
            log.error("hub %s: %d revoked passes, over the protocol's limit", hub_id, len(ids))
            ids = ids[-protocol.MAX_REVOCATIONS :]
        return protocol.RevocationSet(version=revoked.version, ids=ids).to_json(), revoked.version
