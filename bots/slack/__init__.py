"""The Slack bot: Block Kit cards built from :class:`signoff.view.CardView`."""

from bots.slack.blocks import ACTION_IDS, MAX_BLOCKS, approval_blocks, button_value

__all__ = ["ACTION_IDS", "MAX_BLOCKS", "approval_blocks", "button_value"]
