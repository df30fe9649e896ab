"""An article as its public page shows it: cross-references as links, a plain-text summary. Pure.

Articles name each other in the text the way people write it, by title in Chinese quotes
(详见“暖气片如何排气”). The page turns such a name into a link when it names an article the reader may
open; the Markdown itself never holds a link or any HTML.
"""

import re
import unicodedata
from collections.abc import Callable
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from chalicelib.knowledge.parsing import SECTION_ORDER

_QUOTED = re.compile(r"“([^“”\n]{2,80})”")
Resolve = Callable[[str], str | None]  # a quoted name -> the link to its article, or None to leave it as text


def reference_key(name: str) -> str:
    """What two spellings of a title share: full-width brackets and case do not matter."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


@cache
def _markdown() -> MarkdownIt:
    # The options of articles.render_sections (raw HTML off, unsafe links refused), plus the linking rule.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("cross_references", _link_references)
    return md


def render_linked(sections: dict[str, str], resolve: Resolve) -> str:
    """HTML for the sections, each under its heading, in the fixed order, with cross-references linked."""
    parts = [f"## {name}\n\n{sections[name]}\n" for name in SECTION_ORDER if name in sections]
    return _markdown().render("\n".join(parts), {"resolve": resolve})


def _link_references(state: StateCore) -> None:
    resolve: Resolve | None = state.env.get("resolve")
    if resolve is None:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        depth = 0  # inside an author's own link, text stays text: no link within a link
        for token in block.children:
            depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            children += _split(token, resolve) if token.type == "text" and depth == 0 else [token]
        block.children = children


def _split(token: Token, resolve: Resolve) -> list[Token]:
    out: list[Token] = []
    text, done = token.content, 0
    for match in _QUOTED.finditer(text):
        href = resolve(match[1])
        if href is None:
            continue
        link = Token("link_open", "a", 1, attrs={"href": href})
        out += [_text(text[done : match.start(1)]), link, _text(match[1]), Token("link_close", "a", -1)]
        done = match.end(1)
    return [token] if not out else [*out, _text(text[done:])]


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def summary(markdown: str, limit: int = 120) -> str:
    """The first paragraph as plain text, at most `limit` characters: for a page's description."""
    first = next((block for block in _markdown().parse(markdown) if block.type == "inline"), None)
    pieces = []
    for token in first.children or [] if first else []:
        if token.type in ("text", "code_inline"):
            pieces.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            pieces.append("\n")
    text = re.sub(r"(?<=[^\x00-\x7f])\n(?=[^\x00-\x7f])", "", "".join(pieces))  # Chinese lines join without a space
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
