"""PDF documents (a team's feedback, a participant's certificate) with fpdf2 and the vendored DejaVu Sans, so that
Kyrgyz (ң, ө, ү) and Russian text renders on any server: no system fonts, nothing downloaded. The callers pass
text already translated; these functions only lay it out.

Every text block is a `multi_cell` that wraps within the margins and leaves the cursor at the left margin of the
next line (fpdf2's default would leave it at the right end of the block, and the next block would start off the
page). The feedback flows onto further pages; the certificate is one page and shrinks its type to fit."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF, XPos, YPos

FONTS = Path(__file__).resolve().parent.parent.parent / "static" / "fonts"
FONT = "DejaVu"
INK = (30, 30, 30)
MUTED = (90, 90, 90)
ACCENT = (40, 90, 160)


class _Document(FPDF):
    """A4 with DejaVu Sans; `numbered` adds "page / pages" at the foot of every page."""

    numbered = False

    def footer(self) -> None:
        if self.numbered:
            self.set_y(-12)
            self.set_font(FONT, "", 8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="C")


def _document(title: str, *, orientation: str = "portrait") -> _Document:
    pdf = _Document(orientation=orientation, format="A4")
    pdf.set_title(title)
    pdf.set_creator("Hackathon")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_text_color(*INK)
    return pdf


def _block(pdf: FPDF, text: str, line_height: float, *, width: float = 0, align: str = "L",
           dry_run: bool = False) -> float:
    """Write `text` wrapped to `width` (0: up to the right margin) from the current position; the cursor ends at
    the left margin below it. Returns the height it takes (without writing anything when `dry_run`)."""
    if dry_run:
        return pdf.multi_cell(width, line_height, text, align=align, dry_run=True, output="HEIGHT")
    start = pdf.get_y()
    pdf.multi_cell(width, line_height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf.get_y() - start


# --- feedback ----------------------------------------------------------------------------------------------------


@dataclass
class FeedbackRound:
    name: str
    rank_line: str | None               # e.g. "Rank 3 of 34", already translated; None: not shown
    criteria: list[tuple[str, str]]     # (criterion, "7.3 (1–10)")
    comments: list[str] = field(default_factory=list)


@dataclass
class FeedbackDocument:
    heading: str           # "Feedback: #DevelopMyCommunity 2021"
    team_line: str         # "Taza Suu — Clean water map"
    summary: list[str]     # final rank, awards…
    rounds: list[FeedbackRound]
    criterion_label: str
    mean_label: str
    comments_label: str
    no_comments: str


BULLET_INDENT = 5  # mm: comments hang under their bullet


def feedback_pdf(document: FeedbackDocument) -> bytes:
    """Portrait A4: heading, team and summary, then each round (its rank, a table of criterion means, the jurors'
    comments as a bulleted list). Long text wraps; the document continues on as many pages as it needs."""
    pdf = _document(document.heading)
    pdf.numbered = True
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    _block(pdf, document.heading, 8)
    pdf.ln(1)
    pdf.set_font(FONT, "", 12)
    _block(pdf, document.team_line, 6.5)
    if document.summary:
        pdf.ln(1.5)
    for line in document.summary:
        _block(pdf, line, 6.5)
    for feedback_round in document.rounds:
        pdf.ln(5)
        if pdf.will_page_break(40):  # a round's heading never stands alone at the foot of a page
            pdf.add_page()
        pdf.set_font(FONT, "B", 13)
        pdf.set_text_color(*ACCENT)
        _block(pdf, feedback_round.name, 7)
        pdf.set_text_color(*INK)
        pdf.set_font(FONT, "", 11)
        if feedback_round.rank_line:
            _block(pdf, feedback_round.rank_line, 6)
        pdf.ln(1.5)
        if feedback_round.criteria:
            pdf.set_draw_color(190, 190, 190)
            pdf.set_line_width(0.2)
            with pdf.table(col_widths=(3, 1), text_align=("LEFT", "RIGHT"), first_row_as_headings=True,
                           line_height=6, padding=1.5,
                           headings_style=_heading_style()) as table:
                header = table.row()
                header.cell(document.criterion_label)
                header.cell(document.mean_label)
                for name, mean in feedback_round.criteria:
                    row = table.row()
                    row.cell(name)
                    row.cell(mean)
            pdf.set_x(pdf.l_margin)
        pdf.ln(3)
        if pdf.will_page_break(14):
            pdf.add_page()
        pdf.set_font(FONT, "B", 11)
        _block(pdf, document.comments_label, 6)
        pdf.set_font(FONT, "", 11)
        pdf.ln(1)
        for comment in feedback_round.comments or [document.no_comments]:
            if pdf.will_page_break(6):
                pdf.add_page()
            pdf.cell(BULLET_INDENT, 6, "•" if feedback_round.comments else "")
            pdf.set_left_margin(pdf.l_margin + BULLET_INDENT)  # lines wrapped onto a new page keep the indent
            _block(pdf, comment, 6)
            pdf.set_left_margin(pdf.l_margin - BULLET_INDENT)
            pdf.set_x(pdf.l_margin)
            pdf.ln(1.5)
    return bytes(pdf.output())


def _heading_style():
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="BOLD", fill_color=(235, 240, 248))


# --- certificates ------------------------------------------------------------------------------------------------


@dataclass
class CertificateDocument:
    title: str          # "Certificate of participation" / "Finalist" / "Winner"
    name: str           # the participant
    lines: list[str]    # what for: the event, the team and project, the awards
    issued: str         # "Issued on 10 July 2021"
    verify: str         # "Check it at https://…/certificates/<code>"


# (font style, size in pt, line height in mm, space after in mm) of each part of the certificate at full size.
TITLE, NAME, LINE, FOOT = ("B", 28, 13, 7), ("B", 24, 11, 6), ("", 15, 7.5, 1.5), ("", 10.5, 5.5, 0)
MARGIN = 24          # mm inside the page edge: the frame sits at 8 and 11
BODY_TOP = 30        # mm
FOOT_BOTTOM = 20     # mm above the page's lower edge
RULE = 2             # mm more below the rule under the name
MIN_SCALE = 0.3      # the longest texts the app allows, and six awards, fit at 0.45


def certificate_pdf(document: CertificateDocument) -> bytes:
    """One landscape page in a frame: the title, the name, what for (each line wraps, centred), and at the foot the
    date and the verification link. When long names, projects or many awards would not fit, the title, name and
    lines shrink together (down to MIN_SCALE) and the body moves up; the foot never moves."""
    pdf = _document(document.title, orientation="landscape")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)

    pdf.set_font(FONT, FOOT[0], FOOT[1])
    foot = [document.issued, document.verify]
    foot_height = sum(_block(pdf, text, FOOT[2], align="C", dry_run=True) for text in foot)
    foot_top = pdf.h - FOOT_BOTTOM - foot_height
    room = foot_top - 8 - BODY_TOP

    parts = [(TITLE, document.title, ACCENT), (NAME, document.name, INK)] + [
        (LINE, line, INK) for line in document.lines]

    def height(scale: float) -> float:
        total = 0.0
        for (style, size, line_height, after), text, _colour in parts:
            pdf.set_font(FONT, style, size * scale)
            total += _block(pdf, text, line_height * scale, align="C", dry_run=True) + after * scale
        return total + RULE * scale

    scale = 1.0
    while scale > MIN_SCALE and height(scale) > room:
        scale = round(scale - 0.05, 2)
    body = height(scale)
    # Centre the body in the room above the foot, a little above the middle.
    pdf.set_y(BODY_TOP + max(0.0, (room - body) * 0.4))
    for index, ((style, size, line_height, after), text, colour) in enumerate(parts):
        pdf.set_font(FONT, style, size * scale)
        pdf.set_text_color(*colour)
        _block(pdf, text, line_height * scale, align="C")
        pdf.ln(after * scale)
        if index == 1:  # a rule between the name and what for
            y = pdf.get_y() - after * scale / 2
            pdf.set_draw_color(*ACCENT)
            pdf.set_line_width(0.4)
            pdf.line(pdf.w / 2 - 40, y, pdf.w / 2 + 40, y)
            pdf.ln(RULE * scale)

    pdf.set_y(foot_top)
    pdf.set_font(FONT, FOOT[0], FOOT[1])
    pdf.set_text_color(*MUTED)
    for text in foot:
        _block(pdf, text, FOOT[2], align="C")
    return bytes(pdf.output())
