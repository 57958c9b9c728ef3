"""Published criticality methods, computed from explicit inputs and never from guesses.

Three methods are implemented: the EU 2017 method (supply risk and economic importance),
the USGS supply-risk composite of Nassar et al. (2020), and GeoPolRisk (Gemechu et al.
2016, as implemented in geopolrisk-py). Each has three layers:

* pure functions (``eu2017_supply_risk`` ...), vectorised with numpy, so a formula can be
  checked against a published table one number at a time;
* table functions (``eu2017_table`` ...) that score one row per material. An input that is
  absent or NaN is named in ``missing_inputs`` and leaves the score NaN. Nothing is filled
  in, because a filled-in criticality score looks exactly like a real one;
* ``criticality(store, ...)``, which scores the dataset's own published inputs, or the user's
  inputs, and says which inputs are missing.

What each formula rests on, and what reproduces and what does not:
docs/METHODS.md, section "Criticality".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from derisk.data.validate import read_csv_file
from derisk.errors import InputError

# --------------------------------------------------------------------------------------------
# Method constants
# --------------------------------------------------------------------------------------------

METHODS: tuple[str, ...] = ("eu2017", "usgs2020", "geopolrisk")

#: EU 2017 thresholds: critical when SR >= 1.0 and EI >= 2.8 (reference data note,
#: ec-crm-2017-study: "Critical means SR >= 1.0 and EI >= 2.8").
EU2017_SR_THRESHOLD = 1.0
EU2017_EI_THRESHOLD = 2.8

#: USGS 2022 list: commodities with a recency-weighted mean supply risk >= 0.40 were
#: recommended for the list (USGS caption of Fortier's Senate testimony of 31 March 2022,
#: Figure 3, citing Nassar and Fortier 2021, OFR 2021-1045).
USGS2022_SR_THRESHOLD = 0.40

#: EU 2017 supply-risk scopes. "global_only" is how the study scored scandium, whose
#: stage assessed was processing ("SR uses global supply only").
SR_SCOPES: tuple[str, ...] = ("global_and_eu", "global_only")

#: Columns each table function needs, so that a CLI can tell users what a CSV must hold.
#: Fractions are 0-1. For eu2017, ``hhi_wgi_eu`` and ``import_reliance`` are not needed on
#: rows whose ``sr_scope`` is "global_only" (the formula then does not use them).
REQUIRED_INPUTS: dict[str, list[str]] = {
    "eu2017": [
        "hhi_wgi_global",
        "hhi_wgi_eu",
        "import_reliance",
        "eol_rir",
        "si_sr",
        "economic_importance",
    ],
    "usgs2020": ["disruption_potential", "trade_exposure", "economic_vulnerability"],
    "geopolrisk": ["hhi", "weighted_imports", "total_imports", "domestic_production"],
}

#: Optional columns. ``sr_scope`` is text; the percent columns are converted only by
#: ``eu2017_inputs_from_percent``.
OPTIONAL_INPUTS: dict[str, list[str]] = {
    "eu2017": ["sr_scope", "import_reliance_percent", "eol_rir_percent"],
    "usgs2020": [],
    "geopolrisk": [],
}

#: Score columns each table function writes (besides ``critical``, ``missing_inputs``, ``method``).
SCORE_COLUMNS: dict[str, list[str]] = {
    "eu2017": ["supply_risk"],
    "usgs2020": ["supply_risk"],
    "geopolrisk": ["geopolrisk"],
}

METHOD_CITATIONS: dict[str, str] = {
    "eu2017": (
        "European Commission (2017), Methodology for establishing the EU list of critical raw "
        "materials; results: Study on the review of the list of CRMs (2017), Tables 3, 18, 21"
    ),
    "usgs2020": (
        "Nassar, N.T. et al. (2020), Evaluating the mineral commodity supply risk of the U.S. "
        "manufacturing sector, Science Advances 6(8), eaay8647; threshold: Nassar & Fortier "
        "(2021), USGS OFR 2021-1045"
    ),
    "geopolrisk": (
        "Gemechu et al. (2016); Koyamparambath et al. (2024); geopolrisk-py "
        "(akoyamp/geopolrisk-py, geopolrisk/assessment/core.py)"
    ),
}

KEY_COLUMN = "material"
_MISSING_TOKENS = frozenset({"", "na", "nan", "n/a", "null", "none"})
_EU_PERCENT_COLUMNS = {"import_reliance_percent": "import_reliance", "eol_rir_percent": "eol_rir"}
_TEXT_INPUTS = frozenset({"sr_scope"})

Number = float | np.ndarray


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _as_array(values: ArrayLike, name: str) -> np.ndarray:
    """Float array; a clear InputError (naming the input) instead of a numpy TypeError."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(
            "not a number", column=name, expected="a number", found=str(values)
        ) from exc


