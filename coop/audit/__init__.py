"""The audit log: every organiser and admin action, append-only, readable by admins."""
