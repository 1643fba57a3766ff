"""Atom feeds of new ideas (all and per topic), organisers' updates and vote results, and
the results of every closed public vote as CSV and JSON. Anonymous, public content only:
nothing hidden, pending or for members only, no email address, no member's reaction or vote."""
