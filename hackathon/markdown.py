"""Markdown for people's texts (challenges, project descriptions): rendered with raw HTML off, then sanitised.

Two layers on purpose: markdown-it never passes raw HTML through (`html=False`), and nh3 (an allowlist
sanitiser) removes anything dangerous that Markdown itself can produce, such as `javascript:` links. Links
get rel="nofollow noopener" and open nothing by themselves. Headings are demoted two levels (# is h3, capped at
h6): people's texts sit inside a page whose own title and sections are h1 and h2.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4",
    "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
HEADING_SHIFT = 2  # "# Title" in a project's description renders as h3, below the page's h1 and h2


def _demote_headings(tokens) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for a Markdown text; an empty text gives an empty string."""
    if not text:
        return Markup("")
    env: dict = {}
    tokens = _renderer.parse(text, env)
    _demote_headings(tokens)
    html = _renderer.renderer.render(tokens, _renderer.options, env)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener",
    )
    return Markup(clean)
