"""The claimant's journey against the running demo (./scripts/demo.sh), step by step, printing
each request and the answer — the README's walkthrough, runnable.

    .venv/bin/python scripts/walkthrough.py [--api http://127.0.0.1:5000]

The demo's people have no identity photos, so the script first registers the test fixture's
photo (tests/fixtures/faces/miranda_1.png) as the demo claimant 张伟's reference photo, and
answers the face check with cuts of the fixture's real clip of that person. On a phone the
mini-program records the claimant instead.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import requests

from liveness.evaluate import write_segment

ROOT = Path(__file__).resolve().parent.parent
FACES = ROOT / "tests" / "fixtures" / "faces"
CLAIMANT = {"id_number": "130203197506150374", "name": "张伟"}
# Which frames of the fixture clip show which turns (tests/fixtures/faces/README.md).
CUTS = {
    ("turn_right", "turn_left"): (83, 162),
    ("turn_left", "turn_right"): (136, 205),
    ("turn_right", "turn_left", "turn_right"): (83, 205),
}


def show(step: str, answer: requests.Response) -> Any:
    print(f"\n== {step}\n{answer.request.method} {answer.request.path_url} → {answer.status_code}")
    if answer.headers.get("Content-Type", "").startswith("application/json"):
        body = answer.json()
        print(json.dumps(body, ensure_ascii=False, indent=2)[:1500])
        return body
    return answer.content


def _stop(reason: str) -> int:
    print(f"\n演示未能继续：{reason}", file=sys.stderr)
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default="http://127.0.0.1:5000")
    parser.add_argument("--wechat", default="http://127.0.0.1:5081", help="the demo's WeChat stand-in")
    args = parser.parse_args()
    api = args.api.rstrip("/")
    work = Path(tempfile.mkdtemp(prefix="walkthrough-"))

    photos = work / "photos"
    photos.mkdir()
    shutil.copy(FACES / "miranda_1.png", photos / f"{CLAIMANT['id_number']}.png")
    subprocess.run([str(ROOT / ".venv" / "bin" / "miniapp"), "import-photos", str(photos)], check=True)  # noqa: S603  # our own CLI

    # The same WeChat account every run, so running it again finds 张伟 bound and the claim made.
    wx_login = requests.post(
        f"{args.wechat}/__control__/wx-login", json={"openid": "o-walkthrough-zhangwei"}, timeout=10
    )
    code = wx_login.json()["code"]
    tokens = show("1. WeChat login", requests.post(f"{api}/api/v1/auth/wechat/login", json={"code": code}, timeout=10))
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    bound = requests.post(f"{api}/api/v1/auth/identity", json=CLAIMANT, headers=auth, timeout=10)
    show("2. Real-name binding", bound)
    # Another account bound 张伟 first (the curl walkthrough, say): the face route proves him and moves it.
    by_face = bound.status_code == 422 and bound.json().get("code") == "IDENTITY_UNCONFIRMED"
    asking = (
        (f"{api}/api/v1/liveness/identity-challenges", {**CLAIMANT, "consent": True})
        if by_face
        else (f"{api}/api/v1/liveness/challenges", {"consent": True})
    )

    for _attempt in range(5):
        challenge = show(
            "3. Face check: consent and a challenge" + ("（以人脸核验绑定身份）" if by_face else ""),
            requests.post(asking[0], json=asking[1], headers=auth, timeout=10),
        )
        if "actions" not in challenge:  # refused: the answer above says why, in Chinese
            return _stop(f"人脸核验无法开始：{challenge.get('message', challenge)}")
        frames = CUTS.get(tuple(challenge["actions"]))
        if frames:
            break
        print("   (the fixture clip cannot show these turns in this order: asking for another challenge)")
    else:
        print("no answerable challenge in 5 tries", file=sys.stderr)
        return 1
    clip = write_segment(FACES / "head_turns_clip.mp4", *frames, work / "answer.mp4")
    verdict = show(
        "4. Face check: the clip",
        requests.post(
            f"{api}/api/v1/liveness/challenges/{challenge['challenge_id']}/response",
            files={"video": ("answer.mp4", clip, "video/mp4")},
            headers=auth,
            timeout=60,
        ),
    )
    if not verdict.get("passed"):
        if any(reason.get("code") == "MEDIA_REPLAYED" for reason in verdict.get("reasons", [])):
            # The fixture clip has few cuts, and a recording is refused again by its content for
            # LIVENESS_REPLAY_DAYS: a second run on this machine shows the claim made before instead.
            print("   (这段测试视频已在本机用过：30天内同一录像按内容识别为重放；以下只查看此前的申领)")
            claims = requests.get(f"{api}/api/v1/claims", headers=auth, timeout=10).json()
            if claims:
                show(
                    "7. Progress",
                    requests.get(f"{api}/api/v1/claims/{claims[0]['id']}/events", headers=auth, timeout=10),
                )
                return 0
        return 1

    form = show("5. The prefilled form", requests.get(f"{api}/api/v1/claims/prefill", headers=auth, timeout=10))
    submitted = requests.post(
        f"{api}/api/v1/claims",
        json={"confirmation": {"accepted": True, "commitment_version": form["commitment"]["version"]}},
        headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    claim = show("6. Confirm and submit", submitted)
    if submitted.status_code == 409:  # claimed before: follow that claim
        claim = requests.get(f"{api}/api/v1/claims/{claim['details']['claim_id']}", headers=auth, timeout=10).json()
    show("7. Progress", requests.get(f"{api}/api/v1/claims/{claim['id']}/events", headers=auth, timeout=10))
    pdf = requests.get(f"{api}/api/v1/claims/{claim['id']}/receipt.pdf", headers=auth, timeout=30)
    receipt = ROOT / "instance" / f"receipt-{claim['claim_no']}.pdf"
    receipt.write_bytes(pdf.content)
    print(f"\n== 8. Receipt\nGET /api/v1/claims/{claim['id']}/receipt.pdf → {pdf.status_code}, saved as {receipt}")
    show(
        "9. Rating",
        requests.post(
            f"{api}/api/v1/claims/{claim['id']}/rating",
            json={"score": 5, "comment": "不用跑腿"},
            headers=auth,
            timeout=10,
        ),
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except requests.ConnectionError as error:  # the demo is not running where it was looked for
        where = error.request.url if error.request else ""
        sys.exit(_stop(f"连不上演示服务（{where}）：请先运行 ./scripts/demo.sh，或用 --api/--wechat 指明地址"))
    except subprocess.CalledProcessError:  # the photo import said why on its own output
        sys.exit(_stop("导入参考照片失败（见上方原因）：请在演示的项目目录中、演示运行时执行本脚本"))
