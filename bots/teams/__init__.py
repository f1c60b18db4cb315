"""The Microsoft Teams bot: Adaptive Cards built from :class:`signoff.core.card_view.CardView`, the
channel that posts and updates them proactively, and (in ``signoff.bots.teams.bot`` and
``signoff.bots.teams.server``) the bot that turns clicks into decisions."""

from signoff.bots.teams.adaptive_card import approval_card
from signoff.bots.teams.channel import TeamsChannel
from signoff.bots.teams.execute import Execute

__all__ = ["Execute", "TeamsChannel", "approval_card"]
