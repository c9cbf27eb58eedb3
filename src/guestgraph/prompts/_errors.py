"""Errors of the prompts package; each says what, where and how to fix it."""

from __future__ import annotations

from guestgraph.access import Forbidden
from guestgraph.errors import Conflict, NotFound


class PromptNotFound(NotFound):
    """No prompt with this id at a hotel in the caller's scope (an out-of-scope one looks the same)."""

    code = "prompt_not_found"


class PromptNotOpen(Conflict):
    """The prompt was already ticked off, or withdrawn because the booking changed."""

    code = "prompt_not_open"


class PromptRuleNotFound(NotFound):
    """No rule with this id that the caller may see (a rule of a hotel outside the scope looks the same)."""

    code = "prompt_rule_not_found"


class PromptRuleGroupWide(Forbidden):
    """Only group-scoped staff add, change, retire or restore a rule for every hotel; staff of some
    hotels see those rules and write rules for their own hotels."""

    code = "prompt_rule_group_wide"
