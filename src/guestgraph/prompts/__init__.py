"""Service prompts (issue 9): rules as data (shipped defaults, staff add, edit and retire rules, for
every hotel or for one hotel, within their data scope) turn what we know about an arriving guest into
a task for a department before arrival; the prompts are stored per stay and rule (idempotent;
withdrawn when the booking no longer matches), listed per hotel and day, shown on the arrivals list
and ticked off by staff (audited)."""

from guestgraph.prompts._arrivals import ArrivalsBoard, arrivals_board
from guestgraph.prompts._board import (
    Department,
    PromptDay,
    PromptLine,
    mark_done,
    prompt_day,
    prompts_of_stays,
)
from guestgraph.prompts._conditions import DEPARTMENTS, REASONS, Condition, parse_condition, reason_text
from guestgraph.prompts._daily import DailyPrompts
from guestgraph.prompts._demo import seed_demo
from guestgraph.prompts._details import prompt_details
from guestgraph.prompts._errors import (
    PromptNotFound,
    PromptNotOpen,
    PromptRuleGroupWide,
    PromptRuleNotFound,
)
from guestgraph.prompts._generate import GenerateReport, generate, generate_at, generate_for_tomorrow
from guestgraph.prompts._rules import (
    RuleInput,
    RuleRow,
    RulesPage,
    default_rules,
    ensure_default_rules,
    list_rules,
    rules_page,
    save_rule,
    set_rule_active,
)

__all__ = [
    "prompt_details",
    "DEPARTMENTS",
    "REASONS",
    "ArrivalsBoard",
    "Condition",
    "DailyPrompts",
    "Department",
    "GenerateReport",
    "PromptDay",
    "PromptLine",
    "PromptNotFound",
    "PromptNotOpen",
    "PromptRuleGroupWide",
    "PromptRuleNotFound",
    "RuleInput",
    "RuleRow",
    "RulesPage",
    "arrivals_board",
    "default_rules",
    "ensure_default_rules",
    "generate",
    "generate_at",
    "generate_for_tomorrow",
    "list_rules",
    "mark_done",
    "parse_condition",
    "prompt_day",
    "prompts_of_stays",
    "reason_text",
    "rules_page",
    "seed_demo",
    "save_rule",
    "set_rule_active",
]
