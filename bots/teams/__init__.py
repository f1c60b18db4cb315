"""The Microsoft Teams bot: Adaptive Cards built from :class:`signoff.view.CardView`, the
channel that posts and updates them proactively, and (in ``bots.teams.bot`` and
``bots.teams.server``) the bot that turns clicks into decisions."""

from bots.teams.cards import approval_card
from bots.teams.channel import TeamsChannel
from bots.teams.execute import Execute

__all__ = ["Execute", "TeamsChannel", "approval_card"]
