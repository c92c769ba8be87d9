"""Numbers as people write them (12, 十二, 二〇二六) and as the bot writes them back: one home for both directions."""

from __future__ import annotations

import re

CN_NUMERAL = re.compile(r"[零〇一二两俩仨三四五六七八九十百壹贰叁肆伍陆柒捌玖拾佰]+")  # 壹…拾: as on cheques
DECIMAL = re.compile(r"\d+(?:\.\d+)?")
SMALL_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2, "俩": 2, "仨": 3}
DIGIT_BY_DIGIT = SMALL_DIGITS | {"○": 0}  # 二〇二六, 二○二六: a year read one digit at a time
DIGITS = "零一二三四五六七八九"


def cn_to_int(token: str) -> int | None:
    """Arabic or Chinese numeral (12, １２, 十二, 二十三, 两, 一百) to int; None if it is not a whole number."""
    if token.isdecimal():  # the fast path: most numbers are typed as digits
        return int(token)
    if not CN_NUMERAL.fullmatch(token):
        return None
    small = _below_hundred(token)
    if small is not None:
        return small
    value = _cn2an(token)
    return int(value) if value is not None and value.is_integer() else None


def cn_to_float(text: str) -> float | None:
    """12, 136.5, 十二, 十二点五, 一千 → a float; None if it is not a number."""
    if DECIMAL.fullmatch(text):  # the fast path: no cn2an for digits
        return float(text)
    small = _below_hundred(text)
    if small is not None:
        return float(small)
    return _cn2an(text)


def digits_to_int(text: str) -> int | None:
    """A number written digit by digit (2026, 二〇二六, 二○二六); None if a character is not a digit."""
    if text.isdecimal():
        return int(text)
    if not all(ch in DIGIT_BY_DIGIT for ch in text):
        return None
    return int("".join(str(DIGIT_BY_DIGIT[ch]) for ch in text)) if text else None


def _below_hundred(token: str) -> int | None:
    """十二, 二十三, 九 without cn2an (which costs ~8 µs a call); None for anything longer."""
    tens, ten, ones = token.partition("十")
    if not ten:
        return SMALL_DIGITS.get(token) if len(token) == 1 else None
    if len(tens) > 1 or len(ones) > 1:
        return None
    high = SMALL_DIGITS.get(tens, -1) if tens else 1
    low = SMALL_DIGITS.get(ones, -1) if ones else 0
    return None if high < 1 or low < 0 else high * 10 + low


def _cn2an(text: str) -> float | None:
    """cn2an for what the fast paths leave (一百二十, 十二点五, 二〇二五); loaded lazily for start-up speed."""
    import cn2an

    try:
        return float(cn2an.cn2an(text.replace("两", "二"), "smart"))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def cn_numeral(n: int) -> str:
    """Small counts and group numbers as written in the document (五, 十二); larger ones in digits."""
    if 0 <= n < 10:
        return DIGITS[n]
    if 10 <= n < 100:
        return (DIGITS[n // 10] if n >= 20 else "") + "十" + (DIGITS[n % 10] if n % 10 else "")
    return str(n)


def format_number(value: float, digits: int = 6, grouped: bool = False) -> str:
    """Shortest faithful decimal (12.0 → '12', 136.5 → '136.5'); `grouped` adds thousands separators (1,368,000)."""
    text = f"{value:{',' if grouped else ''}.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def amount(value: float | None, unit: str, percent: bool = False) -> str:
    """A value with its unit as every reply writes it: '12 人', '136.5 万人', '66%'."""
    if value is None:
        return "—"
    if percent or unit == "%":
        return f"{format_number(value)}%"
    return f"{format_number(value)} {unit}".rstrip()
