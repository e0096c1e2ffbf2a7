"""The normalised forms duplicate rules compare: two values that differ only in ways a person would
not notice (case, full-width letters, punctuation, a company's legal form, a URL around a domain)
get the same key. Pure functions, no database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from enum import Enum
from urllib.parse import urlsplit

from domain.phones import e164, region_in_effect


class KeyKind(str, Enum):
    """How a field's values are normalised (and so what a rule on it compares)."""

    EMAIL = "EMAIL"
    PHONE = "PHONE"
    COMPANY_NAME = "COMPANY_NAME"
    PERSON_NAME = "PERSON_NAME"
    DOMAIN = "DOMAIN"
    TEXT = "TEXT"


# Legal forms removed from the end of company names, longest first so that 股份有限公司 goes as a
# whole and not as 有限公司 leaving 股份 behind. Compared after folding (lower case, no
# punctuation or spaces), so "Co., Ltd." is written "coltd" here.
_LEGAL_SUFFIXES = tuple(
    sorted(
        (
            # Chinese (mainland, Hong Kong, Taiwan)
            "股份有限公司",
            "有限责任公司",
            "有限責任公司",
            "集团有限公司",
            "集團有限公司",
            "有限公司",
            "股份公司",
            "集团",
            "集團",
            "公司",
            # Japanese and Korean
            "株式会社",
            "有限会社",
            "주식회사",
            # English and European
            "coltd",
            "colimited",
            "companylimited",
            "limited",
            "ltd",
            "incorporated",
            "inc",
            "corporation",
            "corp",
            "company",
            "co",
            "llc",
            "llp",
            "lp",
            "plc",
            "pteltd",
            "pte",
            "pvtltd",
            "pty",
            "ptyltd",
            "gmbh",
            "gmbhcokg",
            "ag",
            "kg",
            "ohg",
            "ug",
            "sa",
            "sas",
            "sarl",
            "srl",
            "spa",
            "bv",
            "nv",
            "oy",
            "ab",
            "as",
            "aps",
        ),
        key=len,
        reverse=True,
    )
)
_LEGAL_PREFIXES = ("株式会社",)
# Letters and digits of every script survive folding; everything else (spaces, punctuation,
# symbols, the CJK full stop) goes.
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Full-width and compatibility characters to their plain forms (NFKC), case folded,
    punctuation and spaces removed: 'ＡＣＭＥ, Inc.' -> 'acmeinc'."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def company_name(text: str) -> str:
    """A company name without its legal form: 'Acme Co., Ltd.', 'ACME Inc' and 'acme' agree, and
    so do '腾讯科技（深圳）有限公司' and '腾讯科技(深圳)'. A name that is only a legal form keeps it."""
    folded = fold(text)
    for prefix in _LEGAL_PREFIXES:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            folded = folded[len(prefix) :]
    changed = folded not in _LEGAL_SUFFIXES
    while changed:  # "Acme Holdings Co., Ltd." may end in more than one legal word
        changed = False
        for suffix in _LEGAL_SUFFIXES:
            if folded.endswith(suffix) and len(folded) > len(suffix):
                folded, changed = folded[: -len(suffix)], True
                break
    return folded


def person_name(text: str) -> str:
    """A person's name folded, with its words in a fixed order: 'Li Wei' and 'WEI, Li' agree."""
    words = [fold(word) for word in unicodedata.normalize("NFKC", text).replace(",", " ").split()]
    return "".join(sorted(word for word in words if word))


def email(text: str) -> str:
    """An address lower-cased and trimmed (full-width characters folded)."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def domain(text: str) -> str:
    """The host of a website or a bare domain, lower-cased, without 'www.', a port or a path:
    'https://WWW.Acme.com/about' -> 'acme.com'."""
    value = unicodedata.normalize("NFKC", text).strip().lower()
    if not value:
        return ""
    host = urlsplit(value if "//" in value else f"//{value}").hostname or ""
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") else host


def phone(text: str, region: str | None = None) -> str:
    """E.164 (+8613800138000), national numbers read in `region` (by default the tenant's phone
    region, domain/phones.py); a number that cannot be read is kept folded, so that two equally
    unreadable numbers still agree."""
    number = e164(
        unicodedata.normalize("NFKC", text), region if region is not None else region_in_effect()
    )
    return number if number is not None else fold(text)


NORMALISERS: dict[KeyKind, Callable[[str], str]] = {
    KeyKind.EMAIL: email,
    KeyKind.PHONE: phone,
    KeyKind.COMPANY_NAME: company_name,
    KeyKind.PERSON_NAME: person_name,
    KeyKind.DOMAIN: domain,
    KeyKind.TEXT: fold,
}

# Fuzzy conditions compare a record only with records whose key starts the same way: the block.
# Two characters keep blocks small for Latin names and still group CJK names by their first two.
BLOCK_LENGTH = 2


def block_of(key: str) -> str:
    return key[:BLOCK_LENGTH]


def normalise(kind: KeyKind, value: object) -> str:
    """The key of one value ('' for nothing to compare)."""
    if value is None:
        return ""
    return NORMALISERS[kind](str(value))
