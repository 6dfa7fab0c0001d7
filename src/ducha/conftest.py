"""Shared fixtures: a small county with one user per role, the MCH packs installed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from ducha.indicators.mch_pack import install_mch_indicators
from ducha.orgs.actions import create_org_unit, create_user
from ducha.orgs.models import OrgUnit, OrgUnitKind, Role
from ducha.reporting.mch_pack import install_mch_data_set
from ducha.reporting.models import DataSet

PASSWORD = "ducha-test-1"


@dataclass
class MiniCounty:
    county: OrgUnit
    town_a: OrgUnit
    town_b: OrgUnit
    town_c: OrgUnit
    hospital: OrgUnit
    village_a1: OrgUnit
    data_set: DataSet
    admin: Any
    inspector: Any
    officer_a: Any
    officer_b: Any
    leader: Any
    outsider: Any

    @property
    def users(self) -> dict[str, Any]:
        return {"admin": self.admin, "inspector": self.inspector, "officer_a": self.officer_a,
                "officer_b": self.officer_b, "leader": self.leader, "outsider": self.outsider}


@pytest.fixture
def mini_county(db: Any) -> MiniCounty:
    data_set = install_mch_data_set()
    install_mch_indicators()
    county = create_org_unit(actor=None, code="T00", name="测试县", kind=OrgUnitKind.COUNTY, population=30000)
    town_a = create_org_unit(actor=None, code="T01", name="甲镇卫生院", short_name="甲镇",
                             kind=OrgUnitKind.TOWNSHIP_CENTRE, parent=county, population=10000, sort_order=1)
    town_b = create_org_unit(actor=None, code="T02", name="乙乡卫生院", short_name="乙乡",
                             kind=OrgUnitKind.TOWNSHIP_CENTRE, parent=county, population=12000, sort_order=2)
    town_c = create_org_unit(actor=None, code="T03", name="丙镇卫生院", short_name="丙镇",
                             kind=OrgUnitKind.TOWNSHIP_CENTRE, parent=county, population=8000, sort_order=3)
    hospital = create_org_unit(actor=None, code="T10", name="测试县人民医院", short_name="县医院",
                               kind=OrgUnitKind.COUNTY_FACILITY, parent=county, sort_order=10)
    village = create_org_unit(actor=None, code="T0101", name="甲村卫生室", kind=OrgUnitKind.VILLAGE_CLINIC,
                              parent=town_a)
    data_set.org_units.set([town_a, town_b, town_c, hospital])
    other = create_org_unit(actor=None, code="X00", name="外县", kind=OrgUnitKind.COUNTY)

    def user(name: str, unit: OrgUnit, role: str) -> Any:
        return create_user(actor=None, username=name, password=PASSWORD, memberships=[(unit, role)])

    return MiniCounty(
        county=county, town_a=town_a, town_b=town_b, town_c=town_c, hospital=hospital, village_a1=village,
        data_set=data_set,
        admin=user("admin1", county, Role.ADMIN), inspector=user("inspector1", county, Role.INSPECTOR),
        officer_a=user("officer_a", town_a, Role.MCH_OFFICER), officer_b=user("officer_b", town_b, Role.MCH_OFFICER),
        leader=user("leader1", county, Role.LEADER), outsider=user("outsider", other, Role.INSPECTOR),
    )


def client_of(user: Any) -> Client:
    """A new client logged in as ``user`` (without a password)."""
    client = Client()
    client.force_login(user)
    return client


def login(username: str) -> Client:
    """A new client logged in as one of the mini county's users (by password, as a person would)."""
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def admin_site_client(mini_county: MiniCounty, client: Client) -> Client:
    """The test client logged in as the county's administrator, made staff and superuser for the Django admin."""
    admin = mini_county.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


@pytest.fixture(autouse=True)
def fresh_result_cache() -> None:
    """Each test starts with no kept results: rolled-back data can come back with the same stamp."""
    from django.core.cache import caches

    caches["results"].clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Tests create many users; production keeps Django's slow (safe) default hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """The suite's flush TRUNCATEs the audit log; on PostgreSQL its trigger allows that only when the session
    sets ``ducha.allow_audit_truncate``. A startup option makes it every test connection's default (so a
    ``RESET`` in ``ducha demo`` keeps it)."""
    from django.conf import settings

    for database in settings.DATABASES.values():
        if database["ENGINE"].endswith("postgresql"):
            options = database.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c ducha.allow_audit_truncate=on".strip()
