"""The duplicate hint's measure, calibrated on realistic pairs: the same hazard written again
by another worker in his own words is found, another hazard of the same plant is not.

The pairs are written as workers write (colloquial, with 天车 for 行车, CO for 一氧化碳), not
copied from each other. The figures behind ``duplicates.THRESHOLD`` come from them: of 15
rewordings 9 reach it, of 18 other hazards of the same plant 1 does (two faults of one 有限空间
作业, which share most of their words). The test holds those rates, so a change of the measure
that finds fewer or offers more shows here.
"""

from __future__ import annotations

from bot.services.hazards.duplicates import THRESHOLD, similarity

# (the open report, the new one): the same hazard in other words.
SAME = [
    ("2号转炉氧枪冷却水出水温度报警坏了好几天，也没联锁提枪",
     "转炉那边氧枪的冷却水报警器不响了，一直没人修，出水温度高了也不会自动提枪"),
    ("二号车间除尘器泄爆口朝向人员通道，且未设置隔离区",
     "二车间那个除尘器的泄爆口正对着走人的通道，旁边也没拉隔离"),
    ("铝水流槽没有液位报警，铸造时容易溢出", "深井铸造的流槽上液位报警装置没有装，铝水容易漫出来"),
    ("行车吊钩的防脱钩装置坏了还在吊钢水包", "吊钢包的天车吊钩防脱装置已经坏了，还在继续吊运钢水"),
    ("电炉炉前的冷却水管漏水，地上有积水", "电弧炉炉前冷却水管一直在漏，地面全是积水"),
    ("高炉炉顶放散阀打不开", "高炉炉顶的放散阀卡死了，打不开"),
    ("3号高炉出铁口的泥炮液压管在漏油，下面就是铁水沟",
     "高炉出铁口泥炮那里液压油管一直往下滴油，正好滴在铁水沟边上"),
    ("铝合金抛光车间的湿式除尘器水泵坏了，粉尘到处飘", "抛光房的湿式除尘器不抽水了，铝粉满车间都是"),
    ("煤气管道检修时没有加盲板就动火了", "检修煤气管道动火前盲板没有堵，直接开始焊了"),
]
# Rewordings the measure misses: other words for the same thing.
SAME_MISSED = [
    ("煤气柜旁边的一氧化碳报警器坏了，一直没有修", "煤气柜区域CO报警仪不好使了，好几天了没人管"),
    ("有限空间作业没有检测氧气就让人下去了", "下污水池清淤之前没测氧含量，直接让工人进去作业"),
    ("液氨储罐区的喷淋装置不能用", "氨罐那里的水喷淋坏了开不了，罐区夏天很热"),
    ("木工车间粉尘很厚，除尘器长时间不清理", "木工房积灰特别厚，除尘器好久没清灰了"),
    ("冷库液氨管道阀门处有氨味，可能泄漏", "制冷机房氨管道阀门那儿总闻到氨的味道，怕是漏了"),
    ("钢包耳轴有裂纹还在继续使用", "钢水包的耳轴上裂了一道缝，还在吊着用"),
]
# (the open report, the new one): another hazard of the same plant, often at the same place.
DIFFERENT = [
    ("2号转炉氧枪冷却水出水温度报警坏了好几天，也没联锁提枪", "炼钢车间行车吊钩的防脱钩装置坏了"),
    ("二号车间除尘器泄爆口朝向人员通道，且未设置隔离区", "二号车间配电室的门一直没有上锁"),
    ("煤气柜旁边的一氧化碳报警器坏了，一直没有修", "煤气柜旁边堆了很多杂物和废油桶"),
    ("铝水流槽没有液位报警，铸造时容易溢出", "铸造车间的员工没有穿防护服就去浇铸"),
    ("行车吊钩的防脱钩装置坏了还在吊钢水包", "钢水包的耳轴有裂纹还在用"),
    ("液氨储罐区的喷淋装置不能用", "液氨制冷车间的员工没有经过培训就上岗"),
    ("电炉炉前的冷却水管漏水，地上有积水", "电炉炉前的操作工没有戴安全帽"),
    ("木工车间粉尘很厚，除尘器长时间不清理", "木工车间的电锯没有防护罩"),
    ("高炉炉顶放散阀打不开", "高炉出铁场的渣沟里有积水"),
    ("2号转炉氧枪冷却水出水温度报警坏了好几天，也没联锁提枪", "转炉煤气回收的一氧化碳检测报警装置坏了"),
    ("煤气柜旁边的一氧化碳报警器坏了，一直没有修", "厂里的消防栓好几个都没水"),
    ("3号高炉出铁口的泥炮液压管在漏油，下面就是铁水沟", "3号高炉炉顶的煤气放散阀打不开"),
    ("铝合金抛光车间的湿式除尘器水泵坏了，粉尘到处飘", "抛光车间的员工没有戴口罩和耳塞"),
    ("煤气管道检修时没有加盲板就动火了", "煤气管道的排水器水封高度不够"),
    ("冷库液氨管道阀门处有氨味，可能泄漏", "冷库的安全出口被货物堵住了"),
    ("钢包耳轴有裂纹还在继续使用", "钢包烘烤器的煤气管道没有安装切断阀"),
    ("行车吊钩的防脱钩装置坏了还在吊钢水包", "行车司机没有操作证就上岗开天车"),
]
# Another hazard the measure takes for the same one: most of the words are the place's.
DIFFERENT_OFFERED = [("有限空间作业没有检测氧气就让人下去了", "有限空间作业没有设置警示标志和监护人")]


def test_the_same_hazard_reworded_is_found() -> None:
    for old, new in SAME:
        assert similarity(old, new) >= THRESHOLD, (old, new, similarity(old, new))


def test_another_hazard_of_the_same_plant_is_not() -> None:
    for old, new in DIFFERENT:
        assert similarity(old, new) < THRESHOLD, (old, new, similarity(old, new))


def test_the_rates_the_threshold_was_calibrated_on() -> None:
    rewordings = SAME + SAME_MISSED
    others = DIFFERENT + DIFFERENT_OFFERED
    found = sum(similarity(a, b) >= THRESHOLD for a, b in rewordings)
    offered = sum(similarity(a, b) >= THRESHOLD for a, b in others)
    assert (found, len(rewordings)) == (9, 15) and (offered, len(others)) == (1, 18)


def test_the_measure_is_symmetric_enough_and_bounded() -> None:
    old, new = SAME[0]
    assert abs(similarity(old, new) - similarity(new, old)) < 1e-6
    assert 0.99 <= similarity(old, old) <= 1.01
    assert similarity(old, "") == 0.0 and similarity("，，，", old) == 0.0
