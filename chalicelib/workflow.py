"""Editorial states, the steps between them, the four-eyes rule and line diffs. Pure."""

import difflib
from enum import StrEnum

from chalicelib.errors import Conflict, Forbidden
from chalicelib.models import DiffLine, EditorialState

State = EditorialState


class Step(StrEnum):
    """Everything that can happen to an article; each one is an audit entry."""

    CREATE = "create"
    SAVE = "save"
    ROLLBACK = "rollback"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    PUBLISH = "publish"
    SCHEDULE = "schedule"
    ARCHIVE = "archive"
    SYNC = "sync"  # a version written by `kb sync` or `kb import` from files


# Which states each step may start from. Saves (a new version) are allowed from any state: editing a
# published article drafts its next version while the published one keeps answering.
_STARTS = {
    Step.SUBMIT: {State.DRAFT},
    Step.APPROVE: {State.IN_REVIEW},
    Step.REJECT: {State.IN_REVIEW, State.APPROVED},
    Step.PUBLISH: {State.APPROVED},
    Step.SCHEDULE: {State.APPROVED},
    Step.ARCHIVE: {State.DRAFT, State.IN_REVIEW, State.APPROVED, State.SCHEDULED, State.PUBLISHED},
}
_ENDS = {
    Step.CREATE: State.DRAFT,
    Step.SAVE: State.DRAFT,
    Step.ROLLBACK: State.DRAFT,
    Step.SUBMIT: State.IN_REVIEW,
    Step.APPROVE: State.APPROVED,
    Step.REJECT: State.DRAFT,
    Step.PUBLISH: State.PUBLISHED,
    Step.SCHEDULE: State.SCHEDULED,
    Step.ARCHIVE: State.ARCHIVED,
}


def next_state(current: State | None, step: Step) -> State:
    """The state a step leads to from the current one; 409 if the step does not start there."""
    allowed = _STARTS.get(step)
    if allowed is not None and current not in allowed:
        starts = ", ".join(sorted(s.value for s in allowed))
        raise Conflict(
            f"cannot {step.value} an article that is {current.value if current else 'new'}; "
            f"{step.value} starts from: {starts}",
            field="state",
        )
    return _ENDS[step]


def check_four_eyes(reviewer: str, author: str, submitter: str | None) -> None:
    """Nobody approves or publishes a change they wrote or submitted themselves."""
    if reviewer in (author, submitter):
        raise Forbidden(f"'{reviewer}' wrote or submitted this version; another reviewer must approve it")


def line_diff(old: str, new: str, old_label: str, new_label: str) -> tuple[list[DiffLine], str]:
    """Every line of both texts marked unchanged, added or removed, and the same as a unified diff."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    lines = [
        DiffLine(op=line[0], text=line[2:])
        for line in difflib.ndiff(old_lines, new_lines)
        if line[0] in " +-"  # '?' lines are ndiff's intra-line hints
    ]
    unified = "\n".join(difflib.unified_diff(old_lines, new_lines, old_label, new_label, lineterm=""))
    return lines, unified
