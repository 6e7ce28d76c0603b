"""Write the test clip as a fake camera for Chromium, to try the demo's face check in a browser
without a camera (or with a face that is not in the records):

    .venv/bin/python scripts/fake_camera.py            # writes instance/fake-camera.y4m
    chromium --use-fake-ui-for-media-stream --use-fake-device-for-media-stream \\
        --use-file-for-fake-video-capture=instance/fake-camera.y4m http://127.0.0.1:5000/m/

The clip shows a man (the test fixture's miranda_1.png is his photo) turning to his right, then
to his left, looping; register that photo as the demo claimant's reference first (README).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from liveness.evaluate import write_y4m  # noqa: E402  # the project's own module, after the path

if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "instance" / "fake-camera.y4m"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_y4m(ROOT / "tests" / "fixtures" / "faces" / "head_turns_clip.mp4", 83, 162, target)
    print(f"fake camera written to {target}")