def _check_range(values: np.ndarray, name: str, low: float, high: float | None) -> None:
    """Reject out-of-domain values; NaN passes because it means 'missing', not 'wrong'."""
    finite = values[~np.isnan(values)]
    too_high = finite > high if high is not None else np.zeros(finite.shape, dtype=bool)
    bad = finite[(finite < low) | too_high | np.isinf(finite)]
    if bad.size:
        span = f"{low} to {high}" if high is not None else f">= {low}"
        raise InputError("value out of range", column=name, expected=span, found=str(bad[0]))


def _out(result: np.ndarray) -> Number:
    """Return a plain float for scalar input, so single-value calls read naturally."""
    return float(result) if result.ndim == 0 else result


def _fractions(**named: ArrayLike) -> list[np.ndarray]:
    """Convert and range-check 0-1 inputs; a 40 passed for 40 % must fail loudly."""
    arrays = []
    for name, values in named.items():
        array = _as_array(values, name)
        _check_range(array, name, 0.0, 1.0)
        arrays.append(array)
    return arrays


def _nonnegative(**named: ArrayLike) -> list[np.ndarray]:
    arrays = []
    for name, values in named.items():
        array = _as_array(values, name)
        _check_range(array, name, 0.0, None)
        arrays.append(array)
    return arrays


def percent_to_fraction(values: ArrayLike, *, column: str = "value") -> Number:
    """Convert percentages (0-100) to fractions (0-1).

    The only sanctioned way to feed percent data into the fraction-based formulas. Guessing
    whether 0.5 meant 0.5 % or 50 % would silently change a score a hundredfold.
    """
    array = _as_array(values, column)
    _check_range(array, column, 0.0, 100.0)
    return _out(array / 100.0)


def _round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round as published tables do (5.45 -> 5.5), not banker's rounding."""
    factor = 10.0**decimals
    return np.floor(values * factor + 0.5 + 1e-9) / factor


def _flag(condition: np.ndarray, undefined: np.ndarray) -> pd.arrays.BooleanArray:
    """Boolean with <NA> where a threshold cannot be judged because an input is missing."""
    data = pd.array(condition.astype(bool), dtype="boolean")
    data[undefined] = pd.NA
    return data


# --------------------------------------------------------------------------------------------
# EU 2017
# --------------------------------------------------------------------------------------------


def _scope_array(scope: str | ArrayLike, shape: tuple[int, ...]) -> np.ndarray:
    scopes = np.broadcast_to(np.asarray(scope, dtype=object), shape)
    bad = [s for s in np.unique(scopes.astype(str)) if s not in SR_SCOPES]
    if bad:
        raise InputError(
            "unknown supply-risk scope",
            column="sr_scope",
            expected=" or ".join(SR_SCOPES),
            found=bad[0],
        )
    return scopes == "global_only"


def eu2017_supply_risk(
    hhi_wgi_global: ArrayLike,
    hhi_wgi_eu: ArrayLike | None,
    import_reliance: ArrayLike,
    eol_rir: ArrayLike,
    si_sr: ArrayLike,
    *,
    scope: str | ArrayLike = "global_and_eu",
) -> Number:
    """EU 2017 supply risk.

    SR = [HHI_WGI,GS * IR/2 + HHI_WGI,EU * (1 - IR/2)] * (1 - EoL_RIR) * SI_SR.

    Why the pieces: the more the EU imports (IR), the more the global producers' concentration
    and governance matter relative to the EU's actual sourcing. Recycling (EoL_RIR) and
    substitution (SI_SR < 1) dampen the risk. With ``scope="global_only"`` the EU-sourcing term
    is dropped (SR = HHI_WGI,GS * (1 - EoL_RIR) * SI_SR). The 2017 study did this for scandium,
    and its published SR is reproduced only that way (see docs).

    ``import_reliance`` and ``eol_rir`` are fractions in 0-1; use ``percent_to_fraction`` for
    percentages. NaN in any needed input gives NaN.
    """
    ir, eol, si = _fractions(import_reliance=import_reliance, eol_rir=eol_rir, si_sr=si_sr)
    (hhi_gs,) = _nonnegative(hhi_wgi_global=hhi_wgi_global)
    shape = np.broadcast_shapes(hhi_gs.shape, ir.shape, eol.shape, si.shape)
    global_only = _scope_array(scope, shape)
    if hhi_wgi_eu is None:
        if not global_only.all():
            raise InputError(
                "hhi_wgi_eu is needed unless scope is 'global_only'",
                column="hhi_wgi_eu",
                expected="a number",
                found="None",
            )
        hhi_eu = np.full(shape, np.nan)
    else:
        (hhi_eu,) = _nonnegative(hhi_wgi_eu=hhi_wgi_eu)
    mixed = hhi_gs * ir / 2.0 + hhi_eu * (1.0 - ir / 2.0)
    concentration = np.where(global_only, hhi_gs * np.ones(shape), mixed)
    return _out(np.asarray(concentration * (1.0 - eol) * si))


