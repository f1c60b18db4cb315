"""Reusable test helpers: model builders, local stand-ins for the chat platforms' APIs,
the requests those platforms send the bots, and polling for what happens later."""
