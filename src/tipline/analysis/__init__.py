"""Analysis: a pure function from a validated case to findings and a timeline."""

from tipline.analysis.findings import Analysis, Finding, Span, TimelineEntry
from tipline.analysis.pipeline import analyze

__all__ = ["Analysis", "Finding", "Span", "TimelineEntry", "analyze"]