def eu2017_supply_risk_bounds(
    hhi_wgi_global: ArrayLike,
    hhi_wgi_eu: ArrayLike | None,
    import_reliance: ArrayLike,
    eol_rir: ArrayLike,
    si_sr: ArrayLike,
    *,
    scope: str | ArrayLike = "global_and_eu",
    index_half_width: float = 0.05,
    fraction_half_width: float = 0.005,
) -> tuple[Number, Number]:
    """Lowest and highest SR that inputs printed with rounding could give.

    The 2017 study prints HHI_WGI and SI to one decimal and IR/EoL-RIR as whole percents. An
    SI of "0.9" may be anything in [0.85, 0.95), which moves SR by about 5 %. So a one-decimal
    SR recomputed from printed inputs can legitimately differ from the printed SR. This
    function gives the range that input rounding allows. A published SR outside that range
    points to a different formula or different inputs; inside it, the discrepancy is rounding.
    SR is monotone in each input, so the extremes are at the corners of the rounding box
    (clipped to the inputs' domains).
    """

    def widen(values: ArrayLike | None, half: float, low: float, high: float) -> list[np.ndarray]:
        if values is None:
            return [np.array(np.nan)]
        base = np.asarray(values, dtype=float)
        return [np.clip(base - half, low, high), np.clip(base + half, low, high)]

    corners = itertools.product(
        widen(hhi_wgi_global, index_half_width, 0.0, np.inf),
        widen(hhi_wgi_eu, index_half_width, 0.0, np.inf),
        widen(import_reliance, fraction_half_width, 0.0, 1.0),
        widen(eol_rir, fraction_half_width, 0.0, 1.0),
        widen(si_sr, index_half_width, 0.0, 1.0),
    )
    values = [
        np.asarray(
            eu2017_supply_risk(g, e if hhi_wgi_eu is not None else None, i, r, s, scope=scope)
        )
        for g, e, i, r, s in corners
    ]
    stacked = np.stack(np.broadcast_arrays(*values))
    return _out(stacked.min(axis=0)), _out(stacked.max(axis=0))


def eu2017_reproduction_status(
    published: ArrayLike,
    recomputed: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    *,
    decimals: int = 1,
) -> np.ndarray:
    """Classify each recomputed SR against the published one.

    'reproduced': equal at the published rounding. 'within_input_rounding': not equal, but the
    published value lies inside the range that rounding of the printed inputs allows.
    'not_reproduced': outside that range. 'missing': nothing to compare. Keeping these apart
    stops a rounding difference from being read as a method error, and the reverse.
    """
    pub, rec = np.asarray(published, dtype=float), np.asarray(recomputed, dtype=float)
    lo, hi = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    half = 0.5 * 10.0**-decimals
    exact = np.isclose(_round_half_up(rec, decimals), pub)
    within = (hi >= pub - half - 1e-9) & (lo < pub + half)
    status = np.where(
        exact, "reproduced", np.where(within, "within_input_rounding", "not_reproduced")
    )
    return np.where(np.isnan(pub) | np.isnan(rec), "missing", status)


