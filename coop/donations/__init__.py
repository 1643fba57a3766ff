"""Donations within UK political-finance law (Political Parties, Elections and Referendums
Act 2000): recipients, who may give (s.54), the treasurer's ledger with its 30-day clock,
permissibility checks, thresholds with their sources, and reportable donations."""
