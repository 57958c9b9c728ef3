"""Optional LLM polish of the prose, over any OpenAI-compatible HTTP endpoint.

Off by default (`--llm URL` turns it on). It only rephrases the bottom line and the
investor takeaway. It never sees or changes verdicts, ratings or evidence, and a
rephrasing that brings in a number not already in the text is thrown away: the model
may make the prose read better, not add facts.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import replace

from derisk.errors import InputError
from derisk.review.writing.critique import Critique

TIMEOUT_S = 30.0
NUMBER = re.compile(r"\d[\d,.]*")
PROMPT = (
    "Rephrase the following text from a critique of an article on rare-earth supply chains "
    "so that it reads clearly and concisely. Keep every fact and number exactly; add no "
    "new facts, numbers or claims. Reply with the rephrased text only."
)


def _numbers(text: str) -> set[str]:
    return {n.rstrip(".,").replace(",", "") for n in NUMBER.findall(text)}


def chat(url: str, text: str, model: str = "default", timeout: float = TIMEOUT_S) -> str:
    """One chat-completions call; url is the endpoint base (…/v1) or the full path."""
    endpoint = url.rstrip("/")
    if not endpoint.endswith("/chat/completions"):
        endpoint += "/chat/completions"
    body = json.dumps(
        {
            "model": model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": PROMPT},
                {"role": "user", "content": text},
            ],
        }
    ).encode()
    request = urllib.request.Request(
        endpoint, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            payload = json.loads(response.read())
        return str(payload["choices"][0]["message"]["content"]).strip()
    except (urllib.error.URLError, TimeoutError, KeyError, IndexError, ValueError) as err:
        raise InputError(f"the LLM endpoint failed: {err}", column="--llm", found=url) from None


def polish(critique: Critique, url: str, model: str = "default") -> Critique:
    """The critique with its bottom line and takeaway rephrased, when that adds no numbers."""
    notes = list(critique.notes)
    fields = {}
    for name in ("bottom_line", "investor_takeaway"):
        original = getattr(critique, name)
        rephrased = chat(url, original, model)
        if rephrased and _numbers(rephrased) <= _numbers(original):
            fields[name] = rephrased
        else:
            notes.append(f"LLM rephrasing of {name} discarded: it changed the figures")
    notes.append(f"prose polished by an LLM at {url}; verdicts and evidence are derisk's own")
    return replace(critique, notes=notes, **fields)
