"""A deployment's own rules file (setting `ingest_rules_file`) changes a rule's severity for one source.

The operator writes a YAML file in the form of the shipped ingest/rules/default.yaml and names it in
GUESTGRAPH_INGEST_RULES_FILE; `guestgraph import`, the upload page and the push API then judge that
source's records by it. Here the PMS's control characters, a fix by default (removed, the change
recorded), become a reject: the record goes to the quarantine with the rule and the field.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import ingest
from guestgraph.access import DataScope
from guestgraph.cli_import import run_import_command
from guestgraph.db.models import ImportBatch, RecordIssue, RecordStatus, Severity, SourceRecord
from guestgraph.errors import ConfigurationError
from guestgraph.paging import PageRequest
from tests.conftest import make_settings
from tests.ingest_helpers import booking, factory, good_row, rules_of, write_pms_cn
from tests.ingest_reconcile import check_batch

pytestmark = pytest.mark.usefixtures("demo_group")

REJECT_CONTROL = "overrides:\n  pms:\n    text.control_characters: reject\n"


def rules_file(folder: Path, text: str = REJECT_CONTROL) -> Path:
    path = folder / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def import_as_the_cli_does(engine: Engine, db_url: str, tmp_path: Path, csv: Path, rules: Path | None) -> int:
    """`guestgraph import --source pms FILE` with the deployment's settings; the batch id."""
    settings = make_settings(tmp_path / "data", db_url, ingest_rules_file=rules)
    out = io.StringIO()
    assert (
        run_import_command(settings, [csv], source="pms", profile=None, hotel=None, console=Console(file=out))
        == 0
    ), out.getvalue()
    with Session(engine) as s:
        batch_id = s.scalar(select(ImportBatch.id).where(ImportBatch.filename == csv.name))
    assert batch_id is not None
    return batch_id


def record(s: Session, external_id: str) -> SourceRecord:
    found = s.scalar(select(SourceRecord).where(SourceRecord.external_id == external_id))
    assert found is not None, external_id
    return found


