from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edimap import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength
from edimap import strategies as eds
from edimap.ids import cvr, gln, gtin, identify


@pytest.mark.parametrize("value", ["5790000274017", "579 0000 274017", "579-0000-274017"])
def test_gln_valid_and_compacted(value: str) -> None:
    assert gln.validate(value) == "5790000274017"
    assert gln.is_valid(value)


def test_gln_wrong_check_digit_says_what_it_should_be() -> None:
    with pytest.raises(InvalidChecksum) as info:
        gln.validate("5790000274018")
    assert info.value.expected == "7"
    assert str(info.value) == "GLN 5790000274018: check digit should be 7, not 8"


def test_gln_length_and_format() -> None:
    with pytest.raises(InvalidLength, match="has 12 digits; it must have 13"):
        gln.validate("579000027401")
    with pytest.raises(InvalidFormat, match="contains 'A'"):
        gln.validate("57900002740A7")
    with pytest.raises(InvalidFormat, match="is empty"):
        gln.validate("")


@pytest.mark.parametrize(
    ("value", "compact"),
    [("96385074", "96385074"), ("036000291452", "036000291452"),
     ("5701234567899", "5701234567899"), ("15701234567896", "15701234567896")],
)
def test_gtin_lengths(value: str, compact: str) -> None:
    assert gtin.validate(value) == compact
    assert gtin.to_gtin14(value) == compact.rjust(14, "0")


def test_gtin_restricted_length() -> None:
    assert gtin.is_valid("96385074")
    assert not gtin.is_valid("96385074", length=13)
    with pytest.raises(InvalidChecksum, match="GTIN 5701234567898: check digit should be 9"):
        gtin.validate("5701234567898")


def test_gtin_14_check_digit() -> None:
    assert gtin.calc_check_digit("1570123456789") == "6"


@pytest.mark.parametrize("value", ["13585628", "DK13585628", "DK 13 58 56 28", "dk13585628"])
def test_cvr_valid(value: str) -> None:
    assert cvr.validate(value) == "13585628"
    assert cvr.format(value) == "DK13585628"


def test_cvr_errors() -> None:
    with pytest.raises(InvalidChecksum, match="CVR 13585627: check digit should be 8, not 7"):
        cvr.validate("13585627")
    with pytest.raises(InvalidLength):
        cvr.validate("DK1358562")
    with pytest.raises(InvalidFormat, match="starts with 0"):
        cvr.validate("03585628")
    # A body for which no last digit works is reported as such, not with a fake digit.
    body = next(f"1{n:06d}" for n in range(10**6) if cvr.calc_check_digit(f"1{n:06d}") is None)
    with pytest.raises(InvalidChecksum, match="no last digit can make"):
        cvr.validate(body + "0")


def test_identifier_errors_are_edimap_errors() -> None:
    from edimap import EdimapError, ValidationError

    assert issubclass(InvalidIdentifier, ValidationError)
    assert issubclass(InvalidIdentifier, EdimapError)
    assert issubclass(InvalidIdentifier, ValueError)


def test_identify() -> None:
    assert [(v.kind, v.valid) for v in identify("5790000274017")] == [("GLN/GTIN-13", True)]
    assert [(v.kind, v.valid) for v in identify("DK13585628")] == [("CVR", True)]
    assert [(v.kind, v.valid) for v in identify("12345670")] == [("GTIN-8", True),
                                                                  ("CVR", False)]
    assert identify("hello") == []


@given(eds.glns())
def test_generated_glns_are_valid(value: str) -> None:
    assert gln.is_valid(value)
    assert value.startswith("57")


@given(eds.gtins(lengths=(8, 12, 13, 14)), st.integers(1, 9))
def test_any_changed_check_digit_is_caught(value: str, delta: int) -> None:
    assert gtin.is_valid(value)
    broken = value[:-1] + str((int(value[-1]) + delta) % 10)
    with pytest.raises(InvalidChecksum) as info:
        gtin.validate(broken)
    assert info.value.expected == value[-1]


@given(eds.cvrs())
def test_generated_cvrs_are_valid(value: str) -> None:
    assert cvr.is_valid(value)
    assert cvr.is_valid("DK" + value)


@given(st.text("0123456789", min_size=1, max_size=17))
def test_check_digit_agrees_with_python_stdnum(body: str) -> None:
    from stdnum.ean import calc_check_digit as stdnum_check_digit

    assert gtin.calc_check_digit(body) == stdnum_check_digit(body)


def test_check_digit_of_something_not_digits_is_an_identifier_error() -> None:
    with pytest.raises(InvalidFormat, match="not a run of digits"):
        gtin.calc_check_digit("57012345678x")
    with pytest.raises(InvalidFormat):
        gln.calc_check_digit("５７９０００")  # fullwidth digits are digits to str.isdigit
    assert gtin.calc_check_digit("") == "0"


def test_validate_reports_any_value_as_an_identifier_error() -> None:
    # Valid numbers are cached; what cannot be (a list) is still an InvalidFormat.
    from edimap import InvalidFormat
    from edimap.ids import gln, gtin

    for validate in (gln.validate, gtin.validate):
        with pytest.raises(InvalidFormat):
            validate(["5790000274017"])  # type: ignore[arg-type]
    assert gln.validate("5790000274017") == gln.validate(" 5790000274017 ") == "5790000274017"


def test_remembered_keys_keep_their_kind_and_the_memory_stays_bounded() -> None:
    from edimap.ids import _gs1

    assert gtin.validate("96385074") == "96385074"  # remembered as a valid GTIN
    with pytest.raises(InvalidLength):
        gtin.validate("96385074", length=13)  # not as a valid GTIN-13
    with pytest.raises(InvalidLength):
        gln.validate("96385074")
    bodies = [f"570{n:09d}" for n in range(_gs1._KNOWN_MOST + 50)]
    keys = [body + gtin.calc_check_digit(body) for body in bodies]
    assert [gtin.validate(key) for key in keys] == keys
    assert len(_gs1._KNOWN_VALID["GTIN"]) <= _gs1._KNOWN_MOST
    assert [gtin.validate(key) for key in keys[:10]] == keys[:10]  # forgotten or not
    wrong = keys[0][:-1] + str((int(keys[0][-1]) + 1) % 10)
    with pytest.raises(InvalidChecksum):
        gtin.validate(wrong)
