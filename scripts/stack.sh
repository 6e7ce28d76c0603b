#!/usr/bin/env bash
# The production process set on this machine, against its PostgreSQL and Redis:
#   API under gunicorn (gunicorn.conf.py), a Celery worker, Celery beat (both restarted if they exit),
#   and the WeChat and SMS stand-ins at the network edge (the real clients talk to them).
#
#   ./scripts/stack.sh start     set up, migrate, seed the demo population once, start all five
#   ./scripts/stack.sh stop      stop them (TERM, then KILL after 30 s)
#   ./scripts/stack.sh status    which are running
#
# MINIAPP_ENV=production: the service refuses development secrets, so the first start writes
# random ones to instance/stack/stack.env (kept; delete it to start afresh). Logs and PID files
# are in instance/stack/. PORT (default 8000), DATABASE_URL and REDIS_URL may be set beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."
run=instance/stack
env_file="$run/stack.env"
processes=(standin-wechat standin-sms api worker beat)

pid_of() {
    local file="$run/$1.pid"
    [ -f "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null && cat "$file"
}

launch() {
    local name=$1
    shift
    if pid_of "$name" >/dev/null; then
        echo "$name 已在运行（PID $(pid_of "$name")）"
        return
    fi
    # setsid: each process leads its own group, so stop reaches the children it forks too.
    setsid nohup "$@" >>"$run/$name.log" 2>&1 </dev/null &
    echo $! >"$run/$name.pid"
    echo "$name 已启动（PID $!，日志 $run/$name.log）"
}

# Run "$@" again whenever it exits, as systemd's Restart=always would in production: a Celery
# worker can exit on a broker outage (kombu failing while it reconnects to Redis), and then
# nothing would consume the queue. stop ends the loop with the rest of its process group.
supervised() {
    launch "$1" bash -c 'while true; do "$@"; status=$?; echo "$(date -Is) 已退出（$status），5 秒后重启" >&2; sleep 5; done' \
        supervise "${@:2}"
}

write_env() {
    local secret key
    secret() { .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))'; }
    key() { .venv/bin/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }
    umask 077
    cat >"$env_file" <<EOF
MINIAPP_ENV=production
PORT=${PORT:-8000}
DATABASE_URL=${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/miniapp}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/1}
SECRET_KEY=$(secret)
PII_ENCRYPTION_KEY=$(key)
PII_HASH_KEY=$(key)
WECHAT_API_BASE_URL=http://127.0.0.1:5091
WECHAT_MINIAPP_SECRET=$(secret)
WECHAT_OFFICIAL_SECRET=$(secret)
SMS_ALIYUN_ENDPOINT=127.0.0.1:5092
SMS_TENCENT_ENDPOINT=127.0.0.1:5092
SMS_ALIYUN_ACCESS_KEY_SECRET=$(secret)
SMS_TENCENT_SECRET_KEY=$(secret)
SMS_RECEIPT_TOKEN=$(secret)
SMS_RECEIPT_CALLBACK_URL=http://127.0.0.1:${PORT:-8000}/api/v1/notifications/receipts
WECHAT_PUSH_CALLBACK_URL=http://127.0.0.1:${PORT:-8000}/api/v1/wechat/push
PUBLIC_BASE_URL=http://127.0.0.1:${PORT:-8000}
LOG_JSON=true
EOF
    echo "已生成 $env_file（随机密钥，仅本机使用）"
}

# WeChat's message-push Token and EncodingAESKey (43 characters), added to an environment file
# written before the service received WeChat's pushes.
add_push_keys() {
    grep -q '^WECHAT_PUSH_TOKEN=' "$env_file" || {
        umask 077
        .venv/bin/python - >>"$env_file" <<'PY'
import base64, os, secrets
print("WECHAT_PUSH_TOKEN=" + secrets.token_urlsafe(24))
print("WECHAT_PUSH_AES_KEY=" + base64.b64encode(os.urandom(32)).decode().rstrip("="))
print("WECHAT_PUSH_CALLBACK_URL=http://127.0.0.1:" + os.environ.get("PORT", "8000") + "/api/v1/wechat/push")
PY
    }
}

start() {
    bash scripts/bootstrap.sh
    mkdir -p "$run"
    [ -f "$env_file" ] || write_env
    add_push_keys
    set -a
    # shellcheck disable=SC1090
    . "$env_file"
    set +a
    .venv/bin/python scripts/create_database.py "$DATABASE_URL"
    .venv/bin/miniapp db upgrade
    .venv/bin/miniapp seed-demo
    launch standin-wechat .venv/bin/miniapp standin wechat --port 5091
    launch standin-sms .venv/bin/miniapp standin sms --port 5092
    launch api .venv/bin/miniapp serve --host 127.0.0.1 --port "$PORT"
    supervised worker .venv/bin/miniapp worker
    supervised beat .venv/bin/miniapp beat
    for _ in $(seq 1 60); do
        if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
            echo "服务已就绪：http://127.0.0.1:$PORT/   接口文档：http://127.0.0.1:$PORT/docs"
            return
        fi
        sleep 1
    done
    echo "60 秒内 /healthz 未就绪，请查看 $run/api.log" >&2
    exit 1
}

stop() {
    local name pid
    for name in beat worker api standin-sms standin-wechat; do
        pid=$(pid_of "$name") || { rm -f "$run/$name.pid"; continue; }
        # The whole process group: for worker and beat the PID is their supervising loop's, and
        # Celery may still be shutting down after the loop itself has gone.
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
        for _ in $(seq 1 30); do
            kill -0 -- "-$pid" 2>/dev/null || break
            sleep 1
        done
        if kill -0 -- "-$pid" 2>/dev/null; then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
            echo "$name 30 秒内未退出，已强制结束"
        else
            echo "$name 已停止"
        fi
        rm -f "$run/$name.pid"
    done
}

status() {
    local name running=0
    for name in "${processes[@]}"; do
        if pid=$(pid_of "$name"); then
            echo "$name 运行中（PID $pid）"
            running=$((running + 1))
        else
            echo "$name 未运行"
        fi
    done
    [ "$running" -eq "${#processes[@]}" ]
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
    echo "用法：$0 start|stop|status" >&2
    exit 2
    ;;
esac
