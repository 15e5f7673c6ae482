"""How soon Temporal gives up on a mail activity whose worker has died.

Without a heartbeat, an activity taken by a worker that is then killed is retried only
after its start-to-close timeout (a minute for a mail), and a participant's run, which
sends its mails before it continues as new, waits that long. The outbox heartbeats while
it sends (activities/outbox.py), and the workflows that start mail activities give them
this heartbeat timeout, so a dead worker's mail is retried within seconds.
"""

from __future__ import annotations

from datetime import timedelta

HEARTBEAT_TIMEOUT = timedelta(seconds=10)
# Heartbeats are sent this often: several per timeout, so one late beat is not a death.
HEARTBEAT_EVERY = HEARTBEAT_TIMEOUT / 5
