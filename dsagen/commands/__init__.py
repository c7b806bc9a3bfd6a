"""CLI commands that live beside cli.py (registry, lint); each module registers on cli.app."""
