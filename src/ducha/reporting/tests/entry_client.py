"""Posting the monthly report form as a browser does: open the page, change some fields, submit.

The page carries, per field, the value and version it showed; a test that posts bare values would
be a client based on empty cells. ``open_form`` reads what the page would post, ``submit`` changes it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client


class _FormInputs(HTMLParser):
    """The values a browser would post from one form: inputs, selects (selected or first option), textareas."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self.select: str | None = None
        self.textarea: str | None = None
        self.select_has_choice = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        if not self.inside or "disabled" in found:
            return
        if tag == "input" and found.get("name"):
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in found:
                return
            if kind != "submit":
                self.data[found["name"]] = found.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select" and found.get("name"):
            self.select, self.select_has_choice = found["name"], False
        elif tag == "option" and self.select is not None:
            if "selected" in found or not self.select_has_choice:
                self.data[self.select] = found.get("value", "")
                self.select_has_choice = self.select_has_choice or "selected" in found
        elif tag == "textarea" and found.get("name"):
            self.textarea = found["name"]
            self.data[self.textarea] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.data[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def page_inputs(html: str, form_id: str = "report-form") -> dict[str, str]:
    parser = _FormInputs(form_id)
    parser.feed(html)
    return parser.data


def open_form(client: Client, url: str, form_id: str = "report-form") -> dict[str, str]:
    """What submitting the page unchanged would post (csrf token excluded: the test client skips it)."""
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    data = page_inputs(response.content.decode(), form_id)
    data.pop("csrfmiddlewaretoken", None)
    return data


def submit(client: Client, url: str, data: dict[str, str] | None = None, **changes: Any) -> Any:
    """Post ``data`` (default: the page as it opens now) with ``changes`` typed into the fields."""
    posted = dict(open_form(client, url) if data is None else data)
    for name, value in changes.items():
        posted[name.replace("__", "-")] = "" if value is None else str(value)
    return client.post(url, posted)
