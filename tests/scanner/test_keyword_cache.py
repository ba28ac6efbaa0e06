"""The compiled keyword database cached on disk: reused, never trusted when damaged."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from baomi.levels import Level
from baomi.scanner import KeywordRule, Scanner
from baomi.scanner import keywords as kw
from baomi.scanner.keywords import KeywordMatcher

pytestmark = pytest.mark.skipif(kw.hyperscan is None, reason="hyperscan is not installed on this platform")

TEXT = "报告提到东风工程和 J-20 以及ｊ－２０，密级机密★5年。".encode()


def _rules(*words: str) -> list[KeywordRule]:
    return [KeywordRule(id=f"k{i}", keyword=w, level=Level.SECRET) for i, w in enumerate(words)]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("BAOMI_SCAN_CACHE", str(folder))
    return folder


def _no_compiling(monkeypatch):
    class Refuse:
        def __init__(self, *args, **kwargs):
            raise AssertionError("compiled although a cached database was there")

    monkeypatch.setattr(kw.hyperscan, "Database", Refuse)


def test_second_matcher_loads_the_cached_database(cache, monkeypatch):
    first = KeywordMatcher(_rules("东风工程", "J-20"))
    files = list(cache.glob("*.hsdb"))
    assert len(files) == 1
    assert cache.stat().st_mode & 0o777 == 0o700
    _no_compiling(monkeypatch)
    second = KeywordMatcher(_rules("东风工程", "J-20"))
    assert second.scan(TEXT) == first.scan(TEXT)
    assert len(second.scan(TEXT)[0]) == 3  # 东风工程, J-20 and its full-width form


def test_changed_rules_get_their_own_entry(cache):
    KeywordMatcher(_rules("东风工程"))
    matcher = KeywordMatcher(_rules("东风工程", "J-20"))
    assert len(list(cache.glob("*.hsdb"))) == 2
    assert {h[0] for h in matcher.scan(TEXT)[0]} == {0, 1}


def test_damaged_entry_is_compiled_again(cache):
    expected = KeywordMatcher(_rules("东风工程", "J-20")).scan(TEXT)
    (path,) = cache.glob("*.hsdb")
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    assert KeywordMatcher(_rules("东风工程", "J-20")).scan(TEXT) == expected
    assert path.read_bytes() != bytes(data)  # rewritten with a good database


def test_doctored_entry_with_a_valid_checksum_is_not_trusted(cache, monkeypatch):
    """A database that lost a keyword, stored under the full rules' name with a matching
    digest (as someone with write access to the folder could): the self-check refuses it."""
    full = KeywordMatcher(_rules("东风工程", "J-20"))
    (path,) = cache.glob("*.hsdb")
    weaker = KeywordMatcher(_rules("J-20"))  # compiled without 东风工程
    entry = kw._DatabaseCache(cache, path.stem)
    blob = kw.hyperscan.dumpb(weaker._db)
    path.write_bytes(kw._MAGIC + entry._digest(blob) + blob)
    assert {h[0] for h in KeywordMatcher(_rules("东风工程", "J-20")).scan(TEXT)[0]} == {0, 1}
    assert KeywordMatcher(_rules("东风工程", "J-20")).scan(TEXT) == full.scan(TEXT)


def test_folder_writable_by_others_is_not_used(cache):
    cache.mkdir(mode=0o700)
    cache.chmod(0o777)
    KeywordMatcher(_rules("东风工程"))
    assert not list(cache.glob("*.hsdb"))


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_SCAN_CACHE", "off")
    assert kw.cache_dir() is None
    monkeypatch.delenv("BAOMI_SCAN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert kw.cache_dir() == tmp_path / "baomi" / "hyperscan"


def test_unwritable_cache_location_still_scans(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("BAOMI_SCAN_CACHE", str(blocker / "cache"))
    result = Scanner(_rules_bundle()).scan_text("东风工程")
    assert result.counts()["keyword"] == 1


def _rules_bundle():
    from baomi.scanner import Rules

    return Rules(keywords=_rules("东风工程"))


def test_cache_name_does_not_depend_on_hash_seed(tmp_path):
    """Keyword variants come out of a set: their order must not change the entry's name
    from one process to the next, or every scan would compile again."""
    code = ("from baomi.scanner.keywords import KeywordMatcher\n"
            "from baomi.scanner import KeywordRule\nfrom baomi.levels import Level\n"
            "KeywordMatcher([KeywordRule(id='a', keyword='J-20abc', level=Level.SECRET)])\n")
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "BAOMI_SCAN_CACHE": str(tmp_path)}
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert len(list(tmp_path.glob("*.hsdb"))) == 1


@pytest.mark.parametrize("words", [("东风工程", "J-20"), ("东风", "东风工程", "工程"), ("AB", "xaby")])
def test_a_cached_database_knows_which_keywords_nest(cache, monkeypatch, words):
    """Loading from the cache learns whether keywords nest from the same scan that checks the
    database; it must agree with the compiled path, or nested hits would be listed twice."""
    compiled = KeywordMatcher(_rules(*words))
    _no_compiling(monkeypatch)
    cached = KeywordMatcher(_rules(*words))
    assert cached.nested == compiled.nested == (words != ("东风工程", "J-20"))
    text = "东风工程 xABy ｊ－２０".encode()
    assert cached.scan(text) == compiled.scan(text)
