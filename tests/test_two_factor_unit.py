"""The pure part of two-factor sign-in (hackathon/accounts/two_factor.py) at fixed times: steps, the window,
replays, recovery codes and the lock after wrong codes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from hackathon.accounts import two_factor

# RFC 6238's test secret ("12345678901234567890" in base32) and its SHA-1 vectors, as six digits.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
NOON = datetime(2026, 12, 4, 12, 0, 0, tzinfo=timezone.utc)  # a step boundary: 1796385600 / 30 is whole


@pytest.mark.parametrize(("seconds", "code"), [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"),
                                                (2000000000, "279037")])
def test_codes_match_the_rfc_test_vectors(seconds, code):
    now = datetime.fromtimestamp(seconds, tz=timezone.utc)
    assert two_factor.code_at(RFC_SECRET, now) == code


def test_a_step_is_thirty_seconds_from_the_epoch():
    step = two_factor.time_step(NOON)
    assert step * 30 == int(NOON.timestamp())
    assert two_factor.time_step(NOON + timedelta(seconds=29.9)) == step
    assert two_factor.time_step(NOON + timedelta(seconds=30)) == step + 1
    assert two_factor.time_step(NOON - timedelta(microseconds=1)) == step - 1
    assert two_factor.step_start(step) == NOON
    # A naive datetime is read as UTC.
    assert two_factor.time_step(NOON.replace(tzinfo=None)) == step


def test_the_code_of_this_step_and_one_either_side_are_accepted():
    secret = two_factor.new_secret()
    step = two_factor.time_step(NOON)
    for offset in (-1, 0, 1):
        code = two_factor.code_at_step(secret, step + offset)
        assert two_factor.matching_step(secret, code, now=NOON, last_used_step=None) == step + offset
    for offset in (-3, -2, 2, 3):
        code = two_factor.code_at_step(secret, step + offset)
        if code not in {two_factor.code_at_step(secret, step + o) for o in (-1, 0, 1)}:  # a one-in-a-million clash
            assert two_factor.matching_step(secret, code, now=NOON, last_used_step=None) is None


def test_a_used_step_and_every_earlier_one_are_refused():
    secret = two_factor.new_secret()
    step = two_factor.time_step(NOON)
    code = two_factor.code_at_step(secret, step)
    assert two_factor.matching_step(secret, code, now=NOON, last_used_step=step) is None
    # Twenty seconds later the same code is still inside the window, and still refused.
    assert two_factor.matching_step(secret, code, now=NOON + timedelta(seconds=20), last_used_step=step) is None
    # The code of the step before (still in the window) is refused too once a later step was used.
    earlier = two_factor.code_at_step(secret, step - 1)
    assert two_factor.matching_step(secret, earlier, now=NOON, last_used_step=step) is None
    # The next step's code is fine.
    later = two_factor.code_at_step(secret, step + 1)
    assert two_factor.matching_step(secret, later, now=NOON + timedelta(seconds=30), last_used_step=step) == step + 1


@pytest.mark.parametrize("typed", ["123 456", "123-456", " 123456 "])
def test_spaces_and_dashes_in_a_code_are_ignored(typed):
    assert two_factor.looks_like_totp(typed)
    assert two_factor.normalise_code(typed) == "123456"


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "１２３４５６", "²²²²²²", None])
def test_what_is_not_six_ascii_digits_is_no_code(typed):
    assert not two_factor.looks_like_totp(typed)
    assert two_factor.matching_step(RFC_SECRET, typed, now=NOON, last_used_step=None) is None


def test_the_secret_is_random_base32_of_160_bits():
    secrets = {two_factor.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert len(secret) == 32 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert two_factor.grouped_secret("ABCDEFGHIJKL") == "ABCD EFGH IJKL"


def test_the_provisioning_uri_names_the_site_and_the_account():
    uri = two_factor.provisioning_uri(RFC_SECRET, account="ada@example.org", issuer="Civic Hack")
    assert uri.startswith("otpauth://totp/Civic%20Hack:ada%40example.org?")
    assert f"secret={RFC_SECRET}" in uri and "issuer=Civic%20Hack" in uri
    assert pyotp.parse_uri(uri).now() == pyotp.TOTP(RFC_SECRET).now()


def test_recovery_codes_are_ten_distinct_readable_codes():
    codes = two_factor.new_recovery_codes()
    assert len(codes) == 10 == len(set(codes))
    for code in codes:
        assert len(code) == 14 and code.count("-") == 2
        assert two_factor.normalise_recovery_code(code) == code.replace("-", "")
        assert not set(code.replace("-", "")) & set("ilo01")


def test_a_recovery_code_is_read_whatever_its_case_and_spacing():
    assert two_factor.normalise_recovery_code("ABCD-EFGH-JKMN") == "abcdefghjkmn"
    assert two_factor.normalise_recovery_code(" abcd efgh jkmn ") == "abcdefghjkmn"
    assert two_factor.normalise_recovery_code("abcd-efgh-jkm") is None  # too short
    assert two_factor.normalise_recovery_code("abcd-efgh-jkm1") is None  # a digit not in the alphabet
    assert two_factor.normalise_recovery_code("123456") is None


def test_recovery_code_hashes_are_salted_with_the_account():
    code = "abcd-efgh-jkmn"
    assert two_factor.hash_recovery_code(1, code) == two_factor.hash_recovery_code(1, "ABCD EFGH JKMN")
    assert two_factor.hash_recovery_code(1, code) != two_factor.hash_recovery_code(2, code)
    assert code not in two_factor.hash_recovery_code(1, code) and len(two_factor.hash_recovery_code(1, code)) == 64


def test_the_fifth_wrong_code_in_a_row_locks_for_the_lock_time():
    lock_for = timedelta(minutes=15)
    state = two_factor.Lock(0, None)
    for attempt in range(1, 5):
        state = two_factor.after_failure(state.failures, state.locked_until, now=NOON, max_failures=5,
                                         lock_for=lock_for)
        assert state == two_factor.Lock(attempt, None)
    state = two_factor.after_failure(state.failures, state.locked_until, now=NOON, max_failures=5, lock_for=lock_for)
    assert state == two_factor.Lock(0, NOON + lock_for)
    assert two_factor.seconds_locked(state.locked_until, now=NOON) == 900
    assert two_factor.seconds_locked(state.locked_until, now=NOON + timedelta(minutes=14, seconds=59.5)) == 1
    assert two_factor.seconds_locked(state.locked_until, now=NOON + lock_for) == 0
    assert two_factor.seconds_locked(None, now=NOON) == 0


def test_after_a_lock_has_passed_the_count_starts_again():
    lock_for = timedelta(minutes=15)
    later = NOON + timedelta(minutes=20)
    state = two_factor.after_failure(3, NOON + lock_for, now=later, max_failures=5, lock_for=lock_for)
    assert state == two_factor.Lock(1, None)
