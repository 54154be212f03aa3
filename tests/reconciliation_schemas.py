"""JSON schemas of the W3C Reconciliation Service API v0.2 answers, written for these tests from
the specification's text (https://reconciliation-api.github.io/specs/0.2/): the required
members and their types, as the specification states them. They are the project's own, not
copies of the schemas published with the specification (the project takes no files from other
repositories)."""

from __future__ import annotations

from typing import Any

_TYPE: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    "required": ["id", "name"],
}
_SERVICE: dict[str, Any] = {
    "type": "object",
    "properties": {"service_url": {"type": "string"}, "service_path": {"type": "string"}},
    "required": ["service_url", "service_path"],
}
_TEMPLATE = {"type": "string", "pattern": r"\{\{id\}\}"}

MANIFEST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "versions": {"type": "array", "items": {"type": "string"}, "contains": {"const": "0.2"}},
        "name": {"type": "string"},
        "identifierSpace": {"type": "string", "format": "uri"},
        "schemaSpace": {"type": "string", "format": "uri"},
        "defaultTypes": {"type": "array", "items": _TYPE, "uniqueItems": True},
        "view": {"type": "object", "properties": {"url": _TEMPLATE}, "required": ["url"]},
        "preview": {
            "type": "object",
            "properties": {
                "url": _TEMPLATE,
                "width": {"type": "integer"},
                "height": {"type": "integer"},
            },
            "required": ["url", "width", "height"],
        },
        "suggest": {
            "type": "object",
            "properties": {"entity": _SERVICE, "type": _SERVICE, "property": _SERVICE},
        },
        "extend": {
            "type": "object",
            "properties": {"propose_properties": _SERVICE, "property_settings": {"type": "array"}},
        },
    },
    "required": ["versions", "name", "identifierSpace", "schemaSpace"],
}

RESULT_BATCH: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "result": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "score": {"type": "number"},
                        "match": {"type": "boolean"},
                        "type": {
                            "type": "array",
                            "items": {
                                "oneOf": [
                                    {"type": "string"},
                                    {
                                        "type": "object",
                                        "properties": {
                                            "id": {"type": "string"},
                                            "name": {"type": "string"},
                                        },
                                        "required": ["id"],
                                    },
                                ]
                            },
                        },
                        "features": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "string"},
                                    "value": {"type": ["boolean", "number"]},
                                },
                                "required": ["id", "value"],
                            },
                        },
                    },
                    "required": ["id", "name", "score"],
                },
            }
        },
        "required": ["result"],
    },
}

SUGGEST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "result": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "notable": {"type": "array", "items": {"oneOf": [{"type": "string"}, _TYPE]}},
                },
                "required": ["id", "name"],
            },
        }
    },
    "required": ["result"],
}

PROPOSE_PROPERTIES: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "limit": {"type": "integer"},
        "properties": {"type": "array", "items": _TYPE},
    },
    "required": ["properties"],
}

_CELL: dict[str, Any] = {
    "oneOf": [
        {"type": "object", "additionalProperties": False},
        {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "description": {"type": "string"},
            },
            "required": ["id", "name"],
            "additionalProperties": False,
        },
        *(
            {
                "type": "object",
                "properties": {key: {"type": kind}},
                "required": [key],
                "additionalProperties": False,
            }
            for key, kind in (
                ("str", "string"), ("float", "number"), ("int", "integer"), ("bool", "boolean"),
                ("date", "string"),
            )
        ),
    ]
}  # fmt: skip

EXTENSION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "meta": {"type": "array", "items": _TYPE},
        "rows": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": _CELL},
            },
        },
    },
    "required": ["meta", "rows"],
}
