"""Scenario specs: YAML files validated by pydantic, composable by `extends` and `--set`.

Every parameter that is not derived from the dataset carries a `source`: either a
source id in the store or the word 'assumption' followed by the reasoning, so a
reader can always tell a cited number from a judgement call.
"""

from __future__ import annotations

import copy
import reprlib
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from derisk import vocabulary
from derisk.errors import InputError

PRESET_DIR = Path(__file__).with_name("presets")
#: The end uses the model has (its demand paths are the IEA's EV, wind and other uses;
#: industrial motors, consumer electronics and defence are inside 'other').
END_USES = ("ev", "wind", "other")
#: Facility statuses (the facilities table's choices): keys of success_probability.
FACILITY_STATUSES = ("operating", "construction", "planned", "cancelled")
MAGNET_ELEMENTS = ("Nd", "Pr", "Dy", "Tb")
#: The model's element axis: the magnet rare earths first, then the other 13 rare earths.
#: Pm has no ore (it does not occur in mined deposits) and Sc is not in the dataset's
#: deposit compositions, so both stay at zero and are reported as having no data.
ELEMENTS = MAGNET_ELEMENTS + (
    "La", "Ce", "Sm", "Eu", "Gd", "Ho", "Er", "Tm", "Yb", "Lu", "Y", "Sc", "Pm",
)  # fmt: skip
#: The model's region and stage axes: the shared terms of derisk.vocabulary.
REGIONS = vocabulary.REGIONS
MODEL_STAGES = vocabulary.STAGES


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dist(Strict):
    """An uncertain parameter: a distribution to sample per draw, plus where it comes from."""

    dist: Literal["fixed", "uniform", "normal", "lognormal", "triangular"] = "fixed"
    value: float | None = None
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: Annotated[float, Field(ge=0)] | None = None
    source: str = Field(min_length=1, description="source id, or 'assumption: why'")

    @model_validator(mode="after")
    def _parameters_fit_the_distribution(self) -> Dist:
        needed = {
            "fixed": ("value",),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "normal": ("mean", "sd"),
            "lognormal": ("mean", "sd"),
        }[self.dist]
        missing = [n for n in needed if getattr(self, n) is None]
        if missing:
            raise ValueError(f"{self.dist} needs {', '.join(needed)}; missing {', '.join(missing)}")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        if self.dist == "lognormal" and self.mean is not None and self.mean <= 0:
            raise ValueError("a lognormal needs a positive mean")
        return self


class Demand(Strict):
    """Demand per end use: the IEA path times an uncertain multiplier, after substitution."""

    path: Literal["IEA STEPS", "IEA APS", "IEA NZE"] = "IEA STEPS"
    multiplier: dict[str, Dist] = Field(default_factory=dict)
    bloc_share: dict[str, Dist] = Field(default_factory=dict)
    #: China's own share of world demand. The open market for China-free material is
    #: shared among the buyers outside China (world demand x (1 - china_share)), so it
    #: is needed by the 'ownership' allocation (docs/METHODS.md, "Allocation").
    china_share: Dist | None = None
    substitution: dict[str, Dist] = Field(default_factory=dict)
    substitution_full_by: int = 2035
    #: Yearly growth of demand for the non-magnet rare earths (La, Ce, Sm, Y ...), which
    #: start from their 2024 co-production (docs/METHODS.md): no sourced projection exists.
    other_rees_growth: Dist = Field(
        default_factory=lambda: Dist(
            dist="fixed",
            value=0.0,
            source="assumption: no sourced demand projection for the non-magnet rare earths; "
            "held at their 2024 co-production",
        )
    )

    _end_uses = field_validator("multiplier", "substitution")(
        lambda v: _known_keys(v, END_USES, "end use")
    )


def _known_keys(mapping: dict[str, Any], known: tuple[str, ...], what: str) -> dict[str, Any]:
    """Refuse a key the model would never read (a typo would otherwise do nothing)."""
    unknown = [k for k in mapping if k not in known]
    if unknown:
        hint = " (industrial motors, electronics, defence: 'other')" if known == END_USES else ""
        raise ValueError(f"unknown {what} {', '.join(map(repr, unknown))}; expected {known}{hint}")
    return mapping


