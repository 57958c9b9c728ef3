"""Find what a sentence quotes and whom it credits ("according to X", "X said")."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from derisk.review.reading.sentences import _DOTTED, _LEADING_PUNCT, _MAYBE_END, _words

_QUOTE_PAIR = re.compile(r"“([^“”]+)”|\"([^\"]+)\"")
_QUOTE_OPEN_TAIL = re.compile(r"[“\"]([^“”\"]+)$")
_QUOTE_CLOSE_HEAD = re.compile(r"^([^“”\"]+)[”\"]")
_QUOTE_TRIM = " ,;:—–-"

_SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|noted|wrote|writes|warned|warns|explained|"
    "stated|argued|argues|insisted|cautioned|acknowledged|commented|confirmed|"
    "estimated|estimates|reported|predicted|predicts|announced|announces|concluded"
)
# "X said ..." / "X told Reuters ..." -- the verb, in lower case, as a whole word.
_X_SAID = re.compile(rf"\b(?:{_SPEECH_VERBS})\b")
# Reporting verbs that are also adjectives or nouns ("an estimated 90 %") only count when
# a "that" clause follows.
_NEEDS_THAT = _words(
    "estimated estimates reported predicted predicts announced announces concluded"
)
# Verbs that can come before their subject, after a closing quote, dash or comma:
# "“Prices will rise,” said Jane Doe."
_INVERTING = _words(
    "said says added adds noted wrote writes warned warns explained argued argues insisted "
    "cautioned stated continued"
)
_QUOTE_OR_DASH_END = ("”", '"', "—", "–")
_ACCORDING_TO = re.compile(r"\baccording to\s+(?P<who>.+)", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(
    r"[,;:“”\"()—–\[\]]|\b(?:that|but|while|because|which|although|"
    r"though|whereas|as|when|where|if|after|before)\b"
)
_WHO_END = re.compile(
    r"[,;:!?“”\"()—–\[\]]|\s(?:in|on|during|last|this|when|who|which|that|after|before|"
    r"told|adding|noting|while|whose|published|released|to)\s"
)
_WHO_PREFIX = re.compile(
    r"^(?:(?:the\s+)?(?:latest\s+|new\s+|recent\s+|official\s+)?(?:data|figures|numbers|"
    r"estimates|statistics|analysis|research|calculations|a\s+report|the\s+report|a\s+study|"
    r"a\s+survey|reports|a\s+statement|forecasts)\s+(?:from|by|of|published\s+by)\s+)",
    re.IGNORECASE,
)
_TRAILING_AUX = re.compile(
    r"(?:\s+(?:has|have|had|also|previously|recently|later|earlier|repeatedly|once|again|"
    r"would|will|could|may|might|reportedly|then|already|now|separately))+\s*$",
    re.IGNORECASE,
)
_LEADING_NOISE = _words(
    "in on at by for last earlier meanwhile however separately now yet still also but "
    "and so as during since then later recently previously this year week month today "
    "yesterday monday tuesday wednesday thursday friday saturday sunday"
)
_NOT_A_SOURCE = _words(
    "is are was were be been being to would will can could should must not do does "
    "did it's there here what how why"
)
_DETERMINERS = _words("the a an its his her their this one")
_PRONOUNS = _words("he she they it we i")
_MAX_WHO_WORDS = 8
_MAX_VERBS = 12  # bounds the work on a pathological run-on "sentence"
_MAX_LEFT = 400  # a source is named within this many characters before its verb
_PRONOUN_LOOKBACK = 5


def _find_quote(sentence: str) -> str | None:
    """The quoted words of a sentence; several quotations are joined with an ellipsis."""
    if '"' not in sentence and "“" not in sentence and "”" not in sentence:
        return None
    parts = [m.group(1) or m.group(2) for m in _QUOTE_PAIR.finditer(sentence)]
    if not parts:
        # A quotation running over a sentence or paragraph boundary: opener or closer only.
        m = _QUOTE_OPEN_TAIL.search(sentence) or _QUOTE_CLOSE_HEAD.search(sentence)
        parts = [m.group(1)] if m else []
    cleaned = [p.strip(_QUOTE_TRIM) for p in parts]
    cleaned = [p for p in cleaned if any(c.isalnum() for c in p)]
    return " … ".join(cleaned) if cleaned else None


def _strip_final_period(who: str) -> str:
    if not who.endswith("."):
        return who
    last = who.rsplit(" ", 1)[-1]
    if last.lower() in _MAYBE_END or _DOTTED.fullmatch(last[:-1]):
        return who
    return who[:-1].rstrip()


def _clean_who(who: str) -> str | None:
    """Trim a candidate source to a plausible name and reject what is not one."""
    who = _strip_final_period(who.strip(" ,;:"))
    words = who.split()
    while words and (words[0].lower() in _LEADING_NOISE or words[0].isdigit()):
        words.pop(0)
    if not words:
        return None
    if len(words) > 1 and words[0].lower() == "the" and words[1][:1].isupper():
        words.pop(0)  # "the U.S. Geological Survey" -> "U.S. Geological Survey"
    if len(words) > _MAX_WHO_WORDS or any(w.lower() in _NOT_A_SOURCE for w in words):
        return None
    if all(w.lower() in _DETERMINERS for w in words):
        return None
    return " ".join(words)


def _who_after(text: str) -> str | None:
    """The source named after "said"/"according to": up to a comma or a clause word."""
    m = _WHO_END.search(" " + text + " ")
    who = (" " + text)[: m.start()] if m else text
    who = _WHO_PREFIX.sub("", who.strip())
    return _clean_who(who)


def _segments(left: str) -> list[str]:
    return [s for s in (seg.strip() for seg in _CLAUSE_SPLIT.split(left)) if s]


def _who_before(left: str) -> str | None:
    """The source named right before "said": the last clause before the verb."""
    segments = _segments(_TRAILING_AUX.sub("", left))
    return _clean_who(segments[-1]) if segments else None


def _who_appositive(left: str) -> str | None:
    """ "Ding Rijia, a professor at CUMT, says ..." -> "Ding Rijia".

    With a comma right before the verb, the clause before it is a description of the
    source, and the source is the name before that. A single clause ("Prices will rise,
    said X") is not an appositive: the source comes after the verb.
    """
    segments = _segments(left)
    for segment in reversed(segments[:-1]):
        if _looks_like_source(segment) and (who := _clean_who(segment)) is not None:
            return who
    return None


def _looks_like_source(text: str) -> bool:
    """After "..., said": a name or a noun phrase ("said Jane Doe", "said the ministry"),
    not the start of a clause ("said exports fell", "said it would")."""
    first = text.split(" ", 1)[0].lstrip(_LEADING_PUNCT)
    low = first.lower()
    return (first[:1].isupper() or low in _DETERMINERS or low in _PRONOUNS) and low != "it"


def _find_attribution(sentence: str) -> str | None:
    """Who the sentence credits: "according to X", "..., said X", "X said", "X told ..."."""
    if (m := _ACCORDING_TO.search(sentence)) and (who := _who_after(m.group("who"))):
        return who
    for m in itertools.islice(_X_SAID.finditer(sentence), _MAX_VERBS):
        verb = m.group()
        left = sentence[max(0, m.start() - _MAX_LEFT) : m.start()].rstrip()
        after = sentence[m.end() :].lstrip()
        if not left or (verb in _NEEDS_THAT and not after.startswith("that ")):
            continue
        inverted = verb in _INVERTING and _looks_like_source(after)
        if left.endswith(_QUOTE_OR_DASH_END):  # "“Prices will rise,” said Jane Doe"
            who = _who_after(after) if inverted else None
        elif left.endswith(","):  # "X, a professor, said" or "Prices rose, said X"
            who = _who_appositive(left) or (_who_after(after) if inverted else None)
        else:  # "Jane Doe said", "Lynas told Reuters"
            who = _who_before(left)
        if who is not None:
            return who
    return None


def _attributions(sentences: list[str]) -> Iterator[str | None]:
    """Attribution per sentence; "he said" is credited to the last named source nearby."""
    recent: list[tuple[int, str]] = []
    for i, sentence in enumerate(sentences):
        who = _find_attribution(sentence)
        if who is not None and who.lower() in _PRONOUNS:
            named = [w for j, w in recent if i - j <= _PRONOUN_LOOKBACK]
            who = named[-1] if named else who
        elif who is not None:
            recent.append((i, who))
        yield who
