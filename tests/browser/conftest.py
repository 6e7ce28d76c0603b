"""A real browser for the mobile pages: Debian's Chromium driven by Selenium, headless, with a fake
camera playing the real test clip. Where no Chromium is installed the tests skip with the reason,
so the suite still runs with only Python (.ci/run installs Chromium with apt)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from liveness.evaluate import write_y4m
from tests.liveness_helpers import FACES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).parents[2] / "instance" / "screenshots"))
PHONE = (390, 844)  # CSS pixels, a common phone
DESKTOP = (1280, 900)


@pytest.fixture(scope="session")
def fake_camera(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Frames 83–162 of the real clip: him turning to his right, then to his left."""
    return write_y4m(FACES / "head_turns_clip.mp4", 83, 162, tmp_path_factory.mktemp("camera") / "head_turns.y4m")


def _chrome(fake_camera: Path, *, phone: bool) -> Any:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("no Chromium: install Debian's chromium and chromium-driver (.ci/run does) for the browser tests")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    width, height = PHONE if phone else DESKTOP
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--lang=zh-CN",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_camera}",
    ):
        options.add_argument(argument)
    if phone:
        metrics = {"width": width, "height": height, "pixelRatio": 2}
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": metrics})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_script_timeout(60)
    return driver


@pytest.fixture
def browser(fake_camera: Path) -> Iterator[Any]:
    """A phone's browser, for the mobile pages."""
    driver = _chrome(fake_camera, phone=True)
    yield driver
    driver.quit()


@pytest.fixture
def desktop(fake_camera: Path) -> Iterator[Any]:
    """A desk's browser, for the staff console."""
    driver = _chrome(fake_camera, phone=False)
    yield driver
    driver.quit()


def wait_for(driver: Any, seconds: float = 20) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds)


def click(driver: Any, text: str) -> None:
    """The button or link whose whole text is `text`, once it can be clicked."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    wait_for(driver).until(
        seen.element_to_be_clickable((By.XPATH, f"//*[self::button or self::a][normalize-space()='{text}']"))
    ).click()


def employer_sms_login_filled(driver: Any, url: str, credit_code: str, phone: str, sms: Any) -> str:
    """Open `url` (an employer page: it asks to sign in) and fill the employer contact's login
    form: the credit code, the phone, and the code the SMS stand-in delivered (shown under the
    form in development). Returns the code; the caller taps "登录"."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    driver.get(url)
    wait_for(driver).until(seen.presence_of_element_located((By.ID, "emp-credit"))).send_keys(credit_code)
    driver.find_element(By.ID, "emp-phone").send_keys(phone)
    click(driver, "获取验证码")
    code = str(wait_for(driver).until(seen.visibility_of_element_located((By.ID, "dev-code"))).text.rsplit(" ", 1)[1])
    assert any(code in str(record["params"]) for record in sms.accepted), (code, sms.accepted)
    driver.find_element(By.ID, "emp-code").send_keys(code)
    return code


def answer_wechat_sheet(driver: Any, button: str) -> str:
    """Answer the page's stand-in for one of WeChat's own sheets (the subscribe popup, the phone
    number, 人脸核身); returns the sheet's title."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    sheet = wait_for(driver).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "[role=dialog]")))
    title = str(sheet.find_element(By.ID, "sheet-title").text)
    sheet.find_element(By.XPATH, f".//button[normalize-space()='{button}']").click()
    wait_for(driver).until(seen.invisibility_of_element_located((By.CSS_SELECTOR, "[role=dialog]")))
    return title


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not AXE.exists():
        pytest.skip("axe-core not installed: run `npm ci --prefix tests/browser` (scripts/bootstrap.sh does)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})"
        ".then(r => done(JSON.stringify(r.violations)),"
        " e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', description: String(e)}])));"
    )
    return [v for v in json.loads(result) if v.get("impact") in ("serious", "critical")]


def large_text_problems(driver: Any) -> list[str]:
    """In large-text mode (适老化): body text ≥ 18 px, every control ≥ 60 px tall, nothing wider
    than the phone's screen."""
    result: list[str] = driver.execute_script(
        """
        document.documentElement.classList.add('large');
        const problems = [];
        const size = parseFloat(getComputedStyle(document.body).fontSize);
        if (size < 18) problems.push('body text ' + size + 'px');
        const controls = 'main button, main input:not([type=checkbox]):not([type=radio]), main select, '
          + 'main .button, .menu a';
        for (const node of document.querySelectorAll(controls)) {
          const box = node.getBoundingClientRect();
          const name = (node.textContent || node.id || node.name).trim();
          if (box.height && box.height < 60) problems.push(name + ' ' + box.height + 'px');
        }
        if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push('wider than the screen');
        document.documentElement.classList.remove('large');
        return problems;
        """
    )
    return result


def snapshot(driver: Any, name: str) -> None:
    """The page at a phone's width, in normal and in large text (适老化, switched with the page's
    own button), which must hold its rules and pass the audit too."""
    assert large_text_problems(driver) == [], name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    button = driver.find_element("id", "text-size")
    button.click()
    assert axe_violations(driver) == [], f"{name} in large text"
    driver.save_screenshot(str(SCREENSHOTS / f"{name}-large.png"))
    button.click()
