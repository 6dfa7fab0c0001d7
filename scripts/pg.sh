#!/usr/bin/env bash
# 督查 ducha — 临时 PostgreSQL 集群（供测试使用）。
# Throwaway PostgreSQL cluster for the test suite: trust auth, loopback only, a free port, a temp dir.
#
#   scripts/pg.sh start DIR   -> initdb + start in DIR, prints the port on stdout
#   scripts/pg.sh stop DIR    -> stop the cluster and delete DIR
#
# As root the server runs as the ``postgres`` system user (PostgreSQL refuses to run as root).
set -euo pipefail

pg_bindir() {
    local dir
    for dir in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] && { echo "$dir"; return 0; }
    done
    local initdb
    initdb="$(command -v initdb 2>/dev/null)" || return 1
    dirname "$(readlink -f "$initdb")"
}

as_pg() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    local dir="$1" bin port
    bin="$(pg_bindir)" || { echo "错误：找不到 PostgreSQL 服务器程序（initdb/pg_ctl）" >&2; exit 1; }
    mkdir -p "$dir"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        echo "错误：initdb 失败" >&2
        exit 1
    }
    port="$(free_port)"
    # Durability is irrelevant for a throwaway test cluster: turn fsync off for speed.
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
        start >/dev/null 2>&1 || {
        cat "$dir/server.log" >&2
        echo "错误：PostgreSQL 启动失败" >&2
        exit 1
    }
    echo "$port"
}

stop() {
    local dir="$1" bin
    [[ -d "$dir/data" ]] || return 0
    bin="$(pg_bindir)" || return 0
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start "${2:?DIR}" ;;
    stop) stop "${2:?DIR}" ;;
    bindir) pg_bindir ;;
    *) echo "用法：$0 start|stop DIR" >&2; exit 2 ;;
esac
