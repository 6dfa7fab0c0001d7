#!/usr/bin/env bash
# 督查 ducha — 一键安装：Python 虚拟环境（.venv）、Python 依赖、前端静态依赖。
# 可重复运行：已经装好的步骤会跳过（依据 pyproject.toml 与 package-lock.json 的指纹）。
# Sets up a fresh checkout: .venv with every pinned dependency, npm packages, vendored static files.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
    local candidate
    for candidate in ${DUCHA_PYTHON:-} python3.11 /usr/bin/python3.11 /usr/local/bin/python3.11; do
        if "$candidate" -c 'import ensurepip, sys, venv; assert sys.version_info[:2] == (3, 11)' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
VENV="$ROOT/.venv"
step() { printf '==> %s\n' "$*"; }
fail() { printf '错误：%s\n' "$*" >&2; exit 1; }

fingerprint() { cat "$@" | sha256sum | cut -d' ' -f1; }

# 1. Python 3.11 virtual environment
PYTHON="$(find_python)" || fail "找不到 Python 3.11（可用环境变量 DUCHA_PYTHON 指定解释器）"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
    step "创建虚拟环境 .venv（$("$PYTHON" --version 2>&1)）"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

# 2. Python dependencies (all pinned in pyproject.toml), editable install of ducha itself
py_stamp="$VENV/.ducha-installed"
py_want="$(fingerprint pyproject.toml)"
if [[ "$(cat "$py_stamp" 2>/dev/null)" != "$py_want" ]] || [[ ! -x "$VENV/bin/ducha" ]]; then
    step "安装 Python 依赖（pip install -e \".[test]\"，首次约需 1–3 分钟）"
    log="$(mktemp)"
    if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test]" >"$log" 2>&1; then
        grep -v '^WARNING: Location' "$log" >&2 || true
        rm -f "$log"
        fail "Python 依赖安装失败"
    fi
    rm -f "$log"
    printf '%s\n' "$py_want" >"$py_stamp"
else
    step "Python 依赖已是最新，跳过"
fi

# 3. Front-end packages (htmx, ECharts) from the npm registry, exactly as package-lock.json says
[[ -f package.json && -f package-lock.json ]] || fail "缺少 package.json 或 package-lock.json"
command -v npm >/dev/null 2>&1 || fail "找不到 npm（需要 Node.js 与 npm）"
npm_stamp="node_modules/.ducha-installed"
npm_want="$(fingerprint package.json package-lock.json)"
if [[ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_want" ]]; then
    step "安装前端依赖（npm ci）"
    log="$(mktemp)"
    if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        fail "npm ci 失败"
    fi
    rm -f "$log"
    printf '%s\n' "$npm_want" >"$npm_stamp"
else
    step "前端依赖已是最新，跳过"
fi

# 4. Copy the front-end files into src/ducha/static/vendor/ (served locally, never from a CDN)
step "复制前端静态文件到 src/ducha/static/vendor/"
"$VENV/bin/python" scripts/vendor_assets.py >/dev/null || fail "复制前端静态文件失败"

step "安装完成（命令行：.venv/bin/ducha）"