class Intensity(Strict):
    """Thrifting: the yearly fall in Dy and Tb per magnet (grain-boundary diffusion)."""

    dy_tb_annual_reduction: Dist
    until_fraction: Annotated[float, Field(gt=0, le=1)] = 0.33


class Pipeline(Strict):
    success_probability: dict[str, Annotated[float, Field(ge=0, le=1)]]
    success_source: str
    delay_years: Literal["empirical"] | Dist = "empirical"
    ramp_up_years: Annotated[int, Field(ge=0, le=15)] = 3
    ramp_up_source: str = "assumption: linear ramp to nameplate"
    #: linear: capacity rises evenly over ramp_up_years; s_curve: a logistic ramp that
    #: reaches half of nameplate midway (how new separation and magnet lines behave).
    ramp_shape: Literal["linear", "s_curve"] = "linear"
    on_time: bool = False
    #: Mines not yet built (planned, no construction): years from the dataset date to
    #: first production at the earliest, whatever their announced date says.
    mine_lead_years: Dist | None = None
    #: New magnet lines come with metal/alloy lines of their own tonnage (an assumption
    #: for build-out scenarios; only two rows in the data state one).
    integrated_metal: bool = False

    _statuses = field_validator("success_probability")(
        lambda v: _known_keys(v, FACILITY_STATUSES, "facility status")
    )


class ExportControl(Strict):
    name: str
    elements: list[str]
    stages: list[vocabulary.StageName]
    start: int
    end: int | None = None
    approval_rate: Annotated[float, Field(ge=0, le=1)]
    target_blocs: list[str] = Field(default_factory=lambda: ["all"])
    source: str

    @model_validator(mode="after")
    def _dates(self) -> ExportControl:
        unknown = [e for e in self.elements if e not in ELEMENTS]
        if unknown:
            raise ValueError(
                f"unknown element(s) {', '.join(unknown)}; expected symbols from {ELEMENTS}"
            )
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class China(Strict):
    """China's capacity path and export policy.

    residual: China is the swing supplier that fills what others cannot (calibrated);
    growth: its 2024 market-clearing capacity grows at capacity_growth;
    quota: mining and separation follow the latest full-year quotas (china_quotas),
    growing at capacity_growth, with metal and magnet capacity as on the residual path.
    """

    capacity_path: Literal["residual", "growth", "quota"] = "residual"
    capacity_growth: Dist
    export_controls: list[ExportControl] = Field(default_factory=list)
    reexport_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    #: Where Chinese material withheld from a targeted bloc goes: 'redirect' sells it to
    #: the other buyers (outside the bloc), 'inventory' keeps it in China's stocks.
    withheld: Literal["redirect", "inventory"] = "redirect"


class Recycling(Strict):
    """The bloc's end-of-life recycling.

    entry_stage: the stage whose processors take the recycled tonnes as China-free feed,
    in the bloc's own region. The default 'metal' is an assumption: recovered magnet
    swarf and scrap is typically reprocessed to oxide or metal (docs/METHODS.md).
    """

    collection_rate: Dist
    recovery_yield: Dist
    start_year: int = 2025
    lifetimes: dict[str, Dist] = Field(default_factory=dict)
    lifetime_kind: Literal["fixed", "normal", "weibull", "lognormal"] = "weibull"
    entry_stage: Literal["separation", "metal"] = "metal"
    #: chain: recycled tonnes enter the chain at entry_stage and need room there and
    #: downstream; short_loop: they are remade into magnets in the bloc (magnet-to-magnet
    #: recycling, capacity built to match: an assumption) and supply it China-free.
    processing: Literal["chain", "short_loop"] = "chain"

    _end_uses = field_validator("lifetimes")(lambda v: _known_keys(v, END_USES, "end use"))


class Stockpile(Strict):
    tonnes: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    release: Literal["shortfall", "none"] = "shortfall"
    source: str = "assumption: no public stockpile volumes in the dataset"

    _elements = field_validator("tonnes")(lambda v: _known_keys(v, ELEMENTS, "element"))


