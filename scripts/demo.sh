#!/usr/bin/env bash
# Set everything up and run the service on the embedded defaults (SQLite, in-process Redis,
# eager tasks) with the synthetic demo population. PORT=8000 ./scripts/demo.sh for another port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export MINIAPP_ENV=development
port="${PORT:-5000}"
# The embedded SMS stand-in posts delivery receipts back to this server, and links in messages
# (an employer's notice to acknowledge) lead here.
export SMS_RECEIPT_CALLBACK_URL="http://127.0.0.1:${port}/api/v1/notifications/receipts"
export WECHAT_PUSH_CALLBACK_URL="http://127.0.0.1:${port}/api/v1/wechat/push"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${port}}"
# The embedded WeChat and SMS stand-ins on ports that follow the API's (5000 → 5081, 5082), so
# README's curl walk-through can ask them for a wx.login code, and a second demo on another
# PORT does not collide with the first.
export STANDIN_WECHAT_PORT="${STANDIN_WECHAT_PORT:-$((port + 81))}"
export STANDIN_SMS_PORT="${STANDIN_SMS_PORT:-$((port + 82))}"
.venv/bin/miniapp db upgrade
.venv/bin/miniapp seed-demo
echo "演示服务：http://127.0.0.1:${port}/m/ （手机页面）  http://127.0.0.1:${port}/console/ （工作人员控制台）  http://127.0.0.1:${port}/docs （接口文档）" >&2
exec .venv/bin/miniapp serve --host 127.0.0.1 --port "${port}"
