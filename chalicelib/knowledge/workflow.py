"""Editorial states, the steps between them, the four-eyes rule, the revision and schedule a step needs, and
line diffs. Pure."""

import datetime as dt
import difflib
import re
from enum import StrEnum

from chalicelib.clock import CHINA_TIME
from chalicelib.errors import Conflict, Forbidden, InvalidInput, PreconditionRequired
from chalicelib.knowledge.models.editing import ChangedLine, Contributor, DiffLine, DiffSegment, EditorialState

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
    ARCHIVE = "archive"  # the article leaves search: a confirmed request, or `kb sync` for a removed file
    REQUEST_ARCHIVE = "request_archive"  # someone asks for an archive; another reviewer confirms it (approve)
    WITHDRAW_ARCHIVE = "withdraw_archive"  # the one who asked takes it back
    REJECT_ARCHIVE = "reject_archive"  # a reviewer refuses it
    SYNC = "sync"  # a version written by `kb sync` or `kb import` from files


# What a version says when its maker wrote no note, and the notes the file tools write, in the words the history
# shows (the page reads the English notes written before these as the same words: static/notes.js).
UNNOTED = {Step.CREATE: "新建", Step.SAVE: "保存", Step.ROLLBACK: "回滚", Step.SYNC: "文件同步"}
ADDED_FROM_FOLDER = "从知识库文件夹新增"
CHANGED_IN_FOLDER = "文件夹中已修改"
WAITS_AFTER_ARCHIVE = "（已在编辑台下线，等待审核）"
REMOVED_FROM_FOLDER = "文件已从文件夹删除"
ALREADY_SAVED = "文件内容已是最新版本"


def imported_from(source: str) -> str:
    return f"从 {source} 导入"


def rolled_back_to(version: int) -> str:
    return f"回滚到版本 {version}"


# Which states each step may start from. Saves (a new version) are allowed from any state: editing a
# published article drafts its next version while the published one keeps answering.
_STARTS = {
    Step.SUBMIT: {State.DRAFT},
    Step.APPROVE: {State.IN_REVIEW},
    Step.REJECT: {State.IN_REVIEW, State.APPROVED},
    Step.PUBLISH: {State.APPROVED},
    Step.SCHEDULE: {State.APPROVED},
    Step.ARCHIVE: {State.DRAFT, State.IN_REVIEW, State.APPROVED, State.SCHEDULED, State.PUBLISHED},
    Step.REQUEST_ARCHIVE: {State.DRAFT, State.IN_REVIEW, State.APPROVED, State.SCHEDULED, State.PUBLISHED},
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
    Step.REQUEST_ARCHIVE: State.IN_REVIEW,  # a request is reviewed like a change: in the reviewers' worklist
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


def check_four_eyes(identity: str, contributors: list[Contributor]) -> None:
    """Nobody approves, rejects, publishes, schedules or archives a change they wrote or submitted.

    `contributors` are everyone who wrote a version or submitted since the last publish; admins too.
    """
    if any(c.principal == identity for c in contributors):
        raise Forbidden("需由另一位审核员审核：你编写或提交了自上次发布以来的版本", field="reviewer")


def check_archive_four_eyes(identity: str, asked_by: str, contributors: list[Contributor]) -> None:
    """Nobody confirms or rejects an archive they asked for (nor one of a round they took part in)."""
    if identity == asked_by:
        raise Forbidden("需由另一位审核员确认：下线申请是你提出的", field="reviewer")
    check_four_eyes(identity, contributors)


def with_contributor(contributors: list[Contributor], identity: str, name: str) -> list[Contributor]:
    if any(c.principal == identity for c in contributors):
        return contributors
    return [*contributors, Contributor(principal=identity, name=name)]


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


# Words for the reviewer's diff: a run of Latin letters or digits is one word, every other character
# (each Chinese character, each punctuation mark) is its own.
_WORDS = re.compile(r"[A-Za-z0-9_.:/-]+|\s+|.", re.DOTALL)


def changed_lines(old: str, new: str) -> list[ChangedLine]:
    """Only the lines that differ: removed, added, or changed with the changed words marked."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    changes: list[ChangedLine] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            segments = _word_diff(old_lines[i1 + k], new_lines[j1 + k])
            changes.append(ChangedLine(old_line=i1 + k + 1, new_line=j1 + k + 1, segments=segments))
        for i in range(i1 + paired, i2):
            changes.append(ChangedLine(old_line=i + 1, segments=[DiffSegment(op="-", text=old_lines[i])]))
        for j in range(j1 + paired, j2):
            changes.append(ChangedLine(new_line=j + 1, segments=[DiffSegment(op="+", text=new_lines[j])]))
    return changes


def _word_diff(old: str, new: str) -> list[DiffSegment]:
    old_words, new_words = _WORDS.findall(old), _WORDS.findall(new)
    segments: list[DiffSegment] = []

    def add(op: str, words: list[str]) -> None:
        if not words:
            return
        if segments and segments[-1].op == op:
            segments[-1] = DiffSegment(op=op, text=segments[-1].text + "".join(words))
        else:
            segments.append(DiffSegment(op=op, text="".join(words)))

    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add(" ", old_words[i1:i2])
        else:
            add("-", old_words[i1:i2])
            add("+", new_words[j1:j2])
    return segments


def required_revision(based_on: int | None) -> int:
    """The revision a save or rollback is based on: without one, it could overwrite a change it never saw."""
    if based_on is None:
        raise PreconditionRequired.if_match()
    return based_on


def require_future(at: dt.datetime, now: dt.datetime) -> None:
    """A schedule names a time still to come: a past one would publish at once, which the reviewer did not ask for."""
    if at <= now:
        shown = at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"定时发布的时间 {shown}（北京时间）已经过去，请选一个以后的时间，或者改为立即发布", field="at"
        )
