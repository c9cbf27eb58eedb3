"""The shipped journey templates, in Chinese and English: a steward or marketer copies one into a new
(draft) journey, checks it, and activates it. Fields in e-mails: {{ name }}, {{ hotel }}, {{ arrival }},
{{ departure }}, {{ unsubscribe_url }}, {{ coupon }} (see guestgraph.engage.FIELDS).

The win-back mails name the coupon code when the journey has an `issue_coupon` step before them (added
on the draft's page): `{% if coupon %}` keeps them right without one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guestgraph.journeys._definition import JourneyDefinition, parse_definition


@dataclass(frozen=True)
class JourneyTemplate:
    code: str
    name_zh: str
    name_en: str
    about_zh: str
    about_en: str
    definition: dict[str, Any]

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" else self.name_en

    def about(self, locale: str) -> str:
        return self.about_zh if locale == "zh_CN" else self.about_en

    def parsed(self) -> JourneyDefinition:
        return parse_definition(self.definition)


def _mail(key: str, subject_zh: str, subject_en: str, body_zh: str, body_en: str) -> dict[str, Any]:
    return {
        "key": key,
        "type": "send_email",
        "subject_zh": subject_zh,
        "subject_en": subject_en,
        "body_zh": body_zh,
        "body_en": body_en,
    }


HIGH_VALUE = {"type": "metric", "field": "m_score", "op": ">=", "value": 4}
STILL_AWAY = {"type": "metric", "field": "stage", "op": "in", "value": ["dormant", "churned"]}
VIP = {"type": "attribute", "field": "vip_level", "op": "present"}

WIN_BACK = JourneyTemplate(
    "win_back",
    "沉睡高价值客户唤醒",
    "Win back dormant high-value guests",
    "高价值客人进入沉睡阶段时发送专属优惠，两周后仍未回来再提醒一次；在邮件前加一步发券，邮件即附优惠券码。",
    "When a high-value guest becomes dormant: an offer, and a reminder two weeks later if still away; add a "
    "coupon step before the mails and they carry its code.",
    {
        "trigger": {"type": "stage_changed", "stage": "dormant", "where": HIGH_VALUE},
        "steps": [
            {"key": "tag", "type": "add_tag", "tag": "win_back"},
            _mail(
                "offer",
                "{{ name }}，我们想念您",
                "{{ name }}, we miss you",
                "尊敬的{{ name }}：\n\n好久不见！下次入住{{ hotel }}，我们为您预留了专属礼遇。"
                "{% if coupon %}\n\n您的优惠券码：{{ coupon }}{% endif %}",
                "Dear {{ name }},\n\nIt has been a while. Your next stay at {{ hotel }} comes with a "
                "welcome-back offer reserved for you."
                "{% if coupon %}\n\nYour coupon code: {{ coupon }}{% endif %}",
            ),
            {"key": "wait", "type": "wait", "days": 14},
            {"key": "still_away", "type": "condition", "condition": STILL_AWAY, "otherwise": "exit"},
            _mail(
                "reminder",
                "{{ name }}，您的专属礼遇仍然有效",
                "{{ name }}, your offer is still waiting",
                "尊敬的{{ name }}：\n\n为您预留的礼遇仍然有效"
                "{% if coupon %}（优惠券码：{{ coupon }}）{% endif %}，期待再次欢迎您。",
                "Dear {{ name }},\n\nThe offer we kept for you still stands{% if coupon %} (coupon code "
                "{{ coupon }}){% endif %}. We look forward to welcoming you back.",
            ),
        ],
    },
)
POST_STAY = JourneyTemplate(
    "post_stay",
    "离店感谢与满意度调查",
    "Post-stay thank-you and survey",
    "客人离店后一天发送感谢信和满意度调查。",
    "A day after check-out: a thank-you e-mail asking how the stay was.",
    {
        "trigger": {"type": "checked_out", "within_days": 2},
        "steps": [
            {"key": "wait", "type": "wait", "days": 1},
            _mail(
                "thanks",
                "感谢您入住{{ hotel }}",
                "Thank you for staying at {{ hotel }}",
                "尊敬的{{ name }}：\n\n感谢您于{{ arrival }}至{{ departure }}入住{{ hotel }}。"
                "欢迎回复本邮件告诉我们您的感受。",
                "Dear {{ name }},\n\nThank you for staying at {{ hotel }} from {{ arrival }} to "
                "{{ departure }}. Reply to this mail and tell us how it was.",
            ),
        ],
    },
)
POST_STAY_SURVEY = JourneyTemplate(
    "post_stay_survey",
    "离店满意度调查",
    "Post-stay survey",
    "客人离店后一天发送满意度调查（推荐度、满意度、所用餐饮水疗等评分、留言），每次入住一次；低分自动生成工单。",
    "A day after check-out: the survey e-mail (recommend, satisfaction, the outlets used, a comment), once "
    "per stay; a low score opens a ticket.",
    {
        "trigger": {"type": "checked_out", "within_days": 2},
        "steps": [
            {"key": "wait", "type": "wait", "days": 1},
            {"key": "survey", "type": "send_survey"},
        ],
    },
)
BIRTHDAY = JourneyTemplate(
    "birthday",
    "生日祝福",
    "Birthday greeting",
    "生日前七天发送祝福。",
    "A greeting seven days before the guest's birthday.",
    {
        "trigger": {"type": "birthday", "days": 7},
        "steps": [
            _mail(
                "greeting",
                "{{ name }}，祝您生日快乐",
                "Happy birthday, {{ name }}",
                "尊敬的{{ name }}：\n\n生日将至，{{ hotel }}全体同仁祝您生日快乐！",
                "Dear {{ name }},\n\nYour birthday is coming up: all of us at {{ hotel }} wish you a "
                "very happy birthday!",
            ),
            {"key": "tag", "type": "add_tag", "tag": "birthday_greeted"},
        ],
    },
)
PRE_ARRIVAL = JourneyTemplate(
    "pre_arrival",
    "抵店前偏好确认",
    "Pre-arrival preference check",
    "客人预订后，在抵店前三天上午十点（酒店当地时间）发送偏好确认邮件。",
    "After a booking: three days before arrival, at 10:00 hotel time, an e-mail asking for preferences.",
    {
        "trigger": {"type": "booking_created", "within_days": 2},
        "steps": [
            {"key": "before", "type": "wait", "until": "arrival", "offset_days": -3, "hour": 10},
            _mail(
                "preferences",
                "{{ name }}，期待您{{ arrival }}光临{{ hotel }}",
                "{{ name }}, we look forward to {{ arrival }} at {{ hotel }}",
                "尊敬的{{ name }}：\n\n您将于{{ arrival }}入住{{ hotel }}。对房间楼层、枕头或饮食有任何偏好，"
                "请直接回复本邮件告诉我们。",
                "Dear {{ name }},\n\nYou arrive at {{ hotel }} on {{ arrival }}. Reply to this mail with any "
                "preference (floor, pillow, diet) and we will have it ready.",
            ),
        ],
    },
)
FIRST_STAY = JourneyTemplate(
    "first_stay",
    "首次入住欢迎",
    "First-stay welcome",
    "客人第一次入住时发送欢迎邮件。",
    "A welcome e-mail when a guest checks in for the first time.",
    {
        "trigger": {"type": "checked_in", "within_days": 1, "first_stay_only": True},
        "steps": [
            _mail(
                "welcome",
                "欢迎来到{{ hotel }}",
                "Welcome to {{ hotel }}",
                "尊敬的{{ name }}：\n\n欢迎您首次入住{{ hotel }}！如需任何帮助，请随时联系前台。",
                "Dear {{ name }},\n\nWelcome to {{ hotel }} for your first stay with us. The front desk "
                "is there for anything you need.",
            ),
        ],
    },
)
VIP_ARRIVAL = JourneyTemplate(
    "vip_arrival",
    "贵宾抵店提醒值班经理",
    "VIP arrival alert to the duty manager",
    "贵宾办理入住时，为值班经理创建一项任务。",
    "When a VIP checks in: a task for the duty manager at that hotel.",
    {
        "trigger": {"type": "checked_in", "within_days": 0, "where": VIP},
        "steps": [
            {
                "key": "alert",
                "type": "create_task",
                "title_zh": "贵宾抵店：请值班经理问候",
                "title_en": "VIP arrival: duty manager to greet",
                "team": "duty_manager",
                "priority": "high",
            },
        ],
    },
)
LOW_SCORE_CALL_BACK = JourneyTemplate(
    "low_score_call_back",
    "差评回访",
    "Call back after a low survey score",
    "客人在住后调查中给出低分（NPS 不高于 6 或满意度不高于 2）时，为值班经理创建回访任务，并把客人的"
    "「回访」字段记为待回访。",
    "When a guest answers the post-stay survey with a low score (NPS 6 or less, or CSAT 2 or less): a "
    "call-back task for the duty manager, and the guest's field survey_followup set to call_back.",
    {
        "trigger": {"type": "survey_answered", "max_nps": 6, "max_csat": 2, "within_days": 2},
        "steps": [
            {
                "key": "call",
                "type": "create_task",
                "title_zh": "调查低分：请致电客人回访",
                "title_en": "Low survey score: call the guest back",
                "team": "duty_manager",
                "priority": "high",
            },
            {"key": "mark", "type": "update_field", "field": "survey_followup", "value": "call_back"},
        ],
    },
)
AFTER_COMPLAINT = JourneyTemplate(
    "after_complaint",
    "投诉处理后关怀",
    "Care after a complaint is closed",
    "房间、清洁或噪音类工单关闭后，给客人加上「已挽回」标签，记下处理结果，三天后发一封致歉并欢迎再次光临的邮件。",
    "When a room, cleaning or noise ticket is closed: the tag service_recovered, the field "
    "complaint_status set to closed, and three days later an apology that invites the guest back.",
    {
        "trigger": {"type": "ticket_closed", "categories": ["room", "cleaning", "noise"], "within_days": 2},
        "steps": [
            {"key": "tag", "type": "add_tag", "tag": "service_recovered"},
            {"key": "mark", "type": "update_field", "field": "complaint_status", "value": "closed"},
            {"key": "pause", "type": "wait", "days": 3},
            _mail(
                "sorry",
                "{{ name }}，感谢您的包容",
                "{{ name }}, thank you for your patience",
                "尊敬的{{ name }}：\n\n很抱歉您在{{ hotel }}的入住中遇到了问题，感谢您告诉我们。"
                "我们已经改进，期待再次为您服务。",
                "Dear {{ name }},\n\nWe are sorry about the trouble during your stay at {{ hotel }}, and "
                "thank you for telling us. We have put it right and hope to welcome you back.",
            ),
        ],
    },
)
TEMPLATES: dict[str, JourneyTemplate] = {
    t.code: t
    for t in (
        WIN_BACK,
        POST_STAY,
        POST_STAY_SURVEY,
        BIRTHDAY,
        PRE_ARRIVAL,
        FIRST_STAY,
        VIP_ARRIVAL,
        LOW_SCORE_CALL_BACK,
        AFTER_COMPLAINT,
    )
}
