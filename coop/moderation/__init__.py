"""Moderation in the open: reports, pre-moderation of newcomers, reasoned actions that
authors are told about, appeals decided by another organiser, sanctions."""
