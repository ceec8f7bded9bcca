"""Write ``bot/data/pinyin.txt``: each character's toneless pinyin, for the 没看懂 suggestions.

``bot/handlers/suggest.py`` compares the sound of a mistyped command with the commands'
sounds. It used to ask ``pypinyin`` at run time, whose dictionaries cost every worker about
55 MiB; the table this writes holds what it needs (each character of the Basic Multilingual
Plane with its most common reading, as ``pypinyin.lazy_pinyin`` gives it) in about 80 KiB.
Run it again after upgrading pypinyin (a dev dependency now):

    .venv/bin/python scripts/pinyin_table.py
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

TABLE = Path(__file__).resolve().parents[1] / "bot" / "data" / "pinyin.txt"


def main() -> None:
    by_sound: dict[str, list[str]] = defaultdict(list)
    for code in sorted(pinyin_dict):
        char = chr(code)
        sound = lazy_pinyin(char)[0]
        if code < 0x10000 and sound != char:
            by_sound[sound].append(char)
    lines = [f"{sound} {''.join(chars)}\n" for sound, chars in sorted(by_sound.items())]
    TABLE.write_text("".join(lines), encoding="utf-8")
    print(f"{TABLE}: {sum(map(len, by_sound.values()))} characters, {len(lines)} syllables")


if __name__ == "__main__":
    main()
