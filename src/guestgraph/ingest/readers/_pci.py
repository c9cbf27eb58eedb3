"""Payment card data never leaves a reader: it is cut out of everything kept as `raw`.

Cards come as whole elements (OTA `PaymentCard` with `CardNumber`, `SeriesCode` = CVV,
`ThreeDomainSecurity` results, virtual-card `TPA_Extensions`) or as attributes on other
elements; OHIP JSON carries `paymentCard` objects and `*CardNumber` keys. Names are compared
case-insensitively. The downstream scrubber still scans text for card-like numbers.
"""

from __future__ import annotations

import copy
import re
from xml.etree.ElementTree import Element

from guestgraph.ingest.readers._xmlsafe import local_name

CARD_ELEMENTS = frozenset(
    {
        "paymentcard",
        "cardnumber",
        "seriescode",
        "threedomainsecurity",
        "virtualcreditcard",
        "cardholdername",
        "magstripe",
        "bankacct",
    }
)
CARD_ATTRIBUTE = re.compile(r"cardnumber|seriescode|^cvv|^cvc|securitycode|maskedcard", re.IGNORECASE)
CARD_KEY = re.compile(r"card.?number|cvv|cvc|securitycode|seriescode|^paymentcard$|cardholder", re.IGNORECASE)


def without_card_data(element: Element) -> Element:
    """A copy of `element` with every card element and card attribute removed."""
    clean = copy.deepcopy(element)
    if local_name(clean.tag).lower() in CARD_ELEMENTS:
        clean.clear()
        return clean
    for node in list(clean.iter()):
        for name in [k for k in node.attrib if CARD_ATTRIBUTE.search(local_name(k))]:
            del node.attrib[name]
        for sub in [c for c in node if local_name(c.tag).lower() in CARD_ELEMENTS]:
            node.remove(sub)
    return clean


def strip_card_keys(value: object) -> object:
    """Remove card keys from parsed JSON in place (iteratively: payloads may nest deeply)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in [k for k in node if CARD_KEY.search(str(k))]:
                del node[key]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return value
