"""Inbound chat: the Slack and Teams bots that render cards and turn clicks into Updates."""
