"""Throughput of the guestgraph.cleanse standardisers, in parses per second.

Run: .venv/bin/python benchmarks/bench_cleanse.py [--seconds 0.5]

"cold" runs parse distinct inputs once each (every call misses the caches); "cached" runs cycle
over 500 inputs, as real files repeat guests across stays and hotels. The phone fast path, dates and
resident IDs have no cache and cycle over distinct inputs.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

import phonenumbers

from guestgraph.cleanse import (
    parse_cn_resident_id,
    parse_date,
    parse_email,
    parse_person_name,
    parse_phone,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红建文辉力国林晓海鹏宇浩婷雪琳梅"
PINYIN = ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma"]
SYLLABLES = ["wei", "fang", "na", "min", "jing", "qiang", "lei", "jun", "yang", "yong", "jie", "tao", "ming"]
EMAIL_DOMAINS = ("qq.com", "163.com", "acme.cn", "guest.booking.com")
MOBILE_PREFIXES = ["130", "135", "138", "139", "150", "158", "170", "180", "186", "188", "199"]
FOREIGN_SHAPES = ("+44 7{:03d} {:06d}", "+852 9{:03d} {:04d}", "+65 8{:03d} {:04d}")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def rate(parse: Callable[[str], object], inputs: Sequence[str], seconds: float, *, cold: bool) -> float:
    """Parses per second of ``parse`` over ``inputs`` for about ``seconds``; ``cold`` stops after one
    pass so that no input is parsed twice (no cache hits), otherwise the inputs are cycled."""
    parse(inputs[-1])  # load lazy dictionaries (pypinyin, OpenCC, CLDR) outside the measurement
    done, started = 0, time.perf_counter()
    while True:
        chunk = inputs[done % len(inputs) :][:2000]
        for value in chunk:
            parse(value)
        done += len(chunk)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds or (cold and done >= len(inputs)):
            return done / elapsed


def inputs(rng: random.Random, count: int) -> dict[str, list[str]]:
    days = [date(1950, 1, 1) + timedelta(days=rng.randrange(30000)) for _ in range(count)]
    han = [
        rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2, 3)))) for _ in range(count)
    ]
    return {  # each list distinct, so a pass over it never hits a cache
        key: list(dict.fromkeys(values)) for key, values in _raw_inputs(rng, count, days, han).items()
    }


def _raw_inputs(rng: random.Random, count: int, days: list[date], han: list[str]) -> dict[str, list[str]]:
    return {
        "cn_mobile": [f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}" for _ in range(count)],
        "foreign": _foreign(rng, count // 4),
        "iso_date": [d.isoformat() for d in days],
        "cn_date": [f"{d.year}年{d.month}月{d.day}日" for d in days],
        "han_name": han,
        "latin_name": [_latin_name(rng) for _ in range(count)],
        "resident_id": [_resident_id(rng, d) for d in days],
        "email": [f"guest{rng.randrange(10**8)}@{rng.choice(EMAIL_DOMAINS)}" for _ in range(count)],
    }


def _latin_name(rng: random.Random) -> str:
    """A pinyin name in one of the orders OTAs deliver, or a made-up Western name."""
    given = "".join(rng.choices(SYLLABLES, k=2)).capitalize()
    family = rng.choice(PINYIN).capitalize()
    western = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randrange(4, 9))).capitalize()
    return rng.choice((f"{given} {family}", f"{family.upper()}/{given.upper()}", f"{western} {family}x"))


def _foreign(rng: random.Random, count: int) -> list[str]:
    """Distinct valid foreign mobiles (UK, Hong Kong, Singapore), spaced as guests type them."""
    out: list[str] = []
    while len(out) < count:
        shape = rng.choice(FOREIGN_SHAPES)
        text = shape.format(rng.randrange(1000), rng.randrange(10**6 if shape.startswith("+44") else 10**4))
        if phonenumbers.is_valid_number(phonenumbers.parse(text)):
            out.append(text)
    return out


def _resident_id(rng: random.Random, born: date) -> str:
    first17 = f"{rng.choice(('110105', '310101', '440305'))}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.5, help="time per measurement")
    args = parser.parse_args()
    data = inputs(random.Random(42), 200_000)
    repeat = {key: values[:500] for key, values in data.items()}
    full_name: Callable[[str], object] = lambda raw: parse_person_name(full=raw)  # noqa: E731
    cases: list[tuple[str, Callable[[str], object], list[str]]] = [
        ("phone, CN mobile (fast path)", parse_phone, data["cn_mobile"]),
        ("phone, foreign (slow path, cold)", parse_phone, data["foreign"]),
        ("phone, foreign (cached)", parse_phone, repeat["foreign"]),
        ("date, ISO 2024-05-01", parse_date, data["iso_date"]),
        ("date, Chinese 2024年5月1日", parse_date, data["cn_date"]),
        ("name, Han (cold)", full_name, data["han_name"]),
        ("name, Han (cached)", full_name, repeat["han_name"]),
        ("name, Latin (cold)", full_name, data["latin_name"]),
        ("name, Latin (cached)", full_name, repeat["latin_name"]),
        ("resident ID", parse_cn_resident_id, data["resident_id"]),
        ("e-mail (cold)", parse_email, data["email"]),
        ("e-mail (cached)", parse_email, repeat["email"]),
    ]
    print(f"guestgraph.cleanse benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    machine = f"{platform.machine()}, os.cpu_count()={os.cpu_count()}"
    print(f"python {platform.python_version()} on {machine}, one thread")
    for label, parse, values in cases:
        measured = rate(parse, values, args.seconds, cold="(cold" in label)
        print(f"  {label:<36} {measured:>12,.0f} parses/s")


if __name__ == "__main__":
    main()
