"""Outgoing email: a transactional outbox delivered by Celery after the commit."""
