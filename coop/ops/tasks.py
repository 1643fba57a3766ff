from collections.abc import Mapping

from celery import shared_task

from coop.ops.heartbeat import record_heartbeat

HEARTBEAT_SECONDS = 60.0


@shared_task(name="coop.ops.beat_heartbeat")
def beat_heartbeat() -> None:
    record_heartbeat()


def beat_schedule(_config: Mapping) -> dict:
    return {
        "beat-heartbeat": {
            "task": "coop.ops.beat_heartbeat",
            "schedule": HEARTBEAT_SECONDS,
            # After an outage the queue holds no pile of heartbeats: only fresh ones count.
            "options": {"expires": HEARTBEAT_SECONDS},
        }
    }
