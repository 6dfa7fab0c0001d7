"""One settings module; everything that varies comes from ``DUCHA_*`` environment variables."""

from __future__ import annotations

import os
import secrets
import zoneinfo
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def env_number(name: str, default: str, kind: type[int] | type[float] = int) -> Any:
    """An integer (or number) from the environment; anything else stops start-up with a Chinese message.

    Ranges are checked later by the system checks (``ducha.core.checks``), which also see values set here.
    """
    raw = os.environ.get(name, "").strip() or default
    try:
        return kind(raw)
    except ValueError:
        what = "整数" if kind is int else "数字"
        raise ImproperlyConfigured(
            f"环境变量 {name}=“{raw}”不是{what}：请改为{what}，如 {name}={default}（见 docs/settings.md）") from None


def env_flag(name: str, default: str) -> bool:
    """``1`` is on, ``0`` off (empty: the default); any other word stops start-up instead of meaning “off”."""
    raw = os.environ.get(name, "").strip() or default
    if raw not in ("0", "1"):
        raise ImproperlyConfigured(f"环境变量 {name}=“{raw}”只能是 0（关）或 1（开）（见 docs/settings.md）")
    return raw == "1"


def env_choice(name: str, default: str, valid: Callable[[str], bool], expected: str) -> str:
    raw = os.environ.get(name, "").strip() or default
    if not valid(raw):
        raise ImproperlyConfigured(f"环境变量 {name}=“{raw}”不正确：{expected}（见 docs/settings.md）")
    return raw


def is_time_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def default_data_dir(base_dir: Path, environ: Mapping[str, str]) -> Path:
    """The data folder when ``DUCHA_HOME`` is not set; never depends on the current directory.

    A source checkout (``src/ducha`` next to ``pyproject.toml``) keeps its data in the checkout's ``var/``;
    an installed package uses ``$XDG_DATA_HOME/ducha`` (``~/.local/share/ducha``).
    """
    checkout = base_dir.parent.parent
    if base_dir.parent.name == "src" and (checkout / "pyproject.toml").is_file():
        return checkout / "var"
    xdg = environ.get("XDG_DATA_HOME", "")
    return (Path(xdg) if Path(xdg).is_absolute() else Path.home() / ".local" / "share") / "ducha"


# Nothing is created here: the folder and the SQLite file are made by `ducha migrate`, `ducha demo` or
# `ducha serve --migrate` (see ducha.cli); every other command refuses a database that is not set up.
DATA_DIR = (Path(os.environ["DUCHA_HOME"]) if os.environ.get("DUCHA_HOME")
            else default_data_dir(BASE_DIR, os.environ)).resolve()


def _secret_key() -> str:
    if key := os.environ.get("DUCHA_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    if DATA_DIR.is_dir():  # kept with the data; never creates the data folder on the way
        path.write_text(key)
        path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_flag("DUCHA_DEBUG", "0")
# Loopback always; every name or address the site is reached by must be added (`ducha serve --host 0.0.0.0`
# on an intranet needs DUCHA_ALLOWED_HOSTS=10.1.2.3,ducha.wjw.local or every request gets 400).
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"] + [
    h.strip() for h in os.environ.get("DUCHA_ALLOWED_HOSTS", "").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DUCHA_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "ducha.core",
    "django_tasks",
    "django_tasks_db",
    "ducha.orgs",
    "ducha.audit",
    "ducha.reporting",
    "ducha.registers",
    "ducha.indicators",
    "ducha.quality",
    "ducha.demo",
]

MIDDLEWARE = [
    "ducha.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ducha.core.request_reads.RequestReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ducha.api.chinese_method_not_allowed",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ducha.urls"
WSGI_APPLICATION = "ducha.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ducha.orgs.context_processors.actor_roles",
                "ducha.core.context_processors.navigation",
            ],
        },
    },
]

DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'ducha.sqlite3'}"
DATABASE_URL = os.environ.get("DUCHA_DATABASE_URL", DEFAULT_DATABASE_URL)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(
        f"DUCHA_DATABASE_URL“{DATABASE_URL}”无法识别：应为 sqlite:///文件路径 或 "
        "postgresql://用户:密码@主机:端口/数据库名"
    ) from exc
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {"timeout": 30}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "zh-hans"
# The product is Chinese whatever the browser asks for: no LocaleMiddleware, one language.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env_choice("DUCHA_TIME_ZONE", "Asia/Shanghai", is_time_zone, "应为时区名称，如 Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Login throttling (django-axes, see ducha.orgs.throttle) for the login page, the admin login and API
# tokens: this many failed passwords for one username, or failures from one client address, within the
# window lock further attempts (even the right password) until the window has passed.
DUCHA_LOGIN_MAX_FAILURES = env_number("DUCHA_LOGIN_MAX_FAILURES", "5")
DUCHA_LOGIN_IP_MAX_FAILURES = env_number("DUCHA_LOGIN_IP_MAX_FAILURES", "30")
DUCHA_LOGIN_LOCK_MINUTES = env_number("DUCHA_LOGIN_LOCK_MINUTES", "15")

# Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated, e.g. "127.0.0.1").
DUCHA_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("DUCHA_TRUSTED_PROXIES", "").split(",") if p.strip()]

# ModelBackend and the database session store, each with its per-request read as one plain query (ducha.core.sessions).
AUTHENTICATION_BACKENDS = ["ducha.orgs.throttle.ThrottleBackend", "ducha.core.sessions.UserBackend"]
SESSION_ENGINE = "ducha.core.sessions"
AXES_HANDLER = "ducha.orgs.throttle.DuchaAxesHandler"
AXES_FAILURE_LIMIT = "ducha.orgs.throttle.account_limit"
AXES_COOLOFF_TIME = "ducha.orgs.throttle.cool_off"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # two counters, each with its own limit (see throttle)
AXES_USERNAME_CALLABLE = "ducha.orgs.throttle.normalise_username"
AXES_CLIENT_IP_CALLABLE = "ducha.orgs.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "ducha.orgs.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ADMIN = False  # English-only and assumes a numeric limit; unlock with `ducha axes_reset_username`

# HTTPS behind nginx (docs/settings.md): secure cookies, HSTS, redirect to https. X-Forwarded-Proto is
# believed only from DUCHA_TRUSTED_PROXIES (ducha.proxy strips it from anyone else).
DUCHA_HTTPS = env_flag("DUCHA_HTTPS", "0")
if DUCHA_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_flag("DUCHA_SSL_REDIRECT", "1")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_number("DUCHA_HSTS_SECONDS", str(365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DUCHA_HSTS_INCLUDE_SUBDOMAINS", "1")
    SECURE_HSTS_PRELOAD = env_flag("DUCHA_HSTS_PRELOAD", "0")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_HSTS_PRELOAD:
        # The preload list is for public domains submitted to browsers; an intranet name cannot be on it.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp): pages load only this server's scripts, styles and images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

# Salt for the hashes of national ID numbers in the registers (only a salted hash and the last four
# characters are stored). Without it a salt is derived from the secret key; set it before the first import.
DUCHA_ID_SALT = os.environ.get("DUCHA_ID_SALT", "")
# Largest file any import accepts (web upload, import-* commands), in MB; see ducha.core.files.
DUCHA_IMPORT_MAX_MB = env_number("DUCHA_IMPORT_MAX_MB", "20", float)

# Background jobs (ducha.core.jobs, docs/jobs.md): django-tasks with its database backend, so the queue lives in
# the same database (SQLite or PostgreSQL) and `ducha worker` (started by `ducha serve`) runs it.
DUCHA_JOB_QUEUE = "ducha"
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": [DUCHA_JOB_QUEUE]}}
# A running job whose worker has not written its heartbeat for this many seconds is marked 失败 (interrupted).
DUCHA_JOB_STALE_SECONDS = env_number("DUCHA_JOB_STALE_SECONDS", "60")
# How often a worker writes the heartbeat of the job it runs.
DUCHA_JOB_HEARTBEAT_SECONDS = env_number("DUCHA_JOB_HEARTBEAT_SECONDS", "5", float)

# Computed results (indicator tables, SMART reports; ducha.core.results) are kept per process, keyed on the data
# generation stamp, so a saved value shows on the next page load. DUCHA_RESULT_CACHE=0 keeps nothing (benchmarks).
DUCHA_RESULT_CACHE = env_flag("DUCHA_RESULT_CACHE", "1")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "results": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ducha-results",
                "TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 1000}} if DUCHA_RESULT_CACHE
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice(
        "DUCHA_LOG_LEVEL", "WARNING", lambda v: v in LOG_LEVELS, "应为 " + "、".join(LOG_LEVELS) + " 之一")},
}
