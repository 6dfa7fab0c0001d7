"""Checks of a Django admin change form that the apps' tests share (expressions of indicators, validation rules).

``refused_page`` posts a change the form must refuse and checks that the form came back with an error and
that nothing was saved; ``assert_every_row_valid`` checks that every stored row passes the admin's form.
"""

from __future__ import annotations

from html import unescape
from typing import Any

from django.db.models import Model
from django.forms import ModelForm, modelform_factory
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse


def change_url(obj: Model) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def change_data(obj: Model, **changes: Any) -> dict[str, Any]:
    """What the change form of ``obj`` posts (an empty field as ""), with ``changes`` on top."""
    data = {k: ("" if v is None else v) for k, v in model_to_dict(obj).items() if k != "id"}
    data.update(changes)
    return data


def post_change(client: Client, obj: Model, **changes: Any) -> Any:
    return client.post(change_url(obj), change_data(obj, **changes))


def refused_page(client: Client, obj: Model, **changes: Any) -> str:
    """The page (HTML unescaped) of a change the form refuses: shown again with an error, ``obj`` unchanged."""
    before = model_to_dict(obj)
    response = post_change(client, obj, **changes)
    assert response.status_code == 200  # the form again, not the redirect of a save
    page = unescape(response.content.decode())
    assert 'class="errorlist' in page
    obj.refresh_from_db()
    assert model_to_dict(obj) == before
    return page


def assert_every_row_valid(model: type[Model], form: type[ModelForm]) -> None:
    """Every stored row of ``model`` passes the admin's ``form`` as it is."""
    model_form = modelform_factory(model, form=form, fields="__all__")
    rows = list(model._default_manager.all())
    assert rows
    for row in rows:
        bound = model_form(data=model_to_dict(row), instance=row)
        assert bound.is_valid(), (getattr(row, "code", row.pk), bound.errors)
