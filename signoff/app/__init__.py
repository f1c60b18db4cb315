"""The composition roots: :class:`SignoffPlugin`, the worker and the ``signoff`` command
line, which put every other layer together."""
