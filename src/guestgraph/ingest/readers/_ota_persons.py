"""The people of an OTA `HotelReservation`: guests, booker, company and travel agent, as sent.

Guests sit under `ResGuests/ResGuest/Profiles/ProfileInfo/Profile`; the booker, company
(`ProfileType` 2/3) and travel agent (4) under `ResGlobalInfo/Profiles`. Values are located, not
judged: phone numbers, dates and country codes stay as sent for the standardiser.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from guestgraph.ingest.readers._xmlsafe import attr, child, children, find, find_all, text

Person = dict[str, str | None]

COMPANY_TYPES = frozenset({"2", "3"})
TRAVEL_AGENT_TYPES = frozenset({"4"})
FAX_TYPES = frozenset({"3", "fax"})
YES_NO = {"yes": "yes", "true": "yes", "1": "yes", "no": "no", "false": "no", "0": "no"}


def reservation_persons(reservation: Element) -> list[Person]:
    """Guests first (primary, then additional), then booker, company and travel agent."""
    return _guests(reservation) + _global_profiles(reservation)


def _guests(reservation: Element) -> list[Person]:
    found: list[tuple[Person, bool]] = []
    for res_guest in find_all(reservation, "ResGuests/ResGuest"):
        flagged = (attr(res_guest, "PrimaryIndicator") or "").lower() in ("1", "true")
        for profile in find_all(res_guest, "Profiles/ProfileInfo/Profile"):
            person = profile_person(profile, default_role="guest")
            if person is not None:
                found.append((person, flagged))
    primary_index = next((i for i, (_, flagged) in enumerate(found) if flagged), 0)
    guests: list[Person] = []
    for i, (person, _) in enumerate(found):
        if person["role"] == "guest":
            person["role"] = "primary" if i == primary_index else "additional"
        guests.append(person)
    guests.sort(key=lambda p: p["role"] != "primary")
    return guests


def _global_profiles(reservation: Element) -> list[Person]:
    persons: list[Person] = []
    for profile in find_all(reservation, "ResGlobalInfo/Profiles/ProfileInfo/Profile"):
        person = profile_person(profile, default_role="booker")
        if person is not None:
            persons.append(person)
    return persons


def profile_person(profile: Element, *, default_role: str) -> Person | None:
    """One `Profile` as a person dict, or None when it names nobody and carries no contact."""
    profile_type = attr(profile, "ProfileType")
    customer, company = child(profile, "Customer"), child(profile, "CompanyInfo")
    if profile_type in COMPANY_TYPES or (customer is None and company is not None):
        role = "travel_agent" if profile_type in TRAVEL_AGENT_TYPES else "company"
    elif profile_type in TRAVEL_AGENT_TYPES:
        role = "travel_agent"
    else:
        role = default_role
    if customer is not None and role in ("guest", "booker"):
        person = customer_fields(customer)
    elif company is not None:
        person = company_fields(company)
    elif customer is not None:
        person = customer_fields(customer)
    else:
        return None
    _profile_consent(profile, person)
    if not any(person.values()):
        return None
    return {"role": role, **{k: v for k, v in person.items() if v is not None}}


def customer_fields(customer: Element) -> Person:
    person: Person = {}
    person.update(person_name(child(customer, "PersonName")))
    person["gender"] = attr(customer, "Gender")
    person["birth_date"] = attr(customer, "BirthDate")
    person["language"] = attr(customer, "Language")
    nationality = child(customer, "CitizenCountryName")
    person["nationality"] = attr(nationality, "Code") or text(nationality)
    person.update(_phones(children(customer, "Telephone")))
    person.update(_email(children(customer, "Email")))
    person.update(_address(children(customer, "Address")))
    loyalty = child(customer, "CustLoyalty")
    person["loyalty_program"] = attr(loyalty, "ProgramID")
    person["loyalty_number"] = attr(loyalty, "MembershipID")
    person["loyalty_tier"] = attr(loyalty, "LoyalLevel") or attr(loyalty, "LoyalLevelCode")
    document = child(customer, "Document")
    person["id_type"] = attr(document, "DocType")
    person["id_number"] = attr(document, "DocID")
    person["id_issuing_country"] = attr(document, "DocIssueCountry") or attr(document, "DocIssueNation")
    person["company_name"] = text(find(customer, "EmployerInfo/CompanyName")) or text(
        child(customer, "EmployerInfo")
    )
    return person


def company_fields(company: Element) -> Person:
    name = child(company, "CompanyName")
    person: Person = {"company_name": text(name) or attr(name, "Code")}
    person.update(person_name(find(company, "ContactPerson/PersonName")))
    person.update(_phones(children(company, "TelephoneInfo") + children(company, "Telephone")))
    person.update(_email(children(company, "Email")))
    person.update(_address(children(company, "AddressInfo") + children(company, "Address")))
    return person


def person_name(name: Element | None) -> Person:
    """`PersonName` parts; several GivenName/MiddleName elements are joined with a space."""

    def joined(part: str) -> str | None:
        values = [v for v in (text(e) for e in children(name, part)) if v]
        return " ".join(values) or None

    salutation = [v for v in (joined("NamePrefix"), joined("NameTitle")) if v]
    return {
        "given_name": joined("GivenName"),
        "middle_name": joined("MiddleName"),
        "family_name": joined("Surname"),
        "salutation": " ".join(salutation) or None,
    }


def phone_number(telephone: Element) -> str | None:
    """`@PhoneNumber` as sent, or Expedia's split parts joined as "+CC AREA NUMBER"."""
    number = attr(telephone, "PhoneNumber") or text(telephone)
    if number is None:
        return None
    country, area = attr(telephone, "CountryAccessCode"), attr(telephone, "AreaCityCode")
    if number.lstrip().startswith("+"):  # already international: the split parts would repeat it
        return number
    parts = [country if country is None or country.startswith("+") else f"+{country}", area, number]
    return " ".join(p for p in parts if p)