class Scenario(Strict):
    """The whole scenario; `derisk forecast --scenario NAME|FILE --set a.b=value`."""

    name: str
    description: str = ""
    extends: str | None = None
    start_year: int = 2025
    end_year: int = 2050
    derisk_threshold: Annotated[float, Field(gt=0, le=2)] = 1.0
    #: pro_rata: the bloc gets its demand share of China-free world output;
    #: domestic_first: its own regions' output, then that share of the rest;
    #: ownership: its own regions', then its offtakes' and partners', then a share of the
    #: open market outside China by unmet demand (docs/METHODS.md, "Allocation").
    allocation: Literal["pro_rata", "domestic_first", "ownership"] = "pro_rata"
    routing: Literal["non_china_first", "pro_rata"] = "non_china_first"
    demand: Demand
    intensity: Intensity
    pipeline: Pipeline
    china: China
    recycling: Recycling
    stockpile: Stockpile = Field(default_factory=Stockpile)
    #: What the preset promises against `baseline`, per headline figure: tested for
    #: every preset and bloc (tests/forecast/test_levers.py).
    promises: dict[str, Literal["higher", "lower", "not_higher", "not_lower"]] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        if not 2010 <= self.start_year < self.end_year <= 2100:
            raise ValueError(
                f"need 2010 <= start_year < end_year <= 2100, got {self.start_year}:{self.end_year}"
            )
        return self


_MODEL_NAMES = frozenset(model.__name__ for model in Strict.__subclasses__())


# -- loading ------------------------------------------------------------------------------
def presets() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(err, 'problem', None) or err}",
            file=str(path),
            row=None if mark is None else mark.line + 1,
        ) from None
    except UnicodeDecodeError as err:
        raise InputError(
            "not a text file",
            file=str(path),
            expected="a UTF-8 YAML file",
            found=f"byte {err.object[err.start : err.start + 1]!r} at offset {err.start}",
        ) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a scenario file", file=str(path)) from None
    except OSError as err:
        raise InputError(f"cannot read the file: {err.strerror or err}", file=str(path)) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", file=str(path)) from None
    if not isinstance(data, dict):
        raise InputError(
            "a scenario file must be a mapping",
            file=str(path),
            expected="key: value pairs",
            found=type(data).__name__,
        )
    return data