def eu2017_economic_importance(
    end_use_shares: ArrayLike,
    sector_value_added: ArrayLike,
    si_ei: float,
    *,
    scale: float,
) -> float:
    """EU 2017 economic importance: EI = [sum_s (A_s * Q_s) / scale] * SI_EI.

    A_s is the share of the material's end use in NACE Rev.2 2-digit sector s; Q_s is that
    sector's value added (JRC RMIS, "JRC revised methodology: Economic Importance"). A
    material matters more the more value added depends on it. Substitutability (SI_EI < 1)
    softens that. ``scale`` is the value added used to bring EI onto the study's 0-10 scale.
    It is explicit because the scaling rule was not in the text read (docs/METHODS.md),
    and an implicit constant would make EI look comparable with the 2.8 threshold when it may
    not be.
    """
    shares, value_added = (
        _as_array(end_use_shares, "end_use_shares"),
        _as_array(sector_value_added, "sector_value_added"),
    )
    _check_range(shares, "end_use_shares", 0.0, 1.0)
    _check_range(value_added, "sector_value_added", 0.0, None)
    (si,) = _fractions(si_ei=si_ei)
    if shares.shape != value_added.shape:
        raise InputError(
            "one value added per end-use share is needed",
            column="sector_value_added",
            expected=f"{shares.size} values",
            found=f"{value_added.size} values",
        )
    if np.nansum(shares) > 1.0 + 1e-9:
        raise InputError(
            "end-use shares add up to more than 1",
            column="end_use_shares",
            expected="sum <= 1",
            found=f"{np.nansum(shares):.4g}",
        )
    if not scale > 0:
        raise InputError("scale must be positive", column="scale", expected="> 0", found=str(scale))
    return float(np.sum(shares * value_added) / scale * si)


def eu2017_is_critical(
    supply_risk: ArrayLike, economic_importance: ArrayLike
) -> pd.arrays.BooleanArray:
    """EU 2017 rule: critical when SR >= 1.0 and EI >= 2.8; <NA> when either is missing.

    Thresholds are applied to the unrounded scores; the study prints one decimal.
    """
    sr = np.atleast_1d(np.asarray(supply_risk, dtype=float))
    ei = np.atleast_1d(np.asarray(economic_importance, dtype=float))
    condition = (sr >= EU2017_SR_THRESHOLD) & (ei >= EU2017_EI_THRESHOLD)
    return _flag(condition, np.isnan(sr) | np.isnan(ei))


def eu2017_inputs_from_percent(inputs: pd.DataFrame) -> pd.DataFrame:
    """Explicitly convert ``import_reliance_percent``/``eol_rir_percent`` to 0-1 fractions.

    The column name carries the unit, so the conversion is certain, not a guess. A frame
    holding both the percent and the fraction column of one input is rejected: the two could
    disagree, and neither should silently win.
    """
    frame = inputs.copy()
    for percent_col, fraction_col in _EU_PERCENT_COLUMNS.items():
        if percent_col not in frame.columns:
            continue
        if fraction_col in frame.columns:
            raise InputError(
                "both a percent and a fraction column were given",
                column=fraction_col,
                expected=f"either {percent_col} or {fraction_col}",
                found="both",
            )
        values = pd.to_numeric(frame[percent_col], errors="coerce").to_numpy(dtype=float)
        frame[fraction_col] = percent_to_fraction(values, column=percent_col)
    return frame


# --------------------------------------------------------------------------------------------
# USGS (Nassar et al. 2020)
# --------------------------------------------------------------------------------------------


def usgs2020_supply_risk(
    disruption_potential: ArrayLike,
    trade_exposure: ArrayLike,
    economic_vulnerability: ArrayLike,
) -> Number:
    """USGS supply risk as likelihood x exposure x vulnerability (each 0-1).

    Nassar et al. (2020) define supply risk as the confluence of the likelihood of a foreign
    supply disruption (disruption potential), U.S. dependence on foreign supply (trade
    exposure) and how badly U.S. manufacturers would be hurt (economic vulnerability), in a
    conventional risk-modelling framework. A product means a commodity that scores zero on any
    one factor carries no supply risk. That is the point of the framework: an unstable
    producer does not matter if nothing is imported from it. The three indicators must be
    supplied already computed on the 0-1 scale. derisk does not derive them from raw data,
    because the paper's exact indicator definitions were not available to verify (see docs).
    """
    dp, te, ev = _fractions(
        disruption_potential=disruption_potential,
        trade_exposure=trade_exposure,
        economic_vulnerability=economic_vulnerability,
    )
    return _out(np.asarray(dp * te * ev))


# --------------------------------------------------------------------------------------------
# GeoPolRisk
# --------------------------------------------------------------------------------------------


def hhi_normalised(production: ArrayLike) -> float:
    """Herfindahl-Hirschman index of production shares on the 0-1 scale.

    HHI = sum(p_i^2) / (sum p_i)^2, as geopolrisk-py's core.HHI computes it. Concentration is
    the first factor of GeoPolRisk: many small producers can replace one another, but one
    dominant producer cannot be replaced.
    """
    (prod,) = _nonnegative(production=production)
    total = np.sum(prod)
    if not total > 0:
        return math.nan
    return float(np.sum(prod**2) / total**2)


