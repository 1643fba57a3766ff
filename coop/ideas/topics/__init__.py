"""Topics: organisers manage the list of topics ideas are filed under."""