def _resolve(
    name_or_file: str, seen: tuple[str, ...] = (), parent: Path | None = None
) -> tuple[dict[str, Any], str]:
    """Read a preset or file and everything it `extends`; ``parent`` is the including file.

    A relative `extends: other.yaml` is looked up next to the including file first, then
    in the working directory; errors inside an `extends` chain name the including file.
    """
    where: dict[str, Any] = (
        {"column": "--scenario"} if parent is None else {"file": str(parent), "column": "extends"}
    )
    path = Path(name_or_file)
    if not path.suffix:
        if name_or_file not in presets():
            raise InputError(
                "unknown scenario",
                expected=f"a preset ({', '.join(presets())}) or a YAML file",
                found=name_or_file,
                **where,
            )
        path = PRESET_DIR / f"{name_or_file}.yaml"
    else:
        if parent is not None and not path.is_absolute() and (parent.parent / path).exists():
            path = parent.parent / path
        if not path.exists():
            if parent is None:
                raise InputError("scenario file not found", file=str(path))
            raise InputError("scenario file not found", found=str(path), **where)
    key = str(path.resolve())
    if key in seen:
        raise InputError("scenario extends itself", file=str(path), found=" -> ".join((*seen, key)))
    data = expand_short_forms(_read_yaml(path), f"{path.name}: a plain number, no source given")
    base_name = data.get("extends")
    if base_name is not None and not isinstance(base_name, str):
        raise InputError(
            "must name one preset or YAML file",
            file=str(path),
            column="extends",
            expected="a preset name or a path",
            found=_SHORT_REPR.repr(base_name)[:80],
        )
    if base_name:
        base, _ = _resolve(base_name, (*seen, key), path)
        data = _merge(base, data)
    return data, str(path)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge key by key, anything else is replaced.

    A distribution that names its `dist` is a new distribution and replaces the one it
    extends whole: a uniform's low and high must not linger under a fixed value (or a
    number, once short_form expanded it). Without `dist`, its keys edit the inherited
    one (`{high: 0.1}` widens a uniform).
    """
    out = copy.deepcopy(base)
    for key, value in override.items():
        whole = isinstance(value, dict) and "dist" in value
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not whole:
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def apply_set(data: dict[str, Any], assignment: str) -> dict[str, Any]:
    """Apply one `--set dotted.path=value`; the value is read as YAML (0.5, true, [a, b])."""
    if "=" not in assignment:
        raise InputError("--set needs path=value", column="--set", found=assignment)
    dotted, raw = assignment.split("=", 1)
    keys = dotted.strip().split(".")
    if not all(key.strip() for key in keys):
        raise InputError(
            "--set path has an empty part",
            column="--set",
            expected="dotted.path=value, e.g. recycling.collection_rate=0.5",
            found=assignment,
        )
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        raise InputError("value is not valid YAML", column=dotted, found=raw[:80]) from None
    except RecursionError:
        raise InputError("value nested too deeply", column=dotted, found=raw[:80]) from None
    out = copy.deepcopy(data)
    node = out
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {} if node.get(key) is None else node[key]
            if not isinstance(node[key], dict):
                raise InputError(
                    "cannot set a field inside a value",
                    column=dotted,
                    found=f"{key} is {type(node[key]).__name__}",
                )
        node = node[key]
    node[keys[-1]] = value
    # `--set recycling.collection_rate=0.5` fixes an uncertain parameter at 0.5.
    return expand_short_forms(out, SET_SOURCE)


#: The source of a number given by `--set` where a distribution is expected.
SET_SOURCE = "user --set"


def short_form(value: object, source: str) -> object:
    """A plain number where a distribution (Dist) is expected means that number, fixed.

    The one home of the rule for scenario files and `--set` alike, so that
    `collection_rate: 0.6` in YAML and `--set recycling.collection_rate=0.6` give the
    same scenario; ``source`` says where the number came from (none was cited).
    Anything else is returned as it is, for the model to accept or reject.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "fixed", "value": float(value), "source": source}
    return value


def expand_short_forms(data: Any, source: str, model: type[BaseModel] | None = None) -> Any:
    """``data`` (a scenario mapping as read) with short_form applied at every Dist field.

    Walks the model's fields (mappings of end uses, lists of controls included); values
    of the wrong shape are left for validation to report with their path.
    """
    model = model or Scenario
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key, value in data.items():
        field = model.model_fields.get(key) if isinstance(key, str) else None
        if field is not None:
            out[key] = _expand(value, field.annotation, source)
    return out


def _expand(value: Any, annotation: Any, source: str) -> Any:
    target = _unwrap(annotation)
    if target is Dist:
        return short_form(value, source)
    origin = get_origin(target)
    if origin is dict and isinstance(value, dict):
        inner = get_args(target)[1]
        return {k: _expand(v, inner, source) for k, v in value.items()}
    if origin is list and isinstance(value, list):
        inner = get_args(target)[0]
        return [_expand(v, inner, source) for v in value]
    if isinstance(target, type) and issubclass(target, BaseModel):
        return expand_short_forms(value, source, target)
    return value


def load_scenario(name_or_file: str, sets: list[str] | None = None) -> Scenario:
    """A preset name or a YAML path, with `extends` resolved and `--set` overrides applied."""
    data, origin = _resolve(name_or_file)
    try:
        for assignment in sets or []:
            data = apply_set(data, assignment)
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise _scenario_error(err, origin) from None
    except RecursionError:
        raise InputError("scenario nested too deeply", file=origin) from None


#: What a distribution field takes (docs/SCENARIOS.md, "Distributions").
DIST_EXPECTED = "a number (a fixed value) or a distribution {dist: ..., source: ...}"


