"""Proposals put to a member vote: secret ballots, closing on time, published results."""
