"""Erasure: deleting an account (with or without its contributions) and unconfirmed ones."""