def test_a_source_override_quarantines_control_characters_instead_of_removing_them(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    rows = [good_row("CC1", 姓名="李\x07雷"), good_row("CC2")]
    csv = write_pms_cn(tmp_path / "SHA01_override.csv", rows)
    batch = check_batch(engine, import_as_the_cli_does(engine, db_url, tmp_path, csv, rules_file(tmp_path)))
    assert (batch.rows_read, batch.quarantined, batch.accepted) == (2, 1, 1)
    assert batch.rule_counts.get("text.control_characters") == 1
    with Session(engine) as s:
        held = record(s, "SHA01:CC1")
        assert held.status is RecordStatus.QUARANTINED
        issues = s.execute(
            select(RecordIssue.rule, RecordIssue.severity, RecordIssue.field).where(
                RecordIssue.source_record_id == held.id
            )
        ).all()
        assert ("text.control_characters", Severity.REJECT, "full_name") in issues
        assert record(s, "SHA01:CC2").status is RecordStatus.ACCEPTED
        quarantine = ingest.list_quarantine(
            s, scope=DataScope.group(), paging=PageRequest(1, 50), locale="en"
        ).items
        assert held.id in {q.id for q in quarantine}


def test_without_the_override_the_same_row_is_cleaned_and_accepted(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    """The shipped rules (no rules file): a fix, the change recorded, the record accepted."""
    csv = write_pms_cn(tmp_path / "SHA01_shipped.csv", [good_row("CC3", 姓名="李\x07雷")])
    batch = check_batch(engine, import_as_the_cli_does(engine, db_url, tmp_path, csv, None))
    assert (batch.rows_read, batch.quarantined, batch.accepted) == (1, 0, 1)
    with Session(engine) as s:
        assert record(s, "SHA01:CC3").status is RecordStatus.ACCEPTED
        assert "text.control_characters" in rules_of(s, "SHA01:CC3")


def test_the_override_is_for_its_source_only_and_holds_for_pushed_records(
    engine: Engine, tmp_path: Path
) -> None:
    """The push API takes the deployment's rules through PushGroups (as the web app builds it): a pms
    push is quarantined, an ota_booking push with the same value is cleaned."""
    groups = ingest.PushGroups(factory(engine), rules=ingest.load_rules(rules_file(tmp_path)))
    outcomes = {}
    for source in ("pms", "ota_booking"):
        item = booking(f"OV-{source}", 1)
        item["persons"][0]["values"]["given_name"] = "W\x1bei"
        summary = ingest.push_records(
            factory(engine), source=source, batch=ingest.PushBatch(records=[item]), groups=groups
        )
        check_batch(engine, summary.batch_id)
        outcomes[source] = [
            (r.outcome, [(f["rule"], f["severity"], f["field"]) for f in r.findings]) for r in summary.records
        ]
    assert outcomes["pms"][0][0] == "quarantined"
    assert ("text.control_characters", "reject", "given_name") in outcomes["pms"][0][1]
    assert outcomes["ota_booking"][0][0] != "quarantined"
    assert ("text.control_characters", "fix", "given_name") in outcomes["ota_booking"][0][1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("overrides:\n  pms:\n    text.control_character: reject\n", "unknown rule 'text.control_character'"),
        ("overrides:\n  pms:\n    text.control_characters: refuse\n", "not one of fix, warn, reject"),
        ("overrides:\n  pms: reject\n", "must map rules to fix, warn or reject"),
        ("rules:\n  phone.nonsense: {severity: reject}\n", "not a shipped rule"),
        ("- a list\n", "must be a mapping"),
        ("overrides: {pms: [\n", "cannot be read"),
    ],
    ids=[
        "unknown-rule",
        "unknown-severity",
        "not-a-mapping-per-source",
        "unknown-rule-in-rules",
        "a-list",
        "bad-yaml",
    ],
)
def test_a_malformed_rules_file_is_refused_naming_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = rules_file(tmp_path, text)
    with pytest.raises(ConfigurationError, match=expected) as caught:
        ingest.load_rules(path)
    assert str(path) in caught.value.message


def test_a_missing_rules_file_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot be read") as caught:
        ingest.load_rules(tmp_path / "nowhere.yaml")
    assert "ingest_rules_file" in (caught.value.hint or "")


def test_the_rules_file_lays_over_the_shipped_rules(tmp_path: Path) -> None:
    rules = ingest.load_rules(
        rules_file(
            tmp_path,
            REJECT_CONTROL
            + "  pos:\n    outlet.unknown: reject\nrules:\n  phone.invalid: {severity: reject}\n",
        )
    )
    assert rules.severity("text.control_characters", "pms") is Severity.REJECT
    assert rules.severity("text.control_characters", "loyalty") is Severity.FIX
    assert rules.severity("required.name", "pos") is Severity.WARN  # the shipped override is kept
    assert rules.severity("outlet.unknown", "pos") is Severity.REJECT
    assert rules.severity("phone.invalid", "loyalty") is Severity.REJECT
    assert rules.title("text.control_characters", "en") == "Control characters removed"
    assert ingest.load_rules(None) is ingest.default_rules()


REJECT_DESK_PHONE = "overrides:\n  frontdesk:\n    phone.invalid: reject\n"


def _form_record(s: Session) -> SourceRecord:
    s.expire_all()
    found = s.scalars(
        select(SourceRecord)
        .where(SourceRecord.raw_format.in_(("form", "correction")))
        .order_by(SourceRecord.id)
    ).all()
    assert found
    return found[-1]


@pytest.mark.parametrize("override", [True, False], ids=["rules-file", "shipped"])
def test_the_registration_form_and_a_stewards_correction_follow_the_rules_file(
    engine: Engine, db_url: str, tmp_path: Path, override: bool
) -> None:
    """The app attaches the deployment's rules to its engine: the clerk's live feedback, the stored
    registration and the steward's correction of it are judged by them (here a front-desk phone
    that cannot be a number is refused), as imports and pushes are. The shipped rules only warn."""
    from tests.conftest import serve
    from tests.test_ingest_manual import FORM

    rules = rules_file(tmp_path, REJECT_DESK_PHONE) if override else None
    settings = make_settings(tmp_path / "data", db_url, ingest_rules_file=rules)
    form = {**FORM, "phone": "12"}
    with serve(settings, engine) as live, live.client(follow_redirects=True) as c:
        check = c.post("/register/check", data=form)
        assert check.status_code == 200
        assert ('data-field="phone" data-severity="reject"' in check.text) is override
        assert ('data-field="phone" data-severity="warn"' in check.text) is not override
        assert c.post("/register", data=form).status_code == 200
        with Session(engine) as s:
            stored = _form_record(s)
            expected = RecordStatus.QUARANTINED if override else RecordStatus.ACCEPTED_WITH_WARNINGS
            assert stored.status is expected
        if not override:
            return
        # the steward corrects the notes but leaves the phone: still refused by the deployment's rule
        page = c.post(f"/quarantine/{stored.id}", data={"fields.notes": "对花生过敏，需要无烟房"})
        assert page.status_code == 200
        with Session(engine) as s:
            again = _form_record(s)
            assert again.id != stored.id and again.raw_format == "correction"
            assert again.status is RecordStatus.QUARANTINED
            assert ("phone.invalid", Severity.REJECT) in set(
                s.execute(
                    select(RecordIssue.rule, RecordIssue.severity).where(
                        RecordIssue.source_record_id == again.id
                    )
                ).all()
            )
