"""Fixtures of the job tests: the test job kinds, django-tasks' immediate backend, jobs in a given state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from ducha.core.models import Job
from ducha.core.tests.jobkinds import IMMEDIATE_TASKS, register


@pytest.fixture
def test_kinds() -> None:
    register()


@pytest.fixture
def immediate_jobs(settings: Any, test_kinds: None) -> None:
    """Jobs run inside ``start_job`` (django-tasks' immediate backend) instead of waiting for a worker."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def make_job(db: Any, test_kinds: None) -> Callable[..., Job]:
    def make(**fields: Any) -> Job:
        values: dict[str, Any] = {"kind": "test.count", "dedupe_key": f"test.count:{Job.objects.count()}",
                                  "args": {"n": 3}, "title": "计数任务", "state": "running",
                                  "started_at": timezone.now(), "heartbeat_at": timezone.now()}
        return Job.objects.create(**(values | fields))

    return make
