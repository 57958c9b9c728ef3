"""Turn the shared reference CSVs into the packaged, validated dataset.

The reference files were compiled by researchers in several shapes; this module
maps each one onto derisk's schema without changing any figure. It normalises
labels (country names to ISO codes, element names to symbols), splits printed
figures into number + qualifier, and records basis, vintage and estimate flags.
Maintainers run it (``derisk data curate``) and commit the output; users never
need the reference folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from derisk.data.reference import Cursor, RefRow, locate, read_reference, write_tables
from derisk.data.schema import TABLES, spec
from derisk.data.values import (
    Parsed,
    all_years,
    basis_for_unit,
    first_year,
    looks_estimated,
    parse_figure,
)
from derisk.errors import InputError
from derisk.vocabulary import ELEMENT_CLASSES

PROJECT_DIR = Path(__file__).with_name("project")
CURATED_DIR = Path(__file__).with_name("curated")
DATASET_VERSION = "2026.12.02"

Row = dict[str, object]


#: The reference cell curation read last, and every reference file read with its rows:
#: together they let an error name the reference file, row and field (data/reference.py).
_CURSOR = Cursor()
_READ: dict[str, list[RefRow]] = {}


def _read(path: Path, *, lookup: bool = False) -> list[RefRow]:
    """A reference or project file's rows; ``lookup`` files (read while mapping other
    rows) do not move the cursor, so errors point at the row being mapped."""
    label = f"{path.parent.name}/{path.name}"
    rows = read_reference(path, Cursor() if lookup else _CURSOR, label)
    _READ[label] = rows
    return rows


class Curator:
    """Holds the lookups (sources, countries, elements) that every table mapping needs."""

    def __init__(self, reference_dir: Path) -> None:
        self.ref = Path(reference_dir)
        if not (self.ref / "supply" / "mine_production.csv").exists():
            raise InputError(
                "not a reference folder",
                file=str(self.ref),
                expected="supply/, policy/ and demand/ with their CSV files",
                found="no supply/mine_production.csv",
            )
        self.sources = self._sources()
        self.source_year = {
            s["source_id"]: (str(s["date"])[:4] if re.match(r"\d{4}", str(s["date"])) else "n.d.")
            for s in self.sources
        }
        countries = _read(PROJECT_DIR / "countries.csv", lookup=True)
        self.country_code: dict[str, str] = {}
        for c in countries:
            self.country_code[c["name"]] = c["code"]
            for alias in filter(None, c["aliases"].split(";")):
                self.country_code[alias] = c["code"]
        self.elements = _read(self.ref / "supply" / "element_groups.csv", lookup=True)
        self.symbol_of = {e["element"].lower(): e["symbol"] for e in self.elements}
        self.symbol_of.update({e["symbol"].lower(): e["symbol"] for e in self.elements})

    # -- lookups -------------------------------------------------------------
    def _sources(self) -> list[Row]:
        out: list[Row] = []
        for folder in ("supply", "policy", "demand"):
            for r in _read(self.ref / folder / "sources.csv"):
                out.append(
                    {
                        "source_id": r["source_id"],
                        "title": r["title"],
                        "publisher": r.get("publisher", ""),
                        "date": r.get("date") or r.get("year") or "n.d.",
                        "url": r.get("url", ""),
                        "accessed_via": r.get("accessed_via") or r.get("accessed_note", ""),
                        "reliability": r.get("reliability", ""),
                        "folder": folder,
                        "note": r.get("notes", ""),
                    }
                )
        for r in _read(PROJECT_DIR / "sources.csv"):
            note = r.pop("notes", "")
            out.append({**r, "folder": "derisk", "note": note})
        return out

    def country(self, label: str) -> str:
        label = label.strip()
        if "+" in label:
            return "+".join(self.country(part) for part in label.split("+"))
        try:
            return self.country_code[label]
        except KeyError:
            raise InputError("unknown country label", column="country", found=label) from None

    def element(self, label: str) -> str:
        label = label.strip()
        if label in {e["symbol"] for e in self.elements}:
            return label
        parts = re.split(r"[-+]", label)
        return "+".join(self.symbol_of[p.strip().lower()] for p in parts)

    def vintage(self, source_ids: str) -> str:
        first = source_ids.split(";")[0].strip()
        return self.source_year.get(first, "n.d.")

    def measure(
        self,
        printed: str,
        unit: str,
        source_id: str,
        *,
        context: str = "",
        estimate: bool | None = None,
        basis: str | None = None,
        low: str = "",
        high: str = "",
    ) -> Row:
        """The common measure columns for one printed figure."""
        parsed = parse_figure(printed) or Parsed(None, "NA")
        lo = parse_figure(low)
        hi = parse_figure(high)
        value_low = parsed.low if parsed.low is not None else (lo.value if lo else None)
        value_high = parsed.high if parsed.high is not None else (hi.value if hi else None)
        if parsed.qualifier == "NA" and (value_low is not None or value_high is not None):
            # Only a min and/or max printed: keep them as bounds, never invent a typical value.
            if value_low is not None and value_high is not None:
                parsed = Parsed(None, "range")
            elif value_low is not None:
                parsed, value_low = Parsed(value_low, ">="), None
            else:
                parsed, value_high = Parsed(value_high, "<="), None
        unit = unit.strip() or (
            parsed.rest if parsed.rest and not parsed.rest.startswith("(") else ""
        )
        if not unit:
            unit = "percent" if parsed.rest.startswith("%") else "text"
        unit_qualifier = re.search(r"[\"(]\s*(>=|<=|>|<|~)\s*\d", unit)
        if parsed.qualifier == "=" and unit_qualifier:
            # e.g. value 107 with unit 'kt (">107 kt")': the bound survives only in the unit.
            parsed = Parsed(parsed.value, unit_qualifier.group(1), rest=parsed.rest)
        # derisk's estimate rule: the source's own flag, or an approximate figure, or a note
        # that says estimated / approximate / derived (docs/DATA.md).
        estimate = (
            bool(estimate) or parsed.qualifier in {"~", "range"} or looks_estimated(context, unit)
        )
        return {
            "value": parsed.value,
            "value_text": str(printed).strip() if str(printed).strip() else "NA",
            "qualifier": parsed.qualifier,
            "value_low": value_low,
            "value_high": value_high,
            "unit": unit,
            "basis": basis or basis_for_unit(unit, context),
            "vintage": self.vintage(source_id),
            "estimate": bool(estimate),
            "source_id": source_id,
        }

    # -- tables --------------------------------------------------------------
    def elements_table(self) -> list[Row]:
        return [
            {
                "symbol": e["symbol"],
                "name": e["element"],
                "atomic_number": int(e["atomic_number"]),
                "ree_group": e["group_usgs_doe_convention"]
                if e["group_usgs_doe_convention"] in ELEMENT_CLASSES
                else "none",
                "magnet_ree": e["magnet_ree"] == "yes",
                "source_id": e["source_id"],
                "note": e["note"],
            }
            for e in self.elements
        ]

    def mine_production(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "supply" / "mine_production.csv"):
            m = self.measure(
                r["value"],
                r["unit"],
                r["source_id"],
                estimate=r["estimate"] == "yes",
                basis="oxide",
                context=r["basis"],
            )
            out.append(
                {
                    "country": self.country(r["country"]),
                    "year": int(r["year"]),
                    **m,
                    "note": r["basis"],
                }
            )
        return out

    def reserves(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "supply" / "reserves.csv"):
            scope = "JORC-compliant or equivalent" if "JORC" in r["country"] else ""
            m = self.measure(r["value"], r["unit"], r["source_id"], basis="oxide")
            out.append(
                {
                    "country": self.country(r["country"]),
                    "year": int(r["year"]),
                    "scope": scope,
                    "superseded_by": "",
                    **m,
                    "note": "",
                }
            )
        return out + self._superseded_reserves()

    def _superseded_reserves(self) -> list[Row]:
        """Older editions' reserves, kept visible but marked as revised (project file).

        reserves.csv keeps only the newest edition and has no note column, so the values
        USGS revised (supply/NOTES.md, "Superseded values") are transcribed here with the
        source that printed them and the source that revised them.
        """
        out = []
        for r in _read(PROJECT_DIR / "superseded_reserves.csv"):
            m = self.measure(r["value"], "t REO", r["source_id"], basis="oxide")
            out.append(
                {
                    "country": r["country"],
                    "year": int(r["year"]),
                    "scope": r["scope"],
                    "superseded_by": r["superseded_by"],
                    **m,
                    "note": r["note"],
                }
            )
        return out

    def stage_shares(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "supply" / "stage_shares.csv"):
            stage, label, unit = r["stage"], r["element_or_group"], r["unit"]
            measure_kind = _stage_measure(stage, label, unit)
            stage = stage.replace(" capacity", "")
            m = self.measure(
                r["share_percent_or_value"], unit, r["source_id"], context=f"{label} {r['note']}"
            )
            if measure_kind == "fact":
                m["basis"] = "other"
            out.append(
                {
                    "stage": stage,
                    "measure": measure_kind,
                    "element_or_group": label,
                    "group": _stage_group(label),
                    "country": self.country(r["country"]),
                    "year": int(r["year"]) if r["year"] else None,
                    "projection": "outlook" in label.lower() or "projection" in r["note"].lower(),
                    **m,
                    "derived": r["note"].lower().startswith("derived here"),
                    "note": r["note"],
                }
            )
        for row in out:
            row.pop("derived")
        return out

    def china_quotas(self) -> list[Row]:
        return [
            {
                "year": int(r["year"]),
                "quota_type": r["quota_type"],
                "period": r["period"],
                **self.measure(
                    r["value"], r["unit"], r["source_id"], basis="oxide", context=r["note"]
                ),
                "note": r["note"],
            }
            for r in _read(self.ref / "supply" / "china_quotas.csv")
        ]

    def prices(self) -> list[Row]:
        return [
            {
                "element": self.element(r["element"]),
                "product": r["product"],
                "year": int(r["year"]),
                "price_basis": r["basis"],
                **self.measure(
                    r["value"], r["unit"], r["source_id"], basis="price", context=r["basis"]
                ),
                "note": "",
            }
            for r in _read(self.ref / "supply" / "prices.csv")
        ]

    def us_salient(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "supply" / "us_salient.csv"):
            years = all_years(r["year"])
            out.append(
                {
                    "year_start": years[0],
                    "year_end": years[-1],
                    "item": r["item"],
                    **self.measure(r["value"], r["unit"], r["source_id"], context=r["item"]),
                    "note": "",
                }
            )
        return out

    def deposit_composition(self) -> list[Row]:
        return [
            {
                "deposit": r["deposit"],
                "country": self.country(r["country"]),
                "deposit_type": r["deposit_type"],
                "element": self.element(r["element"]),
                **self.measure(
                    r["percent_of_treo"], "percent of TREO", r["source_id"], basis="share"
                ),
                "note": f"{r['basis']}; {r['note']}".strip("; "),
            }
            for r in _read(self.ref / "supply" / "deposit_composition.csv")
        ]

    def deposit_profiles(self) -> list[Row]:
        return [
            {
                "deposit": r["deposit"],
                "deposit_type": r["deposit_type"],
                "metric": r["metric"],
                **self.measure(r["value"], r["unit"], r["source_id"], context=r["note"]),
                "note": r["note"],
            }
            for r in _read(self.ref / "supply" / "deposit_profiles.csv")
        ]

    def eu_criticality(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "supply" / "eu_criticality.csv"):
            row: Row = {"assessment_year": int(r["assessment_year"]), "material": r["material"]}
            for col in (
                "supply_risk",
                "economic_importance",
                "hhi_wgi_global",
                "hhi_wgi_eu",
                "import_reliance_percent",
                "eol_rir_percent",
                "si_sr",
                "si_ei",
            ):
                row[col] = float(r[col]) if r[col] else None
            row.update(
                critical=r["critical"] == "yes",
                basis="index",
                vintage=self.vintage(r["source_id"]),
                estimate=False,
                source_id=r["source_id"],
                note=r["note"],
            )
            out.append(row)
        return out

    def facilities(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "policy" / "facilities.csv"):
            announced = all_years(r["announced_start"])
            m = self.measure(
                r["capacity_value"] or "NA",
                r["capacity_unit"] or "text",
                r["source_id"],
                context=f"{r['capacity_unit']} {r['products']}",
            )
            out.append(
                {
                    "name": r["name"],
                    "company": r["company"],
                    "country": self.country(r["country"]),
                    "stage": r["stage"],
                    "products": r["products"],
                    "status": r["status"],
                    "as_of": r["as_of"],
                    "announced_start": r["announced_start"],
                    "announced_start_first_year": announced[0] if announced else None,
                    "announced_start_latest_year": announced[-1] if announced else None,
                    "actual_start": r["actual_start"],
                    "actual_start_year": first_year(r["actual_start"]),
                    "heavy_ree": r["heavy_ree"],
                    **m,
                    "note": r["notes"],
                }
            )
        return out

    def funding(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "policy" / "funding.csv"):
            m = self.measure(
                r["amount_value"] or "NA",
                r["currency"] or "text",
                r["source_id"],
                context=r["notes"],
                basis="price" if "/kg" in r["currency"] else "money",
            )
            out.append(
                {
                    "date": r["date"],
                    "year": first_year(r["date"]),
                    "funder": r["funder"],
                    "recipient": r["recipient"],
                    "instrument": r["instrument"],
                    "purpose": r["purpose"],
                    **m,
                    "note": r["notes"],
                }
            )
        return out

    def events(self) -> list[Row]:
        return [
            {
                "date": r["date"],
                "year": first_year(r["date"]),
                "actor": r["actor"],
                "type": r["type"],
                "elements_affected": r["elements_affected"],
                "summary": r["summary"],
                "source_id": r["source_id"],
                "note": r["notes"],
            }
            for r in _read(self.ref / "policy" / "events.csv")
        ]

    def benchmarks(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "policy" / "benchmarks.csv"):
            m = self.measure(r["value"], "", r["source_id"], context=f"{r['metric']} {r['notes']}")
            out.append(
                {
                    "jurisdiction": r["jurisdiction"],
                    "target": r["target"],
                    "metric": r["metric"],
                    "deadline_year": int(r["deadline_year"]) if r["deadline_year"] else None,
                    "kind": r["kind"],
                    **m,
                    "note": r["notes"],
                }
            )
        return out

    def recycling_substitution(self) -> list[Row]:
        return [
            {
                "category": r["category"],
                "item": r["item"],
                "year": first_year(r["year"]),
                **self.measure(
                    r["value"],
                    r["unit"] or "text",
                    r["source_id"],
                    context=f"{r['item']} {r['notes']}",
                ),
                "note": r["notes"],
            }
            for r in _read(self.ref / "policy" / "recycling_substitution.csv")
        ]

    def ownership(self) -> list[Row]:
        return [
            {
                "holder": r["holder"],
                "company": r["company"],
                "as_of": r["as_of"],
                "stake_basis": r["basis"],
                **self.measure(
                    r["stake_percent"], "percent", r["source_id"], basis="share", context=r["basis"]
                ),
                "note": r["notes"],
            }
            for r in _read(self.ref / "policy" / "ownership.csv")
        ]

    def demand_by_end_use(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "demand" / "demand_by_end_use.csv"):
            printed = r["share_percent"] if r["unit"] in ("percent", "rank") else r["tonnes"]
            m = self.measure(
                printed or "NA", r["unit"], r["source_id"], context=f"{r['basis']} {r['notes']}"
            )
            out.append(
                {
                    "scope": r["scope"],
                    "year": first_year(r["year"]),
                    "year_printed": r["year"],
                    "end_use": r["end_use"],
                    "measure_basis": r["basis"],
                    **m,
                    "note": r["notes"],
                }
            )
        return out

    def demand_projections(self) -> list[Row]:
        return [
            {
                "scope": r["scope"],
                "year": int(r["year"]),
                "scenario": r["scenario"],
                "element_or_group": r["element_or_group"],
                "base_year": int(r["base_year"]) if r["base_year"] else None,
                **self.measure(
                    r["value"],
                    r["unit"],
                    r["source_id"],
                    context=r["element_or_group"],
                    estimate=looks_estimated(r["notes"]),
                ),
                "note": r["notes"],
            }
            for r in _read(self.ref / "demand" / "demand_projections.csv")
        ]

    def magnet_composition(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "demand" / "magnet_composition.csv"):
            m = self.measure(
                r["weight_percent_typical"] or "NA",
                r["unit"],
                r["source_id"],
                low=r["weight_percent_min"],
                high=r["weight_percent_max"],
                context=r["notes"],
            )
            out.append(
                {
                    "grade_or_type": r["grade_or_type"],
                    "element": r["element"],
                    **m,
                    "note": r["notes"],
                }
            )
        return out

    def material_intensity(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "demand" / "material_intensity.csv"):
            m = self.measure(
                r["value_typical"] or "NA",
                r["unit"],
                r["source_id"],
                low=r["value_min"],
                high=r["value_max"],
                context=f"{r['element_or_material']} {r['notes']}",
                estimate=r["source_id"].startswith("DERIVED")
                or looks_estimated(r["notes"], r["unit"]),
            )
            out.append(
                {
                    "product": r["product"],
                    "element_or_material": r["element_or_material"],
                    "year_or_vintage": r["year_or_vintage"],
                    "scope": r["scope"],
                    **m,
                    "note": r["notes"],
                }
            )
        return out

    def lifetimes_recycling(self) -> list[Row]:
        out = []
        for r in _read(self.ref / "demand" / "lifetimes_recycling.csv"):
            row: Row = {
                k: r[k]
                for k in (
                    "product_or_flow",
                    "scope",
                    "distribution_or_sd",
                    "other_metric",
                    "other_unit",
                )
            }
            for col in (
                "mean_lifetime_years",
                "lifetime_low_years",
                "lifetime_high_years",
                "collection_rate_pct",
                "eol_recycling_rate_pct",
                "recovery_yield_pct",
                "other_value",
            ):
                row[col] = float(r[col]) if r[col] else None
            row.update(
                basis="other",
                vintage=self.vintage(r["source_id"]),
                estimate=looks_estimated(r["notes"], r["other_unit"]),
                source_id=r["source_id"],
                note=r["notes"],
            )
            out.append(row)
        return out

    def market_sizes(self) -> list[Row]:
        return [
            {
                "metric": r["metric"],
                "scope": r["scope"],
                "year": int(r["year"]),
                "kind": r["type"],
                **self.measure(
                    r["value"] or "NA",
                    r["unit"],
                    r["source_id"],
                    low=r["value_low"],
                    high=r["value_high"],
                    context=f"{r['metric']} {r['notes']}",
                    estimate=r["type"] == "estimate" or looks_estimated(r["unit"]),
                ),
                "note": r["notes"],
            }
            for r in _read(self.ref / "demand" / "market_sizes.csv")
        ]

    def project_table(self, name: str) -> list[Row]:
        rows = _read(PROJECT_DIR / f"{name}.csv")
        for r in rows:
            r.setdefault("note", "")
        return rows  # type: ignore[return-value]

    def all_tables(self) -> dict[str, list[Row]]:
        builders: dict[str, Callable[[], list[Row]]] = {
            "sources": lambda: self.sources,
            "elements": self.elements_table,
            "countries": lambda: self.project_table("countries"),
            "bloc_members": lambda: self.project_table("bloc_members"),
            "bloc_sourcing": lambda: self.project_table("bloc_sourcing"),
        }
        out: dict[str, list[Row]] = {}
        for table in TABLES:
            builder = builders.get(table.name) or getattr(self, table.name)
            out[table.name] = builder()
        return out


def _stage_measure(stage: str, label: str, unit: str) -> str:
    """Classify a stage_shares row: a world share, another share, a tonnage or a capacity."""
    low_label, low_unit = label.lower(), unit.lower()
    if stage.endswith("capacity") or "capacity" in low_label and "t/yr" in low_unit:
        return "capacity"
    if low_unit == "text":
        return "fact"
    if low_unit.startswith("percent"):
        if low_unit != "percent" or "by feed" in low_label or "import" in low_label:
            return "other_share"
        return "share"
    return "production"


def _stage_group(label: str) -> str | None:
    """Map a stage_shares label to the group it measures; None where no group fits."""
    low = label.lower()
    if "smco" in low:
        return None
    if "dysprosium" in low or "dy oxide" in low:
        return "Dy"
    if "yttrium" in low:
        return "Y"
    if "prnd" in low:
        return "Nd+Pr"
    if "iea scope" in low or low.startswith("ree refined"):
        return "magnet"
    if "ndfeb" in low or "magnet" in low:
        return "magnet"
    if "hree" in low or "heavy" in low:
        return "HREE"
    if "light ree" in low:
        return "LREE"
    if "ree" in low or "reo" in low:
        return "REE"
    return None


def curate(reference_dir: Path, out_dir: Path = CURATED_DIR) -> dict[str, object]:
    """Rebuild the packaged dataset from a reference folder; returns the manifest.

    Refused under DERISK_READ_ONLY=1: curation rewrites the packaged files every store
    is built from, which a read-only deployment must not do either.
    """
    from derisk.data.store import READ_ONLY_ENV, read_only_from_env
    from derisk.data.validate import validate_tables

    if read_only_from_env():
        from derisk.errors import StoreError

        raise StoreError(
            f"read-only ({READ_ONLY_ENV}=1): cannot curate, which would rewrite {out_dir}"
        )

    _READ.clear()
    try:
        curator = Curator(reference_dir)
        tables = curator.all_tables()
    except (InputError, KeyError, ValueError, TypeError, AttributeError, IndexError) as err:
        raise locate(err, _CURSOR) from None
    try:
        validate_tables(tables, origin_label="curated")
    except InputError as err:
        raise _in_reference(err) from None
    digests = write_tables(tables, out_dir)
    manifest = {
        "dataset_version": DATASET_VERSION,
        "built_from": "shared/reference (supply, policy, demand) + derisk project files",
        "tables": {
            name: {"rows": len(rows), "sha256": digests[name]} for name, rows in tables.items()
        },
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _in_reference(err: InputError) -> InputError:
    """A validation error on a curated row, pointed back at the reference row it came from.

    Tables mapped one-to-one from a reference file keep its row order, so curated row k
    is the k-th data row of that file.
    """
    table = str(err.file or "").removeprefix("curated/").removesuffix(".csv")
    files = spec(table).reference_files if table in {t.name for t in TABLES} else ()
    rows = _READ.get(files[0]) if len(files) == 1 else None
    if err.row is None or rows is None or not 0 <= err.row - 2 < len(rows):
        return err
    return InputError(
        f"{err.message} (curating table {table})",
        file=files[0],
        row=rows[err.row - 2].line,
        column=err.column,
        expected=err.expected,
        found=err.found,
    )
