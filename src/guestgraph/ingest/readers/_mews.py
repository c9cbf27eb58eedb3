"""Mews payloads: the Connector API (PascalCase) and the Channel Manager API push (camelCase).

Connector API, whatever mix of lists a response or request holds:
- `Customers[]` (getAll; search wraps each as `{Customer, Reservation}`) or one customer object
  (customers/add request and response) → PROFILE. `Options` give marketing consent (presence =
  granted; absence is unknown), `Classifications` the VIP flag and a description.
- `IdentityDocuments[]` / `Documents[]` → the matching customer's document (a passport first);
  documents of customers not in the payload → a PROFILE keyed by the customer id with only them.
- `Reservations[]` (2017-04-12 and 2023-06-06 getAll, reservations/add request) → RESERVATION,
  CANCELLATION when `State` is Canceled. Owner (`CustomerId`/`AccountId`), companions
  (`CompanionIds`, `Companionships[]`) and booker (`BookerId`) become persons only when their
  customer objects are in the same payload; `StartUtc/EndUtc` are UTC instants, as sent. Room
  category, rate and age categories are GUIDs; there is no amount on a Mews reservation.
- `ReservationIds[]` of a reservations/cancel request → CANCELLATION per id.
- `ChannelManagerDetails[]` → a RESERVATION of the reservation id with the channel numbers only.
- webhook `Events[]` → a RESERVATION (`ServiceOrderUpdated`) or PROFILE (`CustomerAdded/Updated`)
  with the id only, to be fetched; other events are not guest data.
The Channel Manager API push is read in `_mews_channel_manager`.
"""

from __future__ import annotations

from guestgraph.db.models import RecordType
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest.readers._jsonpath import JsonObject, dump, first, get, items, obj

Person = dict[str, str | None]
RAW_FORMAT = "vendor_json"
CANCELLED = frozenset({"canceled", "cancelled"})
CONNECTOR_LISTS = (
    "Customers",
    "Reservations",
    "IdentityDocuments",
    "Documents",
    "Companionships",
    "ReservationIds",
    "ChannelManagerDetails",
)
DOCUMENT_LISTS = ("IdentityDocuments", "Documents")
LEGACY_DOCUMENTS = ("Passport", "IdentityCard", "Visa", "DriversLicense")
DOCUMENT_PREFERENCE = {"passport": 0, "identitycard": 1}
CUSTOMER_HINTS = ("Id", "ChainId", "Email", "Classifications", "BirthDate", "Title", "Phone")
RESERVATION_EVENTS = frozenset({"ServiceOrderUpdated", "ReservationUpdated", "ReservationAdded"})
CUSTOMER_EVENTS = frozenset({"CustomerAdded", "CustomerUpdated"})


# --- Connector API ----------------------------------------------------------------------------


def is_connector(doc: JsonObject) -> bool:
    if any(k in doc for k in CONNECTOR_LISTS) or isinstance(doc.get("Events"), list):
        return True
    return _is_customer(doc) or _is_reservation(doc)


def _is_customer(doc: JsonObject) -> bool:
    return ("FirstName" in doc or "LastName" in doc) and any(k in doc for k in CUSTOMER_HINTS)


def _is_reservation(doc: JsonObject) -> bool:
    return "StartUtc" in doc and "State" in doc


def read_connector(doc: JsonObject) -> list[InboundRecord]:
    customers, reservations = _entities(doc)
    doc_key, documents = _documents(doc)
    by_id = {cid: c for _, c in customers if (cid := first(c.get("Id")))}
    records = [
        _customer_record(c, loc, documents.get(first(c.get("Id")) or ""), doc_key) for loc, c in customers
    ]
    records += [_documents_record(cid, docs, doc_key) for cid, docs in documents.items() if cid not in by_id]
    companions: dict[str, list[str]] = {}
    for link in items(doc.get("Companionships")):
        reservation_id, customer_id = first(get(link, "ReservationId")), first(get(link, "CustomerId"))
        if reservation_id and customer_id:
            companions.setdefault(reservation_id, []).append(customer_id)
    context = {k: doc[k] for k in ("ServiceId", "EnterpriseId") if first(doc.get(k))}
    records += [
        _reservation_record(r, loc, by_id, documents, doc_key, companions, context) for loc, r in reservations
    ]
    records += _cancellations(doc)
    records += [
        _channel_manager_details(obj(d), i)
        for i, d in enumerate(items(doc.get("ChannelManagerDetails")))
        if isinstance(d, dict)
    ]
    records += _events(doc)
    return records


