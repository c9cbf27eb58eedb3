"""Tags: rule tags recomputed set-based at each refresh, manual tags staff add and retire. A staff tag's
note is sealed under the guest's data key: `add_manual_tag` is its one writer, `tag_notes` its one
reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    MetaData,
    SmallInteger,
    String,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from guestgraph import audit, pii
from guestgraph.access import DataScope, guest_visible
from guestgraph.analytics._compile import compile_condition, guest_source
from guestgraph.analytics._conditions import AllOf, AnyOf, Condition, Not, TagCondition
from guestgraph.analytics._rules import RuleSet
from guestgraph.db.models import Guest, GuestMetrics, GuestStatus, GuestTag
from guestgraph.errors import Conflict, GuestNotFound, InvalidInput, NotFound

RULE = "rule"
MANUAL = "manual"
NOTE = ("guest_tag", "note")  # the place (table, column) in the note's AAD


def refresh_rule_tags(
    conn: Connection, rules: RuleSet, *, today: date, now: datetime, only: Any = None
) -> dict[str, int]:
    """Tag every guest a rule now matches, retire rule tags that no longer apply; returns the counts.
    `only` (a SELECT of guest ids) limits the pass to those guests (an incremental refresh).

    All rules are evaluated in one pass over guest ⟕ guest_metrics into a temporary table of
    (guest, tag) matches; one UPDATE retires and one INSERT opens tags against it. A rule that reads
    tags (a tag condition) may depend on what an earlier rule just wrote, so such a rule set is
    evaluated rule by rule, in file order, as before. SQLite evaluates rule by rule as well: its
    statements per rule are index lookups already, and the batch measured no faster there (PostgreSQL,
    first tagging at 200,000 guests: 57 → 23 s on a loaded machine, docs/benchmarks.md)."""
    if only is None:
        conn.execute(text("ANALYZE guest_tag"))
    if not rules.tags:
        return {}
    if (conn.dialect.name == "sqlite" and only is None) or any(_reads_tags(rule.when) for rule in rules.tags):
        return _rule_by_rule(conn, rules, today=today, now=now, only=only)
    among = [] if only is None else [Guest.id.in_(only)]
    tagged = [] if only is None else [GuestTag.guest_id.in_(only)]
    codes = [rule.code for rule in rules.tags]
    flags = [
        case((compile_condition(rule.when, scope=DataScope.group(), today=today), 1), else_=0).label(f"r{i}")
        for i, rule in enumerate(rules.tags)
    ]
    wide = _temp_table(
        conn,
        "tmp_rule_flags",
        [Column("guest_id", BigInteger), *(Column(f"r{i}", SmallInteger) for i in range(len(codes)))],
    )
    # keyed on SQLite in an incremental pass (few rows): it then probes it in the UPDATE below instead of
    # reading it whole for each open tag (132 s at 200,000 guests without the key); PostgreSQL hashes it
    keyed = only is not None and conn.dialect.name == "sqlite"
    matches = _temp_table(
        conn,
        "tmp_rule_match",
        [Column("guest_id", BigInteger, primary_key=keyed), Column("tag", String(40), primary_key=keyed)],
    )
    try:
        source = (
            select(Guest.id, *flags)
            .select_from(guest_source())
            .where(Guest.status == GuestStatus.ACTIVE, *among)
        )
        conn.execute(insert(wide).from_select(["guest_id", *(f"r{i}" for i in range(len(codes)))], source))
        each = [
            select(wide.c.guest_id, literal(code, String(40)).label("tag")).where(wide.c[f"r{i}"] == 1)
            for i, code in enumerate(codes)
        ]
        conn.execute(insert(matches).from_select(["guest_id", "tag"], union_all(*each)))
        conn.execute(text("ANALYZE tmp_rule_match"))
        open_rule = and_(GuestTag.kind == RULE, GuestTag.retired_at.is_(None), GuestTag.tag.in_(codes))
        still = exists().where(matches.c.guest_id == GuestTag.guest_id, matches.c.tag == GuestTag.tag)
        conn.execute(
            update(GuestTag).where(open_rule, ~still, *tagged).values(retired_at=now, retired_by=RULE)
        )
        # Matches already open are dropped first, then the rest inserted: an anti-join of the INSERT
        # against guest_tag itself made PostgreSQL re-scan the table it was filling (minutes at 200k).
        already = exists().where(
            GuestTag.guest_id == matches.c.guest_id,
            GuestTag.tag == matches.c.tag,
            GuestTag.kind == RULE,
            GuestTag.retired_at.is_(None),
        )
        conn.execute(delete(matches).where(already))
        # in guest order: the guest index then fills page by page instead of in one sweep per rule
        fresh = select(matches.c.guest_id, matches.c.tag, literal(RULE), literal(now)).order_by(
            matches.c.guest_id, matches.c.tag
        )
        conn.execute(insert(GuestTag).from_select(["guest_id", "tag", "kind", "since"], fresh))
    finally:
        matches.drop(conn)
        wide.drop(conn)
    query = select(GuestTag.tag, func.count()).where(open_rule).group_by(GuestTag.tag)
    found = {str(tag): int(n) for tag, n in conn.execute(query)}
    return {code: found.get(code, 0) for code in codes}


def _temp_table(conn: Connection, name: str, columns: list[Column[Any]]) -> Table:
    table = Table(name, MetaData(), *columns, prefixes=["TEMPORARY"])
    table.create(conn)
    return table


def _reads_tags(condition: Condition) -> bool:
    if isinstance(condition, TagCondition):
        return True
    if isinstance(condition, AllOf | AnyOf):
        return any(_reads_tags(c) for c in condition.conditions)
    if isinstance(condition, Not):
        return _reads_tags(condition.condition)
    return False


def _rule_by_rule(
    conn: Connection, rules: RuleSet, *, today: date, now: datetime, only: Any = None
) -> dict[str, int]:
    """Each rule in turn (a later rule sees the tags an earlier one wrote)."""
    among = [] if only is None else [Guest.id.in_(only)]
    tagged = [] if only is None else [GuestTag.guest_id.in_(only)]
    counts: dict[str, int] = {}
    for rule in rules.tags:
        matched = (
            select(Guest.id)
            .select_from(guest_source())
            .where(
                Guest.status == GuestStatus.ACTIVE,
                compile_condition(rule.when, scope=DataScope.group(), today=today),
                *among,
            )
        )
        open_tag = and_(GuestTag.kind == RULE, GuestTag.tag == rule.code, GuestTag.retired_at.is_(None))
        conn.execute(
            update(GuestTag)
            .where(open_tag, GuestTag.guest_id.not_in(matched), *tagged)
            .values(retired_at=now, retired_by=RULE)
        )
        # among the guests of the pass only: the list of every open tag of the rule cost an incremental
        # refresh 0.1-0.2 s per rule at 200k guests (a table read per tag, for its kind)
        already = select(GuestTag.guest_id).where(open_tag, *tagged)
        fresh = matched.where(Guest.id.not_in(already)).add_columns(
            literal(rule.code), literal(RULE), literal(now)
        )
        conn.execute(insert(GuestTag).from_select(["guest_id", "tag", "kind", "since"], fresh))
        counts[rule.code] = conn.scalar(select(func.count()).select_from(GuestTag).where(open_tag)) or 0
    return counts


@dataclass(frozen=True)
class TagView:
    """A tag as shown on a guest: why it applies (rule and facts) and since when."""

    id: int
    code: str
    name: str
    kind: str
    since: datetime
    added_by: str | None
    note: str | None
    facts: dict[str, Any] = field(default_factory=dict)


def _guest(session: Session, scope: DataScope, public_id: str) -> tuple[int, str]:
    """The guest's id and public ID (the one found, so the audit names it as stored)."""
    row = session.execute(
        select(Guest.id, Guest.public_id).where(Guest.public_id == public_id, guest_visible(scope))
    ).one_or_none()
    if row is None:
        raise GuestNotFound(f"No guest {public_id} in your data scope.", hint="Check the guest ID.")
    return int(row[0]), str(row[1])


