"""Who may see what: data scope and roles (authentication arrives with the protect issue)."""

from guestgraph.access._keys import InvalidApiKey, authenticate_source, issue_source_key
from guestgraph.access._masking import mask_document, mask_email, mask_name, mask_phone
from guestgraph.access._roles import DEFAULT_ROLES, ensure_default_roles
from guestgraph.access._scope import DataScope, guest_visible, hotel_id_visible, hotel_visible, stay_visible

__all__ = [
    "DEFAULT_ROLES",
    "DataScope",
    "InvalidApiKey",
    "authenticate_source",
    "ensure_default_roles",
    "guest_visible",
    "hotel_id_visible",
    "hotel_visible",
    "issue_source_key",
    "mask_document",
    "mask_email",
    "mask_name",
    "mask_phone",
    "stay_visible",
]
