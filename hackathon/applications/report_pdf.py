"""The inclusion report as a PDF: landscape A4 (a breakdown has a column per stage, up to nine), DejaVu Sans
from results/pdf.py so that Kyrgyz and Russian render anywhere. The caller passes a `report.ReportDocument`
already translated and suppressed; this only lays it out.

As in results/pdf.py, every text block is a `multi_cell` that leaves the cursor at the left margin of the next
line; table cells are placed one by one at known positions, wrapped within their column, and the cursor goes back
to the left margin after a table, so nothing starts past the right edge. Tables flow onto further pages with
their header row repeated; a section's heading is never left alone at the foot of a page."""
from __future__ import annotations

from hackathon.results.pdf import ACCENT, FONT, INK, MUTED, _block, _document

MARGIN = 15            # mm on every side
PROSE_WIDTH = 200      # mm: paragraphs stop short of the full landscape width, to stay readable
HEADING_ROOM = 32      # mm: a heading needs this much below it on the page, else it starts the next page
INTRO_ROOM = 25        # mm more for a section of paragraphs only (the next section's heading and first rows)
BULLET_INDENT = 5      # mm
TABLE_START_ROOM = 28  # mm: a table's header and first two rows, kept with the heading and paragraphs before it


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
    # A section of paragraphs only introduces the next one: it needs room for that one's start too. A section
    # with a table keeps its heading and paragraphs with the table's first rows.
    alone = section.table is None and not section.bullets and not section.after
    room = HEADING_ROOM + (INTRO_ROOM if alone else 0)
    if section.table is not None and section.table.rows:
        pdf.set_font(FONT, "", 10)
        intro = sum(_block(pdf, paragraph, 5, width=min(PROSE_WIDTH, pdf.epw), dry_run=True) + 1
                    for paragraph in section.paragraphs)
        room = max(room, min(10 + intro + TABLE_START_ROOM, pdf.eph * 0.8))
    if pdf.will_page_break(room):
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


LINE = 4.2             # mm: a line of a table cell (8.5 pt)
HEADER_LINE = 3.6      # mm: a line of a header cell (7 pt bold)
PADDING = 1.2          # mm around a cell's text
HEADER_FILL = (235, 240, 248)
RULE = (190, 190, 190)


def _lines(pdf, text: str, width: float) -> list[str]:
    """The lines `text` takes in `width` with the current font: its own lines when each fits (numbers always
    do, and measuring is cheap), else as multi_cell wraps them."""
    own = text.split("\n")
    if all(pdf.get_string_width(line) <= width - 2 * pdf.c_margin for line in own):
        return own
    return pdf.multi_cell(width, LINE, text, dry_run=True, output="LINES")


def _table(pdf, table) -> None:
    """Rows drawn cell by cell (fpdf2's table measured every cell with a dry-run multi_cell: seconds for a report
    of a few hundred rows): each cell's lines at the left or right of its column, a rule under each row. A row
    never splits; before one that would cross the foot of the page, a new page starts with the header again, and
    the last row is never alone on its page."""
    scale = min(1.0, pdf.epw / sum(table.widths))
    widths = [width * scale for width in table.widths]
    inner = [width - 2 * PADDING for width in widths]
    right = pdf.l_margin + sum(widths)

    # The header's type shrinks (to 5.5 pt at most) until its longest word fits its column: a word is never cut.
    size = 7.0
    pdf.set_font(FONT, "B", size)
    while size > 5.5 and any(pdf.get_string_width(word) > width - 2 * pdf.c_margin
                             for width, text in zip(inner, table.header) for word in text.split()):
        size -= 0.5
        pdf.set_font(FONT, "B", size)
    line_height = HEADER_LINE * size / 7
    header = [pdf.multi_cell(width, line_height, text, dry_run=True, output="LINES")
              for width, text in zip(inner, table.header)]
    header_height = max(len(lines) for lines in header) * line_height + 2 * PADDING

    def draw_header() -> None:
        pdf.set_font(FONT, "B", size)
        top = pdf.get_y()
        pdf.set_fill_color(*HEADER_FILL)
        pdf.rect(pdf.l_margin, top, sum(widths), header_height, style="F")
        _cells(pdf, header, widths, table.align, top, line_height, bottom_align=True, height=header_height)
        pdf.set_draw_color(*RULE)
        pdf.line(pdf.l_margin, top + header_height, right, top + header_height)
        pdf.set_xy(pdf.l_margin, top + header_height)
        pdf.set_font(FONT, "", 8.5)

    pdf.set_font(FONT, "", 8.5)
    rows = [[_lines(pdf, text, width) for width, text in zip(inner, cells)] for cells in table.rows]
    heights = [max(len(lines) for lines in row) * LINE + 2 * PADDING for row in rows]
    if pdf.get_y() + header_height + (heights[0] if heights else 0) > pdf.page_break_trigger:
        pdf.add_page()
    draw_header()
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    first_on_page = 0
    # The first columns name what the rows below them belong to (a round, a dimension) only where it changes:
    # a page that starts part-way through says it again.
    above = [""] * table.repeat_columns
    for index, (row, height) in enumerate(zip(rows, heights)):
        bottom = pdf.get_y() + height
        # The last row never goes over alone: the one before it goes with it (if this page keeps a row).
        last_alone = (index == len(rows) - 2 and index > first_on_page
                      and bottom + heights[-1] > pdf.page_break_trigger)
        if bottom > pdf.page_break_trigger or last_alone:
            pdf.add_page()
            draw_header()
            first_on_page = index
            cells = list(table.rows[index])
            if any(not cells[column] and above[column] for column in range(table.repeat_columns)):
                for column in range(table.repeat_columns):
                    cells[column] = cells[column] or above[column]
                row = [_lines(pdf, text, width) for width, text in zip(inner, cells)]
                height = max(len(lines) for lines in row) * LINE + 2 * PADDING
        for column in range(table.repeat_columns):
            above[column] = table.rows[index][column] or above[column]
        top = pdf.get_y()
        _cells(pdf, row, widths, table.align, top, LINE)
        pdf.line(pdf.l_margin, top + height, right, top + height)
        pdf.set_xy(pdf.l_margin, top + height)
    pdf.set_font(FONT, "", 10)


def _cells(pdf, row, widths, align, top: float, line_height: float, *, bottom_align: bool = False,
           height: float = 0) -> None:
    """One row's cells from `top`: each line with `cell` (no wrapping left to do); header cells sit at the
    bottom of their row, so that one-line headings line up with the last line of two-line ones."""
    x = pdf.l_margin
    for lines, width, side in zip(row, widths, align):
        offset = height - 2 * PADDING - len(lines) * line_height if bottom_align else 0
        for number, line in enumerate(lines):
            pdf.set_xy(x + PADDING, top + PADDING + offset + number * line_height)
            pdf.cell(width - 2 * PADDING, line_height, line, align="R" if side == "R" else "L")
        x += width
