"""Readers for pushed and pulled messages: OTA XML (AlpineBits, Expedia, SiteMinder), and JSON from
OPERA Cloud (OHIP), Mews, Cloudbeds, MyAllocator and apaleo (detected by shape).

Readers only locate values under canonical names (see `guestgraph.ingest._inbound`); they never
normalise them, and they never keep payment card data.
"""

from guestgraph.ingest.readers._errors import ReaderError
from guestgraph.ingest.readers._xmlsafe import parse_xml
from guestgraph.ingest.readers.ohip_json import read_ohip_json
from guestgraph.ingest.readers.ota_response import hotel_res_notif_rs, notif_report_rq
from guestgraph.ingest.readers.ota_xml import OtaMessage, read_ota_xml
from guestgraph.ingest.readers.vendor_json import read_vendor_json

__all__ = [
    "OtaMessage",
    "ReaderError",
    "hotel_res_notif_rs",
    "notif_report_rq",
    "parse_xml",
    "read_ohip_json",
    "read_ota_xml",
    "read_vendor_json",
]
