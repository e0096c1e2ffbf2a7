"""Normalised keys: values a person takes for the same get the same key."""

from __future__ import annotations

import pytest

from domain.duplicates.normalise import company_name, domain, email, fold, person_name, phone


@pytest.mark.parametrize(
    "a, b",
    [
        ("Acme Co., Ltd.", "ACME"),
        ("Acme Inc", "acme, inc."),
        ("Acme GmbH", "Acme"),
        ("ＡＣＭＥ　Ｃｏ．，Ｌｔｄ．", "Acme"),  # full-width letters and punctuation
        ("腾讯科技（深圳）有限公司", "腾讯科技(深圳)"),  # full-width brackets, legal form
        ("华为技术股份有限公司", "华为技术"),  # 股份有限公司 as a whole, not 有限公司 leaving 股份
        ("阿里巴巴集团有限公司", "阿里巴巴"),
        ("株式会社ソニー", "ソニー"),
        ("Acme Holdings Co., Ltd.", "Acme Holdings"),
    ],
)
def test_company_names_that_agree(a, b):
    assert company_name(a) == company_name(b)


@pytest.mark.parametrize(
    "a, b", [("Acme", "Apex"), ("腾讯科技", "腾讯音乐"), ("Acme Co", "Acme Corp Two")]
)
def test_company_names_that_differ(a, b):
    assert company_name(a) != company_name(b)


def test_a_name_that_is_only_a_legal_form_keeps_it():
    assert company_name("有限公司") == "有限公司"
    assert company_name("Inc.") == "inc"


def test_fold_ignores_case_width_and_punctuation():
    assert fold("Ｈｅｌｌｏ, World!") == fold("hello world") == "helloworld"


def test_person_names_in_either_order():
    assert person_name("Li Wei") == person_name("WEI, Li")
    assert person_name("王 小明") == person_name("王　小明")


def test_emails_and_domains():
    assert email(" Alice@Example.COM ") == "alice@example.com"
    assert domain("https://WWW.Acme.com:8443/about?x=1") == domain("acme.com") == "acme.com"
    assert domain("ａｃｍｅ．ｃｏｍ") == "acme.com"


def test_phones_in_e164_with_a_region():
    assert phone("+86 138 0013 8000") == "+8613800138000"
    assert phone("138 0013 8000", "CN") == "+8613800138000"
    assert phone("(650) 253-0000", "US") == "+16502530000"
    assert phone("not a number") == phone("NOT A NUMBER!")
