"""The 判定依据 suggestions: every clause of the standard is there and named as officers name it;
a colloquial report finds its clause; clauses that cannot apply to the enterprise are not offered;
and ``flask criteria suggest`` prints the references best first."""

from __future__ import annotations

import re

from flask import Flask

from bot.services.hazards.clause_hints import Profile, by_code, chinese_number, clauses, suggest, tokens

STEEL = Profile("冶金", "钢铁", frozenset({"metal_smelting"}))


def test_every_clause_of_the_standard_is_loaded_with_its_reference() -> None:
    loaded = clauses()
    assert len(loaded) == len({c.id for c in loaded}) >= 64
    articles = {c.article for c in loaded}
    assert articles == set(range(3, 15))
    water = by_code("4.4")
    assert water and water.id == "gb10-4-4" and water.short_ref == "第四条（四）"
    assert water.basis == "《工贸企业重大事故隐患判定标准》第四条第（四）项"
    assert by_code("11.10") and by_code("11.10").short_ref == "第十一条（十）"  # type: ignore[union-attr]
    assert by_code("14") and by_code("14").short_ref == "第十四条"  # type: ignore[union-attr]
    assert by_code("4.99") is None and by_code("四点四") is None
    assert [chinese_number(n) for n in (4, 10, 13, 20, 21)] == ["四", "十", "十三", "二十", "二十一"]


def test_a_workers_words_find_the_clause() -> None:
    ranked = [s.clause.id for s in suggest("转炉氧枪冷却水出水温度报警坏了好几天了", STEEL)]
    assert ranked[0] == "gb10-4-4" and len(ranked) == 3
    dusty = Profile("轻工", "木制品加工（涉爆粉尘）", frozenset({"dust_explosion"}))
    assert suggest("除尘器上没有泄爆片", dusty)[0].clause.id == "gb10-11-3"


def test_clauses_that_cannot_apply_are_not_offered() -> None:
    # A steel plant's water on the floor is 第四条（二）, never the foundry's 第七条（三）.
    ids = [s.clause.id for s in suggest("造型地坑里有积水还在浇注", STEEL, limit=10)]
    assert "gb10-4-2" in ids and not any(i.startswith("gb10-7-") for i in ids)
    foundry = [s.clause.id for s in suggest("造型地坑里有积水还在浇注", Profile("机械", "铸造", frozenset()))]
    assert foundry[0] == "gb10-7-3"
    # Deep-well casting items only for a 深井铸造 plant, when the registry says which it is.
    rolling = Profile("有色", "铝压延", frozenset())
    assert not any(s.clause.id == "gb10-5-7" for s in suggest("流槽上没有液位报警", rolling, limit=10))
    casting = Profile("有色", "铝加工（深井铸造）", frozenset())
    assert suggest("流槽上没有液位报警", casting)[0].clause.id == "gb10-5-7"


def test_nothing_to_match_gives_nothing() -> None:
    assert suggest("", STEEL) == [] and suggest("！！！", STEEL) == []
    assert tokens("RH炉漏水") == ["RH", "炉漏", "漏水"]


def test_the_command_prints_references_best_first(app: Flask) -> None:
    runner = app.test_cli_runner()
    water = "转炉氧枪冷却水出水温度报警坏了"
    result = runner.invoke(args=["criteria", "suggest", water, "--industry", "冶金"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "第四条（四）" and 1 <= len(lines) <= 5
    numeral = "[一二三四五六七八九十]+"
    assert all(re.fullmatch(rf"第{numeral}条(（{numeral}）)?", line) for line in lines)
    # No industry given: every clause may apply, and five are printed.
    wide = runner.invoke(args=["criteria", "suggest", "除尘器旁边的电机和开关都不防爆"])
    assert wide.exit_code == 0 and len(wide.output.splitlines()) == 5
    assert wide.output.splitlines()[0] == "第十一条（七）"
    empty = runner.invoke(args=["criteria", "suggest", "   "])
    assert empty.exit_code == 2 and "请给出隐患描述" in empty.output
    wrong = runner.invoke(args=["criteria", "suggest", "漏水", "--industry", "钢铁"])
    assert wrong.exit_code == 2
