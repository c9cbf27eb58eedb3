"""Entry point: generate the demo hotel group's source files and their ground truth."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from guestgraph.demo._context import TRUTH_PERSONS, TRUTH_RECORDS, Context, Truth, write_persons
from guestgraph.demo._group import HOTELS, ota_channels_for, write_group_json
from guestgraph.demo._people import Person, synthesize_people
from guestgraph.demo._stays import Stay, assign_identifiers, plan_person
from guestgraph.demo._writers_frontdesk import write_frontdesk
from guestgraph.demo._writers_loyalty import write_loyalty
from guestgraph.demo._writers_ota import write_ota
from guestgraph.demo._writers_pms import write_pms
from guestgraph.demo._writers_pos import write_pos

REFERENCE_DATE = date(2026, 11, 1)
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What :func:`generate_demo` wrote."""

    out_dir: Path
    guests: int
    seed: int
    persons: int  # synthetic persons (== guests)
    source_records: int  # guest-bearing source records, i.e. lines of truth/records.csv
    records_by_kind: Mapping[str, int]  # rows/messages per file kind (pms, ota, loyalty, frontdesk, pos)
    files_by_kind: Mapping[str, int]  # number of files per kind (plus group and truth)
    files: tuple[Path, ...]  # every file written, sorted


class _Progress:
    """Reports ``done`` out of ``3 * guests`` units: persons, stay planning, writing."""

    def __init__(self, fn: ProgressFn | None, guests: int) -> None:
        self.fn = fn
        self.total = max(1, 3 * guests)
        self.done = 0

    def tick(self, units: int) -> None:
        self.done = min(self.total, self.done + units)
        if self.fn is not None:
            self.fn(self.done, self.total)

    def finish(self) -> None:
        self.tick(self.total - self.done)


def _plan(rng: random.Random, people: list[Person], today: date, progress: _Progress) -> list[Stay]:
    stays: list[Stay] = []
    for p in people:
        stays.extend(plan_person(rng, p, today))
        if (p.idx + 1) % 1000 == 0:
            progress.tick(1000)
    progress.tick(len(people) % 1000)
    assign_identifiers(rng, stays)
    return stays


def _write_sources(ctx: Context, people: list[Person], stays: list[Stay], progress: _Progress) -> None:
    per_hotel: dict[str, list[Stay]] = {h.code: [] for h in HOTELS}
    for st in stays:
        per_hotel[st.hotel.code].append(st)
    share = len(people) // (len(HOTELS) + 1)
    for hotel in HOTELS:
        mine = per_hotel[hotel.code]
        write_pms(ctx, hotel, mine)
        for channel in ota_channels_for(hotel):
            write_ota(ctx, channel, hotel, [s for s in mine if s.channel == channel])
        if hotel.frontdesk:
            write_frontdesk(ctx, hotel, [s for s in mine if s.frontdesk])
        write_pos(ctx, hotel, mine)
        progress.tick(share)
    write_loyalty(ctx, people)


def generate_demo(
    *,
    out_dir: Path,
    guests: int,
    seed: int,
    progress: ProgressFn | None = None,
    today: date = REFERENCE_DATE,
) -> DemoSummary:
    """Write the Yunqi demo group (``group.json``), its source files and ``truth/`` into ``out_dir``.

    The output depends only on ``guests``, ``seed`` and ``today``: equal arguments give
    byte-identical files. ``progress(done, total)`` is called as work advances.
    """
    if guests < 1:
        raise ValueError("guests must be at least 1")
    out_dir = Path(out_dir)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    bar = _Progress(progress, guests)
    people = synthesize_people(random.Random(f"{seed}:people"), guests, today, bar.tick)
    stays = _plan(random.Random(f"{seed}:stays"), people, today, bar)
    truth = Truth(out_dir / TRUTH_RECORDS, len(people))
    ctx = Context(out_dir, seed, today, truth)
    write_group_json(ctx.path("group", "group.json"))
    try:
        _write_sources(ctx, people, stays, bar)
    finally:
        truth.close()
    ctx.path("truth", TRUTH_RECORDS)
    write_persons(ctx.path("truth", TRUTH_PERSONS), people, ctx.log)
    bar.finish()
    return DemoSummary(
        out_dir=out_dir,
        guests=guests,
        seed=seed,
        persons=len(people),
        source_records=truth.records,
        records_by_kind=dict(sorted(ctx.records.items())),
        files_by_kind=dict(sorted(ctx.file_counts.items())),
        files=tuple(sorted(ctx.files)),
    )
