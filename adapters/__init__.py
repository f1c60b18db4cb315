"""Boundaries to real systems: the store, chat clients, the people directory, webhooks."""
