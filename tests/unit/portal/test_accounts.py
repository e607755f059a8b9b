"""The portal's account rules: lockout after repeated failures, what a new account must be."""
from datetime import datetime, timedelta, timezone

import pytest

from services.portal import accounts
from services.portal.security import safe_next

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)
FIFTEEN = timedelta(minutes=15)


def test_the_fourth_wrong_password_counts_and_the_fifth_locks_the_account_for_the_lockout_period():
    assert accounts.after_failure(3, NOW, 5, FIFTEEN) == accounts.Lockout(4, None)
    assert accounts.after_failure(4, NOW, 5, FIFTEEN) == accounts.Lockout(0, NOW + FIFTEEN)


def test_a_lock_holds_until_its_end_and_not_a_second_longer():
    until = NOW + FIFTEEN
    assert accounts.is_locked(until, NOW + FIFTEEN - timedelta(seconds=1))
    assert not accounts.is_locked(until, until)
    assert not accounts.is_locked(None, NOW)


@pytest.mark.parametrize("username,role,contractor_id,password,fault", [
    ("a", "dinas", None, "long enough pw", "username"),
    ("budi santoso", "dinas", None, "long enough pw", "username"),
    ("budi", "admin", None, "long enough pw", "role"),
    ("budi", "contractor", None, "long enough pw", "contractor"),
    ("budi", "dinas", "8d0c9d8e-4a3b-4a1e-9d6c-1c3f7f1f2a10", "long enough pw", "contractor"),
    ("budi", "dinas", None, "short", "password"),
])
def test_a_new_account_is_refused_naming_what_is_wrong(username, role, contractor_id, password, fault):
    with pytest.raises(accounts.AccountError, match=fault):
        accounts.check_new_account(username, role, contractor_id, password)


def test_usernames_are_kept_lower_case_without_surrounding_spaces():
    assert accounts.check_new_account("  Kru1 ", "auditor", None, "long enough pw") == "kru1"


@pytest.mark.parametrize("target,expected", [
    ("/kru", "/kru"), ("/kru?x=1", "/kru?x=1"), ("//evil.example/", "/"), ("https://evil.example/", "/"),
    ("/\\evil.example", "/"), (None, "/"), ("", "/")])
def test_after_sign_in_only_a_path_of_this_site_is_followed(target, expected):
    assert safe_next(target, "/") == expected