def _entities(doc: JsonObject) -> tuple[list[tuple[str, JsonObject]], list[tuple[str, JsonObject]]]:
    customers: list[tuple[str, JsonObject]] = [("", doc)] if _is_customer(doc) else []
    reservations: list[tuple[str, JsonObject]] = [("", doc)] if _is_reservation(doc) else []
    for i, entry in enumerate(items(doc.get("Customers"))):
        found = obj(entry)
        if "Customer" in found or "Reservation" in found:  # customers/search: {Customer, Reservation}
            if isinstance(found.get("Customer"), dict):
                customers.append((f"Customers[{i}].Customer", obj(found["Customer"])))
            if isinstance(found.get("Reservation"), dict):
                reservations.append((f"Customers[{i}].Reservation", obj(found["Reservation"])))
        elif found:
            customers.append((f"Customers[{i}]", found))
    reservations += [
        (f"Reservations[{i}]", obj(r))
        for i, r in enumerate(items(doc.get("Reservations")))
        if isinstance(r, dict)
    ]
    return customers, reservations


def _documents(doc: JsonObject) -> tuple[str, dict[str, list[tuple[int, JsonObject]]]]:
    """Identity documents by customer id, with their index in the list sent."""
    key = next((k for k in DOCUMENT_LISTS if isinstance(doc.get(k), list)), DOCUMENT_LISTS[0])
    found: dict[str, list[tuple[int, JsonObject]]] = {}
    for i, entry in enumerate(items(doc.get(key))):
        if customer_id := first(get(entry, "CustomerId")):
            found.setdefault(customer_id, []).append((i, obj(entry)))
    return key, found


def _customer_record(
    customer: JsonObject, location: str, documents: list[tuple[int, JsonObject]] | None, doc_key: str
) -> InboundRecord:
    docs = [d for _, d in documents or []]
    person, others = customer_person(customer, docs, role="primary")
    classifications = _texts(customer.get("Classifications"))
    merged_into = first(customer.get("MergeTargetId"))
    notes = [
        first(customer.get("Notes")),
        f"further identity documents: {', '.join(others)}" if others else None,
    ]
    description = [
        f"classifications: {', '.join(classifications)}" if classifications else None,
        f"merged into customer {merged_into}" if merged_into else None,
        "inactive" if customer.get("IsActive") is False else None,
    ]
    fields = {
        "notes": "\n".join(n for n in notes if n) or None,
        "description": "; ".join(d for d in description if d) or None,
        "created_at": first(customer.get("CreatedUtc")),
        "updated_at": first(customer.get("UpdatedUtc")),
    }
    external_id = first(customer.get("Id"))
    problems = (
        []
        if external_id
        else ["the customer carries no Id (Mews assigns it when adding): it cannot be keyed"]
    )
    return InboundRecord(
        record_type=RecordType.PROFILE,
        external_id=external_id,
        location=location,
        raw=dump({"Customers": [customer], doc_key: docs} if docs else customer),
        raw_format=RAW_FORMAT,
        fields={k: v for k, v in fields.items() if v is not None},
        persons=[person] if len(person) > 1 else [],
        source_updated_at=fields["updated_at"] or fields["created_at"],
        reader_problems=problems,
    )


def _documents_record(
    customer_id: str, documents: list[tuple[int, JsonObject]], doc_key: str
) -> InboundRecord:
    docs = [d for _, d in documents]
    person, others = _document_fields(docs)
    fields: dict[str, str | None] = (
        {"notes": f"further identity documents: {', '.join(others)}"} if others else {}
    )
    return InboundRecord(
        record_type=RecordType.PROFILE,
        external_id=customer_id,
        location=f"{doc_key}[{documents[0][0]}]",
        raw=dump({doc_key: docs}),
        raw_format=RAW_FORMAT,
        fields=fields,
        persons=[{"role": "primary", **person}] if person else [],
    )


def customer_person(
    customer: JsonObject, documents: list[JsonObject], *, role: str
) -> tuple[Person, list[str]]:
    """The customer as a person, and the types of any identity documents beyond the one kept."""
    address = obj(customer.get("Address"))
    options = {t.lower() for t in _texts(customer.get("Options"))}
    classes = {t.lower() for t in _texts(customer.get("Classifications"))}
    lines = [line for line in (first(address.get("Line1")), first(address.get("Line2"))) if line]
    surnames = [s for s in (first(customer.get("LastName")), first(customer.get("SecondLastName"))) if s]
    person: Person = {
        "role": role,
        "given_name": first(customer.get("FirstName")),
        "family_name": " ".join(surnames) or None,
        "salutation": first(customer.get("Title")),
        "gender": first(customer.get("Sex"), customer.get("Gender")),
        "birth_date": first(customer.get("BirthDate")),
        "nationality": first(customer.get("NationalityCode")),
        "language": first(customer.get("PreferredLanguageCode"), customer.get("LanguageCode")),
        "email": first(customer.get("Email")),
        "phone": first(customer.get("Phone")),
        "loyalty_number": first(customer.get("LoyaltyCode")),
        "vip_level": "VeryImportant" if "veryimportant" in classes else None,
        "address_line": ", ".join(lines) or None,
        "city": first(address.get("City")),
        "postal_code": first(address.get("PostalCode")),
        "region": first(address.get("CountrySubdivisionCode")),
        "country": first(address.get("CountryCode")),
        "consent_email_marketing": "yes" if "sendmarketingemails" in options else None,
        "consent_post_marketing": "yes" if "sendmarketingpostalmail" in options else None,
    }
    legacy = [
        {**obj(customer.get(k)), "Type": k} for k in LEGACY_DOCUMENTS if isinstance(customer.get(k), dict)
    ]
    document, others = _document_fields(documents or legacy)
    person |= document
    return {k: v for k, v in person.items() if v is not None}, others


