"""The inclusion report as a PDF: landscape A4 (a breakdown has a column per stage, up to nine), DejaVu Sans
from results/pdf.py so that Kyrgyz and Russian render anywhere. The caller passes a `report.ReportDocument`
already translated and suppressed; this only lays it out.

As in results/pdf.py, every text block is a `multi_cell` that leaves the cursor at the left margin of the next
line, and tables go back to the left margin after them, so nothing starts past the right edge. Tables flow onto
further pages with their header row repeated; a section's heading is never left alone at the foot of a page."""
from __future__ import annotations

from fpdf.enums import TableBordersLayout
from fpdf.fonts import FontFace

from hackathon.results.pdf import ACCENT, FONT, INK, MUTED, _block, _document

MARGIN = 15            # mm on every side
PROSE_WIDTH = 200      # mm: paragraphs stop short of the full landscape width, to stay readable
HEADING_ROOM = 32      # mm: a heading needs this much below it on the page, else it starts the next page
BULLET_INDENT = 5      # mm


def report_pdf(document) -> bytes:
    """Title and dates, then each section: heading, paragraphs, table, bullets, closing paragraphs."""
    pdf = _document(document.title, orientation="landscape")
    pdf.numbered = True
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN + 3)  # the page number sits 12 mm above the edge
    pdf.set_lang(document.language)
    pdf.add_page()
    pdf.set_font(FONT, "B", 17)
    _block(pdf, document.title, 8)
    pdf.ln(1)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*MUTED)
    for line in document.subtitle:
        _block(pdf, line, 5)
    pdf.set_text_color(*INK)
    for section in document.sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _section(pdf, section) -> None:
    pdf.ln(5)
    if pdf.will_page_break(HEADING_ROOM):
        pdf.add_page()
    pdf.set_font(FONT, "B", 13)
    pdf.set_text_color(*ACCENT)
    _block(pdf, section.title, 7)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "", 10)
    for paragraph in section.paragraphs:
        pdf.ln(1)
        _block(pdf, paragraph, 5, width=min(PROSE_WIDTH, pdf.epw))
    if section.table is not None and section.table.rows:
        pdf.ln(2)
        _table(pdf, section.table)
    if section.bullets:
        pdf.ln(1.5)
    for bullet in section.bullets:
        if pdf.will_page_break(5):
            pdf.add_page()
        pdf.cell(BULLET_INDENT, 5, "•")
        pdf.set_left_margin(pdf.l_margin + BULLET_INDENT)  # lines wrapped onto a new page keep the indent
        _block(pdf, bullet, 5, width=min(PROSE_WIDTH, pdf.epw) - BULLET_INDENT)
        pdf.set_left_margin(pdf.l_margin - BULLET_INDENT)
        pdf.set_x(pdf.l_margin)
        pdf.ln(1)
    for paragraph in section.after:
        pdf.ln(1)
        _block(pdf, paragraph, 5, width=min(PROSE_WIDTH, pdf.epw))


def _table(pdf, table) -> None:
    pdf.set_font(FONT, "", 8.5)
    pdf.set_draw_color(190, 190, 190)
    pdf.set_line_width(0.2)
    align = tuple("RIGHT" if a == "R" else "LEFT" for a in table.align)
    width = min(pdf.epw, sum(table.widths))
    with pdf.table(col_widths=tuple(table.widths), text_align=align, first_row_as_headings=True, line_height=4.2,
                   padding=1.2, width=width, align="LEFT", borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                   headings_style=FontFace(family=FONT, emphasis="BOLD", size_pt=7, fill_color=(235, 240, 248)),
                   repeat_headings=1) as body:
        header = body.row()
        for text in table.header:
            header.cell(text)
        for cells in table.rows:
            row = body.row()
            for text in cells:
                row.cell(text)
    pdf.set_x(pdf.l_margin)
    pdf.set_font(FONT, "", 10)
