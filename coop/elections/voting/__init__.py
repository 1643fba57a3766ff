"""An election's vote: its window, the ranked secret ballot (or an independent
scrutineer's), the count with its mix-net, and the results with every round.

Threat model (docs/elections.md, "The ballot"): the guarantees of coop/ballots hold (no
row, backup or log tells how a member voted while the key exists only in BALLOT_KEY_DIR;
nobody, organisers included, sees running totals: nothing is decrypted before the close);
at the count, the ballots are shuffled and re-encrypted with a proof before any is
decrypted, so the published rankings are tied to no entry and no member, and anyone can
check from the downloaded set that they are exactly the ballots cast, and recount. It stops
at a server compromised during the vote (the key) or during the mix (the permutation)."""