def _document_fields(documents: list[JsonObject]) -> tuple[Person, list[str]]:
    """The preferred document (passport, identity card, then as sent) and the types of the rest."""
    ranked = sorted(
        enumerate(documents),
        key=lambda e: (DOCUMENT_PREFERENCE.get((first(e[1].get("Type")) or "").lower(), 9), e[0]),
    )
    if not ranked:
        return {}, []
    chosen = ranked[0][1]
    fields = {
        "id_type": first(chosen.get("Type")),
        "id_number": first(chosen.get("Number")),
        "id_issuing_country": first(chosen.get("IssuingCountryCode")),
    }
    others = [first(d.get("Type")) or "document" for _, d in ranked[1:]]
    return {k: v for k, v in fields.items() if v is not None}, others


def _reservation_record(
    res: JsonObject,
    location: str,
    customers: dict[str, JsonObject],
    documents: dict[str, list[tuple[int, JsonObject]]],
    doc_key: str,
    companionships: dict[str, list[str]],
    context: JsonObject,
) -> InboundRecord:
    problems: list[str] = []
    external_id = first(res.get("Id"))
    if external_id is None:
        identifier = first(res.get("Identifier"))
        problems.append(
            "the reservation carries no Id (Mews assigns it when adding): it cannot be keyed"
            + (f"; Identifier {identifier!r} is the request's own" if identifier else "")
        )
    owner = first(res.get("CustomerId"), res.get("OwnerId"))
    if owner is None and (first(res.get("AccountType")) or "Customer") == "Customer":
        owner = first(res.get("AccountId"))
    companion_ids = _texts(res.get("CompanionIds")) + companionships.get(external_id or "", [])
    booker = first(res.get("BookerId"))
    roles = [(owner, "primary")] + [(c, "additional") for c in companion_ids] + [(booker, "booker")]
    persons: list[Person] = []
    used: list[str] = []
    for customer_id, role in roles:
        if customer_id and customer_id in customers and customer_id not in used:
            docs = [d for _, d in documents.get(customer_id, [])]
            person, _ = customer_person(customers[customer_id], docs, role=role)
            persons.append(person)
            used.append(customer_id)
    named = [i for i, _ in roles if i]
    if not persons and named:
        problems.append(
            f"the guest is named only by customer id ({', '.join(dict.fromkeys(named))}): "
            "fetch the customers (customers/getAll) to know who it is"
        )
    state = first(res.get("State"))
    cancelled = (state or "").lower() in CANCELLED
    hotel = first(res.get("ServiceId"))
    fields = {
        "confirmation_number": first(res.get("Number")),
        "booking_reference": first(res.get("ChannelNumber")),
        "arrival": first(res.get("StartUtc"), res.get("ScheduledStartUtc")),
        "departure": first(res.get("EndUtc"), res.get("ScheduledEndUtc")),
        "room_type": first(
            res.get("RequestedResourceCategoryId"),
            res.get("RequestedCategoryId"),
            res.get("ResourceCategoryId"),
        ),
        "rate_plan": first(res.get("RateId")),
        "adults": first(res.get("AdultCount")),
        "children": first(res.get("ChildCount")),
        "channel": first(res.get("ChannelManager"), res.get("Origin")),
        "stay_status": state,
        "notes": _reservation_notes(res),
        "created_at": first(res.get("CreatedUtc")),
        "updated_at": first(res.get("UpdatedUtc")),
    }
    narrowed: JsonObject = {"Reservations": [res]}
    if used:
        narrowed["Customers"] = [customers[i] for i in used]
        docs_used = [d for i in used for _, d in documents.get(i, [])]
        if docs_used:
            narrowed[doc_key] = docs_used
        links = [
            {"ReservationId": external_id, "CustomerId": c} for c in companionships.get(external_id or "", [])
        ]
        if links:
            narrowed["Companionships"] = links
    if hotel is None and context:
        narrowed |= context
        hotel = first(context.get("ServiceId"), context.get("EnterpriseId"))
    return InboundRecord(
        record_type=RecordType.CANCELLATION if cancelled else RecordType.RESERVATION,
        external_id=external_id,
        location=location,
        raw=dump(res if len(narrowed) == 1 else narrowed),
        raw_format=RAW_FORMAT,
        fields={k: v for k, v in fields.items() if v is not None},
        persons=persons,
        source_updated_at=fields["updated_at"] or fields["created_at"],
        hotel_code=hotel,
        reader_problems=problems,
    )


