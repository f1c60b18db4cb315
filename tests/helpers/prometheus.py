"""Reading a real ``/metrics`` page over HTTP, as Prometheus would.

Samples are read by the names the page gives them: prometheus_client's own parser
renames a counter's samples to ``…_total``, which is not what the page says."""

from __future__ import annotations

import re

import httpx

__all__ = ["Scraped", "scrape"]

_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})? (?P<value>\S+)")
_LABEL = re.compile(r'(?P<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?P<value>(?:[^"\\]|\\.)*)"')


class Scraped:
    """One scrape's samples: (name, labels, value)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples: list[tuple[str, dict[str, str], float]] = []
        for line in text.splitlines():
            found = _SAMPLE.match(line)
            if found is None:
                continue  # a comment (# HELP, # TYPE) or a blank line
            labels = {m["key"]: m["value"] for m in _LABEL.finditer(found["labels"] or "")}
            self.samples.append((found["name"], labels, float(found["value"])))

    def value(self, name: str, **labels: str) -> float | None:
        """The sample ``name`` whose labels include ``labels``; None when there is none
        (more than one is a mistake in the spec)."""
        found = [
            value
            for sample, have, value in self.samples
            if sample == name and all(have.get(k) == v for k, v in labels.items())
        ]
        assert len(found) <= 1, f"{len(found)} samples of {name} with {labels}"
        return found[0] if found else None


async def scrape(url: str) -> Scraped:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(url)
    answer.raise_for_status()
    return Scraped(answer.text)
