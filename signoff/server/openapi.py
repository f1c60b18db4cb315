"""The API's OpenAPI document, as committed in ``openapi.json`` at the repository's root.

``python -m signoff.server.openapi > openapi.json`` writes it again after a deliberate
change to the API; a spec fails the build when the app and the committed file differ, so
a change no one meant to make to what other languages' clients are generated from is
caught before it ships.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from signoff.server.app import create_app


def document() -> dict[str, Any]:
    return create_app().openapi()


def rendered() -> str:
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(rendered())
