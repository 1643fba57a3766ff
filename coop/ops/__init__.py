"""Running the platform: liveness and readiness checks, the beat heartbeat, request ids and
structured logs, and Prometheus metrics (docs/deployment.md).

What this package promises about logs: a line names the request (its id, the Flask endpoint,
never the path, which may hold a token), not the person. Against whom: an operator or a log
collector reading the journal. Where it stops: third-party libraries' own messages are
passed through with tokens redacted from paths (coop/security.py), and gunicorn's own error
log is outside the app; nginx's access log is the operator's (deploy/nginx.conf drops paths).
"""
