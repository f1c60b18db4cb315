"""Reusable test helpers: model builders and a local HTTP server that records calls."""
