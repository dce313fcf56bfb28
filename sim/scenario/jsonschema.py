"""The JSON Schemas of the file formats (``frontline schema``), for editors and validators.

A scenario file is either complete or a variant (it has ``extends:``), which gives only what it
changes: the same fields, none of them required, and list items that may say ``remove: true``.
One schema covers both (``if extends then variant else complete``), so that editors do not
flag every shipped variant. Sweep files have a schema of their own.

Examples:
    >>> schema = scenario_json_schema()
    >>> schema["if"], schema["then"], schema["else"]
    ({'required': ['extends']}, {'$ref': '#/$defs/ScenarioVariant'}, {'$ref': '#/$defs/Scenario'})
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from sim.scenario.schema import Scenario

__all__ = ["DRAFT", "model_json_schema", "scenario_json_schema"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_VARIANT = "Variant"


def model_json_schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    """The JSON Schema of a file whose top level is ``model``."""
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = DRAFT
    schema["title"] = title
    return schema


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, complete ones and ``extends:`` variants."""
    full = model_json_schema(Scenario, "frontline scenario (format 1)")
    defs = full.pop("$defs")
    root = {k: v for k, v in full.items() if not k.startswith("$") and k != "title"}
    defs["Scenario"] = root
    for name in list(defs):
        defs[name + _VARIANT] = _variant(defs[name])
    defs["Scenario" + _VARIANT]["required"] = ["extends"]
    defs["Scenario" + _VARIANT]["description"] = (
        "a variant: extends names the base scenario; every other field is optional and "
        "overrides the base's (lists of items with ids merge by id)")
    return {
        "$schema": DRAFT,
        "title": full["title"],
        "description": root.get("description", ""),
        "$defs": defs,
        "if": {"required": ["extends"]},
        "then": {"$ref": f"#/$defs/Scenario{_VARIANT}"},
        "else": {"$ref": "#/$defs/Scenario"},
    }


def _variant(schema: Any) -> Any:
    """A copy of a definition as a variant may give it: nothing required, refs to variants."""
    out = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("required", None)
            node.pop("discriminator", None)  # a variant's rule may leave out do:
            if "oneOf" in node:  # several variants of a union now accept the same item
                node["anyOf"] = node.pop("oneOf")
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                node["$ref"] = ref + _VARIANT
            props = node.get("properties")
            if isinstance(props, dict) and "id" in props:
                props["remove"] = {"const": True, "description": "drop the base's item with "
                                                                 "this id"}
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(out)
    return out
