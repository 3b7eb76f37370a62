"""Read an ODCS v3 contract document into a ``Contract``, failing fast on anything not understood.

Serves the platform operator and whoever edits a contract: a typo (``requried``), an unknown rule
type or engine, a money column that is not Int64 paise, or a rule naming a column that does not
exist stops the load with a message naming the file and the field, instead of a rule that is
silently not enforced. This module reads the document and its schema; ``parse_rules`` reads the
rules. The accepted subset of ODCS is documented in ``data_contracts/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from data_contracts.dtypes import LOGICAL_TYPES, fits_logical_type, parse_physical_type
from data_contracts.model import Column, Contract, Rule
from data_contracts.parse_rules import NAME_RE, property_rules, quality_rule
from data_contracts.reader import Reader

API_VERSION_RE = re.compile(r"^v3\.\d+\.\d+$")
STATUSES = ("proposed", "draft", "active", "deprecated", "retired")

_TOP_REQUIRED = ("apiVersion", "kind", "id", "version", "status", "name", "description", "schema")
_PROPERTY_KEYS = {
    "id",
    "name",
    "businessName",
    "description",
    "logicalType",
    "logicalTypeOptions",
    "physicalType",
    "physicalName",
    "required",
    "primaryKey",
    "primaryKeyPosition",
    "partitioned",
    "partitionKeyPosition",
    "classification",
    "criticalDataElement",
    "examples",
    "items",
    "quality",
    "tags",
    "customProperties",
    "authoritativeDefinitions",
    "transformSourceObjects",
    "transformLogic",
    "transformDescription",
}
_OBJECT_KEYS = {
    "id",
    "name",
    "businessName",
    "description",
    "logicalType",
    "physicalType",
    "physicalName",
    "dataGranularityDescription",
    "properties",
    "quality",
    "tags",
    "customProperties",
    "authoritativeDefinitions",
}


def parse_contract(doc: Any, path: Path) -> Contract:
    """Turn one parsed YAML document into a ``Contract``; ``path``'s stem is the dataset name."""
    r = Reader(path)
    doc = r.mapping(doc, "(document)")
    for key in _TOP_REQUIRED:
        if key not in doc:
            r.fail(key, "is required by ODCS v3")
    api_version = r.text(doc["apiVersion"], "apiVersion")
    if not API_VERSION_RE.match(api_version):
        r.fail("apiVersion", f"{api_version!r} is not an ODCS v3 version such as v3.1.0")
    if doc["kind"] != "DataContract":
        r.fail("kind", f"must be DataContract, got {doc['kind']!r}")
    dataset = r.text(doc["name"], "name")
    if dataset != path.stem:
        r.fail("name", f"{dataset!r} must equal the file name {path.stem!r}")
    status = r.text(doc["status"], "status")
    if status not in STATUSES:
        r.fail("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    description = r.mapping(doc["description"], "description")
    purpose = r.text(description.get("purpose"), "description.purpose")

    schema = r.seq(doc["schema"], "schema")
    if len(schema) != 1:
        r.fail("schema", "must hold exactly one object (the dataset's table)")
    obj = r.mapping(schema[0], "schema[0]")
    r.keys(obj, _OBJECT_KEYS, "schema[0]")
    if obj.get("name") != dataset:
        r.fail("schema[0].name", f"must be {dataset!r}")
    if obj.get("logicalType") != "object":
        r.fail("schema[0].logicalType", "must be object")
    r.text(obj.get("physicalName"), "schema[0].physicalName")

    columns = _columns(r, obj)
    by_name = {c.name: c for c in columns}
    rules: list[Rule] = []
    props = r.seq(obj["properties"], "schema[0].properties")
    for i, (prop, col) in enumerate(zip(props, columns, strict=True)):
        rules += property_rules(r, dataset, col, prop, by_name, f"schema[0].properties[{i}]")
    for j, entry in enumerate(r.seq(obj.get("quality", []), "schema[0].quality", nonempty=False)):
        rule = quality_rule(r, dataset, None, entry, by_name, f"schema[0].quality[{j}]")
        if rule is not None:
            rules.append(rule)

    seen: dict[str, str] = {}
    for rule in rules:
        if rule.rule_id in seen:
            r.fail(
                rule.declared_at, f"rule id {rule.rule_id!r} is also used at {seen[rule.rule_id]}"
            )
        seen[rule.rule_id] = rule.declared_at

    return Contract(
        dataset=dataset,
        contract_id=r.text(doc["id"], "id"),
        version=r.text(str(doc["version"]), "version"),
        status=status,
        api_version=api_version,
        purpose=purpose.strip(),
        path=path,
        columns=tuple(columns),
        natural_key=_natural_key(r, obj, by_name),
        rules=tuple(rules),
    )


def _custom_properties(r: Reader, block: Any, field: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, item in enumerate(r.seq(block, field, nonempty=False)):
        item = r.mapping(item, f"{field}[{i}]")
        out[r.text(item.get("property"), f"{field}[{i}].property")] = item.get("value")
    return out


def _natural_key(r: Reader, obj: Mapping[str, Any], by_name: dict[str, Column]) -> tuple[str, ...]:
    field = "schema[0].customProperties"
    custom = _custom_properties(r, obj.get("customProperties", []), field)
    if "naturalKey" not in custom:
        r.fail(field, "needs a naturalKey entry: the columns that flag duplicate rows")
    key = r.seq(custom["naturalKey"], f"{field}.naturalKey")
    for name in key:
        if name not in by_name:
            r.fail(f"{field}.naturalKey", f"names {name!r}, which is not a property")
    unknown = sorted(set(custom) - {"naturalKey"})
    if unknown:
        r.fail(f"{field}.{unknown[0]}", "unknown custom property (known: naturalKey)")
    return tuple(key)


def _columns(r: Reader, obj: Mapping[str, Any]) -> list[Column]:
    columns: list[Column] = []
    for i, prop in enumerate(r.seq(obj.get("properties"), "schema[0].properties")):
        field = f"schema[0].properties[{i}]"
        prop = r.mapping(prop, field)
        name = r.text(prop.get("name"), f"{field}.name")
        if not NAME_RE.match(name):
            r.fail(f"{field}.name", f"{name!r} must be snake_case")
        if any(c.name == name for c in columns):
            r.fail(f"{field}.name", f"{name!r} is declared twice")
        field = f"{field}({name})"
        r.keys(prop, _PROPERTY_KEYS, field)
        logical = r.text(prop.get("logicalType"), f"{field}.logicalType")
        if logical not in LOGICAL_TYPES:
            r.fail(f"{field}.logicalType", f"{logical!r} is not one of {', '.join(LOGICAL_TYPES)}")
        physical = r.text(prop.get("physicalType"), f"{field}.physicalType")
        try:
            dtype = parse_physical_type(physical)
        except ValueError as exc:
            r.fail(f"{field}.physicalType", str(exc))
        if not fits_logical_type(logical, dtype):
            r.fail(f"{field}.physicalType", f"{physical} cannot carry logicalType {logical}")
        if name.endswith("_paise") and dtype != pl.Int64():
            r.fail(f"{field}.physicalType", "money is integer paise: must be Int64")
        if isinstance(dtype, pl.Datetime) and dtype.time_zone != "UTC":
            r.fail(f"{field}.physicalType", "timestamps are stored in UTC: Datetime(us, UTC)")
        custom = _custom_properties(
            r, prop.get("customProperties", []), f"{field}.customProperties"
        )
        added_by = custom.pop("addedBy", None)
        if added_by not in (None, "ingest"):
            r.fail(f"{field}.customProperties.addedBy", "the only value is ingest")
        if custom:
            r.fail(f"{field}.customProperties.{sorted(custom)[0]}", "unknown custom property")
        pk = r.flag(prop.get("primaryKey", False), f"{field}.primaryKey")
        pk_pos = prop.get("primaryKeyPosition", -1)
        part_pos = prop.get("partitionKeyPosition", -1)
        partitioned = r.flag(prop.get("partitioned", False), f"{field}.partitioned")
        examples = prop.get("examples", [])
        columns.append(
            Column(
                name=name,
                logical_type=logical,
                physical_type=physical,
                dtype=dtype,
                required=r.flag(prop.get("required", False), f"{field}.required"),
                description=r.text(prop.get("description"), f"{field}.description").strip(),
                primary_key_position=(pk_pos if pk_pos > 0 else 1) if pk else None,
                partition_key_position=(part_pos if part_pos > 0 else 1) if partitioned else None,
                added_by_ingest=added_by == "ingest",
                examples=tuple(r.seq(examples, f"{field}.examples", nonempty=False)),
            )
        )
    return columns
