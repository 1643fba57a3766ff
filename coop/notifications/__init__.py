"""Messages to one member inside the app (and by email where it matters)."""
