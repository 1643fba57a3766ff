"""The app of a benchmark's Celery worker, started as its own process: the real app with
the benchmark's settings (database, broker queue, SMTP sink), as JSON in
COOP_BENCH_WORKER_SETTINGS.

    celery -A bench.worker_app:celery worker ...
"""

import json
import os

from coop import create_app

app = create_app("test", json.loads(os.environ["COOP_BENCH_WORKER_SETTINGS"]))
celery = app.extensions["celery"]
