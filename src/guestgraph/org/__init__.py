"""The hotel group: regions, hotels and the source systems that feed us."""

from guestgraph.org._schemas import GroupSpec, HotelPublic
from guestgraph.org._service import get_hotel, group_is_loaded, list_hotels, load_group, read_group_file

__all__ = [
    "GroupSpec",
    "HotelPublic",
    "get_hotel",
    "group_is_loaded",
    "list_hotels",
    "load_group",
    "read_group_file",
]
