"""Django settings. Every value an operator may change comes from the environment (see conf.py)."""

from __future__ import annotations

import os
from datetime import timedelta

import dj_database_url

from baomi import conf

DATA_DIR = conf.data_dir()
SECRET_KEY = conf.secret_key()
DEBUG = conf.env_bool("BAOMI_DEBUG")
TESTING = conf.env_bool("BAOMI_TESTING")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("BAOMI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("BAOMI_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

BAOMI_SYSTEM_LEVEL = conf.system_level()
BAOMI_AUDIT_CHECKPOINT_EVERY = conf.env_int("BAOMI_AUDIT_CHECKPOINT_EVERY", 1000)
BAOMI_AUDIT_CHECKPOINT_MINUTES = conf.env_int("BAOMI_AUDIT_CHECKPOINT_MINUTES", 60)
BAOMI_PASSWORD_MIN_LENGTH = conf.env_int("BAOMI_PASSWORD_MIN_LENGTH", 10)
BAOMI_PASSWORD_HISTORY = conf.env_int("BAOMI_PASSWORD_HISTORY", 5)
BAOMI_API_TOKEN_DAYS = conf.env_int("BAOMI_API_TOKEN_DAYS", 90)
BAOMI_TRUST_X_FORWARDED_FOR = conf.env_bool("BAOMI_TRUST_X_FORWARDED_FOR")
# 随阅随退 (CARRIER-06): a 绝密 copy handed out for reading is due back by this local time.
BAOMI_WORKDAY_END = os.environ.get("BAOMI_WORKDAY_END", "17:30")
# 载体盘点: the secrecy office is reminded when no stocktake was closed in the current period
# (months from January: 6 = each half-year, 12 = each year).
BAOMI_STOCKTAKE_MONTHS = conf.env_int("BAOMI_STOCKTAKE_MONTHS", 6)
# 出国境 (issue 6): passports back, and the 回国报告, within N days after return.
BAOMI_TRAVEL_DOCUMENT_RETURN_DAYS = conf.env_int("BAOMI_TRAVEL_DOCUMENT_RETURN_DAYS", 7)
BAOMI_TRAVEL_REPORT_DAYS = conf.env_int("BAOMI_TRAVEL_REPORT_DAYS", 7)
# Archives (ARCH-04, ARCH-05, ARCH-06): excerpts "approval" (reviewed and stamped, S13/S16) or
# "forbidden" (S20); the unit whose leader approves 绝密 and leadership-minutes 查档; the rooms.
BAOMI_ARCHIVE_EXCERPTS = os.environ.get("BAOMI_ARCHIVE_EXCERPTS", "approval")
BAOMI_ARCHIVE_OFFICE_UNIT = os.environ.get("BAOMI_ARCHIVE_OFFICE_UNIT", "office")
BAOMI_ARCHIVE_ROOMS = [room.strip() for room in os.environ.get("BAOMI_ARCHIVE_ROOMS", "档案室,查档室").split(",")
                       if room.strip()]
# Largest file uploaded into an electronic carrier (vault), in MiB.
BAOMI_MAX_UPLOAD_MB = conf.env_int("BAOMI_MAX_UPLOAD_MB", 50)
# Approvals: deciders who enrolled a TOTP device must sign with a current code (not the password);
# a step pending this many hours is reminded and shown overdue in 我的待办.
BAOMI_SIGN_WITH_OTP = conf.env_bool("BAOMI_SIGN_WITH_OTP")
BAOMI_APPROVAL_REMIND_HOURS = conf.env_int("BAOMI_APPROVAL_REMIND_HOURS", 24)
# Optional e-mail notices (off unless BAOMI_EMAIL_HOST is set). They never carry content: only
# "you have an item waiting" and a link to BAOMI_BASE_URL.
EMAIL_HOST = os.environ.get("BAOMI_EMAIL_HOST", "")
EMAIL_PORT = conf.env_int("BAOMI_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("BAOMI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("BAOMI_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = conf.env_bool("BAOMI_EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("BAOMI_EMAIL_FROM", "baomi@localhost")
BAOMI_BASE_URL = os.environ.get("BAOMI_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    "baomi.core",
    "baomi.accounts",
    "baomi.audit",
    "baomi.approvals",
    "baomi.classification",
    "baomi.carriers",
    "baomi.review",
    "baomi.training",
    "baomi.stocktake",
    "baomi.devices",
    "baomi.travel",
    "baomi.personnel",
    "baomi.archives",
    "baomi.vault",
    "baomi.incidents",
    "baomi.meetings",
    "baomi.inspections",
    "baomi.compliance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "baomi.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "baomi.core.middleware.RequestContextMiddleware",
    "baomi.core.views.DomainErrorMiddleware",
    "baomi.accounts.middleware.AccountGateMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "baomi.urls"
WSGI_APPLICATION = "baomi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "baomi.core.context.navigation",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'baomi.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed during a write; IMMEDIATE takes the write lock at BEGIN so
    # two writers never both read the audit chain head and then deadlock on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short OLTP queries over large registers get cost estimates that trip PostgreSQL's JIT,
    # whose compile time (tens of ms) dwarfs the query (benchmarks/carriers.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "baomi.accounts.passwords.LengthValidator"},
    {"NAME": "baomi.accounts.passwords.CharacterClassValidator"},
    {"NAME": "baomi.accounts.passwords.NotUsernameValidator"},
    {"NAME": "baomi.accounts.passwords.HistoryValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle timeout: the session cookie lives SESSION_COOKIE_AGE seconds after the last request.
SESSION_COOKIE_AGE = conf.env_int("BAOMI_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = conf.env_bool("BAOMI_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Lockout (django-axes): 5 failures lock the account for 30 minutes.
AXES_FAILURE_LIMIT = conf.env_int("BAOMI_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=conf.env_int("BAOMI_LOCKOUT_MINUTES", 30))
# Per account, as 等保 asks: the lock follows the account whatever address the attempts come from.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "baomi.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

OTP_TOTP_ISSUER = "Baomi"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [os.path.join(os.path.dirname(__file__), "locale")]
USE_I18N = True
TIME_ZONE = os.environ.get("BAOMI_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BAOMI_LOG_LEVEL", "WARNING")},
    # Login failures are audit events already; axes' own log lines would only repeat them.
    "loggers": {"axes": {"level": "ERROR"}},
}
