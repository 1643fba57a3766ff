"""Public pages: home and the health check."""
