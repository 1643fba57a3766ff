"""Joining the network, email verification, signing in, sessions and account settings."""
