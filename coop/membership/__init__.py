"""Members of the co-operative: applying for a share, admission by the board, the registers
of members and officers kept under s.30 of the Co-operative and Community Benefit Societies
Act 2014, members' inspection of the duplicate register (s.103), and leaving."""
