"""The Fellegi–Sunter engine without a database: comparison levels, EM, term frequencies, JSON."""

from __future__ import annotations

import random

import numpy as np
import pytest

from guestgraph.identity import (
    FieldSpec,
    MatchModel,
    TrainingRule,
    candidate_pairs,
    components,
    pairwise_scores,
    score_pairs,
    train_model,
)
from guestgraph.identity._fs_compare import compare
from guestgraph.identity._fs_pairs import term_frequencies


def _col(*values: object) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


NAME = FieldSpec("name", "name", "key", tf=True, script_col="han", sorted_col="sorted")


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        (("wangwei", "王伟"), ("wangwei", "王伟"), "same Han name"),
        (("wangxiaoming", "王小明"), ("wangxiaoming", None), "same reading"),  # 王小明 / WANG XIAOMING
        (("liujuan", None), ("juanliu", None), "same letters, other order"),  # JUAN LIU
        (("wangwei", "王伟"), ("wangwei", "汪伟"), "close"),  # same sound, other characters
        (("wangxiaoming", None), ("wangxiaomin", None), "close"),
        (("zhangwei", None), ("lina", None), "different"),
        ((None, None), ("lina", None), "missing"),
    ],
)
def test_name_levels(
    left: tuple[str | None, str | None], right: tuple[str | None, str | None], level: str
) -> None:
    def side(key: str | None, han: str | None) -> dict[str, np.ndarray]:
        return {"key": _col(key), "han": _col(han), "sorted": _col("".join(sorted(key)) if key else None)}

    got = compare(NAME, side(*left), side(*right))
    assert NAME.levels[int(got[0])] == level


@pytest.mark.parametrize(
    ("spec", "left", "right", "level"),
    [
        (FieldSpec("p", "number", "v"), "+8613812345678", "+8613812345678", "exact"),
        (FieldSpec("p", "number", "v"), "+8613812345678", "+8613812345679", "one digit off"),
        (FieldSpec("p", "number", "v"), "+8613812345678", "+8613900000000", "different"),
        (FieldSpec("d", "date", "v"), "1990-03-07", "1990-03-17", "one digit off"),
        (FieldSpec("e", "email", "v"), "wang.xm@qq.com", "wang.xm@163.com", "same mailbox name"),
        (FieldSpec("e", "email", "v"), "wang.xm@qq.com", None, "missing"),
    ],
)
def test_field_levels(spec: FieldSpec, left: str | None, right: str | None, level: str) -> None:
    def side(v: str | None) -> dict[str, np.ndarray]:
        return {"v": _col(v), "v_local": _col(v.partition("@")[0] if v else None)}

    assert spec.levels[int(compare(spec, side(left), side(right))[0])] == level


def test_documents_conflict_only_within_one_kind() -> None:
    spec = FieldSpec("doc", "document", "doc")
    left = {"doc": _col("A1", "A1", "A1"), "doc_type": _col("passport", "passport", "passport")}
    right = {"doc": _col("A1", "B2", "B2"), "doc_type": _col("passport", "passport", "cn_resident_id")}
    assert [spec.levels[int(x)] for x in compare(spec, left, right)] == ["exact", "conflicting", "missing"]


def test_term_frequency_counts_distinct_holders_not_records() -> None:
    phones = _col("P1", "P1", "P1", "P2", "P2", None)
    guests = np.array([1, 1, 1, 2, 3, 4])  # P1: one guest's three stays; P2: two different guests
    assert term_frequencies(phones, guests).tolist() == [1 / 4, 1 / 4, 1 / 4, 2 / 4, 2 / 4, 0.0]


def test_a_shared_value_weighs_less_by_exactly_its_frequency() -> None:
    spec = FieldSpec("phone", "number", "phone", tf=True)
    model = MatchModel((spec,), m=[[1.0, 0.9, 0.05, 0.05]], u=[[1.0, 0.001, 0.001, 0.998]], prior=0.01)
    levels = np.array([[1], [1]], dtype=np.int8)
    rare, household = 1 / 1000, 4 / 1000  # one holder in a thousand guests; four holders
    w = model.contributions(levels, {"phone": np.array([rare, household])})[:, 0]
    assert w[0] == pytest.approx(np.log2(0.9 / rare))
    assert w[0] - w[1] == pytest.approx(np.log2(household / rare))  # 2 bits weaker


def test_model_round_trips_through_json() -> None:
    model = MatchModel(
        (NAME,), m=[[1.0, 0.5, 0.3, 0.1, 0.05, 0.03, 0.02]], u=[[1.0, *[1 / 6] * 6]], prior=1e-4
    )
    again = MatchModel.from_json(model.to_json())
    assert again.fields == model.fields and again.m == model.m and again.u == model.u and again.prior == 1e-4


def _people(rng: random.Random, n: int) -> tuple[dict[str, np.ndarray], list[int]]:
    """n people, each in 1–3 records; copies drop fields and make typos. Truth: the person index."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    rows: list[tuple[object, ...]] = []
    truth = []
    for person in range(n):
        name = "".join(rng.choice(letters) for _ in range(rng.randint(5, 9)))
        born = f"19{rng.randint(40, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        phone = "".join(rng.choice("0123456789") for _ in range(8))
        for _copy in range(rng.randint(1, 3)):
            typo = rng.random() < 0.2
            n2 = name[:-1] + rng.choice(letters) if typo else name
            rows.append(
                (n2, born if rng.random() < 0.9 else None, phone if rng.random() < 0.8 else None, name[:2])
            )
            truth.append(person)
    cols = {k: _col(*(r[i] for r in rows)) for i, k in enumerate(("name", "born", "phone", "start"))}
    return cols, truth


def test_em_learns_a_model_that_finds_the_people_again() -> None:
    cols, truth = _people(random.Random(42), 600)
    fields = (
        FieldSpec("name", "string", "name", tf=True),
        FieldSpec("born", "date", "born"),
        FieldSpec("phone", "number", "phone", tf=True),
    )
    rules = (
        TrainingRule(("born",), ("born",)),
        TrainingRule(("phone",), ("phone",)),
        TrainingRule(("start",), ()),
    )
    model = train_model(fields, cols, rules, sample_size=200_000)
    name_m, name_u = model.m[0], model.u[0]
    assert name_m[1] > 0.6 and name_u[1] < 0.01  # matches agree on the name, strangers do not
    assert model.m[1][1] > 0.9 and model.m[2][1] > 0.9
    pairs = candidate_pairs(cols, [("name",), ("born",), ("phone",), ("start",)])
    scored = score_pairs(model, cols, pairs)
    keep = scored.probability >= 0.99
    clusters = components(len(truth), scored.a[keep], scored.b[keep])
    scores = pairwise_scores(dict(enumerate(clusters.tolist())), dict(enumerate(truth)))
    assert scores.precision >= 0.99 and scores.recall >= 0.9


def test_blocking_skips_oversized_keys_and_links_across_sources_only_when_asked() -> None:
    cols = {"k": _col("a", "a", "a", "b", "b")}
    a, b = candidate_pairs(cols, [("k",)], max_block=2)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(3, 4)]  # "a" has 3 > 2 holders
    a, b = candidate_pairs(cols, [("k",)], source=np.array([0, 0, 1, 0, 1]))
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 2), (1, 2), (3, 4)]
