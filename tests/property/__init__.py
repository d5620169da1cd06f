"""Property-based tests (Hypothesis): bounded, derandomized, no deadline."""

import os

from hypothesis import HealthCheck, settings

# Small enough that the whole folder runs in well under 30 s on 2 shared cores; derandomized
# so CI sees the same examples every run (no example database either).
# TIPLINE_PROPERTY_EXAMPLES raises the count for a longer local hunt.
BOUNDED = settings(max_examples=int(os.environ.get("TIPLINE_PROPERTY_EXAMPLES", "100")),
                   deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.function_scoped_fixture])
