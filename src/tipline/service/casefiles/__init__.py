"""Stored cases and the staff's work on them: the store, actions, imports, links, outcome,
retention."""
