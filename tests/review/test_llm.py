"""Optional LLM polish against a fake OpenAI-compatible server on 127.0.0.1: the prose may
change, the figures, verdicts and evidence may not; failures name --llm."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures_http import local_server
from typer.testing import CliRunner

from derisk.cli.main import app
from derisk.data.store import Store
from derisk.errors import InputError
from derisk.review.reading.text import article_from_text
from derisk.review.writing.critique import Critique, Reviewer
from derisk.review.writing.llm import PROMPT, chat, polish

ARTICLE = (
    "China mines about 69% of the world's rare earths and refines about 90% of them. "
    "In April 2025 China imposed export controls on nine rare earths. "
    "In July 2025 the Pentagon agreed to a $400 million equity investment in MP Materials. "
    "We believe the West will catch up within a decade."
)
LEAD = "Put simply: "
UNTOUCHED = ("title", "date", "highlights", "holds_up", "slips", "missing", "coverage",
             "ratings", "claims", "source", "word_count")  # fmt: skip


def chat_reply(rewrite: Callable[[str], str]) -> Callable[[str, str, bytes], tuple]:
    """A chat-completions endpoint that answers with rewrite(user message)."""

    def respond(method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
        if method != "POST" or path != "/v1/chat/completions":
            return 404, "application/json", b'{"error": "not found"}'
        request = json.loads(body)
        user = [m["content"] for m in request["messages"] if m["role"] == "user"][0]
        reply = {"choices": [{"message": {"role": "assistant", "content": rewrite(user)}}]}
        return 200, "application/json", json.dumps(reply).encode()

    return respond


def fixed(status: int, body: bytes, kind: str = "application/json") -> Callable:
    return lambda method, path, payload: (status, kind, body)


@pytest.fixture(scope="module")
def critique(session_store: Store) -> Critique:
    return Reviewer(session_store).review(article_from_text(ARTICLE, title="Test piece"))


def test_a_rephrasing_without_new_numbers_replaces_the_prose(critique: Critique) -> None:
    with local_server(chat_reply(lambda text: LEAD + text)) as server:
        polished = polish(critique, server.url + "/v1")
        requests = list(server.requests)
    assert polished.bottom_line == LEAD + critique.bottom_line
    assert polished.investor_takeaway == LEAD + critique.investor_takeaway
    assert not any("discarded" in n for n in polished.notes)
    assert any("polished by an LLM" in n and server.url in n for n in polished.notes)
    # the endpoint saw exactly the two texts, with the instruction, and nothing else
    assert [(r.method, r.path) for r in requests] == [("POST", "/v1/chat/completions")] * 2
    sent = [json.loads(r.body) for r in requests]
    assert [s["messages"][1]["content"] for s in sent] == [
        critique.bottom_line, critique.investor_takeaway,
    ]  # fmt: skip
    for s in sent:
        assert s["messages"][0] == {"role": "system", "content": PROMPT}
        assert s["temperature"] == 0 and s["model"] == "default"
    assert all(r.headers.get("Content-Type") == "application/json" for r in requests)


def test_verdicts_evidence_and_ratings_are_unchanged(critique: Critique) -> None:
    before = critique.to_dict()
    with local_server(chat_reply(lambda text: LEAD + text)) as server:
        after = polish(critique, server.url + "/v1").to_dict()
    for key in UNTOUCHED:
        assert after[key] == before[key], key
    assert critique.to_dict() == before  # the original is not mutated


def test_a_rephrasing_that_adds_a_number_is_discarded_with_a_note(critique: Critique) -> None:
    with local_server(chat_reply(lambda text: text + " About 42 more claims fail.")) as server:
        polished = polish(critique, server.url + "/v1")
    assert "42" not in critique.bottom_line + critique.investor_takeaway  # the premise
    assert polished.bottom_line == critique.bottom_line
    assert polished.investor_takeaway == critique.investor_takeaway
    discarded = [n for n in polished.notes if "discarded" in n]
    assert len(discarded) == 2
    assert "bottom_line" in discarded[0] and "investor_takeaway" in discarded[1]


def test_each_field_is_judged_on_its_own(critique: Critique) -> None:
    def rewrite(text: str) -> str:
        return LEAD + text if text == critique.bottom_line else text + " Upside is 300%."

    with local_server(chat_reply(rewrite)) as server:
        polished = polish(critique, server.url + "/v1")
    assert polished.bottom_line == LEAD + critique.bottom_line
    assert polished.investor_takeaway == critique.investor_takeaway
    assert [n for n in polished.notes if "discarded" in n] == [
        "LLM rephrasing of investor_takeaway discarded: it changed the figures"
    ]


def test_a_rephrasing_that_changes_a_figure_is_discarded(critique: Critique) -> None:
    assert any(ch.isdigit() for ch in critique.bottom_line)  # the premise

    def change_digits(text: str) -> str:
        return "".join("7" if ch.isdigit() and ch != "7" else ch for ch in text) + " 8"

    with local_server(chat_reply(change_digits)) as server:
        polished = polish(critique, server.url + "/v1")
    assert polished.bottom_line == critique.bottom_line


def test_the_full_endpoint_path_is_accepted(critique: Critique) -> None:
    with local_server(chat_reply(lambda text: text.upper())) as server:
        assert chat(server.url + "/v1/chat/completions", "abc 1") == "ABC 1"
        assert chat(server.url + "/v1/", "abc 2") == "ABC 2"
        assert [r.path for r in server.requests] == ["/v1/chat/completions"] * 2


@pytest.mark.parametrize(
    "responder",
    [
        fixed(500, b'{"error": "boom"}'),
        fixed(200, b"this is not json"),
        fixed(200, b'{"choices": []}'),
        fixed(200, b'{"result": "no choices key"}'),
    ],
    ids=["http-500", "not-json", "empty-choices", "no-choices"],
)
def test_a_failing_endpoint_is_an_input_error_naming_llm(
    critique: Critique, responder: Callable
) -> None:
    with local_server(responder) as server, pytest.raises(InputError) as caught:
        polish(critique, server.url + "/v1")
    assert caught.value.column == "--llm"
    assert "--llm" in str(caught.value)
    assert server.url in str(caught.value)


def test_an_unreachable_endpoint_is_an_input_error(critique: Critique) -> None:
    with local_server(fixed(200, b"{}")) as server:
        url = server.url + "/v1"
    with pytest.raises(InputError, match="--llm"):
        polish(critique, url)  # the server is gone: connection refused


# -- the CLI ----------------------------------------------------------------------------
runner = CliRunner()


@pytest.fixture
def article_file(tmp_path: Path) -> Path:
    path = tmp_path / "piece.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_cli_with_llm_end_to_end(built_store_path: Path, article_file: Path) -> None:
    base = runner.invoke(
        app, ["review", str(article_file), "-f", "json", "--db", str(built_store_path)]
    )
    assert base.exit_code == 0, base.output
    plain = json.loads(base.stdout)
    with local_server(chat_reply(lambda text: LEAD + text)) as server:
        result = runner.invoke(
            app,
            [
                "review",
                str(article_file),
                "-f",
                "json",
                "--llm",
                server.url + "/v1",
                "--llm-model",
                "tiny",
                "--db",
                str(built_store_path),
            ],
        )
        models = {json.loads(r.body)["model"] for r in server.requests}
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["bottom_line"] == LEAD + plain["bottom_line"]
    assert doc["investor_takeaway"] == LEAD + plain["investor_takeaway"]
    assert any("polished by an LLM" in n for n in doc["notes"])
    assert models == {"tiny"}
    for key in UNTOUCHED:
        assert doc[key] == plain[key], key


def test_cli_with_a_failing_llm_exits_2(built_store_path: Path, article_file: Path) -> None:
    with local_server(fixed(500, b"oops")) as server:
        result = runner.invoke(
            app,
            [
                "review",
                str(article_file),
                "--llm",
                server.url + "/v1",
                "--db",
                str(built_store_path),
            ],
        )
    assert result.exit_code == 2, result.output
    assert "--llm" in result.stderr and "Traceback" not in result.output


def test_cli_batch_polishes_every_review(
    built_store_path: Path, article_file: Path, tmp_path: Path
) -> None:
    folder = article_file.parent
    second = folder / "second.txt"
    second.write_text(ARTICLE.replace("nine", "seven"), encoding="utf-8")
    out = tmp_path / "out"
    with local_server(chat_reply(lambda text: LEAD + text)) as server:
        result = runner.invoke(
            app,
            [
                "review",
                str(folder),
                "--out",
                str(out),
                "-f",
                "json",
                "--llm",
                server.url + "/v1",
                "--db",
                str(built_store_path),
            ],
        )
        calls = len(server.requests)
    assert result.exit_code == 0, result.output
    assert calls == 4  # two texts per article
    for name in ("piece", "second"):
        doc = json.loads((out / f"{name}.review.json").read_text(encoding="utf-8"))
        assert doc["bottom_line"].startswith(LEAD)


def test_polish_keeps_notes_already_there(critique: Critique) -> None:
    noted = replace(critique, notes=["an earlier note"])
    with local_server(chat_reply(lambda text: text)) as server:
        polished = polish(noted, server.url + "/v1")
    assert polished.notes[0] == "an earlier note"
