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
# Seconds a per-person figure or page computed for one state of the data may serve (menu,
# 我的待办 count, home cards, carrier list: baomi.core.statecache); 0 computes on every request.
BAOMI_STATE_CACHE_SECONDS = conf.env_int("BAOMI_STATE_CACHE_SECONDS", 60)
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
# Security keys (WebAuthn, baomi.securitykeys): the relying-party id (a host name; default the
# request's host), the origins accepted (default the request's own scheme and host), and the
# lowest level whose cleared holders must use a security key (e.g. 机密; empty = off).
BAOMI_WEBAUTHN_RP_ID = os.environ.get("BAOMI_WEBAUTHN_RP_ID", "").strip()
BAOMI_WEBAUTHN_ORIGINS = [o.strip() for o in os.environ.get("BAOMI_WEBAUTHN_ORIGINS", "").split(",") if o.strip()]
BAOMI_REQUIRE_SECURITY_KEY_LEVEL = os.environ.get("BAOMI_REQUIRE_SECURITY_KEY_LEVEL", "").strip()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "baomi.securitykeys",
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
    # First: times the whole request, gives it an id, logs one line and counts it (baomi.ops).
    "baomi.ops.middleware.RequestObservationMiddleware",
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
                "baomi.sso.context.sso",
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
    # Production (docs/operations.md, "Deployment"): persistent connections checked before
    # reuse, and a runaway statement or a transaction left open cannot hold locks for long.
    # 0 turns a timeout off (e.g. `BAOMI_DB_STATEMENT_TIMEOUT_MS=0 baomi migrate` on a huge database).
    DATABASES["default"]["CONN_MAX_AGE"] = conf.env_int("BAOMI_DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"]["options"] += (
        f" -c statement_timeout={conf.env_int('BAOMI_DB_STATEMENT_TIMEOUT_MS', 60_000)}"
        f" -c idle_in_transaction_session_timeout={conf.env_int('BAOMI_DB_IDLE_TX_TIMEOUT_MS', 60_000)}"
    )
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", conf.env_int("BAOMI_DB_CONNECT_TIMEOUT", 10))
    # Behind pgbouncer in transaction pooling: no server-side cursors (they live across transactions).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = conf.env_bool("BAOMI_DB_PGBOUNCER")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]

# Single sign-on (issue 8, docs/sso.md). Both OFF unless configured. The directory / identity
# provider only authenticates: a login maps to an existing Baomi account, whose roles, clearance
# and unit stay Baomi's own. Plain strings here: importing settings never needs python-ldap.
BAOMI_LDAP_URI = os.environ.get("BAOMI_LDAP_URI", "")
BAOMI_LDAP_BIND_DN = os.environ.get("BAOMI_LDAP_BIND_DN", "")
BAOMI_LDAP_BIND_PASSWORD = os.environ.get("BAOMI_LDAP_BIND_PASSWORD", "")
BAOMI_LDAP_USER_SEARCH_BASE = os.environ.get("BAOMI_LDAP_USER_SEARCH_BASE", "")
BAOMI_LDAP_USER_FILTER = os.environ.get("BAOMI_LDAP_USER_FILTER", "(uid=%(user)s)")
BAOMI_LDAP_USERNAME_ATTR = os.environ.get("BAOMI_LDAP_USERNAME_ATTR", "")  # empty: the name typed
BAOMI_LDAP_START_TLS = conf.env_bool("BAOMI_LDAP_START_TLS")
BAOMI_LDAP_TIMEOUT = conf.env_int("BAOMI_LDAP_TIMEOUT", 5)
# Local passwords only for the three administrators (a way in when the directory is down).
BAOMI_LDAP_ONLY = conf.env_bool("BAOMI_LDAP_ONLY")
if BAOMI_LDAP_ONLY:
    AUTHENTICATION_BACKENDS = [
        "baomi.sso.backends.AdministratorsOnlyModelBackend" if b == "django.contrib.auth.backends.ModelBackend" else b
        for b in AUTHENTICATION_BACKENDS
    ]
if BAOMI_LDAP_URI:
    AUTHENTICATION_BACKENDS.append("baomi.sso.directory.DirectoryBackend")

BAOMI_OIDC_ISSUER = os.environ.get("BAOMI_OIDC_ISSUER", "").rstrip("/")
BAOMI_OIDC_USERNAME_CLAIM = os.environ.get("BAOMI_OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_RP_CLIENT_ID = os.environ.get("BAOMI_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("BAOMI_OIDC_CLIENT_SECRET", "")
# Explicit endpoints win over discovery (BAOMI_OIDC_ISSUER + /.well-known/openid-configuration).
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("BAOMI_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("BAOMI_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("BAOMI_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("BAOMI_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("BAOMI_OIDC_SIGN_ALGO", "RS256")
# The callback URL registered at the provider; default: built from the request (/sso/oidc/callback/).
BAOMI_OIDC_REDIRECT_URI = os.environ.get("BAOMI_OIDC_REDIRECT_URI", "")
OIDC_RP_SCOPES = os.environ.get("BAOMI_OIDC_SCOPES", "openid profile")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False  # accounts are created by the 系统管理员, never by a login
OIDC_TIMEOUT = conf.env_int("BAOMI_OIDC_TIMEOUT", 10)
OIDC_VERIFY_SSL = conf.env_bool("BAOMI_OIDC_VERIFY_SSL", True)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:oidc_callback"
BAOMI_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID and (BAOMI_OIDC_ISSUER or OIDC_OP_AUTHORIZATION_ENDPOINT))
if BAOMI_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("baomi.sso.oidc.OIDCBackend")
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
# Database sessions whose save at the end of a request is skipped while unchanged and saved less
# than a minute ago: the idle timeout holds to within that minute without an UPDATE per page.
SESSION_ENGINE = "baomi.core.session_touch"
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
# Structured logs (docs/operations.md, "Logs"): BAOMI_LOG_FORMAT=json for one JSON object per
# line with the request id, user id, route, status and duration; `text` (default) for the demo.
# Both redact credentials and never write request bodies or query strings (baomi.ops.logs).
from baomi.ops.logs import logging_config  # noqa: E402

LOGGING = logging_config(fmt=os.environ.get("BAOMI_LOG_FORMAT", "text"),
                         level=os.environ.get("BAOMI_LOG_LEVEL", "WARNING"))
