"""A location sent before the enterprise is named: the registered plants around it.

On a noisy shop floor, ＋ → 位置 is easier than typing a plant's name. At the enterprise step
(第 1 步), or with no dialogue open, a WeChat location lists the registered enterprises within
3 km, nearest first, numbered like the typed search's matches (the same registry, the same
labels: nothing the public cannot already find by name); a number goes on exactly as choosing a
typed match does, a typed name searches as usual. The location is kept as the report's, with
its datum (GCJ-02, as WeChat sends it), so step 4 does not ask for it again.

A location outside Shanxi (a phone with a stale fix, a test message) is not kept: the reporter
is asked for the name, and a log line says so without the precise point.
"""

from __future__ import annotations

import logging

from bot.handlers import texts
from bot.handlers.core import ChatPort, Dialogue, State, shorten
from bot.handlers.incoming import Incoming
from bot.services.registry.coordinates import GCJ02, in_shanxi

log = logging.getLogger(__name__)
_LABEL_CHARS = 40  # five plants and the place's name stay well inside a 2,048-byte reply


def start(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """A location with no dialogue open: a report starts, at the plants around it."""
    d.state = State.ENTERPRISE
    return texts.NEARBY_START + offer(d, msg, port)


def offer(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """A location at the enterprise step: keep it, and list the registered plants near it."""
    d.choices, d.typed = [], ""
    d.state = State.ENTERPRISE
    lat, lng = msg.lat, msg.lng
    if lat is None or lng is None or not in_shanxi(lat, lng):
        log.info("location outside Shanxi at the enterprise step (about %.0f, %.0f): not kept",
                 lat or 0.0, lng or 0.0)
        return texts.NEARBY_OUTSIDE + texts.NEARBY_NONE
    d.draft.location_lat, d.draft.location_lng = lat, lng
    d.draft.location_label = msg.label[:300] or None
    d.draft.location_system = GCJ02
    label = f"（{shorten(msg.label, _LABEL_CHARS)}）" if msg.label else ""
    kept = texts.NEARBY_KEPT.format(label=label)
    found = port.nearby_enterprises(lat, lng)
    if not found:
        return kept + texts.NEARBY_NONE
    d.choices = [n.key for n in found]
    d.state = State.ENTERPRISE_CHOICE
    lines = "\n".join(
        texts.NEARBY_LINE.format(i=i, label=shorten(n.label, _LABEL_CHARS), km=max(n.km, 0.1))
        for i, n in enumerate(found, 1)
    )
    return kept + texts.NEARBY_CHOICES.format(lines=lines)


def location_kept(d: Dialogue) -> str | None:
    """Step 4's answer when the location came at step 1; None when step 4 must ask."""
    draft = d.draft
    if draft.location_lat is None or draft.location_lng is None:
        return None
    where = shorten(draft.location_label or f"{draft.location_lat:.5f}, {draft.location_lng:.5f}",
                    _LABEL_CHARS)
    return texts.LOCATION_KEPT.format(where=where)
