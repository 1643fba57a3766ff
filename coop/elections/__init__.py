"""Board elections: ranked ballots and their count by the single transferable vote."""
