"""One settings module; everything that varies comes from ``DUCHA_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("DUCHA_HOME", Path.cwd() / "var")).resolve()
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("DUCHA_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DUCHA_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("DUCHA_ALLOWED_HOSTS", "*").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DUCHA_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ducha.orgs",
    "ducha.audit",
    "ducha.reporting",
    "ducha.registers",
    "ducha.indicators",
    "ducha.quality",
    "ducha.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
TIME_ZONE = os.environ.get("DUCHA_TIME_ZONE", "Asia/Shanghai")
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

# Login throttling: this many failures for one username (or one client address)
# within the window lock further attempts until the window has passed.
DUCHA_LOGIN_MAX_FAILURES = int(os.environ.get("DUCHA_LOGIN_MAX_FAILURES", "5"))
DUCHA_LOGIN_LOCK_MINUTES = int(os.environ.get("DUCHA_LOGIN_LOCK_MINUTES", "15"))

# Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses, e.g. "127.0.0.1").
DUCHA_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("DUCHA_TRUSTED_PROXIES", "").split(",") if p.strip()]

# Salt for the hashes of national ID numbers in the registers (only a salted hash and the last four
# characters are stored). Without it a salt is derived from the secret key; set it before the first import.
DUCHA_ID_SALT = os.environ.get("DUCHA_ID_SALT", "")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DUCHA_LOG_LEVEL", "WARNING")},
}
