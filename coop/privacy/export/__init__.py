"""The right of access: a member asks for a copy of their data, gets an archive by email."""
