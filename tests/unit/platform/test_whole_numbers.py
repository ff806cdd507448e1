"""Whole numbers read from a path or query: ASCII digits in range, anything else a 400 naming the parameter (the
fuzzer found a superscript two, which str.isdigit accepts and int refuses, answered with a 502)."""

import pytest

from imegha_service.errors import InvalidRequest
from imegha_service.http import whole_number


@pytest.mark.parametrize("text", ["\u00b2", "\u0661\u0662", "1" * 5_000, "1" + "0" * 40, "-1", "+1", " 1", "", "1.0"])
def test_anything_but_ascii_digits_in_range_is_refused_naming_the_parameter(text):
    with pytest.raises(InvalidRequest) as refused:
        whole_number("limit", text, 1, 1000)

    assert (refused.value.field, refused.value.reason) == ("limit", "a whole number from 1 to 1000")


@pytest.mark.parametrize(("text", "number"), [("1", 1), ("0007", 7), ("1000", 1000), ("0" * 5_000 + "9", 9)])
def test_ascii_digits_in_range_are_the_number_they_spell(text, number):
    assert whole_number("limit", text, 1, 1000) == number
