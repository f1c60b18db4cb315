"""The Slack bot: Block Kit cards built from :class:`signoff.core.card_view.CardView`, the channel
that posts and redraws them, and (in ``signoff.bots.slack.app``) the Bolt app for clicks."""

from signoff.bots.slack.blocks import ACTION_IDS, MAX_BLOCKS, approval_blocks, button_value
from signoff.bots.slack.channel import SlackChannel

__all__ = ["ACTION_IDS", "MAX_BLOCKS", "SlackChannel", "approval_blocks", "button_value"]
