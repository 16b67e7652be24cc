"""PDF documents (feedback now, certificates later) with fpdf2 and the vendored DejaVu Sans, so that Kyrgyz
(ң, ө, ү) and Russian text renders on any server: no system fonts, nothing downloaded. The callers pass text
already translated; these functions only lay it out."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).resolve().parent.parent.parent / "static" / "fonts"


def _document(title: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Hackathon")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


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


def feedback_pdf(document: FeedbackDocument) -> bytes:
    pdf = _document(document.heading)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(width, 9, document.heading)
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(width, 7, document.team_line)
    for line in document.summary:
        pdf.multi_cell(width, 7, line)
    for feedback_round in document.rounds:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(width, 8, feedback_round.name)
        pdf.set_font("DejaVu", "", 11)
        if feedback_round.rank_line:
            pdf.multi_cell(width, 6, feedback_round.rank_line)
        with pdf.table(col_widths=(3, 1), text_align=("LEFT", "RIGHT"), first_row_as_headings=True) as table:
            header = table.row()
            header.cell(document.criterion_label)
            header.cell(document.mean_label)
            for name, mean in feedback_round.criteria:
                row = table.row()
                row.cell(name)
                row.cell(mean)
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width, 6, document.comments_label)
        pdf.set_font("DejaVu", "", 11)
        for comment in feedback_round.comments or [document.no_comments]:
            pdf.multi_cell(width, 6, f"• {comment}")
    return bytes(pdf.output())


@dataclass
class CertificateDocument:
    title: str          # "Certificate of participation" / "Finalist" / "Winner"
    name: str           # the participant
    lines: list[str]    # what for: the event, the team and project, the awards
    issued: str         # "Issued on 10 July 2021"
    verify: str         # "Check it at https://…/certificates/<code>"


def certificate_pdf(document: CertificateDocument) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(document.title)
    pdf.set_creator("Hackathon")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    width = pdf.w - 2 * pdf.l_margin
    pdf.set_draw_color(40, 90, 160)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_y(35)
    pdf.set_font("DejaVu", "B", 28)
    pdf.multi_cell(width, 14, document.title, align="C")
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 24)
    pdf.multi_cell(width, 12, document.name, align="C")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 15)
    for line in document.lines:
        pdf.multi_cell(width, 9, line, align="C")
    pdf.set_y(pdf.h - 40)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(width, 6, document.issued, align="C")
    pdf.multi_cell(width, 6, document.verify, align="C")
    return bytes(pdf.output())
