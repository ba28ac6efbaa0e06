#!/usr/bin/env bash
# Debian packages the test suite uses, installed when missing (needs root and apt-get; elsewhere
# it names what is missing and the tests that need it skip, saying why). The product itself
# needs none of them: `pip install -e . && baomi demo` runs on Python alone.
#
#   chromium                       end-to-end browser tests (Playwright drives it; no download)
#   slapd ldap-utils               tests/sso run a real slapd
#   libldap2-dev libsasl2-dev      python-ldap (baomi[ldap], part of [test]) compiles against them
#   nginx-light                    tests/ops run `nginx -t` on deploy/nginx/baomi.conf (never started)
#   tesseract-ocr(-chi-sim) poppler-utils catdoc fonts-wqy-microhei
#                                  the scanner's OCR and legacy-Office readers, and a font to draw test pages
#   postgresql-client              pg_dump / pg_restore for tests/backup
set -euo pipefail

missing=()
need() { # need PACKAGE TEST...: queue PACKAGE unless one of the tests passes
  local pkg=$1; shift
  for t in "$@"; do eval "$t" >/dev/null 2>&1 && return 0; done
  missing+=("$pkg")
}
need chromium            "[ -x /usr/bin/chromium ]"
need slapd               "[ -x /usr/sbin/slapd ]"
need ldap-utils          "command -v ldapadd"
need libldap2-dev        "[ -f /usr/include/ldap.h ]"
need libsasl2-dev        "[ -f /usr/include/sasl/sasl.h ]"
need nginx-light         "command -v nginx" "[ -x /usr/sbin/nginx ]"
need tesseract-ocr       "command -v tesseract"
need tesseract-ocr-chi-sim "ls /usr/share/tesseract-ocr/*/tessdata/chi_sim.traineddata"
need poppler-utils       "command -v pdftoppm"
need catdoc              "command -v xls2csv"
need fonts-wqy-microhei  "[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]"
need postgresql-client   "command -v pg_dump"

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Debian packages for the tests: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Missing Debian packages for some tests (they will skip): ${missing[*]}" >&2
  echo "Install them as root: apt-get install ${missing[*]}" >&2
fi