def _scenario_error(err: ValidationError, origin: str) -> InputError:
    """The first problem as one InputError: the file, the field's dotted path, what fits."""
    errors = err.errors()
    first = errors[0]
    branch = next((i for i, p in enumerate(first["loc"]) if _is_branch(p)), None)
    if branch is not None:
        # A union (delay_years: 'empirical' or a Dist): report the branch that got furthest.
        prefix = first["loc"][:branch]
        first = max((e for e in errors if e["loc"][:branch] == prefix), key=_reach)
    loc = tuple(p for p in first["loc"] if not _is_branch(p))
    message, expected = first["msg"], _expected(first)
    if first.get("type") == "value_error":
        message = message.removeprefix("Value error, ")
    elif first.get("type") == "missing":
        expected = _description_at(loc) or expected
    elif _annotation_at(loc) is Dist and first.get("type") in _SHAPE_ERRORS:
        literal = (first.get("ctx") or {}).get("expected")  # delay_years: 'empirical'
        message = "not a distribution"
        expected = f"{literal}, or {DIST_EXPECTED}" if literal else DIST_EXPECTED
    path = ".".join(map(str, loc))
    return InputError(
        message, file=origin, column=path or "(scenario)", expected=expected, found=_found(first)
    )


_SHAPE_ERRORS = ("model_type", "dict_type", "model_attributes_type", "literal_error")


def _is_branch(part: int | str) -> bool:
    """A location part pydantic adds for a union member ("literal['empirical']", "Dist")."""
    return isinstance(part, str) and (
        part.startswith(("literal[", "function-")) or part in _MODEL_NAMES
    )


def _reach(error: dict[str, Any]) -> tuple[int, bool]:
    """How far a union member got: depth of the field path, then whether the shape fitted."""
    shape = error.get("type") in ("literal_error", "model_type", "dict_type")
    return sum(not _is_branch(p) for p in error["loc"]), not shape


def _expected(error: dict[str, Any]) -> str | None:
    ctx = error.get("ctx") or {}
    if "expected" in ctx:
        return str(ctx["expected"])
    if error.get("type") == "value_error":
        return None  # our validators say what they expected in the message
    if error.get("type") == "extra_forbidden":
        known = _fields_at(tuple(p for p in error["loc"][:-1] if not _is_branch(p)))
        if known:
            return "one of " + ", ".join(known)
    kind = str(error.get("type", ""))
    return _EXPECTED.get(kind, kind or "a valid value")


_EXPECTED = {
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "list_type": "a list",
    "finite_number": "a finite number",
    "missing": "a value",
}


def _found(error: dict[str, Any]) -> str | None:
    if error.get("type") == "missing":
        return "(missing)"
    value = error.get("input")
    if error.get("type") == "value_error" and isinstance(value, dict | list):
        return None  # a whole block: the message names the values that clash
    return value[:80] if isinstance(value, str) else _SHORT_REPR.repr(value)[:80]


# A scenario can hold a YAML alias bomb: never repr more than a few items of it.
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxdict = _SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = 4
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 60


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The field names the model allows at ``loc`` (dict keys and list indices skipped)."""
    annotation = _annotation_at(loc)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _annotation_at(loc: tuple[int | str, ...]) -> Any:
    """The model's (unwrapped) type at ``loc``: a model, Dist, dict[...]...; None if none."""
    annotation: Any = Scenario
    for part in loc:
        annotation = _unwrap(annotation)
        if get_origin(annotation) in (dict, list):
            annotation = get_args(annotation)[-1]  # part is a key or an index
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        field = annotation.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
    return _unwrap(annotation)


def _description_at(loc: tuple[int | str, ...]) -> str | None:
    """A field's own description (Dist.source: "source id, or 'assumption: why'")."""
    model = _annotation_at(loc[:-1])
    if loc and isinstance(model, type) and issubclass(model, BaseModel):
        field = model.model_fields.get(str(loc[-1]))
        return None if field is None else field.description
    return None


def _unwrap(annotation: Any) -> Any:
    """Annotated[X, ...] -> X; a union -> its model or container member (X | None -> X)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        for arg in get_args(annotation):
            arg = _unwrap(arg)
            if get_origin(arg) in (dict, list) or (
                isinstance(arg, type) and issubclass(arg, BaseModel)
            ):
                return arg
    return annotation