def geopolrisk_trade_aggregates(
    import_quantities: ArrayLike,
    import_values: ArrayLike,
    wgi: ArrayLike,
) -> tuple[float, float, float]:
    """Return the sums that GeoPolRisk needs from bilateral import data.

    The result is (weighted imports sum_i g_i*f_i, total imports sum_i f_i, price), with
    price = sum(values) / sum(quantities), as in geopolrisk-py (utils.aggregateTrade). ``wgi``
    is the exporter's normalised political (in)stability, 0-1. A missing WGI makes the
    weighted sum NaN. geopolrisk-py would assign 0.5 in that case, and derisk does not fill
    in values.
    """
    (qty, value) = _nonnegative(import_quantities=import_quantities, import_values=import_values)
    (g,) = _fractions(wgi=wgi)
    total = float(np.sum(qty))
    price = float(np.sum(value) / total) if total > 0 else math.nan
    return float(np.sum(qty * g)), total, price


def geopolrisk(
    hhi: ArrayLike,
    weighted_imports: ArrayLike,
    total_imports: ArrayLike,
    domestic_production: ArrayLike,
) -> Number:
    """GeoPolRisk score: HHI_A * sum_i(g_i * f_Ai) / (F_A + p_A).

    This is Equation 1 of the geopolrisk-py background documentation. Concentrated world
    supply (HHI) matters to an importer in proportion to how much of its supply comes from
    politically unstable partners (g_i weights the imports f_Ai). Domestic production p_A
    enlarges the denominator, because it dilutes the import dependence. Pass
    ``weighted_imports`` = sum_i g_i*f_Ai (see ``geopolrisk_trade_aggregates``).
    """
    (h,) = _fractions(hhi=hhi)
    weighted, total, domestic = _nonnegative(
        weighted_imports=weighted_imports,
        total_imports=total_imports,
        domestic_production=domestic_production,
    )
    denominator = total + domestic
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(denominator > 0, h * weighted / denominator, np.nan)
    return _out(np.asarray(result))


def geopolrisk_characterisation_factor(score: ArrayLike, price: ArrayLike) -> Number:
    """Return the characterisation factor as geopolrisk-py computes it: CF = score * price.

    The LCA midpoint weights risk by the economic value at stake per kg imported. The
    published GSP additionally divides by copper's midpoint for the same importer and year
    (Equation 3 of the geopolrisk-py docs). That step needs copper's own inputs and is left
    to the caller.
    """
    s, p = _as_array(score, "score"), _as_array(price, "price")
    return _out(np.asarray(s * p))


# --------------------------------------------------------------------------------------------
# Table-level scoring
# --------------------------------------------------------------------------------------------


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise InputError(
            "unknown criticality method",
            column="method",
            expected=" or ".join(METHODS),
            found=method,
        )


def _numeric_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column as floats; an absent column becomes all-NaN, so it shows up as missing."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    converted = pd.to_numeric(frame[name], errors="coerce")
    bad = converted.isna() & frame[name].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            "not a number",
            row=row,
            column=name,
            expected="a number",
            found=str(frame[name].iloc[row]),
        )
    return converted.to_numpy(dtype=float)


def _missing_inputs(
    values: Mapping[str, np.ndarray], needed: Mapping[str, np.ndarray]
) -> list[str]:
    """Per row, the ';'-joined names of needed inputs that are NaN ('' when none is)."""
    names = list(values)
    masks = np.stack([np.isnan(values[n]) & needed[n] for n in names], axis=1)
    return [";".join(n for n, m in zip(names, row, strict=True) if m) for row in masks]


def _start_frame(inputs: pd.DataFrame, method: str) -> pd.DataFrame:
    """Copy the inputs, moving aside any column that a score column would overwrite."""
    frame = inputs.reset_index(drop=True).copy()
    for col in [*SCORE_COLUMNS[method], "critical"]:
        if col in frame.columns:
            frame = frame.rename(columns={col: f"{col}_published"})
    return frame


def _finish(frame: pd.DataFrame, method: str, missing: list[str]) -> pd.DataFrame:
    frame["missing_inputs"] = missing
    frame["method"] = method
    return frame


