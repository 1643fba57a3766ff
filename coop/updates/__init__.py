"""Organisers' updates: news posts in Markdown, public and included in the digests."""