def _guest_id(session: Session, scope: DataScope, public_id: str) -> int:
    return _guest(session, scope, public_id)[0]


def _audit(session: Session, action: str, public_id: str, tag: GuestTag) -> None:
    """Who put or took which staff tag on which guest; the tag row names it, the note stays out."""
    audit.log_event(
        session,
        action,
        guest_public_id=public_id,
        object_type="guest_tag",
        object_id=str(tag.id),
        details={"with_note": tag.note_enc is not None},
    )


def _facts(session: Session, guest_id: int, names: tuple[str, ...]) -> dict[str, Any]:
    metrics = session.get(GuestMetrics, guest_id)
    guest = session.get(Guest, guest_id)
    out: dict[str, Any] = {}
    for name in names:
        if name == "birth_month":
            out[name] = guest.birth_month if guest else None
        elif hasattr(GuestMetrics, name) and metrics is not None:
            out[name] = getattr(metrics, name)
        elif hasattr(Guest, name) and guest is not None:
            out[name] = getattr(guest, name)
    return out


def tag_notes(session: Session, tags: Sequence[Any]) -> list[str | None]:
    """The notes of tags (rows with `id`, `key_ref` and `note_enc`), in order; None where there is none
    or the guest's key was shredded."""
    return pii.open_guest_texts(session, NOTE, [(pii.tag_row(t.id), t.key_ref, t.note_enc) for t in tags])