def eu2017_table(inputs: pd.DataFrame) -> pd.DataFrame:
    """Score a table of EU 2017 inputs (one row per material; see ``REQUIRED_INPUTS``).

    Adds ``supply_risk`` (recomputed), ``critical`` (SR >= 1.0 and EI >= 2.8, using the given
    ``economic_importance``), ``missing_inputs`` and ``method``. A given ``supply_risk`` or
    ``critical`` column is kept as ``supply_risk_published``/``critical_published``. EI is taken
    as given: one row per material cannot carry the sector-by-sector data EI needs
    (``eu2017_economic_importance`` does that). Percent columns are not converted here; call
    ``eu2017_inputs_from_percent`` first.
    """
    frame = _start_frame(inputs, "eu2017")
    scope = (
        frame["sr_scope"].fillna("").astype(str).str.strip().replace("", "global_and_eu")
        if "sr_scope" in frame
        else "global_and_eu"
    )
    global_only = _scope_array(np.asarray(scope, dtype=object), (len(frame),))
    values = {n: _numeric_column(frame, n) for n in REQUIRED_INPUTS["eu2017"]}
    needed = {n: np.ones(len(frame), dtype=bool) for n in values}
    needed["hhi_wgi_eu"] = needed["import_reliance"] = ~global_only
    frame["sr_scope"] = np.where(global_only, "global_only", "global_and_eu")
    frame["supply_risk"] = np.asarray(
        eu2017_supply_risk(
            values["hhi_wgi_global"],
            values["hhi_wgi_eu"],
            values["import_reliance"],
            values["eol_rir"],
            values["si_sr"],
            scope=frame["sr_scope"].to_numpy(dtype=object),
        ),
        dtype=float,
    ).reshape(len(frame))
    frame["critical"] = eu2017_is_critical(
        frame["supply_risk"].to_numpy(), values["economic_importance"]
    )
    return _finish(frame, "eu2017", _missing_inputs(values, needed))


def usgs2020_table(inputs: pd.DataFrame) -> pd.DataFrame:
    """Score a table of USGS indicator values (one row per material, each indicator 0-1).

    Adds ``supply_risk``, ``critical``, ``missing_inputs`` and ``method``. ``critical`` is
    supply_risk >= 0.40. USGS applied that threshold to a recency-weighted mean of annual
    scores (2022 list), so for a single year's score the flag is indicative only.
    """
    frame = _start_frame(inputs, "usgs2020")
    values = {n: _numeric_column(frame, n) for n in REQUIRED_INPUTS["usgs2020"]}
    needed = {n: np.ones(len(frame), dtype=bool) for n in values}
    score = np.asarray(usgs2020_supply_risk(*values.values()), dtype=float).reshape(len(frame))
    frame["supply_risk"] = score
    frame["critical"] = _flag(score >= USGS2022_SR_THRESHOLD, np.isnan(score))
    return _finish(frame, "usgs2020", _missing_inputs(values, needed))


def geopolrisk_table(inputs: pd.DataFrame) -> pd.DataFrame:
    """Score a table of GeoPolRisk inputs (one row per material and importer).

    Adds ``geopolrisk``, ``critical`` (always <NA>: the method defines no threshold, and
    scores are for comparison), ``missing_inputs`` and ``method``.
    """
    frame = _start_frame(inputs, "geopolrisk")
    values = {n: _numeric_column(frame, n) for n in REQUIRED_INPUTS["geopolrisk"]}
    needed = {n: np.ones(len(frame), dtype=bool) for n in values}
    frame["geopolrisk"] = np.asarray(geopolrisk(*values.values()), dtype=float).reshape(len(frame))
    frame["critical"] = pd.array([pd.NA] * len(frame), dtype="boolean")
    return _finish(frame, "geopolrisk", _missing_inputs(values, needed))


TABLE_FUNCTIONS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "eu2017": eu2017_table,
    "usgs2020": usgs2020_table,
    "geopolrisk": geopolrisk_table,
}


def score_table(inputs: pd.DataFrame, method: str) -> pd.DataFrame:
    """Dispatch to the method's table function (percent columns converted for eu2017)."""
    _check_method(method)
    if method == "eu2017":
        inputs = eu2017_inputs_from_percent(inputs)
    return TABLE_FUNCTIONS[method](inputs)


# --------------------------------------------------------------------------------------------
# Reading a user's CSV
# --------------------------------------------------------------------------------------------


