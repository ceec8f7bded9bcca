"""统一社会信用代码 (GB 32100-2015): real codes pass, every kind of typo is refused with its reason."""

from __future__ import annotations

import pytest

from bot.services.registry.credit_code import (
    CHARSET,
    CreditCodeError,
    credit_check_char,
    is_valid_credit_code,
    make_credit_code,
    org_check_char,
    validate_credit_code,
)

# Real codes quoted in public validators' test lists (enterprises, a 机构编制 unit, codes
# whose organization code has letters and whose check characters are letters or X).
REAL_CODES = [
    "91350100M000100Y43",
    "91350200776049653A",
    "91350500798359476R",
    "91350503MA31DKY80A",
    "91350200MA31E12PXF",
    "91440101MA5CJQ4N59",
    "913502000728319549",
    "123502001549897397",
    "9135021359498494XQ",
    "91350213678251743X",
]


def test_charset_has_31_characters_without_i_o_s_v_z() -> None:
    assert len(CHARSET) == 31
    assert not set("IOSVZ") & set(CHARSET)


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert validate_credit_code(code) == code


def test_weights_are_powers_of_three_mod_31() -> None:
    # 9135021359498494X + Q: a letter check character, and an X as the organization check.
    assert credit_check_char("9135021359498494X") == "Q"
    assert org_check_char("59498494") == "X"
    assert org_check_char("M000100Y") == "4"


def test_input_is_normalized_full_width_lower_case_and_spaces() -> None:
    typed = " ９１３５０２００ma31e12pxf\u3000"
    assert validate_credit_code(typed) == "91350200MA31E12PXF"
    assert validate_credit_code("9135 0200 MA31 E12P XF") == "91350200MA31E12PXF"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "为空"),
        ("   ", "为空"),
        ("9135020077604965", "长度不是18位（实际16位）"),
        ("91350200776049653AB", "长度不是18位（实际19位）"),
        ("91350200I76049653A", "含有不允许的字符“I”"),
        ("9135020O776O49653A", "含有不允许的字符“O”"),
        ("91350200776049653-", "含有不允许的字符“-”"),
        ("9135AB00776049653A", "第3至8位是登记管理机关行政区划码，应为6位数字"),
        ("91350200776049656A", "组织机构代码校验位错误：第17位应为“3”而不是“6”"),
        ("91350200776049753A", "组织机构代码校验位错误"),
        ("91350200776049653B", "校验码应为“A”而不是“B”"),
    ],
)
def test_bad_codes_say_why(raw: str, reason: str) -> None:
    with pytest.raises(CreditCodeError) as excinfo:
        validate_credit_code(raw)
    assert reason in str(excinfo.value)
    assert not is_valid_credit_code(raw)


def test_forbidden_letters_get_a_hint() -> None:
    with pytest.raises(CreditCodeError) as excinfo:
        validate_credit_code("9135020O776O49653V")
    assert str(excinfo.value) == (
        "含有不允许的字符“O”、“V”（统一社会信用代码不使用字母 I、O、S、V、Z；“O”是否应为数字“0”）")


def test_swapped_digits_are_caught() -> None:
    """The commonest typo: two neighbouring characters exchanged."""
    code = "91350200776049653A"
    swapped = code[:10] + code[11] + code[10] + code[12:]
    assert not is_valid_credit_code(swapped)


def test_made_codes_are_valid_and_distinct() -> None:
    codes = {make_credit_code("140105", seq) for seq in range(500)}
    assert len(codes) == 500
    assert all(is_valid_credit_code(c) for c in codes)
    assert make_credit_code("140105", 1).startswith("91140105MA000001")
    assert make_credit_code("140105", 7, department="5", category="2").startswith("52140105")


@pytest.mark.parametrize(("region", "seq"), [("1401", 1), ("14010A", 1), ("140105", -1), ("140105", 10**6)])
def test_make_credit_code_refuses_bad_arguments(region: str, seq: int) -> None:
    with pytest.raises(ValueError):
        make_credit_code(region, seq)
