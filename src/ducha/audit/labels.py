"""Chinese labels for audit rows: what was done (``reporting.save_report`` → 保存月报) and to what.

Each app names its own actions: its ``AppConfig`` carries ``audit_actions = {"save_report": "保存月报"}``
(the part after the app label) and, for object types that are not models, ``audit_objects``. Object types
that are models are labelled with the model's ``verbose_name``. The audit app imports no other app: it
reads these through Django's app registry.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps

GENERIC_ACTIONS = {"admin.add": "后台新增", "admin.change": "后台修改", "admin.delete": "后台删除"}


@cache
def action_labels() -> dict[str, str]:
    labels = dict(GENERIC_ACTIONS)
    for config in apps.get_app_configs():
        for verb, label in getattr(config, "audit_actions", {}).items():
            labels[f"{config.label}.{verb}"] = label
    return labels


@cache
def object_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for config in apps.get_app_configs():
        for model in config.get_models():
            labels.setdefault(model.__name__, str(model._meta.verbose_name))
        labels.update(getattr(config, "audit_objects", {}))
    return labels


def action_label(action: str) -> str:
    """The Chinese name of an action; an unknown one is shown as it is stored."""
    return action_labels().get(action, action)


def object_label(object_type: str) -> str:
    return object_labels().get(object_type, object_type)
