"""Using the Django admin as a browser does: open a change form, change some fields, post what the page holds.

``admin_form`` reads every value the page's form would post (inputs, selects — several values for a multiple
select —, textareas, the inline rows and their management forms); ``post_admin_form`` changes some and posts.
``delete_selected`` runs the changelist's 删除所选 action: the confirmation page, then 是的，我确定.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client


class _AdminForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self.select: str | None = None
        self.multiple = False
        self.first_option: str | None = None
        self.chosen = False
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = found.get("id", "").endswith("_form")
        if not self.inside or "disabled" in found:
            return
        if tag == "input" and found.get("name"):
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in found or kind in ("submit", "button", "file"):
                return
            self.data.setdefault(found["name"], []).append(found.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and found.get("name"):
            self.select, self.multiple = found["name"], "multiple" in found
            self.first_option, self.chosen = None, False
        elif tag == "option" and self.select is not None:
            value = found.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in found:
                self.data.setdefault(self.select, []).append(value)
                self.chosen = True
        elif tag == "textarea" and found.get("name"):
            self.textarea = found["name"]
            self.data[self.textarea] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            if not self.multiple and not self.chosen and self.first_option is not None:
                self.data[self.select] = [self.first_option]  # a browser posts the first option
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            value = self.data[self.textarea]
            value[0] += data.removeprefix("\n") if not value[0] else data


def admin_form(client: Client, url: str) -> dict[str, list[str]]:
    page = client.get(url)
    assert page.status_code == 200, page.content.decode()[:300]
    parser = _AdminForm()
    parser.feed(page.content.decode())
    assert parser.data, f"no admin form on {url}"
    return parser.data


def post_admin_form(client: Client, url: str, **changes: Any) -> Any:
    """Open the form at ``url``, set ``changes`` (a list for several values, ``None`` to leave a field empty of
    values, as an unticked checkbox), post it and return the response."""
    data = admin_form(client, url)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    data["_save"] = ["保存"]
    return client.post(url, data)


def delete_selected(client: Client, changelist: str, pks: list[int]) -> Any:
    """The changelist's 删除所选 action for ``pks``: the confirmation page, then the confirmed post."""
    chosen = {"action": "delete_selected", "_selected_action": [str(pk) for pk in pks]}
    confirm = client.post(changelist, chosen)
    assert confirm.status_code == 200 and 'name="post"' in confirm.content.decode(), confirm.content.decode()[:300]
    return client.post(changelist, {**chosen, "post": "yes"})
