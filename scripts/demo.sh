#!/usr/bin/env bash
# Set everything up and run the service on the embedded defaults (SQLite, in-process Redis,
# eager tasks) with the synthetic demo population. PORT=8000 ./scripts/demo.sh for another port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export MINIAPP_ENV=development
# The embedded SMS stand-in posts delivery receipts back to this server.
export SMS_RECEIPT_CALLBACK_URL="http://127.0.0.1:${PORT:-5000}/api/v1/notifications/receipts"
# The embedded WeChat stand-in on a known port, so README's curl walk-through can ask it for a
# wx.login code the way the mini-program would get one on a phone.
export STANDIN_WECHAT_PORT="${STANDIN_WECHAT_PORT:-5081}"
export STANDIN_SMS_PORT="${STANDIN_SMS_PORT:-5082}"
.venv/bin/miniapp db upgrade
.venv/bin/miniapp seed-demo
exec .venv/bin/miniapp serve --host 127.0.0.1 --port "${PORT:-5000}"
