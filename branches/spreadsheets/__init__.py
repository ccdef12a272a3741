"""Spreadsheets, the shared part every app uses.

- `reader`: imports — read an uploaded sheet within bounds, check its header, report errors by row and column,
  keep its rows between preview and confirmation; the blank import templates and the xlsx download response.
- `writer`: a streaming writer for large printable sheets (the 附件2 export), on a few of openpyxl's private hooks.
"""
