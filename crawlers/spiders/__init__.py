"""Spiders navigate (which pages, in which order, when to stop); parsers extract."""
