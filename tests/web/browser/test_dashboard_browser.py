"""The dashboard in chromium on the demo data: the charts render (Chart.js instances on their
canvases, no script errors) and a figure's link lands on a list of that many."""
import re

from playwright.sync_api import expect

from tests.web.browser.conftest import sign_in


def test_dashboard_charts_render_and_a_figure_drills_down(demo_world, new_page):
    page = new_page(1440)
    sign_in(page, "caseworker", "safeport")
    page.goto("/dashboard")
    expect(page.locator("#trends")).to_have_attribute("data-rendered", "charts")
    weeks = page.evaluate("""() => ['chart-cases', 'chart-overdue', 'chart-stages'].map(id => {
        const chart = Chart.getChart(document.getElementById(id));
        return chart ? chart.data.labels.length : -1; })""")
    assert weeks[0] == weeks[1] == 104 and weeks[2] >= 6
    assert page.locator("#chart-cases").bounding_box()["height"] > 100

    figure = page.locator("#per-stage a.figure").first
    count = int(figure.get_attribute("data-count"))
    figure.click()
    page.wait_for_url(re.compile(r"/cases\?"))
    assert int(page.locator("#case-total").get_attribute("data-total")) == count
    assert page.locator("#case-list tbody tr").count() == count

    page.go_back()
    queue = page.locator("#open a.figure").first
    count = int(queue.get_attribute("data-count"))
    queue.click()
    page.wait_for_url(re.compile(r"/inbox\?"))
    expect(page.locator("main")).to_contain_text(f"{count} open task")
    assert page.errors == []
