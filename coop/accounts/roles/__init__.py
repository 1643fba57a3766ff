"""Roles: admins grant and remove the organiser and admin roles, and reset two-step sign-in."""
