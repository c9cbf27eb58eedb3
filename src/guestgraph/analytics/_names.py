"""Reference names in both languages: the eight RFM groups and the lifecycle stages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Named:
    code: str
    name_zh: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" else self.name_en


# (recency high, frequency high, monetary high) -> group; "high" is a score of 3 or more.
RFM_GROUPS: dict[tuple[bool, bool, bool], Named] = {
    (True, True, True): Named("champions", "重要价值客户", "Champions"),
    (False, True, True): Named("cant_lose", "重要保持客户", "Can't lose them"),
    (True, False, True): Named("big_spenders", "重要发展客户", "Promising big spenders"),
    (False, False, True): Named("win_back", "重要挽留客户", "Big spenders to win back"),
    (True, True, False): Named("loyal", "一般价值客户", "Loyal"),
    (False, True, False): Named("need_attention", "一般保持客户", "Need attention"),
    (True, False, False): Named("promising", "一般发展客户", "Promising"),
    (False, False, False): Named("lost", "流失客户", "Lost"),
}
RFM_GROUP_BY_CODE: dict[str, Named] = {g.code: g for g in RFM_GROUPS.values()}

STAGES: dict[str, Named] = {
    s.code: s
    for s in (
        Named("prospect", "潜在客户", "Prospect"),
        Named("new", "新客", "New"),
        Named("active", "活跃", "Active"),
        Named("won_back", "已赢回", "Won back"),
        Named("at_risk", "流失风险", "At risk"),
        Named("dormant", "沉睡", "Dormant"),
        Named("churned", "已流失", "Churned"),
    )
}
HIGH_SCORE = 3
