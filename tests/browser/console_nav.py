"""A page object for the officers' console: methods named after what the officer does.

Each step waits for what the page shows afterwards (a heading, a flash, a drawn chart),
never for a fixed time.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

# True once every chart canvas on the page has at least one painted (non-transparent) pixel.
CHARTS_PAINTED = """(minimum) => {
  const canvases = [...document.querySelectorAll('[data-chart] canvas')];
  if (canvases.length < minimum) { return false; }
  return canvases.every((c) => {
    if (!c.width || !c.height) { return false; }
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) { return true; } }
    return false;
  });
}"""


class ConsoleNav:
    def __init__(self, page: Page, base_url: str, shots: Path) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.shots = shots

    def screenshot(self, name: str) -> Path:
        path = self.shots / f"console-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def signs_in_as(self, who: str) -> None:
        """Dev login: pick the person from the list."""
        self.page.goto(f"{self.base_url}/console/login")
        option = self.page.locator("#dev-user option", has_text=who)
        self.page.locator("#dev-user").select_option(value=option.get_attribute("value"))
        self.page.locator("#dev-login button[type=submit]").click()
        expect(self.page.locator("#whoami")).to_contain_text(who)

    def filters_ledger(self, **selects: str) -> list[str]:
        """Open the ledger, choose the filters (select id suffix → value), apply; the numbers shown."""
        self.page.goto(f"{self.base_url}/console/hazards")
        box = self.page.locator("#filter-box")
        if box.get_attribute("open") is None:  # folded at phone width
            box.locator("summary").click()
        for name, value in selects.items():
            self.page.locator(f"#f-{name}").select_option(value)
        self.page.locator("#f-apply").click()
        self.page.wait_for_url(lambda url: all(f"{k}={v}" in url for k, v in selects.items()))
        return self.page.locator("#ledger .hz-link").all_inner_texts()

    def opens_hazard(self, number: str) -> None:
        self.page.locator("#ledger .hz-link", has_text=number).click()
        expect(self.page.locator("#number")).to_have_text(number)

    def takes_step(self, step: str, done: str) -> None:
        self.page.locator(f"#do-{step}").click()
        expect(self.page.locator(".flash")).to_contain_text(done)

    def opens_dashboard(self, charts: int) -> None:
        self.page.goto(f"{self.base_url}/console/")
        expect(self.page.locator("[data-drawn='1']")).to_have_count(charts)
        self.page.wait_for_function(CHARTS_PAINTED, arg=charts)

    def opens_inspection(self, enterprise: str) -> None:
        """From the nav: the inspections list, then the first inspection of ``enterprise``."""
        self.page.locator(".menu a", has_text="检查").click()
        expect(self.page.locator("#inspections")).to_be_visible()
        self.page.locator("#inspections .in-link", has_text=enterprise).first.click()
        expect(self.page.locator("#inspection-title")).to_contain_text(enterprise)

    def downloads(self, link_id: str, target: Path) -> Path:
        with self.page.expect_download() as info:
            self.page.locator(f"#{link_id}").click()
        info.value.save_as(target)
        return target
