#!/usr/bin/env bash
# 督查 ducha — 一键测试：安装一切，启动临时 PostgreSQL，运行 ruff、mypy 和全部测试（SQLite 与 PostgreSQL 各一遍）。
# Sets everything up and runs the whole test suite. Exit status is non-zero if anything failed.
#
#   ./scripts/test.sh              everything
#   ./scripts/test.sh -k token     extra arguments go to both pytest runs
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
START=$SECONDS
step() { printf '\n==> %s\n' "$*"; }
die() { printf '错误：%s\n' "$*" >&2; exit 1; }

# 1. Python venv, dependencies, front-end assets
./scripts/setup.sh || die "安装失败（scripts/setup.sh）"
VENV="$ROOT/.venv/bin"

# 2. System packages the tests need: PostgreSQL server, Chromium (browser tests), CJK fonts (screenshots)
missing=()
./scripts/pg.sh bindir >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if ((${#missing[@]})); then
    step "安装系统软件包：${missing[*]}"
    SUDO=()
    [[ "$(id -u)" == 0 ]] || SUDO=(sudo -n)
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -qq >/dev/null || die "apt-get update 失败"
    "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} 失败"
fi

# 3. Throwaway PostgreSQL cluster, removed on exit whatever happens
TMP="$(mktemp -d)"
chmod 755 "$TMP"
cleanup() { ./scripts/pg.sh stop "$TMP/pg"; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
step "启动临时 PostgreSQL"
PG_PORT="$(./scripts/pg.sh start "$TMP/pg")" || die "PostgreSQL 启动失败"
PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/ducha_test"
echo "PostgreSQL $("$(./scripts/pg.sh bindir)/postgres" --version | awk '{print $3}')：127.0.0.1:$PG_PORT"

# Tests run on default settings and never touch a developer's own data (settings read DUCHA_HOME).
while read -r name; do unset "$name"; done < <(compgen -e | grep '^DUCHA_')
export DUCHA_HOME="$TMP/home"
mkdir -p "$DUCHA_HOME/static"  # STATIC_ROOT: whitenoise warns on every request when it is missing

declare -A RESULT=()
ORDER=()
FAILED=0
record() {  # record NAME STATUS
    ORDER+=("$1")
    if [[ "$2" == 0 ]]; then RESULT[$1]="通过"; else RESULT[$1]="失败"; FAILED=1; fi
}

# 4. Lint and types
step "ruff check"
"$VENV/ruff" check --quiet
record ruff $?
step "mypy src/ducha"
"$VENV/mypy" src/ducha
record mypy $?
step "lint-imports"
"$VENV/lint-imports" --no-cache
record lint-imports $?

# 5. The whole suite, twice. pytest exits 5 when it collected no test: that is a failure here.
#    Both runs include schemathesis against the live API (src/ducha/orgs/tests/test_api_schemathesis.py,
#    bounded: at most 30 generated requests per operation) — any schemathesis failure fails the suite.
TOTAL_PASSED=0 TOTAL_FAILED=0 TOTAL_SKIPPED=0
run_pytest() {  # run_pytest NAME [env assignments...] -- [pytest args...]
    local name="$1"; shift
    local envs=()
    while [[ "$1" != "--" ]]; do envs+=("$1"); shift; done
    shift
    local xml="$TMP/$name.xml" status
    env "${envs[@]}" "$VENV/pytest" -q -p no:cacheprovider --junitxml="$xml" "$@"
    status=$?
    if [[ $status == 5 ]]; then
        echo "错误：pytest（$name）没有收集到任何测试" >&2
    fi
    if [[ -f "$xml" ]]; then
        read -r p f s < <("$VENV/python" - "$xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
tests = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(tests - failed - skipped, failed, skipped)
PY
)
        TOTAL_PASSED=$((TOTAL_PASSED + p)) TOTAL_FAILED=$((TOTAL_FAILED + f)) TOTAL_SKIPPED=$((TOTAL_SKIPPED + s))
    fi
    record "$name" "$status"
}

step "pytest（SQLite，含浏览器测试）"
run_pytest pytest-sqlite -- "$@"

step "pytest（PostgreSQL $PG_PORT，不含浏览器测试）"
run_pytest pytest-postgresql "DUCHA_DATABASE_URL=$PG_URL" -- -m "not browser" "$@"

# 6. Summary
echo
for name in "${ORDER[@]}"; do
    printf '  %-20s %s\n' "$name" "${RESULT[$name]}"
done
printf '  用时 %d 秒\n' "$((SECONDS - START))"
if ((FAILED)); then
    echo "测试未通过"
else
    echo "全部通过"
fi
echo "summary: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
exit "$FAILED"