def _phones(telephones: list[Element]) -> Person:
    numbers = [
        n
        for n in (
            phone_number(t) for t in telephones if (attr(t, "PhoneTechType") or "").lower() not in FAX_TYPES
        )
        if n
    ]
    return {"phone": numbers[0] if numbers else None, "phone_alt": numbers[1] if len(numbers) > 1 else None}


def _email(emails: list[Element]) -> Person:
    address = next((v for v in (text(e) for e in emails) if v), None)
    consent = next((c for c in (_consent(e, "newsletter") for e in emails) if c), None)
    return {"email": address, "consent_email_marketing": consent}


def _address(addresses: list[Element]) -> Person:
    address = next((a for a in addresses if text(a) or child(a, "CountryName") is not None), None)
    if address is None:
        return {}
    lines = [v for v in (text(e) for e in children(address, "AddressLine")) if v]
    region, country = child(address, "StateProv"), child(address, "CountryName")
    return {
        "address_line": ", ".join(lines) or None,
        "city": text(child(address, "CityName")),
        "postal_code": text(child(address, "PostalCode")),
        "region": text(region) or attr(region, "StateCode"),
        "country": attr(country, "Code") or text(country),
        "consent_post_marketing": _consent(address, "catalog"),
    }


def _consent(element: Element, remark_key: str) -> str | None:
    """AlpineBits `@Remark="newsletter:yes"` / `"catalog:no"`, else OTA `@ShareMarketInd` Yes/No."""
    remark = attr(element, "Remark")
    if remark and ":" in remark:
        key, _, value = remark.partition(":")
        if key.strip().lower() == remark_key:
            value = value.strip()
            return YES_NO.get(value.lower(), value)
    return YES_NO.get((attr(element, "ShareMarketInd") or "").lower())


def _profile_consent(profile: Element, person: Person) -> None:
    """Profile-wide `@ShareAllOptOutInd="Yes"` / `@ShareAllMarketInd` fill what contacts left open."""
    opted_out = YES_NO.get((attr(profile, "ShareAllOptOutInd") or "").lower()) == "yes"
    overall = "no" if opted_out else YES_NO.get((attr(profile, "ShareAllMarketInd") or "").lower())
    if overall is None:
        return
    for key in ("consent_email_marketing", "consent_post_marketing"):
        if person.get(key) is None:
            person[key] = overall
