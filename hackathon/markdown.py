"""Markdown for people's texts (challenges, project descriptions): rendered with raw HTML off, then sanitised.

Two layers on purpose: markdown-it never passes raw HTML through (`html=False`), and nh3 (an allowlist
sanitiser) removes anything dangerous that Markdown itself can produce, such as `javascript:` links. Links
get rel="nofollow noopener" and open nothing by themselves. Headings are demoted below the page's own: the text's
top heading level becomes `top` (h3 by default: the page's title and sections are h1 and h2), the others keep
their distance from it, capped at h6. So a `## heading` is never as large as the page title, and the levels
follow the page's without a gap (axe-core's heading-order).
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
TOP_HEADING = 3  # where people's headings start unless the page says otherwise (never above h2)


def _demote_headings(tokens, top: int) -> None:
    levels = [int(token.tag[1]) for token in tokens if token.type == "heading_open"]
    if not levels:
        return
    shift = max(top, 2) - min(levels)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"


def render_markdown(text: str | None, top: int = TOP_HEADING) -> Markup:
    """Safe HTML for a Markdown text, its headings starting at h`top`; an empty text gives an empty string."""
    if not text:
        return Markup("")
    env: dict = {}
    tokens = _renderer.parse(text, env)
    _demote_headings(tokens, top)
    html = _renderer.renderer.render(tokens, _renderer.options, env)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener",
    )
    return Markup(clean)
