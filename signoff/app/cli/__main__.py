"""``python -m signoff.app.cli``."""

from signoff.app.cli import main

main()
