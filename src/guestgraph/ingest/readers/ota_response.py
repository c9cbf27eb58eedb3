"""The replies we send to OTA senders: OTA_HotelResNotifRS (push) and OTA_NotifReportRQ (pull ack).

Built with ElementTree (building, not parsing: nothing untrusted is read here), in the OTA
namespace, with `Version` and a UTC `TimeStamp`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

OTA_NS = "http://www.opentravel.org/OTA/2003/05"
ERROR_TYPE_BUSINESS = "3"  # OTA EWT 3 = business rule; Code from the OTA ERR list (e.g. 392, 450)


def hotel_res_notif_rs(
    *,
    echo_token: str | None,
    version: str,
    results: list[tuple[str, str | None]],
    errors: list[tuple[str, str]],
    cancelled: Collection[str] = (),
) -> bytes:
    """OTA_HotelResNotifRS: `<Success/>` echoing each reservation, or `<Errors>` when `errors` is not empty.

    `results` holds (UniqueID the sender gave, our hotel confirmation number or None); the echo
    uses UniqueID Type 14, or 15 for ids in `cancelled` (AlpineBits acknowledges cancellations so).
    `errors` holds (OTA error code, text); an error response carries no reservations.
    """
    root = _root("OTA_HotelResNotifRS", echo_token=echo_token, version=version)
    if errors:
        _errors(root, errors)
        return _bytes(root)
    SubElement(root, "Success")
    if results:
        reservations = SubElement(root, "HotelReservations")
        for unique_id, confirmation in results:
            reservation = SubElement(reservations, "HotelReservation")
            SubElement(reservation, "UniqueID", Type="15" if unique_id in cancelled else "14", ID=unique_id)
            if confirmation:
                ids = SubElement(SubElement(reservation, "ResGlobalInfo"), "HotelReservationIDs")
                SubElement(ids, "HotelReservationID", ResID_Type="3", ResID_Value=confirmation)
    return _bytes(root)


def notif_report_rq(
    *,
    echo_token: str | None = None,
    version: str = "1.000",
    acknowledged: Sequence[tuple[str, str]],
    refused: Sequence[tuple[str, str]] = (),
) -> bytes:
    """OTA_NotifReportRQ acknowledging an AlpineBits pull (OTA_ResRetrieveRS).

    `acknowledged` holds (UniqueID, UniqueID Type — "14" reservation, "15" cancellation);
    `refused` holds (UniqueID, reason) and becomes `<Warning Type="3" Code="450" RecordID=…>`.
    """
    root = _root("OTA_NotifReportRQ", echo_token=echo_token, version=version)
    SubElement(root, "Success")
    if refused:
        warnings = SubElement(root, "Warnings")
        for record_id, reason in refused:
            warning = SubElement(
                warnings, "Warning", Type=ERROR_TYPE_BUSINESS, Code="450", RecordID=record_id
            )
            warning.text = reason
    if acknowledged:
        reservations = SubElement(
            SubElement(SubElement(root, "NotifDetails"), "HotelNotifReport"), "HotelReservations"
        )
        for unique_id, id_type in acknowledged:
            SubElement(SubElement(reservations, "HotelReservation"), "UniqueID", Type=id_type, ID=unique_id)
    return _bytes(root)


def _root(name: str, *, echo_token: str | None, version: str) -> Element:
    root = Element(
        name, xmlns=OTA_NS, Version=version, TimeStamp=datetime.now(UTC).isoformat(timespec="seconds")
    )
    if echo_token:
        root.set("EchoToken", echo_token)
    return root


def _errors(root: Element, errors: list[tuple[str, str]]) -> None:
    container = SubElement(root, "Errors")
    for code, message in errors:
        error = SubElement(container, "Error", Type=ERROR_TYPE_BUSINESS, Code=code)
        error.text = message


def _bytes(root: Element) -> bytes:
    document: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return document
