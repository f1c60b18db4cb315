"""What the Dockerfile and docker-compose.yml say a container runs, read as Docker would
(the instructions' last word wins, `$$` is a literal `$`, `${VAR:-default}` falls back),
so a spec can run the same thing on this machine, where no Docker engine runs."""

from __future__ import annotations

import json
import pwd
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.helpers.layers import ROOT

DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"


@dataclass
class Image:
    workdir: str = "/"
    user: str = "root"
    env: dict[str, str] = field(default_factory=dict)
    volumes: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)

    @property
    def uid_gid(self) -> tuple[int, int]:
        """The user as numbers; a name is looked up here, where `nobody` exists too."""
        name, _, group = self.user.partition(":")
        if name.isdigit():
            return int(name), int(group or name)
        entry = pwd.getpwnam(name)
        return entry.pw_uid, entry.pw_gid


def read_image(path: Path = DOCKERFILE) -> Image:
    image = Image()
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, rest = line.strip().partition(" ")
        match instruction.upper():
            case "WORKDIR":
                image.workdir = rest.strip()
            case "USER":
                image.user = rest.strip()
            case "ENV":
                image.env |= dict(part.split("=", 1) for part in shlex.split(rest))
            case "VOLUME":
                rest = rest.strip()
                image.volumes += json.loads(rest) if rest.startswith("[") else rest.split()
            case "ENTRYPOINT":
                image.entrypoint = json.loads(rest)
            case "CMD":
                image.cmd = json.loads(rest)
    return image


def read_compose(path: Path = COMPOSE) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


_DEFAULTED = re.compile(r"\$\{[A-Z0-9_]+:-([^}]*)\}")


def resolved(value: object) -> str:
    """A compose value as the container sees it with nothing set in the environment."""
    return _DEFAULTED.sub(r"\1", str(value)).replace("$$", "$")


def service_environment(service: dict[str, Any]) -> dict[str, str]:
    return {name: resolved(value) for name, value in (service.get("environment") or {}).items()}
