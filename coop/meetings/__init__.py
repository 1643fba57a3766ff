"""General meetings of the co-operative: the secretary schedules an annual or special
general meeting, sets its agenda (reports, ordinary and special resolutions, elections, the
previous minutes), gives notice in clear days to every member of the co-operative, and
shares the meeting's documents with members (docs/meetings.md)."""