def _reservation_notes(res: JsonObject) -> str | None:
    notes = [first(res.get("Notes"))]
    if reason := first(res.get("CancellationReason")):
        notes.append(f"cancellation reason: {reason}")
    if cancelled_at := first(res.get("CancelledUtc")):
        notes.append(f"cancelled at {cancelled_at}")
    counts = [
        f"{first(get(c, 'Count'))} × age category {first(get(c, 'AgeCategoryId'))}"
        for c in items(res.get("PersonCounts"))
        if first(get(c, "Count"))
    ]
    if counts and first(res.get("AdultCount")) is None:
        notes.append("person counts: " + ", ".join(counts))
    return "\n".join(n for n in notes if n) or None


def _cancellations(doc: JsonObject) -> list[InboundRecord]:
    """reservations/cancel request: `ReservationIds[]` with `Notes`, per `EnterpriseId`."""
    notes = first(doc.get("Notes"))
    kept: JsonObject = {k: doc[k] for k in ("EnterpriseId", "Notes", "PostCancellationFee") if k in doc}
    return [
        InboundRecord(
            record_type=RecordType.CANCELLATION,
            external_id=reservation_id,
            location=f"ReservationIds[{i}]",
            raw=dump(kept | {"ReservationIds": [reservation_id]}),
            raw_format=RAW_FORMAT,
            fields={"stay_status": "Canceled", "notes": notes} if notes else {"stay_status": "Canceled"},
            hotel_code=first(doc.get("EnterpriseId")),
        )
        for i, value in enumerate(items(doc.get("ReservationIds")) or _scalars(doc.get("ReservationIds")))
        if (reservation_id := first(value))
    ]


def _channel_manager_details(details: JsonObject, index: int) -> InboundRecord:
    group, number = (
        first(details.get("ChannelManagerGroupNumber")),
        first(details.get("ChannelManagerNumber")),
    )
    notes = [
        f"channel manager group {group}" if group else None,
        f"number {number} in its group" if number else None,
    ]
    fields = {
        "booking_reference": first(details.get("ChannelNumber")),
        "rate_plan": first(details.get("RequestedRateCode")),
        "channel": first(details.get("ChannelManagerName")),
        "notes": ", ".join(n for n in notes if n) or None,
        "created_at": first(details.get("CreatedUtc")),
    }
    reservation_id = first(details.get("ReservationId"))
    return InboundRecord(
        record_type=RecordType.RESERVATION,
        external_id=reservation_id,
        location=f"ChannelManagerDetails[{index}]",
        raw=dump({"ChannelManagerDetails": [details]}),
        raw_format=RAW_FORMAT,
        fields={k: v for k, v in fields.items() if v is not None},
        source_updated_at=fields["created_at"],
        reader_problems=[
            f"channel manager details only (no guest, dates or state): fetch reservation {reservation_id} "
            "(reservations/getAll) for the stay itself"
        ],
    )


def _events(doc: JsonObject) -> list[InboundRecord]:
    """General webhook: `Events[{Discriminator, Value{Id}}]`; only reservation and customer events."""
    enterprise = first(doc.get("EnterpriseId"))
    records = []
    for i, event in enumerate(items(doc.get("Events"))):
        kind, entity = first(get(event, "Discriminator")), first(get(event, "Value.Id"))
        if kind in RESERVATION_EVENTS:
            record_type, fetch = RecordType.RESERVATION, "reservations/getAll with ReservationIds"
        elif kind in CUSTOMER_EVENTS:
            record_type, fetch = RecordType.PROFILE, "customers/getAll with CustomerIds"
        else:
            continue
        records.append(
            InboundRecord(
                record_type=record_type,
                external_id=entity,
                location=f"Events[{i}]",
                raw=dump({"EnterpriseId": doc.get("EnterpriseId"), "Events": [event]}),
                raw_format=RAW_FORMAT,
                fields={"notes": f"Mews webhook event {kind}"},
                hotel_code=enterprise,
                reader_problems=[
                    f"a webhook event carries only the id {entity!r}: fetch it ({fetch}) and read that"
                ],
            )
        )
    return records


def _texts(value: object) -> list[str]:
    return [t for t in (first(v) for v in (value if isinstance(value, list) else [value])) if t]


def _scalars(value: object) -> list[object]:
    return [value] if first(value) else []
