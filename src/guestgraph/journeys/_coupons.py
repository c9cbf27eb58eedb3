"""The `issue_coupon` step: a coupon of an offer for each guest at the step (guestgraph.offers),
once per enrolment and step (the step run and the coupon are both unique on it, written in one
transaction). A later `send_email` step's `{{ coupon }}` is the coupon this enrolment got.

A guest who gets no coupon (at the offer's limit per guest, or the offer paused, ended or all
issued) leaves the journey at this step with the reason, so no coupon-less offer e-mail follows."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import offers
from guestgraph.access import DataScope
from guestgraph.db.models import Coupon, CouponState, Journey, JourneyEnrolment
from guestgraph.engage import GuestFields
from guestgraph.errors import InvalidInput
from guestgraph.journeys._definition import EXIT, IssueCoupon, JourneyDefinition
from guestgraph.journeys._journeys import JourneyRow, get_journey, load_journey, update_journey
from guestgraph.journeys._steps import Where, advance, note, record_runs, timeline

E = JourneyEnrolment


def run_issue_coupon(
    session: Session,
    where: Where,
    journey: Journey,
    d: JourneyDefinition,
    step: IssueCoupon,
    *,
    now: datetime,
) -> None:

    for enrolment_id, guest_id in session.execute(
        select(E.id, E.guest_id).where(*where).order_by(E.id)
    ).all():
        issued = offers.issue_coupon(
            session,
            offer_id=step.offer_id,
            guest_id=guest_id,
            via="journey",
            now=now,
            journey_id=journey.id,
            enrolment_id=enrolment_id,
            journey_step=step.key,
        )
        this = (*where, E.id == enrolment_id)
        if issued.code is None:
            reason = issued.reason or offers.COUPON_LIMIT
            record_runs(
                session, this, step=step.key, kind=step.type, outcome="skipped", reason=reason, now=now
            )
            what = f"coupon not issued / 未发放优惠券: {reason}"
            timeline(session, this, journey, note(journey, step.key, what), now=now)
            advance(session, this, to=EXIT, now=now)
            continue
        record_runs(session, this, step=step.key, kind=step.type, outcome="done", now=now)
        what = f"coupon issued / 已发放优惠券 (offer {step.offer_id})"
        timeline(session, this, journey, note(journey, step.key, what), now=now)
    advance(session, where, to=d.after(step.key), now=now)


def with_enrolment_coupon(session: Session, enrolment_id: int, fields: GuestFields) -> GuestFields:
    """The guest's fields with `coupon` set to the code this enrolment was issued (if any)."""
    code = session.scalar(
        select(Coupon.code)
        .where(Coupon.enrolment_id == enrolment_id, Coupon.state != CouponState.VOID)
        .order_by(Coupon.id.desc())
        .limit(1)
    )
    return replace(fields, coupon=offers.display(code)) if code else fields


def journey_coupons(session: Session, journey_id: int, *, scope: DataScope) -> offers.CouponResults:
    """The journey's coupons: issued, redeemed (by staff or in a POS/PMS import), the revenue."""
    load_journey(session, journey_id, scope=scope)
    return offers.journey_coupon_results(session, journey_id, scope=scope)


def add_coupon_step(
    session: Session,
    journey_id: int,
    *,
    scope: DataScope,
    offer_id: int,
    after: str | None,
    key: str,
    now: datetime,
) -> JourneyRow:
    """Insert an `issue_coupon` step into a draft journey, after step `after` (None: first); the
    offer must be in the caller's scope. The draft is saved through `update_journey` (checked, audited)."""
    offers.get_offer(session, offer_id, scope=scope)
    journey = get_journey(session, journey_id, scope=scope)
    definition = dict(journey.definition)
    steps = list(definition["steps"])
    keys = [s["key"] for s in steps]
    if after and after not in keys:
        raise InvalidInput(f"The journey has no step {after!r}.", hint="Choose one of: " + ", ".join(keys))
    position = keys.index(after) + 1 if after else 0
    steps.insert(position, {"key": key.strip(), "type": "issue_coupon", "offer_id": offer_id})
    definition["steps"] = steps
    return update_journey(session, journey_id, scope=scope, name=journey.name, definition=definition, now=now)
