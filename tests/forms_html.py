"""Read a rendered form as a browser would submit it: every named field with its current value."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_index: int):
        super().__init__(convert_charrefs=True)
        self.form_index, self.seen_forms, self.inside = form_index, -1, False
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None
        self._in_template = 0  # a <template>'s fields are not part of the form until a script uses them

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self._in_template += 1
        if self._in_template:
            return
        if tag == "form":
            self.seen_forms += 1
            self.inside = self.seen_forms == self.form_index
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
            else:
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.data[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self.inside and self._textarea and not self._in_template:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template -= 1
        if self._in_template:
            return
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            self.data.setdefault(self._select, self._select_first or "")
            self._select = None
        elif tag == "textarea":
            if self._textarea:
                # Browsers drop the one newline that follows <textarea>.
                self.data[self._textarea] = self.data[self._textarea].removeprefix("\n")
            self._textarea = None


def form_data(html: str, form_index: int = 0, form_marker: str | None = None) -> dict[str, str]:
    """The fields of the `form_index`-th <form> (or of the first form whose tag contains `form_marker`)."""
    if form_marker is not None:
        start = html.index(form_marker)
        html = html[html.rindex("<form", 0, start):]
        form_index = 0
    reader = _FormReader(form_index)
    reader.feed(html)
    return reader.data
