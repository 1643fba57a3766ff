"""The public, read-only JSON API (version 1) under /api/v1/: ideas, proposals and their
results, comments, topics and organisers' updates, as an anonymous visitor sees them. Its
OpenAPI 3.1 description is served at /api/v1/openapi.json."""
