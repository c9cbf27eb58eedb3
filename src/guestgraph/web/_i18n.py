"""UI translations: Babel .po catalogs compiled in memory at start-up (no build step).

Message ids are the English text; `zh_CN` is the default UI language. A test checks that every
string the templates use has a Chinese translation.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

CATALOG_DIR = Path(__file__).parent.parent / "i18n"
LOCALES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
LOCALE_COOKIE = "gg_locale"
# Message ids that templates translate from data (`_(batch.status)`), so extraction cannot see them.
DYNAMIC_MESSAGES = (
    "running",
    "completed",
    "failed",
    "fix",
    "warn",
    "reject",
    "accepted",
    "accepted_with_warnings",
    "quarantined",
    "superseded",
    "discarded",
    "booked",
    "in_house",
    "checked_out",
    "cancelled",
    "no_show",
    "room",
    "fnb",
    "spa",
    "minibar",
    "other",
    "primary",
    "additional",
    "booker",
    # sign-in and account errors shown on the forms
    "Wrong username or password.",
    "Check the username and the password (it is case-sensitive).",
    "Too many failed sign-ins for this account or from this address.",
    "Wait a few minutes and try again, or ask an administrator for help.",
    "That code is not valid (or was already used).",
    "Enter the current 6-digit code from your authenticator app, or a recovery code.",
    "That code does not match.",
    "Check the phone's clock and enter the code currently shown.",
    "Too many wrong codes.",
    "Sign in again with your password.",
    "The two passwords differ.",
    "Type the same password twice.",
    "The password is shorter than 8 characters.",
    "The password is longer than 128 characters.",
    "This password is among the most common ones and is guessed first.",
    "The password is built on a word that is easy to guess (the product, a hotel or your name).",
    "Use a passphrase of several unrelated words; length matters more than symbols.",
    "The current password is wrong.",
    "Type your current password again.",
    "This password reset link is not valid: it was used already, has expired or never existed.",
    "Ask an admin for a new link.",
)


def read_catalog(locale: str) -> Catalog:
    """One catalog from every .po file of the locale (messages.po plus one per capability, e.g.
    analytics.po), so that packages built in parallel do not edit the same file."""
    merged = Catalog(locale=locale)
    for po in sorted((CATALOG_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                if message.id:
                    merged[message.id] = message
    return merged


def load_translations() -> dict[str, NullTranslations]:
    out: dict[str, NullTranslations] = {"en": NullTranslations()}
    for locale in LOCALES:
        if (CATALOG_DIR / locale / "LC_MESSAGES").is_dir():
            buf = BytesIO()
            write_mo(buf, read_catalog(locale))
            buf.seek(0)
            out[locale] = Translations(fp=buf)
    return out


def gettext_for(translations: NullTranslations) -> Callable[..., str]:
    """A `_()` for templates: `_("Page %(n)s", n=2)` translates first, then formats."""

    def _(message: str, **variables: object) -> str:
        text = translations.gettext(message)
        return text % variables if variables else text

    return _


def pick_locale(cookie: str | None, query: str | None, default: str) -> str:
    for candidate in (query, cookie):
        if candidate in LOCALES:
            return candidate
    return default
