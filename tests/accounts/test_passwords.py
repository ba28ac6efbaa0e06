"""Password policy (等保 身份鉴别): argon2, length, character classes, no username, no reuse of the last 5."""

from __future__ import annotations

import itertools
import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.exceptions import ValidationError

import baomi
from baomi.accounts import services
from baomi.accounts.passwords import character_classes, generate_temporary
from baomi.errors import Invalid
from tests.factories import PASSWORD


def test_argon2_is_the_production_hasher(monkeypatch):
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in settings.PASSWORD_HASHERS
    # Outside tests the settings list argon2 alone, so every new hash is argon2.
    monkeypatch.setenv("BAOMI_TESTING", "0")
    production = runpy.run_path(str(Path(baomi.__file__).with_name("settings.py")))
    assert production["PASSWORD_HASHERS"] == ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    # ...and the argon2 library is installed.
    assert identify_hasher(make_password("x", hasher="argon2")).algorithm == "argon2"


def test_validators_are_configured():
    names = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == ["LengthValidator", "CharacterClassValidator", "NotUsernameValidator", "HistoryValidator"]
    assert settings.BAOMI_PASSWORD_MIN_LENGTH == 10 and settings.BAOMI_PASSWORD_HISTORY == 5
    help_text = " ".join(password_validation.password_validators_help_texts())
    assert "10" in help_text and "三类" in help_text and "用户名" in help_text


def codes(password: str, user=None) -> set[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


@pytest.mark.parametrize(("password", "expected"), [
    ("Ab1!xyz", {"password_too_short"}),  # 7 characters
    ("Ab1!xyzuv", {"password_too_short"}),  # 9: one short of 10
    ("abcdefghij", {"password_too_simple"}),  # one class
    ("abcdefghi1", {"password_too_simple"}),  # two classes
    ("ABCDEFGH1!", set()),  # upper, digit, symbol: three classes are enough
    ("abcdefgh1!", set()),
    ("Abcdefghij", {"password_too_simple"}),
    ("Abcdefghi1", set()),
    ("短密码", {"password_too_short", "password_too_simple"}),
    ("中文密码口令安全很重要的1A", {"password_too_simple"}),  # CJK letters are none of the four classes
    ("中文密码口令安全很重要的1A!", set()),
])
def test_length_and_character_classes(password, expected):
    assert codes(password) == expected


def test_password_may_not_contain_the_username(db, staff):
    assert codes("Zhoujing#2026", staff) == {"password_contains_username"}
    assert codes("xxZHOUJINGxx1", staff) == {"password_contains_username"}
    assert codes("Unrelated#2026", staff) == set()


def test_short_usernames_do_not_block_passwords(db):
    from tests.factories import make_person

    li = make_person("li")
    assert codes("Lighthouse#2026", li) == set()


def test_character_classes():
    assert character_classes("") == 0
    assert character_classes("aA1!") == 4
    assert character_classes("aaaa") == 1


def test_temporary_passwords_satisfy_the_policy():
    seen = set()
    for _ in range(50):
        temporary = generate_temporary()
        assert codes(temporary) == set() and character_classes(temporary) == 4 and len(temporary) >= 14
        seen.add(temporary)
    assert len(seen) == 50


def test_reuse_of_the_last_five_is_refused_and_the_sixth_oldest_allowed(db, staff):
    chain = [PASSWORD] + [f"Rotate#{i}x2026" for i in range(1, 6)]  # P0 (current) .. P5
    for old, new in itertools.pairwise(chain):
        services.password_change(actor=staff, old=old, new=new)
    staff.refresh_from_db()
    current = chain[-1]
    # The last five: the current one and the four before it.
    for reused in chain[1:]:
        with pytest.raises(Invalid, match="最近 5 次"):
            services.password_change(actor=staff, old=current, new=reused)
        staff.refresh_from_db()
        assert staff.check_password(current)
    # The sixth-oldest (P0) is allowed again.
    services.password_change(actor=staff, old=current, new=chain[0])
    staff.refresh_from_db()
    assert staff.check_password(chain[0])


def test_history_validator_ignores_unsaved_users():
    from baomi.accounts.models import User

    assert codes("Fresh#Password1", User(username="nobody")) == set()
