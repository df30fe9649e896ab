"""Rows for the workbooks the tools write (reports, FAQ exports): what was typed stays text, never a formula.

A citizen's search such as `=HYPERLINK("http://…"&A1,"点击查看")` reaches the report's 热门问题 and 未解答
sheets as they typed it; openpyxl would store any string starting with `=` as a formula, which a
spreadsheet then runs. Every string is stored as a string (Excel shows `=…` as text), and the control
characters a workbook cannot hold (`暖气\x01`) are dropped instead of failing the whole file.
"""

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet


def append_row(sheet: Worksheet, values: list[Any]) -> None:
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text, whatever it starts with (=, +, -, @, a tab)
