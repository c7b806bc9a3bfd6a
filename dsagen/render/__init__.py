"""Renderers: one module per output format, each consuming an assemble.Agreement."""
