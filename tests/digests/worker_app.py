"""The app for a Celery worker started as a separate process by the fault tests, so that
it can be killed. Its settings come from the test, as JSON in COOP_WORKER_SETTINGS."""

import json
import os

from coop import create_app

app = create_app("test", json.loads(os.environ["COOP_WORKER_SETTINGS"]))
celery = app.extensions["celery"]
