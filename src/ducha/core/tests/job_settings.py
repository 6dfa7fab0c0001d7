"""ducha's settings plus the test job kinds, for ``ducha`` subprocesses of the worker tests."""

from ducha.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "ducha.core.tests.apps.TestJobsConfig"]  # noqa: F405
