"""Reports for people: the terminal report (rich) and the one-page HTML report (Jinja2).

Import `tipline.report.terminal` or `tipline.report.html` directly: each pulls in only
what it needs.
"""
