"""Comments on ideas and proposals, with one level of replies."""