def guest_tags(
    session: Session, *, scope: DataScope, public_id: str, rules: RuleSet, locale: str
) -> list[TagView]:
    """The guest's current tags, rule tags with the facts behind them."""
    guest_id = _guest_id(session, scope, public_id)
    rows = session.scalars(
        select(GuestTag)
        .where(GuestTag.guest_id == guest_id, GuestTag.retired_at.is_(None))
        .order_by(GuestTag.since)
    ).all()
    views = []
    for t, note in zip(rows, tag_notes(session, rows), strict=True):
        rule = rules.get(t.tag) if t.kind == RULE else None
        name = rule.name(locale) if rule else t.tag
        facts = _facts(session, guest_id, rule.facts) if rule else {}
        views.append(TagView(t.id, t.tag, name, t.kind, t.since, t.added_by, note, facts))
    return views


def add_manual_tag(
    session: Session,
    *,
    scope: DataScope,
    public_id: str,
    tag: str,
    by: str,
    now: datetime,
    note: str | None = None,
) -> int:
    """Put a staff tag on a guest; the same open tag twice is a conflict."""
    tag = tag.strip()
    if not 1 <= len(tag) <= 40:
        raise InvalidInput("A tag needs 1 to 40 characters.", hint="Shorten the tag.")
    guest_id, public_id = _guest(session, scope, public_id)
    duplicate = session.scalar(
        select(GuestTag.id).where(
            GuestTag.guest_id == guest_id, GuestTag.tag == tag, GuestTag.retired_at.is_(None)
        )
    )
    if duplicate is not None:
        raise Conflict(f"The guest already carries the tag {tag!r}.", hint="Retire it first to re-add it.")
    row = GuestTag(guest_id=guest_id, tag=tag, kind=MANUAL, added_by=by, since=now)
    session.add(row)
    session.flush()
    row.key_ref, row.note_enc = pii.seal_guest_text(session, guest_id, NOTE, pii.tag_row(row.id), note)
    session.flush()
    _audit(session, "guest.tag.add", public_id, row)
    return row.id


def retire_manual_tag(
    session: Session, *, scope: DataScope, public_id: str, tag_id: int, by: str, now: datetime
) -> None:
    """Take a staff tag off a guest (it stays in the history with who retired it and when)."""
    guest_id, public_id = _guest(session, scope, public_id)
    row = session.get(GuestTag, tag_id)
    if row is None or row.guest_id != guest_id or row.retired_at is not None:
        raise NotFound(f"No open tag {tag_id} on guest {public_id}.", hint="Reload the guest's tags.")
    if row.kind != MANUAL:
        raise InvalidInput(
            "Rule tags follow their rule and cannot be removed by hand.", hint="Change the rule instead."
        )
    row.retired_at, row.retired_by = now, by
    session.flush()
    _audit(session, "guest.tag.retire", public_id, row)
