"""Fast keyword matching: every topic's hits in one scan of the article.

``coverage()`` on an article is only the
keyword search: :class:`KeywordMatcher` scans the text once for words that can begin a
keyword and tries each topic's precompiled pattern only there (about 1 ms for 1,000
words), with the same hits as the documented ``Topic.pattern`` (:func:`find_hits`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from derisk.review.checking.topics import KEYWORDS, SYMBOLS, TOPICS, Topic, _phrase

try:  # CPython's pattern parser, used only to find the words a keyword can start on
    from re import _constants as _const
    from re import _parser
except ImportError:  # pragma: no cover - another Python: every topic falls back to a full scan
    _const = _parser = None  # type: ignore[assignment]


_HEAD = 3  # a word's key: its first three characters (or the whole word if shorter)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _extend(states: set[tuple[str, bool]], chars: Iterable[str]) -> set[tuple[str, bool]]:
    out = set()
    for prefix, _ in states:
        for ch in chars:
            if _is_word(ch):
                grown = prefix + ch
                out.add((grown, len(grown) >= _HEAD))
            else:
                out.add((prefix, True))  # the first word ended
    return out


def _in_chars(items: list) -> list[str] | None:
    chars: list[str] = []
    for op, av in items:
        if op is _const.LITERAL:
            chars.append(chr(av))
        elif op is _const.RANGE and av[1] - av[0] <= 40:
            chars.extend(chr(c) for c in range(av[0], av[1] + 1))
        elif op is _const.CATEGORY and av is _const.CATEGORY_SPACE:
            chars.append(" ")
        else:
            return None
    return chars


def _walk(ops: list, states: set[tuple[str, bool]]) -> set[tuple[str, bool]] | None:
    """Possible (first-word prefix, complete) pairs after matching ``ops``; None if the
    parsed pattern uses something this walk does not model."""
    for op, av in ops:
        done = {s for s in states if s[1]}
        open_ = states - done
        if not open_:
            return states
        if op is _const.LITERAL:
            new = _extend(open_, chr(av))
        elif op is _const.IN:
            chars = _in_chars(av)
            if chars is None:
                return None
            new = _extend(open_, chars)
        elif op is _const.BRANCH:
            new = set()
            for alternative in av[1]:
                found = _walk(list(alternative), open_)
                if found is None:
                    return None
                new |= found
        elif op is _const.SUBPATTERN:
            found = _walk(list(av[-1]), open_)
            if found is None:
                return None
            new = found
        elif op in (_const.MAX_REPEAT, _const.MIN_REPEAT):
            low, high, sub = av
            new, current = set(), open_
            for times in range(_HEAD + 1):
                if times >= low:
                    new |= current
                if times == high:
                    break
                stepped = _walk(list(sub), current)
                if stepped is None:
                    return None
                current = stepped
            else:
                new |= current
        elif op in (_const.AT, _const.ASSERT, _const.ASSERT_NOT):
            new = open_
        else:
            return None
        states = done | new
    return states


def _heads(fragment: str) -> set[str] | None:
    """The lower-cased keys of the words a match of ``fragment`` can start on."""
    if _parser is None:
        return None
    try:
        parsed = _parser.parse(fragment, 0)
    except (re.error, ValueError, TypeError):
        return None
    states = _walk(list(parsed), {("", False)})
    if states is None:
        return None
    heads = {prefix.lower() for prefix, _ in states}
    return None if "" in heads else heads


def _trie(heads: list[str]) -> str:
    """One regex for a set of word keys, as a trie (one character test per level). A key
    shorter than three characters is a whole word, so it must end at a word boundary."""
    tree: dict = {}
    for head in heads:
        node = tree
        for ch in head:
            node = node.setdefault(ch, {})
        node[""] = len(head) < _HEAD

    def emit(node: dict) -> str:
        options = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            options.append(r"\b" if node[""] else "")
        if len(options) == 1:
            return options[0]
        return "(?:" + "|".join(options) + ")"

    return emit(tree)


class KeywordMatcher:
    """All topics' keywords found with one scan of the article.

    A scan of the lower-cased text finds every word whose key (its first three
    characters) can begin some keyword; each topic's pattern is then tried only at
    those words. Keywords (``KEYWORDS``) are matched on the lower-cased text without
    IGNORECASE, symbols (``SYMBOLS``) on the original text. Matches are taken left to
    right without overlap, exactly as ``finditer`` takes them, so the hits equal
    :func:`find_hits` with the documented ``Topic.pattern`` (tests check this). A
    fragment whose first word cannot be worked out falls back to a full scan.
    """

    def __init__(self, topics: tuple[Topic, ...]) -> None:
        self.patterns: dict[tuple[str, str], re.Pattern] = {}
        self.dispatch: dict[str, list[tuple[str, str]]] = {}
        self.ungated: list[tuple[str, str]] = []
        for topic in topics:
            for kind, fragments in (
                ("words", KEYWORDS.get(topic.key, ())),
                ("symbols", SYMBOLS.get(topic.key, ())),
            ):
                if not fragments:
                    continue
                target = (topic.key, kind)
                self.patterns[target] = re.compile(r"\b(?:" + "|".join(fragments) + r")\b")
                heads: set[str] | None = set()
                for fragment in fragments:
                    found = _heads(fragment)
                    if found is None:
                        heads = None
                        break
                    heads |= found
                if heads is None:
                    self.ungated.append(target)
                    continue
                for head in heads:
                    self.dispatch.setdefault(head, []).append(target)
        self.gate = re.compile(r"\b" + _trie(sorted(self.dispatch))) if self.dispatch else None
        self.topics = tuple(t.key for t in topics)

    def find(self, text: str) -> dict[str, tuple[str, ...]]:
        """Topic key -> distinct phrases, in order of first use."""
        lower = text.lower()
        found: dict[str, list[tuple[int, str]]] = {key: [] for key in self.topics}
        if len(lower) != len(text):  # a case change altered offsets: scan in full
            for (key, kind), pattern in self.patterns.items():
                source = lower if kind == "words" else text
                found[key] += [(m.start(), m.group(0)) for m in pattern.finditer(source)]
        else:
            candidates: dict[tuple[str, str], list[int]] = {}
            for m in self.gate.finditer(lower) if self.gate is not None else ():
                for target in self.dispatch[m.group(0)]:
                    candidates.setdefault(target, []).append(m.start())
            for target, positions in candidates.items():
                pattern = self.patterns[target]
                source = lower if target[1] == "words" else text
                end = -1
                for pos in positions:
                    if pos < end:
                        continue
                    m = pattern.match(source, pos)
                    if m:
                        found[target[0]].append((pos, m.group(0)))
                        end = max(m.end(), pos + 1)
            for key, kind in self.ungated:
                source = lower if kind == "words" else text
                found[key] += [
                    (m.start(), m.group(0)) for m in self.patterns[(key, kind)].finditer(source)
                ]
        hits = {}
        for key, matches in found.items():
            seen: dict[str, None] = {}
            for _, phrase in sorted(matches):
                seen.setdefault(_phrase(phrase), None)
            hits[key] = tuple(seen)
        return hits


MATCHER = KeywordMatcher(TOPICS)
