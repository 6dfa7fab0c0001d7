from django.apps import AppConfig


class TestJobsConfig(AppConfig):
    """Installed only by ``ducha.core.tests.job_settings``: registers the test job kinds in a subprocess."""

    name = "ducha.core.tests"
    label = "core_tests"

    def ready(self) -> None:
        from ducha.core.tests.jobkinds import register

        register()
