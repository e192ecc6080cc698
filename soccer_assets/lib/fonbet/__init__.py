"""Fonbet's public line JSON: packets, incremental updates, football events and 1X2 quotes."""
