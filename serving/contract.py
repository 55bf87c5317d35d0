"""The HTTP contract client applications build on: the service's OpenAPI document, and what changed between two
versions of it, with the changes that break existing clients named as such.

``docs/openapi.json`` is the committed contract of API version 1; ``exposure openapi --check docs/openapi.json``
fails when the running code no longer matches it, so that every change to the API is a deliberate, reviewed diff
of that file. Breaking (for a client written against the old document): an operation or a schema removed, a
property removed, a property whose type changed (enum values included), or a property that is or became required
in a schema clients send. Compatible: an operation, a schema or an optional property added, or a required one in
an answer. Anything else (descriptions, examples) is reported as documentation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the service as ``exposure serve`` publishes it at ``/openapi.json``.

    It does not depend on the settings (API keys, limits) and needs no tracking store: nothing is loaded."""
    from serving.app import create_app
    from serving.settings import Settings

    return create_app(Settings(tracking_uri="sqlite:///:memory:")).openapi()


def dumps(document: dict[str, Any]) -> str:
    """The canonical text of a document: sorted keys, two-space indent, non-ASCII kept, newline at the end."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@dataclass
class ContractDiff:
    """Differences from an ``old`` document to a ``new`` one, as human-readable lines."""

    breaking: list[str] = field(default_factory=list)
    compatible: list[str] = field(default_factory=list)
    documentation: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not (self.breaking or self.compatible or self.documentation)


def compare(old: dict[str, Any], new: dict[str, Any]) -> ContractDiff:
    """What a client written against ``old`` meets in ``new``."""
    diff = ContractDiff()
    old_ops, new_ops = _operations(old), _operations(new)
    for op in sorted(old_ops.keys() - new_ops.keys()):
        diff.breaking.append(f"operation removed: {op}")
    for op in sorted(new_ops.keys() - old_ops.keys()):
        diff.compatible.append(f"operation added: {op}")
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    for name in sorted(old_schemas.keys() - new_schemas.keys()):
        diff.breaking.append(f"schema removed: {name}")
    for name in sorted(new_schemas.keys() - old_schemas.keys()):
        diff.compatible.append(f"schema added: {name}")
    sent = _request_schemas(old) | _request_schemas(new)
    for name in sorted(old_schemas.keys() & new_schemas.keys()):
        _compare_schema(name, old_schemas[name], new_schemas[name], diff, sent_by_clients=name in sent)
    for op in sorted(old_ops.keys() & new_ops.keys()):
        if old_ops[op] != new_ops[op]:
            diff.documentation.append(f"operation changed (parameters, responses or text): {op}")
    if _rest(old) != _rest(new):
        diff.documentation.append("document info, tags or security schemes changed")
    return diff


def _operations(document: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _rest(document: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in document.items() if k not in ("paths", "components")}
    rest["components"] = {k: v for k, v in document.get("components", {}).items() if k != "schemas"}
    return rest


def _request_schemas(document: dict[str, Any]) -> set[str]:
    """Names of the component schemas a client sends (reachable from request bodies and parameters)."""
    schemas = document.get("components", {}).get("schemas", {})
    todo = [
        part
        for operation in _operations(document).values()
        for part in (operation.get("requestBody"), operation.get("parameters"))
        if part
    ]
    found: set[str] = set()
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in found:
                    found.add(name)
                    todo.append(schemas.get(name, {}))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return found


def _compare_schema(
    name: str, old: dict[str, Any], new: dict[str, Any], diff: ContractDiff, *, sent_by_clients: bool
) -> None:
    """A property removed breaks readers (answers) and senders (requests refuse unknown fields); a property that
    is, or became, required breaks only senders: an answer that always carries a new field breaks no reader."""
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for prop in sorted(old_props.keys() - new_props.keys()):
        diff.breaking.append(f"property removed: {name}.{prop}")
    for prop in sorted(new_props.keys() - old_props.keys()):
        required = prop in new_required
        target = diff.breaking if required and sent_by_clients else diff.compatible
        target.append(f"property added{' (required)' if required else ''}: {name}.{prop}")
    for prop in sorted(old_props.keys() & new_props.keys()):
        if prop in new_required - old_required:
            target = diff.breaking if sent_by_clients else diff.documentation
            target.append(f"property became required: {name}.{prop}")
        if _type_of(old_props[prop]) != _type_of(new_props[prop]):
            diff.breaking.append(
                f"property type changed: {name}.{prop} ({_type_of(old_props[prop])} -> {_type_of(new_props[prop])})"
            )
        elif old_props[prop] != new_props[prop]:
            diff.documentation.append(f"property changed (text, example or bounds): {name}.{prop}")
    bare_old = {k: v for k, v in old.items() if k not in ("properties", "required")}
    bare_new = {k: v for k, v in new.items() if k not in ("properties", "required")}
    if bare_old != bare_new:
        diff.documentation.append(f"schema changed (text, example or bounds): {name}")


def _type_of(prop: dict[str, Any]) -> str:
    """The JSON types and references a property admits, e.g. ``integer|null`` or ``#/.../Band``."""
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in prop or "oneOf" in prop:
        return "|".join(sorted(_type_of(p) for p in prop.get("anyOf", prop.get("oneOf", []))))
    if prop.get("type") == "array":
        return f"array[{_type_of(prop.get('items', {}))}]"
    if "enum" in prop:
        return "enum(" + ",".join(sorted(map(str, prop["enum"]))) + ")"
    return str(prop.get("type", "any"))
