"""AC-04 (field-level write and read, OWASP API3 BOPLA / mass assignment), from the route table:
every JSON write model of the API refuses unknown fields; a front-desk request that tries to set
`hotel_id`, `golden_id`, `consents`, `role` or `blind_index` gets 422 naming each of them and changes
no row; and the JSON of routes with a declared response schema holds no key outside it."""

from __future__ import annotations

import hashlib
import re
import types
import typing
from typing import Any

from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.db.models import Base
from guestgraph.web import create_app
from tests.conftest import LiveServer, make_settings
from tests.factories import hotel, make_guest, make_stay

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PROTECTED = {
    "hotel_id": 2,
    "golden_id": 1,
    "consents": [{"purpose": "marketing"}],
    "role": "admin",
    "blind_index": "00ff",
}
# Tables a write could change; the audit trail and the session's own bookkeeping are left out.
WATCHED = (
    "guest",
    "stay",
    "stay_guest",
    "charge",
    "preference",
    "interaction",
    "consent",
    "service_ticket",
    "segment",
    "guest_tag",
    "source_record",
    "role",
    "staff_user",
    "hotel",
)
# What front-desk staff (guest.read, stay.operate) may write, with a body that is valid but for the
# protected fields: these must answer 422 (a lax model would accept the write and drop the extras).
FRONT_DESK_WRITES: dict[str, dict[str, Any]] = {
    "/api/v1/guests/{public_id}/preferences": {"category": "pillow", "value": "feather-free"},
    "/api/v1/guests/{public_id}/interactions": {"kind": "note", "text": "asked for a late check-out"},
    "/api/v1/hotels/{code}/stays": {
        "guest_id": "{public_id}",
        "arrival": "2027-01-10",
        "departure": "2027-01-12",
    },
    "/api/v1/hotels/{code}/stays/{conf}/charges": {"outlet": "minibar", "amount": "12.00"},
    "/api/v1/hotels/{code}/stays/{conf}/{op}": {"room_number": "1208"},
    "/api/v1/guests/{public_id}/consents": {
        "purpose": "marketing",
        "channel": "email",
        "decision": "granted",
        "evidence": "registration card",
    },
    "/api/v1/guests/{public_id}/consents/withdraw": {"evidence": "phone call"},
}


def _api_writes(tmp_path) -> list[tuple[str, str, list[Any]]]:  # type: ignore[no-untyped-def]
    """(method, path, body types) of every API route that changes state and takes a JSON body."""
    app = create_app(make_settings(tmp_path, "sqlite:///" + str(tmp_path / "unused.db")))
    out = []
    for ctx in iter_route_contexts(app.routes):
        effective = ctx._route_context
        dependant = effective.dependant if effective is not None else getattr(ctx.route, "dependant", None)
        if dependant is None or ctx.path is None or not ctx.path.startswith("/api/"):
            continue
        bodies = [p.field_info.annotation for p in dependant.body_params]
        for method in sorted(set(ctx.methods or ()) & UNSAFE):
            if bodies:
                out.append((method, ctx.path, bodies))
    return out