def _numeric_input_names() -> set[str]:
    names = {n for cols in REQUIRED_INPUTS.values() for n in cols}
    names |= set(_EU_PERCENT_COLUMNS)
    names |= {"supply_risk", "assessment_year"}
    return names


def _check_header(header: list[str], file: str) -> None:
    seen: set[str] = set()
    for name in header:
        if not name or name in seen:
            raise InputError(
                "empty or duplicate column name",
                file=file,
                row=1,
                column=name or "?",
                expected="unique, non-empty names",
                found=name,
            )
        seen.add(name)
    if KEY_COLUMN not in seen:
        raise InputError(
            "missing key column",
            file=file,
            row=1,
            column=KEY_COLUMN,
            expected=f"a '{KEY_COLUMN}' column",
            found=", ".join(header),
        )


def _parse_number(cell: str, *, file: str, line: int, column: str) -> float:
    text = cell.strip()
    if text.lower() in _MISSING_TOKENS:
        return math.nan
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isnan(number) or math.isinf(number):
        raise InputError(
            "not a number",
            file=file,
            row=line,
            column=column,
            expected="a finite number, or empty/NA for missing",
            found=cell,
        )
    return number


def _parse_row(cells: list[str], header: list[str], *, file: str, line: int) -> dict[str, Any]:
    numeric = _numeric_input_names()
    record: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=True):
        if name in numeric:
            record[name] = _parse_number(cell, file=file, line=line, column=name)
        else:
            record[name] = cell.strip()
    if not record[KEY_COLUMN]:
        raise InputError(
            "empty material name",
            file=file,
            row=line,
            column=KEY_COLUMN,
            expected="a material name",
            found="''",
        )
    scope = record.get("sr_scope", "")
    if scope and scope not in SR_SCOPES:
        raise InputError(
            "unknown supply-risk scope",
            file=file,
            row=line,
            column="sr_scope",
            expected=" or ".join(SR_SCOPES),
            found=scope,
        )
    return record


def _check_duplicates(records: list[dict[str, Any]], lines: list[int], file: str) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for record, line in zip(records, lines, strict=True):
        key = (record[KEY_COLUMN], record.get("assessment_year"))
        if key in seen:
            raise InputError(
                f"duplicate material (first on line {seen[key]})",
                file=file,
                row=line,
                column=KEY_COLUMN,
                expected="one row per material",
                found=str(record[KEY_COLUMN]),
            )
        seen[key] = line


def _check_method_columns(header: list[str], method: str, file: str) -> None:
    usable = (set(REQUIRED_INPUTS[method]) | set(OPTIONAL_INPUTS[method])) - _TEXT_INPUTS
    if not usable & set(header):
        raise InputError(
            f"no input column for method {method}",
            file=file,
            row=1,
            expected=", ".join(REQUIRED_INPUTS[method]),
            found=", ".join(header),
        )


def load_inputs_csv(path: str | Path, method: str | None = None) -> pd.DataFrame:
    """Read a user's CSV of criticality inputs, one row per material.

    Each problem raises ``InputError`` naming the file, the line, the column, and what was
    expected against what was found: an unreadable file, a missing ``material`` column, a
    duplicate material, or a non-numeric value in a numeric input column. A user can then fix
    the CSV without reading code. Empty cells and NA mean "missing" and stay NaN, so they show
    up in ``missing_inputs`` instead of being filled in. With ``method``, a file that has none
    of that method's input columns is rejected.
    """
    file = str(path)
    if method is not None:
        _check_method(method)
    header, raw = read_csv_file(Path(path))  # same strict reader as data imports
    _check_header(header, file)
    rows = [
        (line, [record[h] for h in header]) for line, record in zip(raw.lines, raw, strict=True)
    ]
    if method is not None:
        _check_method_columns(header, method, file)
    records = [_parse_row(cells, header, file=file, line=line) for line, cells in rows]
    _check_duplicates(records, [line for line, _ in rows], file)
    frame = pd.DataFrame.from_records(records, columns=header)
    for name in set(header) & _numeric_input_names():
        frame[name] = frame[name].astype(float)
    return frame


# --------------------------------------------------------------------------------------------
# Store-level entry point
# --------------------------------------------------------------------------------------------

EU2017_ASSESSMENT_YEAR = 2017
_GLOBAL_ONLY_NOTE = "SR uses global supply only"
_EU_STORE_COLUMNS = [
    "assessment_year",
    "material",
    "supply_risk_published",
    "supply_risk",
    "supply_risk_low",
    "supply_risk_high",
    "sr_check",
    "economic_importance",
    "critical_published",
    "critical",
    "missing_inputs",
    "hhi_wgi_global",
    "hhi_wgi_eu",
    "import_reliance",
    "eol_rir",
    "si_sr",
    "sr_scope",
    "method",
    "sources",
]


