"""OTA reservation feeds: ``ota/<channel>_<HOTEL>.xml`` as OpenTravel ``OTA_HotelResNotifRQ``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from guestgraph.demo._context import Context
from guestgraph.demo._dirt import Dirt
from guestgraph.demo._group import OTA_CHANNELS, Hotel
from guestgraph.demo._render import money, ota_name
from guestgraph.demo._stays import ROOM_TYPES, Stay

OTA_NS = "http://www.opentravel.org/OTA/2003/05"
_COMPANY = {
    "ctrip": ("CTRIP", "Ctrip"),
    "booking": ("BOOKING", "Booking.com"),
    "expedia": ("EXPEDIA", "Expedia"),
}
_TAX = {"ctrip": 1.06, "booking": 1.0, "expedia": 1.0}


def _ts(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}+08:00"


def _messages(stays: Sequence[Stay]) -> list[tuple[datetime, float, int, str, Stay]]:
    """(time, tie-break, order, ResStatus, stay) for every message in the feed, in time order."""
    out: list[tuple[datetime, float, int, str, Stay]] = []
    for st in stays:
        if not st.ota_cancel_only:
            out.append((st.created, st.key, 0, "Commit", st))
        if st.ota_modified and st.changed_at is not None and st.status != "cancelled":
            out.append((st.changed_at, st.key, 1, "Modify", st))
        if st.status == "cancelled" and st.changed_at is not None:
            out.append((st.changed_at, st.key, 2, "Cancel", st))
    out.sort(key=lambda m: (m[0], m[1], m[2]))
    return out


def _guest_name(d: Dirt, st: Stay) -> tuple[str, str]:
    p, rng = st.person, d.rng
    if st.channel == "ctrip" and p.han_sur and rng.random() < 0.3:
        return p.han_given, p.han_sur
    given, sur = ota_name(rng, p)
    return given, d.latin(p.idx, sur)


def _customer(st: Stay, name: tuple[str, str]) -> str:
    given, sur = name
    parts = ["<Customer><PersonName>"]
    if given:
        parts.append(f"<GivenName>{escape(given)}</GivenName>")
    parts.append(f"<Surname>{escape(sur)}</Surname></PersonName>")
    if st.ota_phone:
        parts.append(f'<Telephone PhoneTechType="5" PhoneNumber={quoteattr(st.ota_phone)}/>')
    if st.ota_email:
        parts.append(f"<Email>{escape(st.ota_email)}</Email>")
    parts.append(f'<Address><CountryName Code="{st.person.nationality}"/></Address></Customer>')
    return "".join(parts)


def _reservation(st: Stay, status: str, moment: datetime, name: tuple[str, str]) -> str:
    nights, room_type = st.nights, ROOM_TYPES[st.room_type][0]
    if status == "Commit" and st.ota_modified:  # the original booking before the guest changed it
        nights = nights + 1 if st.key < 0.5 else max(1, nights - 1)
        room_type = ROOM_TYPES[(st.room_type + 1) % len(ROOM_TYPES)][0] if st.key > 0.8 else room_type
    end = st.arrival + timedelta(days=nights)
    total = money(st.nightly * nights * _TAX[st.channel])
    return (
        f'    <HotelReservation CreateDateTime="{_ts(st.created)}" LastModifyDateTime="{_ts(moment)}"'
        f' ResStatus="{status}">\n'
        f'      <UniqueID Type="14" ID="{st.ota_id}"/>\n'
        "      <RoomStays><RoomStay>"
        f'<RoomTypes><RoomType RoomTypeCode="{room_type}"/></RoomTypes>'
        f'<RatePlans><RatePlan RatePlanCode="{st.rate_code}"/></RatePlans>'
        f'<GuestCounts><GuestCount AgeQualifyingCode="10" Count="{st.adults}"/></GuestCounts>'
        f'<TimeSpan Start="{st.arrival.isoformat()}" End="{end.isoformat()}"/>'
        f'<Total AmountAfterTax="{total}" CurrencyCode="{st.hotel.currency}"/>'
        f'<BasicPropertyInfo HotelCode="{st.hotel.code}"/>'
        "</RoomStay></RoomStays>\n"
        '      <ResGuests><ResGuest ResGuestRPH="1"><Profiles><ProfileInfo><Profile ProfileType="1">'
        f"{_customer(st, name)}"
        "</Profile></ProfileInfo></Profiles></ResGuest></ResGuests>\n"
        "    </HotelReservation>\n"
    )


def _header(ctx: Context, d: Dirt, channel: str) -> str:
    code, label = _COMPANY[channel]
    token = f"{d.rng.getrandbits(128):032x}"
    echo = f"{token[:8]}-{token[8:12]}-{token[12:16]}-{token[16:20]}-{token[20:]}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OTA_HotelResNotifRQ xmlns="{OTA_NS}" EchoToken="{echo}"'
        f' TimeStamp="{ctx.today.isoformat()}T06:00:00+08:00" Version="1.003">\n'
        f'  <POS><Source><RequestorID Type="22" ID="{code}"/>'
        f'<BookingChannel Type="7" Primary="true"><CompanyName Code="{code}">{label}</CompanyName>'
        "</BookingChannel></Source></POS>\n"
        "  <HotelReservations>\n"
    )


def write_ota(ctx: Context, channel: str, hotel: Hotel, stays: Sequence[Stay]) -> None:
    """The reservation feed of one channel for one hotel."""
    rel = f"ota/{channel}_{hotel.code}.xml"
    system = OTA_CHANNELS[channel]
    d = ctx.dirt(f"ota:{channel}:{hotel.code}")
    names: dict[str, tuple[str, str]] = {}
    with ctx.path("ota", rel).open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(_header(ctx, d, channel))
        for moment, _key, _order, status, st in _messages(stays):
            if st.ota_id not in names:
                names[st.ota_id] = _guest_name(d, st)
                ctx.truth.add(system, rel, f"{channel}:{st.ota_id}:guest", st.person)
            fh.write(_reservation(st, status, moment, names[st.ota_id]))
        fh.write("  </HotelReservations>\n</OTA_HotelResNotifRQ>\n")
    ctx.records["ota"] += len(names)
