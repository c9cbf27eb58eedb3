"""One OPERA Cloud (OHIP) profile, or a reservation's flat guest summary, as a person dict."""

from __future__ import annotations

from guestgraph.ingest.readers._jsonpath import JsonObject, first, get, items, obj, pick, yes_no

Person = dict[str, str | None]


def profile_person(profile: JsonObject, *, role: str) -> Person:
    """`profile` / `profileDetails`: customer, emails, telephones, addresses, memberships, privacy."""
    customer = obj(profile.get("customer"))
    name = _primary_name(items(customer.get("personName")))
    document = pick(
        [obj(e).get("identification") for e in items(get(customer, "identifications.identificationInfo"))]
    )
    email = pick([obj(e).get("email") for e in items(get(profile, "emails.emailInfo"))])
    membership = pick(items(get(profile, "profileMemberships.profileMembership")), flag="preferredCard")
    privacy = obj(profile.get("privacyInfo"))
    person: Person = {
        "role": role,
        "given_name": first(name.get("givenName")),
        "middle_name": first(name.get("middleName")),
        "family_name": first(name.get("surname")),
        "salutation": first(name.get("nameTitle"), name.get("namePrefix")),
        "gender": first(customer.get("gender")),
        "birth_date": first(customer.get("birthDate")),
        "nationality": first(customer.get("nationality"), get(customer, "citizenCountry.code")),
        "language": first(customer.get("language"), name.get("language")),
        "vip_level": first(customer.get("vipStatus")),
        "id_type": first(document.get("idType")),
        "id_number": first(document.get("idNumber")),
        "id_issuing_country": first(document.get("issuedCountry")),
        "email": first(email.get("emailAddress")),
        "loyalty_program": first(membership.get("membershipType"), membership.get("programDescription")),
        "loyalty_number": first(membership.get("membershipId")),
        "loyalty_tier": first(membership.get("membershipLevel")),
        "company_name": first(get(profile, "company.companyName")),
        "consent_email_marketing": yes_no(privacy.get("optInEmail")),
        "consent_sms_marketing": yes_no(privacy.get("optInSms")),
        "consent_post_marketing": yes_no(privacy.get("optInMailingList")),
    }
    person.update(_phones([obj(e).get("telephone") for e in items(get(profile, "telephones.telephoneInfo"))]))
    person.update(address([obj(e).get("address") for e in items(get(profile, "addresses.addressInfo"))]))
    return _present(person)


def guest_summary_person(guest: JsonObject, *, role: str) -> Person:
    """`reservationGuest` of the reservations search: flat names, phone, e-mail, address, VIP."""
    person: Person = {
        "role": role,
        "given_name": first(guest.get("givenName")),
        "middle_name": first(guest.get("middleName")),
        "family_name": first(guest.get("surname")),
        "salutation": first(guest.get("nameTitle")),
        "phone": first(guest.get("phoneNumber")),
        "email": first(guest.get("email")),
        "language": first(guest.get("language")),
        "vip_level": first(get(guest, "vip.vipCode")),
        "birth_date": first(guest.get("birthDate")),
    }
    person.update(address([guest.get("address")]))
    return _present(person)


def relationship_person(related: JsonObject, *, role: str) -> Person:
    """`relationshipProfile`: one unsplit name, a phone, an e-mail and an address."""
    person: Person = {
        "role": role,
        "full_name": first(related.get("customerName")),
        "phone": first(related.get("telephoneNumber")),
        "email": first(related.get("emailAddress")),
    }
    person.update(address([related.get("address")]))
    return _present(person)


def address(entries: list[object]) -> Person:
    found = pick(entries)
    if not found:
        return {}
    sent = found.get("addressLine")
    lines = [line for line in ([sent] if isinstance(sent, str) else items(sent)) if first(line)]
    country = found.get("country")
    return {
        "address_line": ", ".join(str(line) for line in lines) or None,
        "city": first(found.get("cityName"), found.get("city")),
        "postal_code": first(found.get("postalCode")),
        "region": first(found.get("state")),
        "country": first(get(country, "code"), get(country, "value"), get(country, "name"), country),
    }


def _phones(entries: list[object]) -> Person:
    phones = [obj(e) for e in entries if str(obj(e).get("phoneTechType", "")).upper() != "FAX"]
    phones.sort(key=lambda p: p.get("primaryInd") is not True)
    numbers = [n for n in (first(p.get("phoneNumber")) for p in phones) if n]
    return {"phone": numbers[0] if numbers else None, "phone_alt": numbers[1] if len(numbers) > 1 else None}


def _primary_name(names: list[object]) -> JsonObject:
    objects = [obj(n) for n in names]
    return next(
        (n for n in objects if str(n.get("nameType", "")).lower() == "primary"), objects[0] if objects else {}
    )


def _present(person: Person) -> Person:
    return {k: v for k, v in person.items() if v is not None}