def _models(annotation: Any, seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    """Every pydantic model an annotation can hold, nested models included."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in seen:
            seen.add(annotation)
            for field in annotation.model_fields.values():
                _models(field.annotation, seen)
        return seen
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            _models(arg, seen)
    return seen


def test_every_api_write_model_forbids_unknown_fields(tmp_path) -> None:  # type: ignore[no-untyped-def]
    writes = _api_writes(tmp_path)
    assert len(writes) > 20
    lax = set()
    for _method, path, bodies in writes:
        for body in bodies:
            for model in _models(body, set()):
                if model.model_config.get("extra") != "forbid":
                    lax.add(f"{path}: {model.__name__}")
    assert lax == set(), "add model_config = {'extra': 'forbid'} to these write models"


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "1"), path)


def _checksum(session: Session) -> dict[str, str]:
    session.expire_all()
    out = {}
    for name in WATCHED:
        table = Base.metadata.tables[name]
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        out[name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return out


def test_front_desk_cannot_set_protected_fields(live: LiveServer, demo_group: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = demo_group
    guest = make_guest(s)
    stay = make_stay(s, "SHA01", guest)
    sha = hotel(s, "SHA01").id
    s.commit()
    values = {
        "public_id": guest.public_id,
        "code": "SHA01",
        "conf": stay.confirmation_number,
        "op": "check-in",
        "system": "pms",
    }
    refused: dict[str, list[str]] = {}
    with live.client(role="front_desk", scope=DataScope.hotels(sha)) as c:
        before = _checksum(s)
        for method, path, _bodies in _api_writes(tmp_path):
            valid = {
                k: _fill(v, values) if isinstance(v, str) else v
                for k, v in FRONT_DESK_WRITES.get(path, {}).items()
            }
            answer = c.request(method, _fill(path, values), json={**valid, **PROTECTED})
            assert answer.status_code in (401, 403, 422), (method, path, answer.status_code, answer.text)
            if answer.status_code == 422:
                problems = answer.json()["problems"]
                refused[path] = [
                    p["field"] for p in problems if p["message"] == "Extra inputs are not permitted"
                ]
        after = _checksum(s)
    assert after == before  # no row changed
    assert set(refused) >= set(FRONT_DESK_WRITES), set(FRONT_DESK_WRITES) - set(refused)
    for path, fields in refused.items():
        assert sorted(fields) == sorted(f"body.{k}" for k in PROTECTED), path


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return dict(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    return schema


def _keys_outside(value: Any, schema: dict[str, Any], spec: dict[str, Any], where: str) -> list[str]:
    """Keys of `value` its JSON schema does not declare, at any depth."""
    schema = _resolve(schema, spec)
    for option in schema.get("anyOf", []):
        if option.get("type") != "null" and value is not None:
            return _keys_outside(value, option, spec, where)
    if isinstance(value, list) and "items" in schema:
        return [k for item in value for k in _keys_outside(item, schema["items"], spec, where + "[]")]
    if not isinstance(value, dict) or "properties" not in schema:
        return []
    props = schema["properties"]
    extra = [f"{where}.{k}" for k in value if k not in props]
    nested = [
        k
        for key, v in value.items()
        if key in props
        for k in _keys_outside(v, props[key], spec, f"{where}.{key}")
    ]
    return extra + nested


def _declared(schema: dict[str, Any], spec: dict[str, Any]) -> bool:
    """Does the schema declare the object's keys (not a free-form object)?"""
    resolved = _resolve(schema, spec)
    return "properties" in resolved or "properties" in _resolve(resolved.get("items", {}), spec)


def test_front_desk_responses_hold_only_declared_keys(live: LiveServer, demo_group: Session) -> None:
    s = demo_group
    guest = make_guest(s)
    make_stay(s, "SHA01", guest)
    s.commit()
    spec = create_app(live.settings).openapi()
    values = {"public_id": guest.public_id, "code": "SHA01"}
    checked = []
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(s, "SHA01").id)) as c:
        for path, operations in spec["paths"].items():
            ok = operations.get("get", {}).get("responses", {}).get("200", {})
            schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
            if not _declared(schema, spec) or set(re.findall(r"\{([^}]+)\}", path)) - set(values):
                continue  # a free-form object, or a path this test cannot fill: nothing to hold keys against
            answer = c.get(_fill(path, values))
            if answer.status_code == 403:
                continue  # not the front desk's to read
            assert answer.status_code == 200, (path, answer.text)
            assert _keys_outside(answer.json(), schema, spec, path) == []
            checked.append(path)
    assert {"/api/v1/hotels", "/api/v1/hotels/{code}", "/api/v1/guests", "/api/v1/auth/me"} <= set(checked)
