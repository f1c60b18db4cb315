"""The bottom layer: pydantic models, pure policy evaluation, the channel-neutral card
view, the words people see, the channel protocol, settings and the operators' catalog.

It imports nothing from the layers above (checked by the import contracts in
``pyproject.toml``), so workflows, activities, adapters and bots can all stand on it.
"""
