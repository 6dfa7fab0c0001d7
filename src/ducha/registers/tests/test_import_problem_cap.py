"""The register upload page lists the first 20 problems of each id, with the total per id."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ducha.registers.tests.test_import_good import CHILD_HEAD, counts


def test_upload_page_caps_problems_per_id(mini_county: Any) -> None:
    lines = [",".join(CHILD_HEAD)] + [f"T01,C{n},甲,男,2011-01-01,很重,," for n in range(60)]
    client = Client()
    client.force_login(mini_county.officer_a)
    before = counts()
    response = client.post(reverse("registers:upload"), {
        "upload": SimpleUploadedFile("儿童手册.csv", ("\n".join(lines) + "\n").encode())})
    html = response.content.decode()
    assert response.status_code == 400 and "有 60 个问题，未导入任何数据" in html
    assert "IMP020 数值不是数字：共 60 处，以下仅列出前 20 处" in html
    assert html.split('id="problem-table"')[1].split("</table>")[0].count("<tr>") == 21
    assert counts() == before
