"""The shared kernel: settings, models, engine/session, queries (repo), profiles, errors, CLI."""

__version__ = "0.1.0"
