"""Training code for Tipline's own NLI cross-encoder (not imported at run time)."""
