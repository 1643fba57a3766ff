"""Digest emails: what is new for each member, daily or weekly, sent once per period."""