def _eu2017_scope_from_note(notes: pd.Series) -> np.ndarray:
    """The study's own wording marks the rows scored on global supply only (scandium, 2017)."""
    flagged = notes.fillna("").astype(str).str.contains(_GLOBAL_ONLY_NOTE, regex=False)
    return np.where(flagged.to_numpy(), "global_only", "global_and_eu")


def _eu2017_with_checks(scored: pd.DataFrame) -> pd.DataFrame:
    """Add the rounding range and the reproduced / within-rounding / not-reproduced verdict."""
    inputs = {
        n: _numeric_column(scored, n)
        for n in ("hhi_wgi_global", "hhi_wgi_eu", "import_reliance", "eol_rir", "si_sr")
    }
    low, high = eu2017_supply_risk_bounds(
        *inputs.values(), scope=scored["sr_scope"].to_numpy(dtype=object)
    )
    scored["supply_risk_low"] = np.asarray(low, dtype=float).reshape(len(scored))
    scored["supply_risk_high"] = np.asarray(high, dtype=float).reshape(len(scored))
    published = scored.get("supply_risk_published", pd.Series(np.nan, index=scored.index))
    scored["sr_check"] = eu2017_reproduction_status(
        pd.to_numeric(published, errors="coerce"),
        scored["supply_risk"],
        scored["supply_risk_low"],
        scored["supply_risk_high"],
    )
    return scored


def _eu2017_from_store(store: Any, include_user: bool) -> pd.DataFrame:
    table = store.table("eu_criticality", include_user=include_user)
    rows = table[pd.to_numeric(table["assessment_year"]) == EU2017_ASSESSMENT_YEAR].copy()
    rows["sr_scope"] = _eu2017_scope_from_note(rows.get("note", pd.Series("", index=rows.index)))
    rows["sources"] = rows.get("source_id", "")
    scored = _eu2017_with_checks(eu2017_table(eu2017_inputs_from_percent(rows)))
    return scored.reindex(columns=_EU_STORE_COLUMNS)


def _materials_in_store(store: Any, include_user: bool) -> pd.DataFrame:
    """The rare earths the dataset covers, to show which inputs each would need."""
    elements = store.table("elements", include_user=include_user)
    return pd.DataFrame({KEY_COLUMN: elements["name"].astype(str).to_list()})


def _missing_from_store(store: Any, method: str, include_user: bool) -> pd.DataFrame:
    """The dataset has no inputs for this method: say so per material, compute nothing."""
    scored = TABLE_FUNCTIONS[method](_materials_in_store(store, include_user))
    scored["sources"] = ""
    return scored


def _score_user_inputs(inputs: pd.DataFrame, method: str) -> pd.DataFrame:
    scored = score_table(inputs, method)
    if method == "eu2017" and "supply_risk_published" in scored.columns:
        scored = _eu2017_with_checks(scored)
    if "source_id" in scored.columns:
        scored["sources"] = scored["source_id"]
    else:
        scored["sources"] = "user input"
    return scored


def criticality(
    store: Any,
    method: str = "eu2017",
    inputs: pd.DataFrame | None = None,
    include_user: bool = True,
) -> pd.DataFrame:
    """Criticality scores for the dataset or for user inputs, with their gaps stated.

    With ``inputs`` (e.g. from ``load_inputs_csv``), scores those rows. Without inputs:

    * ``eu2017``: recomputes SR from the 2017 rows of the store's ``eu_criticality`` table (the
      study's published inputs) and shows published and recomputed SR side by side. The
      ``sr_check`` column says whether each SR was reproduced exactly, only within input
      rounding, or not at all. ``sources`` holds the source ids.
    * ``usgs2020`` and ``geopolrisk``: the dataset holds none of their inputs. So each rare earth
      is listed with all scores NaN and every input named in ``missing_inputs``.
    """
    _check_method(method)
    if inputs is not None:
        frame = _score_user_inputs(inputs, method)
    elif method == "eu2017":
        frame = _eu2017_from_store(store, include_user)
    else:
        frame = _missing_from_store(store, method, include_user)
    # Scores are indices read to a tenth at best; four decimals keep exports readable.
    return frame.round(OUTPUT_DECIMALS)


OUTPUT_DECIMALS = 4
