"""统一社会信用代码 (GB 32100-2015): validation with a reason, and valid codes for test data.

The code is the key a re-imported ledger is matched on, so a typo must be caught at the door:
one wrong character would otherwise create a second copy of the enterprise. Officers type
codes on phones and paste them from Excel, so the input is normalized first (full-width
characters, lower case, stray spaces) and every refusal says what exactly is wrong.

Structure (18 characters)::

    9 1 140105 MA0000014 X
    │ │ │      │         └ 校验码: GB 32100 mod-31 check over the 17 characters before it
    │ │ │      └ 主体标识码: the organization code (GB 11714), its last character its own check
    │ │ └ 登记管理机关行政区划码 (GB/T 2260), six digits
    │ └ 机构类别码
    └ 登记管理部门码

The department and category codes are not checked against a list: the list has grown since
2015 (e.g. A and N), and a typo there is already caught by the check character.
"""

from __future__ import annotations

import re
import unicodedata

# The standard's 31 characters: digits and capitals without I, O, S, V, Z.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(CHARSET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, …
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997
_FORBIDDEN = "IOSVZ"
_LOOKALIKE = {"I": "1", "O": "0", "S": "5", "Z": "2"}  # letters typed for the digits they resemble


class CreditCodeError(ValueError):
    """A code that cannot be accepted; the message (Chinese) says why and is shown as it is."""


def normalize_credit_code(raw: str) -> str:
    """Full-width to half-width, upper case, no spaces: how the code is stored and compared."""
    text = unicodedata.normalize("NFKC", raw)
    return re.sub(r"\s+", "", text).upper()


def credit_check_char(first17: str) -> str:
    """The 18th character for the 17 before it (all from ``CHARSET``)."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    """GB 11714 check character for an organization code's first eight characters.

    Letters count A = 10 … Z = 35, as in GB 11714; the remainder 10 is written X, 11 as 0.
    """
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_credit_code(raw: str) -> str:
    """The normalized code, or ``CreditCodeError`` saying what is wrong with it.

    Checks, in the order a person can act on them: empty, length, characters outside the
    standard's set, the six-digit division code, the organization code's own check
    character, and finally the code's check character.

    :param raw: what was typed or read from a cell.
    """
    code = normalize_credit_code(raw)
    if not code:
        raise CreditCodeError("统一社会信用代码为空")
    if len(code) != 18:
        raise CreditCodeError(f"长度不是18位（实际{len(code)}位）")
    bad = [ch for ch in dict.fromkeys(code) if ch not in _VALUE]
    if bad:
        listed = "、".join(f"“{ch}”" for ch in bad)
        hint = ""
        if any(ch in _FORBIDDEN for ch in bad):
            guesses = "、".join(f"“{ch}”是否应为数字“{_LOOKALIKE[ch]}”" for ch in bad if ch in _LOOKALIKE)
            hint = f"（统一社会信用代码不使用字母 I、O、S、V、Z{'；' + guesses if guesses else ''}）"
        raise CreditCodeError(f"含有不允许的字符{listed}{hint}")
    if not code[2:8].isdigit():
        raise CreditCodeError(f"第3至8位是登记管理机关行政区划码，应为6位数字，不是“{code[2:8]}”")
    org_expected = org_check_char(code[8:16])
    if code[16] != org_expected:
        raise CreditCodeError(
            f"组织机构代码校验位错误：第17位应为“{org_expected}”而不是“{code[16]}”，请核对第9至17位"
        )
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        raise CreditCodeError(f"校验码应为“{expected}”而不是“{code[17]}”，请核对代码是否抄错")
    return code


def is_valid_credit_code(raw: str) -> bool:
    try:
        validate_credit_code(raw)
    except CreditCodeError:
        return False
    return True


def make_credit_code(region_code: str, seq: int, *, department: str = "9", category: str = "1") -> str:
    """A valid, invented code for test and demo data (default: an enterprise, 91…).

    The organization code is ``MA`` + ``seq`` in six digits (newly issued codes start with
    MA), so codes for different ``seq`` never collide.

    :param region_code: six-digit GB/T 2260 code of the registering authority.
    :param seq: 0 … 999999.
    """
    if not (len(region_code) == 6 and region_code.isdigit()):
        raise ValueError(f"region code must be six digits, not {region_code!r}")
    if not 0 <= seq <= 999_999:
        raise ValueError(f"seq out of range: {seq}")
    body = f"MA{seq:06d}"
    first17 = f"{department}{category}{region_code}{body}{org_check_char(body)}"
    return first17 + credit_check_char(first17)
