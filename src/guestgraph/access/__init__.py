"""Who may see and do what: staff accounts, sign-in with a second factor, sessions, roles with
permissions, data scope (applied in the data layer) and masking."""

from guestgraph.access._changes import (
    PendingChange,
    approve_access_change,
    pending_access_changes,
    propose_access_change,
    reject_access_change,
)
from guestgraph.access._errors import (
    CsrfRejected,
    Forbidden,
    InvalidCredentials,
    NotSignedIn,
    SecondFactorRequired,
    TooManyAttempts,
    WeakPassword,
)
from guestgraph.access._keys import InvalidApiKey, authenticate_source, issue_source_key
from guestgraph.access._login import (
    LoginPolicy,
    NextStep,
    SignIn,
    confirm_enrollment,
    enrollment_seed,
    sign_in,
    verify_second_factor,
)
from guestgraph.access._masking import mask_document, mask_email, mask_name, mask_phone
from guestgraph.access._passwords import check_password_policy, hash_password
from guestgraph.access._permissions import Permission
from guestgraph.access._roles import DEFAULT_ROLES, ensure_default_roles
from guestgraph.access._scope import DataScope, guest_visible, hotel_id_visible, hotel_visible, stay_visible
from guestgraph.access._sessions import Principal, SessionPolicy, end_session, load_principal, start_session
from guestgraph.access._users import (
    NewUser,
    RoleRow,
    StaffRow,
    change_password,
    complete_password_reset,
    create_user,
    get_user,
    issue_password_reset,
    list_roles,
    list_staff,
    reset_second_factor,
    scope_for,
    set_active,
    set_role_mfa,
)

__all__ = [
    "PendingChange",
    "approve_access_change",
    "pending_access_changes",
    "propose_access_change",
    "reject_access_change",
    "DEFAULT_ROLES",
    "CsrfRejected",
    "DataScope",
    "Forbidden",
    "InvalidApiKey",
    "InvalidCredentials",
    "LoginPolicy",
    "NewUser",
    "NextStep",
    "NotSignedIn",
    "Permission",
    "Principal",
    "SecondFactorRequired",
    "SessionPolicy",
    "SignIn",
    "TooManyAttempts",
    "WeakPassword",
    "authenticate_source",
    "change_password",
    "check_password_policy",
    "complete_password_reset",
    "confirm_enrollment",
    "create_user",
    "end_session",
    "enrollment_seed",
    "ensure_default_roles",
    "get_user",
    "guest_visible",
    "hash_password",
    "hotel_id_visible",
    "hotel_visible",
    "issue_password_reset",
    "issue_source_key",
    "load_principal",
    "mask_document",
    "mask_email",
    "mask_name",
    "mask_phone",
    "reset_second_factor",
    "set_active",
    "set_role_mfa",
    "list_staff",
    "list_roles",
    "scope_for",
    "StaffRow",
    "RoleRow",
    "sign_in",
    "start_session",
    "stay_visible",
    "verify_second_factor",
]
