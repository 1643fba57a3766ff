"""Voting on the resolutions of a general meeting: an encrypted ballot box for each
resolution from the moment notice is given (advance voting), the chair's in-meeting window,
check-in and quorum, proxies where the rules allow them, and the count with its proof when
the chair closes voting (docs/meetings.md, "Voting").

Threat model, as docs/secret-ballots.md: every ballot is encrypted in the voter's browser
session's request before it is stored, only each resolution's total is decrypted, with a
proof, and the key is destroyed after the commit that counted it. Nobody, officers
included, sees a running total (only turnout), nor how a named member voted: not the
audit log, which says who voted or who voted by proxy for whom, never the choice; not an
appointer, who sees that their proxy voted, not how. One ballot per member per resolution
holds under parallel requests: a proxy's ballot is the appointer's own entry in the box."""
