"""Bad input to `derisk forecast`: scenario files, --set, and the command's own options.

Every case is checked twice where it applies: from Python (`load_scenario` raises an
InputError naming the field) and from the command line (one line on stderr, exit code 2,
no traceback), and every CLI case also checks that nothing changed: the store's rows and
an earlier result file under --out are exactly as before.

tests/forecast/test_scenario.py already covers an unterminated flow list, `extends`
of the file's own absolute path, an unknown preset given to --scenario, and --set
errors (dist=beta, start_year=2060, low > high, an unknown end use, no_such_lever); the
cases here are different inputs for the same classes plus the ones that were missing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import assert_same_content, dump_store
from derisk.cli.main import app
from derisk.data.store import Store
from derisk.errors import InputError
from derisk.forecast.scenario import load_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def store_path(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the built store, so a test that wrote to it could be caught."""
    target = tmp_path_factory.mktemp("forecast-bad-input") / built_store_path.name
    shutil.copyfile(built_store_path, target)
    wal = built_store_path.with_name(built_store_path.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


@pytest.fixture
def earlier(tmp_path: Path) -> Path:
    """An earlier result under the --out name that a failed run must leave alone."""
    path = tmp_path / "results" / "earlier.csv"
    path.parent.mkdir()
    path.write_text("element,year,metric,p10,p50,p90\nNd,2030,demand_t,1,2,3\n")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def forecast_fails(store: Path, out: Path | None, *args: str) -> str:
    """Run `derisk forecast ARGS` expecting exit 2; return stderr (one line, no traceback).

    The store's rows and the earlier --out file must be unchanged afterwards, and no
    temporary file may be left next to it.
    """
    before = dump_store(Store(store))
    digest = _digest(out) if out is not None and out.is_file() else None
    out_args = ["--out", str(out)] if out is not None and "--out" not in args else []
    result = runner.invoke(app, ["forecast", "--draws", "5", *args, *out_args, "--db", str(store)])
    assert result.exit_code == 2, (args, result.output)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert_same_content(before, dump_store(Store(store)))
    if digest is not None:
        assert _digest(out) == digest
        assert sorted(p.name for p in out.parent.iterdir()) == [out.name]
    return result.stderr


# -- scenario files -----------------------------------------------------------------------
# (id, {file name: content}, file to load, InputError fields, words in the message)
SCENARIO_FILES = [
    (
        "not-yaml",
        {"s.yaml": "name: 'unterminated\nextends: baseline\n"},
        {"row": 3},
        ["not valid YAML", "s.yaml"],
    ),
    (
        "not-a-mapping",
        {"s.yaml": "- baseline\n- full-ban\n"},
        {"found": "list"},
        ["must be a mapping", "key: value"],
    ),
    (
        "unknown-top-level-key",
        {"s.yaml": "name: typo\nextends: baseline\nrecyling:\n  start_year: 2030\n"},
        {"column": "recyling"},
        ["Extra inputs are not permitted", "recycling"],  # the allowed keys are listed
    ),
    (
        "wrong-type-deep-in-the-tree",
        {
            "s.yaml": "name: deep\nextends: baseline\nchina:\n  export_controls:\n"
            "    - {name: x, elements: [Dy], stages: [mining], start: soon,\n"
            "       approval_rate: 0.5, source: s}\n"
        },
        {"column": "china.export_controls.0.start", "expected": "a whole number"},
        ["china.export_controls.0.start", "soon"],
    ),
    (
        "distribution-missing-params",
        {
            "s.yaml": "name: m\nextends: baseline\ndemand:\n  bloc_share:\n"
            "    JP: {dist: normal, mean: 0.1, source: my-estimate}\n"
        },
        {"column": "demand.bloc_share.JP"},
        ["normal needs mean, sd; missing sd"],
    ),
    (
        "low-above-high",
        {
            "s.yaml": "name: lh\nextends: baseline\nrecycling:\n"
            "  recovery_yield: {dist: uniform, low: 0.95, high: 0.8, source: s}\n"
        },
        {"column": "recycling.recovery_yield"},
        ["low (0.95) is above high (0.8)"],
    ),
    (
        "extends-itself-by-relative-name",
        {"s.yaml": "name: loop\nextends: s.yaml\n"},
        {},
        ["extends itself", "s.yaml"],
    ),
    (
        "extends-in-a-cycle",
        {"s.yaml": "name: a\nextends: b.yaml\n", "b.yaml": "name: b\nextends: s.yaml\n"},
        {},
        ["extends itself", "s.yaml -> ", "b.yaml"],
    ),
    (
        "extends-unknown-preset",
        {"s.yaml": "name: typo\nextends: basline\n"},
        {"column": "extends", "found": "basline"},
        ["unknown scenario", "s.yaml", "baseline"],
    ),
    (
        "extends-not-a-name",
        {"s.yaml": "name: x\nextends: [baseline, full-ban]\n"},
        {"column": "extends"},
        ["must name one preset or YAML file"],
    ),
    (
        "unknown-element-in-export-control",
        {
            "s.yaml": "name: e\nextends: baseline\nchina:\n  export_controls:\n"
            "    - {name: x, elements: [Dy, Xx], stages: [magnet], start: 2026,\n"
            "       approval_rate: 0.5, source: s}\n"
        },
        {"column": "china.export_controls.0"},
        ["unknown element(s) Xx", "'Nd'"],
    ),
    (
        "start-year-after-end-year",
        {"s.yaml": "name: y\nextends: baseline\nstart_year: 2040\nend_year: 2030\n"},
        {"column": "(scenario)"},
        ["start_year < end_year", "got 2040:2030"],
    ),
    (
        "not-utf8",
        {"s.yaml": b"name: caf\xe9\nextends: baseline\n"},
        {"expected": "a UTF-8 YAML file"},
        ["not a text file", "offset 9"],
    ),
    (
        "a-folder-named-like-a-file",
        {"s.yaml/": ""},
        {},
        ["is a directory, not a scenario file"],
    ),
]


def _write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        if name.endswith("/"):
            (folder / name.rstrip("/")).mkdir()
        elif isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8")
    return folder / "s.yaml"


@pytest.mark.parametrize(
    ("files", "fields", "words"),
    [case[1:] for case in SCENARIO_FILES],
    ids=[case[0] for case in SCENARIO_FILES],
)
def test_bad_scenario_file(
    files: dict[str, str | bytes],
    fields: dict[str, object],
    words: list[str],
    tmp_path: Path,
    store_path: Path,
    earlier: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    path = _write_files(folder, files)
    monkeypatch.chdir(tmp_path)  # relative `extends` must not depend on the working folder
    with pytest.raises(InputError) as caught:
        load_scenario(str(path))
    for name, value in fields.items():
        assert getattr(caught.value, name) == value, (name, str(caught.value))
    message = str(caught.value)
    for word in words:
        assert word in message, (word, message)
    stderr = forecast_fails(store_path, earlier, "--scenario", str(path))
    assert message in " ".join(stderr.split())


def test_yaml_alias_bomb_fails_fast_and_short(tmp_path: Path) -> None:
    """A billion-laughs file is refused in well under a second with a short message."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\nname: *a8\nextends: baseline\n")
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_scenario(str(path))
    assert time.perf_counter() - start < 2
    assert caught.value.column == "name" and len(str(caught.value)) < 300


def test_deeply_nested_yaml_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("name: x\nextends: baseline\ndemand: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InputError, match="nested too deeply"):
        load_scenario(str(path))
    with pytest.raises(InputError, match="nested too deeply"):
        load_scenario("baseline", ["demand.multiplier=" + "{ev: " * 5000 + "1" + "}" * 5000])


def test_extends_is_read_next_to_the_including_file(tmp_path: Path) -> None:
    """Not an error case, but the fix that made relative `extends` loops detectable."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "base.yaml").write_text("name: base\nextends: baseline\npipeline:\n  on_time: true\n")
    (folder / "child.yaml").write_text("name: child\nextends: base.yaml\n")
    scenario = load_scenario(str(folder / "child.yaml"))
    assert scenario.name == "child" and scenario.pipeline.on_time


# -- --set --------------------------------------------------------------------------------
SET_CASES = [
    ("no-equals", "recycling.collection_rate", {"column": "--set"}, ["path=value"]),
    (
        "through-a-scalar",
        "name.first=x",
        {"column": "name.first", "found": "name is str"},
        ["cannot set a field inside a value"],
    ),
    (
        "invalid-yaml-value",
        "recycling.collection_rate={dist: fixed, value: [",
        {"column": "recycling.collection_rate"},
        ["value is not valid YAML"],
    ),
    (
        "unknown-lever-path",
        "china.capacity_groth=0.1",
        {"column": "china.capacity_groth"},
        ["Extra inputs are not permitted", "capacity_growth"],
    ),
    (
        "empty-path-part",
        "china..capacity_growth=0.1",
        {"column": "--set"},
        ["empty part"],
    ),
    (
        "unsafe-yaml-tag",
        "name=!!python/object/apply:os.system [echo hi]",
        {"column": "name"},
        ["value is not valid YAML"],
    ),
]


@pytest.mark.parametrize(
    ("assignment", "fields", "words"),
    [case[1:] for case in SET_CASES],
    ids=[case[0] for case in SET_CASES],
)
def test_bad_set(
    assignment: str,
    fields: dict[str, object],
    words: list[str],
    store_path: Path,
    earlier: Path,
) -> None:
    with pytest.raises(InputError) as caught:
        load_scenario("baseline", [assignment])
    for name, value in fields.items():
        assert getattr(caught.value, name) == value, (name, str(caught.value))
    for word in words:
        assert word in str(caught.value)
    stderr = forecast_fails(store_path, earlier, "--set", assignment)
    assert str(caught.value) in " ".join(stderr.split())


# -- the command's options ----------------------------------------------------------------
OPTION_CASES = [
    ("draws-zero", ["--draws", "0"], ["--draws", "greater than or equal to 1"]),
    ("draws-huge", ["--draws", "5000000"], ["--draws", "less than or equal to 1000000"]),
    ("seed-negative", ["--seed", "-1"], ["--seed", "greater than or equal to 0"]),
    ("years-one-year", ["--years", "2040"], ["--years", "START:END"]),
    ("years-not-numbers", ["--years", "20x5:2050"], ["--years", "START:END"]),
    ("years-three-parts", ["--years", "2025:2030:2040"], ["--years", "START:END"]),
    ("years-reversed", ["--years", "2050:2030"], ["--years", "start_year < end_year", "2050:2030"]),
    ("years-empty-span", ["--years", "2030:2030"], ["--years", "start_year < end_year"]),
    ("years-out-of-range", ["--years", "1990:2000"], ["--years", "2010 <= start_year"]),
    ("unknown-bloc", ["--bloc", "Atlantis"], ["--bloc", "unknown bloc", "EU27", "Atlantis"]),
    ("unknown-format", ["--format", "xml"], ["--format", "table | json | csv"]),
    ("out-unknown-suffix", ["--out", "{tmp}/result.json"], ["unknown output file type", ".nc"]),
    ("out-no-suffix", ["--out", "{tmp}/result"], ["unknown output file type", "result"]),
    ("out-is-a-folder", ["--out", "{tmp}/folder.nc"], ["folder.nc", "--out is a folder"]),
    (
        "out-under-a-file",
        ["--out", "{tmp}/results/earlier.csv/x.nc"],
        ["earlier.csv", "a file is in the way"],
    ),
    ("out-is-a-pipe", ["--out", "{tmp}/pipe.csv"], ["pipe.csv", "not a regular file"]),
]


@pytest.mark.parametrize(
    ("args", "words"), [case[1:] for case in OPTION_CASES], ids=[case[0] for case in OPTION_CASES]
)
def test_bad_forecast_option(
    args: list[str], words: list[str], tmp_path: Path, store_path: Path, earlier: Path
) -> None:
    (tmp_path / "folder.nc").mkdir()
    os.mkfifo(tmp_path / "pipe.csv")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    stderr = " ".join(forecast_fails(store_path, earlier, *args).split())
    for word in words:
        assert word in stderr, (word, stderr)
    assert (tmp_path / "pipe.csv").exists() and not (tmp_path / "pipe.csv").is_file()


def test_out_in_a_missing_folder_is_created(tmp_path: Path, store_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "f.csv"
    result = runner.invoke(
        app, ["forecast", "--draws", "5", "--out", str(out), "--db", str(store_path)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("element,year,metric")
    assert sorted(p.name for p in out.parent.iterdir()) == ["f.csv"]
