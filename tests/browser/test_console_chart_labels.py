"""Every category label of every dashboard chart is drawn, at desk width and at phone width
(issue 18): the labels are read from what ECharts painted (zrender's display list), not from
the option, so a label hidden for overlap, skipped by an axis interval or pushed off the
canvas fails the test. The province officer sees the most counties and enterprises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser
from sqlalchemy.orm import Session

from bot.demo_console import load_console_demo
from bot.services.platform.clock import utcnow
from tests.browser.console_nav import ConsoleNav

pytestmark = pytest.mark.browser

PROVINCE = "演示督查员（省厅）"

# For each chart: the category labels it was given, and the texts it painted, each with its
# box on the canvas and whether it is shown.
DRAWN = """(id) => {
  const el = document.getElementById(id);
  const chart = echarts.getInstanceByDom(el);
  const option = chart.getOption();
  const categories = option.series[0].type === 'pie'
    ? option.series[0].data.map((d) => d.name)
    : [...(option.xAxis || []), ...(option.yAxis || [])].filter((a) => a.type === 'category')
        .flatMap((a) => a.data);
  // zrender paints each line of a label as a "tspan": a wrapped label is consecutive lines.
  const texts = [];
  chart.getZr().storage.getDisplayList(true).forEach((node) => {
    if (node.type !== 'tspan' || !node.style || node.style.text == null) { return; }
    if (node.ignore || node.invisible) { return; }
    const box = node.getBoundingRect().clone();
    if (node.transform) { box.applyTransform(node.transform); }
    texts.push({ text: String(node.style.text), x: box.x, y: box.y, w: box.width, h: box.height });
  });
  return { categories, texts, width: chart.getWidth(), height: chart.getHeight() };
}"""


def _check(drawn: dict[str, Any], chart: str, width: int) -> None:
    assert drawn["categories"], f"{chart}: the demo data gives it categories"
    lines = drawn["texts"]
    for label in drawn["categories"]:
        # The label whole (never cut short with "…"), on one line or on up to four consecutive ones.
        runs = [lines[i:j] for i in range(len(lines)) for j in range(i + 1, min(i + 5, len(lines) + 1))
                if "".join(t["text"] for t in lines[i:j]) == label]
        assert runs, f"{chart} at {width}px: {label!r} is not drawn whole: {[t['text'] for t in lines]}"
        inside = [run for run in runs if all(
            t["x"] >= -1 and t["x"] + t["w"] <= drawn["width"] + 1
            and t["y"] >= -1 and t["y"] + t["h"] <= drawn["height"] + 1 for t in run)]
        assert inside, f"{chart} at {width}px: {label!r} is cut at the canvas edge: {runs}"


@pytest.mark.parametrize("width", [1280, 375])
def test_every_county_and_source_label_is_drawn(
    dev_app: Flask, dev_url: str, browser: Browser, artifacts: Path, width: int
) -> None:
    with Session(dev_app.extensions["engine"]) as session:
        load_console_demo(session, now=utcnow())
        session.commit()
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    console = ConsoleNav(page, dev_url, artifacts)
    console.signs_in_as(PROVINCE)
    console.opens_dashboard(charts=5)
    for chart in ("chart-weekly", "chart-major", "chart-overdue", "chart-sources", "chart-rate"):
        drawn = page.evaluate(DRAWN, chart)
        _check(drawn, chart, width)
    major = page.evaluate(DRAWN, "chart-major")
    assert len(major["categories"]) >= 8, "the province's chart has many counties (every other one was lost)"
    console.screenshot(f"chart-labels-{width}")
    context.close()
