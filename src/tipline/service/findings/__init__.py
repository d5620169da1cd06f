"""The findings page's pieces: entries with their quotes, and the SVG timeline and graph."""
