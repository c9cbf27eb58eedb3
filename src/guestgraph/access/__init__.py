"""Who may see what: data scope and roles (authentication arrives with the protect issue)."""

from guestgraph.access._masking import mask_document, mask_email, mask_name, mask_phone
from guestgraph.access._roles import DEFAULT_ROLES, ensure_default_roles
from guestgraph.access._scope import DataScope, guest_visible, hotel_visible, stay_visible

__all__ = [
    "DEFAULT_ROLES",
    "DataScope",
    "ensure_default_roles",
    "guest_visible",
    "hotel_visible",
    "mask_document",
    "mask_email",
    "mask_name",
    "mask_phone",
    "stay_visible",
]
