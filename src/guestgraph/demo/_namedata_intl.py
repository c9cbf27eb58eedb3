"""Name tables for international (non-Chinese) demo guests, Latin script, some with diacritics."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Country:
    iso2: str
    calling_code: str
    weight: int
    family_first: bool  # passports and hotel clerks put the family name first
    passport: str  # shape: '#' digit, '@' letter, '*' letter or digit, anything else literal
    cities: tuple[str, ...]
    given_m: tuple[str, ...]
    given_f: tuple[str, ...]
    surnames: tuple[str, ...]
    mail_domains: tuple[str, ...]


def _t(text: str) -> tuple[str, ...]:
    return tuple(x.replace("_", " ") for x in text.split())


_EN_M = "James John Robert Michael William David Richard Joseph Thomas Christopher Daniel Matthew"
_EN_F = "Mary Patricia Jennifer Linda Elizabeth Susan Jessica Sarah Karen Emily Olivia Charlotte"
_UK_M = "Oliver George Harry Jack Charlie Thomas James William Alfie Henry"
_UK_F = "Olivia Amelia Isla Emily Sophie Charlotte Grace Freya Poppy"
_UK_S = "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Roberts O'Brien Walker"

COUNTRIES: tuple[Country, ...] = (
    Country(
        "US",
        "1",
        20,
        False,
        "#########",
        _t("New_York San_Francisco Los_Angeles Boston Seattle"),
        _t(_EN_M),
        _t(_EN_F),
        _t("Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Martin Nguyen"),
        ("gmail.com", "yahoo.com", "outlook.com", "icloud.com"),
    ),
    Country(
        "GB",
        "44",
        10,
        False,
        "#########",
        _t("London Manchester Edinburgh Bristol"),
        _t(_UK_M),
        _t(_UK_F),
        _t(_UK_S),
        ("gmail.com", "btinternet.com", "hotmail.co.uk"),
    ),
    Country(
        "DE",
        "49",
        10,
        False,
        "C********",
        _t("Berlin München Hamburg Frankfurt Köln"),
        _t("Jürgen Lukas Maximilian Jörg Stefan Thomas Michael Andreas Björn Günter"),
        _t("Anna Sophie Marie Jana Käthe Sabine Ursula Monika Jülide"),
        _t("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schröder Höfler Groß Krüger"),
        ("gmx.de", "web.de", "t-online.de", "gmail.com"),
    ),
    Country(
        "FR",
        "33",
        8,
        False,
        "##@@#####",
        _t("Paris Lyon Marseille Toulouse"),
        _t("François Jérôme Louis Gabriel Hugo Léo Étienne Pierre Jean-Luc"),
        _t("Hélène Élodie Chloé Léa Camille Manon Zoé Anaïs Marie-Claire"),
        _t("Martin Bernard Dubois Lefèvre Moreau Girard Rousseau Fontaine Chevalier Benoît"),
        ("orange.fr", "free.fr", "gmail.com", "laposte.net"),
    ),
    Country(
        "ES",
        "34",
        2,
        False,
        "@@@######",
        _t("Madrid Barcelona Valencia"),
        _t("José Javier Álvaro Sergio Andrés"),
        _t("María Lucía Sofía Inés Begoña"),
        _t("García Fernández González Muñoz Martínez López Pérez"),
        ("gmail.com", "telefonica.net"),
    ),
    Country(
        "JP",
        "81",
        14,
        True,
        "@@#######",
        _t("Tokyo Osaka Yokohama Nagoya Fukuoka"),
        _t("Hiroshi Takashi Kenji Daiki Haruto Yuto Sota Kaito Shohei"),
        _t("Yuki Aiko Haruka Sakura Yui Mei Hina Aoi Yoko"),
        _t("Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Saito"),
        ("docomo.ne.jp", "yahoo.co.jp", "gmail.com", "ezweb.ne.jp"),
    ),
    Country(
        "KR",
        "82",
        12,
        True,
        "M########",
        _t("Seoul Busan Incheon Daegu"),
        _t("Min-jun Seo-jun Do-yun Ji-ho Ha-joon Joon-young Sung-min"),
        _t("Seo-yeon Ji-eun Ha-eun Min-seo Su-bin Ji-woo Hye-jin"),
        _t("Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim"),
        ("naver.com", "daum.net", "gmail.com"),
    ),
    Country(
        "SG",
        "65",
        8,
        True,
        "E#######@",
        _t("Singapore"),
        _t("Wei_Ming Jun_Jie Kok_Leong Zhi_Hao Boon_Kiat"),
        _t("Hui_Min Mei_Ling Li_Ting Xin_Yi Shu_Fen"),
        _t("Tan Lim Lee Ng Ong Wong Goh Chua Teo"),
        ("gmail.com", "singnet.com.sg", "hotmail.com"),
    ),
    Country(
        "AU",
        "61",
        6,
        False,
        "P@#######",
        _t("Sydney Melbourne Brisbane Perth"),
        _t(_UK_M),
        _t(_UK_F),
        _t(_UK_S + " MacDonald"),
        ("bigpond.com", "gmail.com", "outlook.com"),
    ),
    Country(
        "CA",
        "1",
        5,
        False,
        "@@######",
        _t("Toronto Vancouver Montréal Calgary"),
        _t("Liam Noah Benjamin Étienne Mathieu Ryan"),
        _t("Emma Chloé Ava Geneviève Madison"),
        _t("Tremblay Gagnon Roy Côté Smith Brown Wilson MacLeod"),
        ("gmail.com", "videotron.ca", "shaw.ca"),
    ),
    Country(
        "IT",
        "39",
        3,
        False,
        "@@#######",
        _t("Roma Milano Torino Firenze"),
        _t("Giuseppe Marco Luca Matteo Niccolò"),
        _t("Giulia Francesca Chiara Sofia"),
        _t("Rossi Russo Ferrari Esposito Bianchi Romano De_Luca"),
        ("libero.it", "gmail.com", "tiscali.it"),
    ),
    Country(
        "NL",
        "31",
        1,
        False,
        "@@*****#",
        _t("Amsterdam Rotterdam Utrecht"),
        _t("Jan Daan Sem Bram Joost"),
        _t("Emma Julia Sanne Fleur Marloes"),
        _t("de_Jong Jansen de_Vries van_den_Berg van_Dijk Bakker"),
        ("ziggo.nl", "gmail.com", "kpnmail.nl"),
    ),
    Country(
        "SE",
        "46",
        1,
        False,
        "########",
        _t("Stockholm Göteborg Malmö"),
        _t("Björn Lars Anders Erik Oskar"),
        _t("Åsa Ingrid Linnéa Maja Elsa"),
        _t("Andersson Johansson Lindström Nilsson Ångström Eriksson"),
        ("telia.com", "gmail.com"),
    ),
)

COUNTRY_WEIGHTS: tuple[int, ...] = tuple(c.weight for c in COUNTRIES)

# Nicknames guests type into OTA forms instead of their passport name.
NICKNAMES: dict[str, str] = {
    "Robert": "Bob",
    "William": "Bill",
    "Richard": "Dick",
    "Michael": "Mike",
    "Christopher": "Chris",
    "Daniel": "Dan",
    "Matthew": "Matt",
    "Joseph": "Joe",
    "Thomas": "Tom",
    "James": "Jim",
    "Elizabeth": "Liz",
    "Patricia": "Pat",
    "Jennifer": "Jen",
    "Susan": "Sue",
    "Jessica": "Jess",
    "Charlotte": "Lottie",
    "Maximilian": "Max",
    "Benjamin": "Ben",
    "Alfie": "Alf",
    "Oliver": "Ollie",
    "Giuseppe": "Beppe",
    "Francesca": "Fran",
    "Andreas": "Andi",
    "Sabine": "Bine",
}
