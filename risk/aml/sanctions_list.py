"""Read a sanctions list in the UN Security Council consolidated list XML layout, safely.

Serves the compliance officer's name screening: the list is an outside file, so it is parsed
with lxml without resolving entities, without loading or fetching a DTD and without the
huge-tree escape hatch; a document that declares a DOCTYPE (where entity bombs and external
entities live) is refused outright with ``SanctionsListError``.

Layout read (the real file's): ``CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL`` with FIRST_NAME …
FOURTH_NAME, REFERENCE_NUMBER, NATIONALITY/VALUE, INDIVIDUAL_ALIAS/ALIAS_NAME,
INDIVIDUAL_DATE_OF_BIRTH (EXACT DATE, YEAR, or FROM_YEAR..TO_YEAR), INDIVIDUAL_ADDRESS/COUNTRY;
and ``ENTITIES/ENTITY`` with FIRST_NAME, ENTITY_ALIAS/ALIAS_NAME, ENTITY_ADDRESS/COUNTRY.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lxml import etree

SYNTHETIC_LIST = Path(__file__).resolve().parent / "sanctions" / "un_consolidated_synthetic.xml"
MAX_LIST_BYTES = 200 * 1024 * 1024  # the real consolidated list is a few MB

# Country names as the UN list writes them -> ISO 3166-1 alpha-2 (the ones our records use).
COUNTRY_CODES = {
    "india": "IN",
    "pakistan": "PK",
    "afghanistan": "AF",
    "bangladesh": "BD",
    "sri lanka": "LK",
    "nepal": "NP",
    "canada": "CA",
    "united arab emirates": "AE",
    "russian federation": "RU",
    "iran (islamic republic of)": "IR",
    "iran": "IR",
    "democratic people's republic of korea": "KP",
    "myanmar": "MM",
    "iraq": "IQ",
    "syrian arab republic": "SY",
    "yemen": "YE",
    "somalia": "SO",
    "united kingdom of great britain and northern ireland": "GB",
    "united states of america": "US",
    "singapore": "SG",
    "thailand": "TH",
}


class SanctionsListError(ValueError):
    """A list file that is not safe or not in the consolidated list layout."""


@dataclass(frozen=True)
class ListedParty:
    reference: str
    kind: str  # individual or entity
    name: str
    aliases: tuple[str, ...] = ()
    countries: frozenset[str] = field(default_factory=frozenset)  # ISO alpha-2
    birth_dates: tuple[date, ...] = ()  # exact dates
    birth_years: tuple[tuple[int, int], ...] = ()  # (from, to) year ranges, approximate
    listed_on: date | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _text(el: etree._Element, tag: str) -> str:
    found = el.find(tag)
    return (found.text or "").strip() if found is not None and found.text else ""


def _country(name: str) -> str | None:
    n = name.strip().lower()
    if not n:
        return None
    if len(n) == 2 and n.isalpha():
        return n.upper()
    return COUNTRY_CODES.get(n)


def parse_list(data: bytes) -> list[ListedParty]:
    """Parse list bytes; raises ``SanctionsListError`` on a DOCTYPE, bad XML or wrong layout."""
    if len(data) > MAX_LIST_BYTES:
        raise SanctionsListError(f"list file larger than {MAX_LIST_BYTES} bytes: refused")
    if b"<!DOCTYPE" in data[:65536].upper() or b"<!ENTITY" in data[:65536].upper():
        raise SanctionsListError(
            "the list declares a DOCTYPE or entities: refused (entity expansion and external "
            "DTDs are never processed)"
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise SanctionsListError(f"not well-formed XML: {exc}") from exc
    if root.getroottree().docinfo.doctype:
        raise SanctionsListError("the list declares a DOCTYPE: refused")
    if etree.QName(root).localname != "CONSOLIDATED_LIST":
        raise SanctionsListError(
            f"root element is {etree.QName(root).localname!r}, expected CONSOLIDATED_LIST"
        )
    parties: list[ListedParty] = []
    for ind in root.iterfind("INDIVIDUALS/INDIVIDUAL"):
        name = " ".join(
            t
            for t in (
                _text(ind, f) for f in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
            )
            if t
        )
        ref = _text(ind, "REFERENCE_NUMBER")
        if not name or not ref:
            raise SanctionsListError(
                f"INDIVIDUAL {_text(ind, 'DATAID')!r} has no name or reference"
            )
        countries = {
            c
            for c in (
                [_country(v.text or "") for v in ind.iterfind("NATIONALITY/VALUE")]
                + [_country(_text(a, "COUNTRY")) for a in ind.iterfind("INDIVIDUAL_ADDRESS")]
            )
            if c
        }
        dates, years = [], []
        for dob in ind.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
            d, y = _text(dob, "DATE"), _text(dob, "YEAR")
            fy, ty = _text(dob, "FROM_YEAR"), _text(dob, "TO_YEAR")
            try:
                if d:
                    dates.append(date.fromisoformat(d[:10]))
                elif y:
                    years.append((int(y), int(y)))
                elif fy and ty:
                    years.append((int(fy), int(ty)))
            except ValueError as exc:
                raise SanctionsListError(f"{ref}: bad date of birth: {exc}") from exc
        parties.append(
            ListedParty(
                reference=ref,
                kind="individual",
                name=name,
                aliases=tuple(
                    a
                    for a in (_text(x, "ALIAS_NAME") for x in ind.iterfind("INDIVIDUAL_ALIAS"))
                    if a
                ),
                countries=frozenset(countries),
                birth_dates=tuple(dates),
                birth_years=tuple(years),
                listed_on=date.fromisoformat(_text(ind, "LISTED_ON")[:10])
                if _text(ind, "LISTED_ON")
                else None,
            )
        )
    for ent in root.iterfind("ENTITIES/ENTITY"):
        name, ref = _text(ent, "FIRST_NAME"), _text(ent, "REFERENCE_NUMBER")
        if not name or not ref:
            raise SanctionsListError(f"ENTITY {_text(ent, 'DATAID')!r} has no name or reference")
        parties.append(
            ListedParty(
                reference=ref,
                kind="entity",
                name=name,
                aliases=tuple(
                    a for a in (_text(x, "ALIAS_NAME") for x in ent.iterfind("ENTITY_ALIAS")) if a
                ),
                countries=frozenset(
                    c
                    for c in (_country(_text(a, "COUNTRY")) for a in ent.iterfind("ENTITY_ADDRESS"))
                    if c
                ),
            )
        )
    return parties


def load_list(path: Path | None = None) -> list[ListedParty]:
    """Load a list file (default: the shipped synthetic list)."""
    return parse_list(Path(path or SYNTHETIC_LIST).read_bytes())
