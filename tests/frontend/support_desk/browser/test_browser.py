"""The desk in a real headless Chromium (Debian's chromium and chromium-driver, through
Selenium) against the three real services: what a customer and an agent see.

Screenshots go to $SUPPORT_DESK_SCREENSHOTS (default var/screenshots/); the README's
are copied from there to docs/screenshots/.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from retail.returns_decision.v1 import returns_decision_pb2 as returns_pb
from retail.returns_decision.v1 import returns_decision_pb2_grpc
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from frontend.support_desk.flow import returns
from frontend.support_desk.flow.orders import money
from frontend.support_desk.store.repository import Store
from tests.frontend.support_desk.harness import TENANT, DeskThread
from tests.integration.api.servers import Servers

pytestmark = pytest.mark.slow

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = Path("/usr/bin/chromium")
WAIT = 60
REPO = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("SUPPORT_DESK_SCREENSHOTS", REPO / "var" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if not CHROMEDRIVER.exists():
        pytest.fail(
            "chromium-driver is not installed: scripts/install-system-deps.sh deps/apt-desk.txt"
        )
    options = Options()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="desk-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1200,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def _store(desk: DeskThread) -> Store:
    app: Any = desk.server.config.app
    store: Store = app.state.store
    return store


def _say(driver: webdriver.Chrome, desk: DeskThread, customer: str, text: str) -> WebElement:
    """Open the chat as `customer` (a new conversation), send `text`, return the reply."""
    driver.get(f"{desk.url}/chat?customer={customer}")
    return _send(driver, text)


def _send(driver: webdriver.Chrome, text: str) -> WebElement:
    before = len(driver.find_elements(By.CSS_SELECTOR, "#transcript .msg.desk"))
    box = driver.find_element(By.ID, "message")
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#transcript .msg.desk")) > before
    )
    return driver.find_elements(By.CSS_SELECTOR, "#transcript .msg.desk")[-1]


def _conversation(driver: webdriver.Chrome) -> str:
    value = driver.find_element(By.NAME, "conversation_id").get_attribute("value")
    assert value
    return value


def test_a_spanish_customer_returns_a_shirt_that_is_too_small(
    browser: webdriver.Chrome, desk: DeskThread, services: Servers, shots: Path
) -> None:
    text = "Hola, quiero devolver la camisa que compré, me queda pequeña."
    reply = _say(browser, desk, "cust-es-1", text)
    assert reply.get_attribute("lang") == "es"
    shown = reply.find_element(By.CSS_SELECTOR, ".text").text

    # What DecideReturn gives for the request the desk builds from its store.
    store = _store(desk)
    now = datetime.now(UTC)
    ctx = store.load_context(TENANT, "cust-es-1", None, now)
    assert ctx.customer is not None
    order, item = returns.returnable(ctx.customer, now)[0]
    request = returns.build_request(
        ctx.tenant,
        ctx.customer,
        order,
        item,
        returns.read_ask(text, False),
        ctx.stock[item.product_id],
        "browser-check",
        now,
    )
    with grpc.insecure_channel(services.returns.target) as channel:
        stub = returns_decision_pb2_grpc.ReturnsDecisionServiceStub(channel)
        decision = stub.DecideReturn(request, timeout=30).decision
    verdict = decision.items[0]
    if decision.outcome == returns_pb.OUTCOME_OFFER_EXCHANGE:
        assert f"medida {verdict.exchange_offer.variant_attributes['size']}" in shown
        assert money(verdict.bonus_credit.amount_minor, "USD") in shown
        assert "SÍ" in shown
    else:
        assert decision.outcome == returns_pb.OUTCOME_APPROVE_RETURN, decision.outcome
        assert "/labels/RMA-" in shown
    assert "camisa" in shown
    browser.save_screenshot(str(shots / "chat-return-es.png"))


def test_an_english_customer_asks_where_the_stalled_parcel_is(
    browser: webdriver.Chrome, desk: DeskThread, shots: Path
) -> None:
    reply = _say(browser, desk, "cust-en-1", "Where is my parcel?")
    shown = reply.find_element(By.CSS_SELECTOR, ".text").text
    assert "in transit with UPS" in shown
    assert "has not moved since" in shown
    assert "Louisville" in shown
    assert "We apologise for the delay" in shown
    assert "new parcel from our stock" in shown
    assert "full refund of $86.00" in shown
    browser.save_screenshot(str(shots / "chat-wismo-en.png"))


def test_an_angry_french_customer_is_escalated_and_the_agent_answers_in_french(
    browser: webdriver.Chrome, desk: DeskThread, shots: Path
) -> None:
    text = (
        "Ma commande de 1280 dollars n'est jamais arrivée ! C'est inadmissible, "
        "je vais contacter mon avocat et porter plainte."
    )
    reply = _say(browser, desk, "cust-fr-1", text)
    assert reply.get_attribute("lang") == "fr"
    conversation = _conversation(browser)
    chat_url = browser.current_url

    browser.get(f"{desk.url}/console")
    first = browser.find_element(By.CSS_SELECTOR, "#queue tbody tr")
    assert first.get_attribute("data-conversation") == conversation
    assert first.find_element(By.CSS_SELECTOR, ".badge").text == "P1"
    browser.save_screenshot(str(shots / "console-queue.png"))

    first.find_element(By.CSS_SELECTOR, "a").click()
    original = WebDriverWait(browser, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#transcript .msg.customer"))
    )
    assert original.find_element(By.CSS_SELECTOR, ".text").text == text
    translation = original.find_element(By.CSS_SELECTOR, ".translation").text
    assert "1280" in translation
    assert "lawyer" in translation
    assert "legal threat" in browser.find_element(By.CSS_SELECTOR, ".context").text
    agent_text = "We are very sorry. We will refund your order today."
    browser.find_element(By.ID, "reply").send_keys(agent_text)
    browser.find_element(By.ID, "send-reply").click()
    notice = WebDriverWait(browser, WAIT).until(ec.presence_of_element_located((By.ID, "notice")))
    assert "French" in notice.text
    browser.save_screenshot(str(shots / "console-ticket.png"))

    browser.get(chat_url)
    agent = WebDriverWait(browser, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#transcript .msg.agent"))
    )
    assert agent.get_attribute("lang") == "fr"
    said = agent.find_element(By.CSS_SELECTOR, ".text").text
    assert said
    assert said != agent_text
    assert "commande" in said.lower() or "rembours" in said.lower()
    browser.save_screenshot(str(shots / "chat-agent-reply-fr.png"))


def test_an_address_change_before_shipment_is_written_to_the_store(
    browser: webdriver.Chrome, desk: DeskThread, shots: Path
) -> None:
    asked = _say(browser, desk, "cust-en-2", "I need to change the shipping address of my order.")
    assert "new postal address" in asked.text
    done = _send(browser, "742 Evergreen Terrace, Springfield, OR 97403")
    assert "742 Evergreen Terrace, Springfield, OR 97403" in done.text
    order = _store(desk).order(TENANT, "NW-1004")
    assert order is not None
    assert order.shipping_address == "742 Evergreen Terrace, Springfield, OR 97403"
    browser.save_screenshot(str(shots / "chat-address-en.png"))


def test_the_dashboard_shows_containment_and_upstream_calls(
    browser: webdriver.Chrome, desk: DeskThread, shots: Path
) -> None:
    browser.get(f"{desk.url}/dashboard")
    assert browser.find_element(By.ID, "containment").text.endswith("%")
    assert "TriageMessage" in browser.page_source
    browser.save_screenshot(str(shots / "dashboard.png"))
