"""Keyword dictionaries and carrier fingerprints, and the bundle file that carries them.

Classified and ordinary networks never connect, so the server exports the rules to a
file (`rules.bundle`) that an officer carries to the air-gapped computer and passes to
`baomi scan --rules`. The bundle is JSON, gzipped or not, and holds no classified text:
keywords as the classification guide lists them, titles only as SHA-256 hashes, and
carriers only as fingerprint hashes from which the text cannot be recovered. Its format
is documented in docs/scanner.md; `build_bundle` makes one from plain Python data.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from baomi.levels import Level
from baomi.scanner import fingerprint as fp

if TYPE_CHECKING:  # cryptography is imported only where a signature is made or checked
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

BUNDLE_FORMAT = "baomi-scan-rules"
BUNDLE_VERSION = 1


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class KeywordRule:
    """One dictionary word: what to look for, the level it suggests, and where it comes from."""

    id: str
    keyword: str
    level: Level
    weight: float = 1.0
    source: str = ""  # e.g. the classification-guide entry, or "custom"
    dictionary: str = ""
    simulate: bool = False  # a dictionary under trial: findings are reported, never enforced


@dataclass(eq=False)
class CarrierFingerprint:
    carrier_id: str
    level: Level
    hashes: fp.Hashes
    length: int = 0  # normalised characters of the carrier
    title_sha256: str = ""


@dataclass
class Rules:
    """Everything a scan matches besides marks, which need no rules."""

    keywords: list[KeywordRule] = field(default_factory=list)
    fingerprints: list[CarrierFingerprint] = field(default_factory=list)
    k: int = fp.K
    window: int = fp.WINDOW
    min_match_chars: int = fp.MIN_MATCH_CHARS
    sources: list[str] = field(default_factory=list)  # for the report: which files were loaded

    def merge(self, other: Rules) -> Rules:
        if other.fingerprints and self.fingerprints and (other.k, other.window) != (self.k, self.window):
            raise RulesError("bundles use different fingerprint parameters (k, window); export them again")
        params = (other.k, other.window, other.min_match_chars) if other.fingerprints else (
            self.k, self.window, self.min_match_chars)
        return Rules(
            keywords=self.keywords + other.keywords,
            fingerprints=self.fingerprints + other.fingerprints,
            k=params[0], window=params[1], min_match_chars=params[2],
            sources=self.sources + other.sources,
        )

    def as_simulation(self) -> Rules:
        """The same rules with every keyword under trial (`--simulate`); fingerprints dropped."""
        return Rules(keywords=[replace(r, simulate=True) for r in self.keywords], sources=self.sources,
                     k=self.k, window=self.window, min_match_chars=self.min_match_chars)


# --- building ------------------------------------------------------------------------------


def _keyword_entry(item: Mapping[str, Any] | str, n: int, dict_id: str) -> dict[str, Any]:
    if isinstance(item, str):
        item = {"keyword": item}
    keyword = str(item["keyword"]).strip()
    if not keyword:
        raise RulesError(f"dictionary {dict_id!r}: empty keyword")
    return {
        "id": str(item.get("id") or f"{dict_id}:{n}"),
        "keyword": keyword,
        "level": Level.parse(item.get("level", Level.INTERNAL)).name,
        "weight": float(item.get("weight", 1.0)),
        "source": str(item.get("source", "")),
    }


def build_bundle(
    *,
    dictionaries: Iterable[Mapping[str, Any]] = (),
    keywords: Iterable[Mapping[str, Any] | str] = (),
    carriers: Iterable[Mapping[str, Any]] = (),
    fingerprints: Iterable[CarrierFingerprint] = (),
    issuer: str = "",
    k: int = fp.K,
    window: int = fp.WINDOW,
    min_match_chars: int = fp.MIN_MATCH_CHARS,
    created: datetime.datetime | None = None,
) -> dict[str, Any]:
    """A bundle (as a JSON-ready dict) from plain data; the server export calls this.

    dictionaries: [{"id", "name", "mode": "enforce"|"simulate", "keywords": [...]}];
    keywords: shorthand for one enforced dictionary "custom"; each keyword is a string or
    {"keyword", "level", "weight", "source", "id"}. carriers: [{"carrier_id", "level",
    "title", "text"}]: the text is fingerprinted here and not stored, the title only hashed.
    fingerprints: carriers already fingerprinted (the server's stored hashes), carried as they are.
    """
    dicts: list[dict[str, Any]] = []
    for d in dictionaries:
        dict_id = str(d.get("id") or f"dict{len(dicts) + 1}")
        mode = d.get("mode", "enforce")
        if mode not in ("enforce", "simulate"):
            raise RulesError(f"dictionary {dict_id!r}: mode must be enforce or simulate, not {mode!r}")
        entries = [_keyword_entry(item, n, dict_id) for n, item in enumerate(d.get("keywords", ()), 1)]
        dicts.append({"id": dict_id, "name": str(d.get("name", dict_id)), "mode": mode, "keywords": entries})
    extra = [_keyword_entry(item, n, "custom") for n, item in enumerate(keywords, 1)]
    if extra:
        dicts.append({"id": "custom", "name": "custom", "mode": "enforce", "keywords": extra})
    prints: list[dict[str, Any]] = []
    for c in carriers:
        hashes, length = fp.fingerprint(str(c["text"]), k, window)
        title = str(c.get("title", ""))
        prints.append({
            "carrier_id": str(c["carrier_id"]),
            "level": Level.parse(c["level"]).name,
            "title_sha256": hashlib.sha256(title.encode()).hexdigest() if title else "",
            "length": length,
            "count": int(hashes.size),
            "hashes": fp.encode_hashes(hashes),
        })
    for f in fingerprints:
        prints.append({
            "carrier_id": f.carrier_id,
            "level": f.level.name,
            "title_sha256": f.title_sha256,
            "length": f.length,
            "count": int(f.hashes.size),
            "hashes": fp.encode_hashes(f.hashes),
        })
    when = created or datetime.datetime.now(datetime.UTC)
    body: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "created": when.isoformat(timespec="seconds"),
        "issuer": issuer,
        "fingerprint_params": {"k": k, "window": window, "hash": fp.HASH_NAME, "min_match_chars": min_match_chars},
        "dictionaries": dicts,
        "fingerprints": prints,
    }
    body["sha256"] = _digest(body)
    return body


def _digest(body: Mapping[str, Any]) -> str:
    """Checksum over the canonical JSON of everything but itself and its signature: catches
    a damaged copy. The signature covers this digest, so it covers the whole content."""
    content = {key: value for key, value in body.items() if key not in ("sha256", "signature")}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _signed_message(digest: str) -> bytes:
    return f"{BUNDLE_FORMAT}/v{BUNDLE_VERSION}\n{digest}\n".encode()


def key_id(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign_bundle(body: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The bundle with an Ed25519 signature over its digest. A checksum only shows damage;
    the signature shows the rules came from the server whose public key the station holds,
    so a doctored bundle (a keyword quietly removed) is refused."""
    signed = {k: v for k, v in body.items() if k != "signature"}
    signed["sha256"] = _digest(signed)
    signed["signature"] = {
        "alg": "Ed25519",
        "key_id": key_id(key.public_key()),
        "value": base64.b64encode(key.sign(_signed_message(signed["sha256"]))).decode(),
    }
    return signed


def load_public_key(path: Path | str) -> Ed25519PublicKey:
    """A PEM public key file, as the server offers it for download."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise RulesError(f"{path}: not a readable PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise RulesError(f"{path}: not an Ed25519 public key")
    return key


def verify_signature(body: Mapping[str, Any], key: Ed25519PublicKey, name: str = "bundle", *,
                     digest: str | None = None) -> None:
    """`digest`: the body's _digest if the caller has just computed it (16 ms for a
    10,000-keyword bundle: not paid twice)."""
    from cryptography.exceptions import InvalidSignature

    sig = body.get("signature")
    if not isinstance(sig, Mapping) or sig.get("alg") != "Ed25519":
        raise RulesError(f"{name}: the bundle is not signed (a signature is required)")
    try:
        key.verify(base64.b64decode(str(sig.get("value", "")), validate=True), _signed_message(digest or _digest(body)))
    except (InvalidSignature, ValueError):
        raise RulesError(f"{name}: the signature does not match the verification key "
                         f"(bundle key {sig.get('key_id')!r}, this key {key_id(key)!r})") from None


def write_bundle(bundle: Mapping[str, Any], path: Path | str, *, compress: bool | None = None) -> Path:
    """Write a bundle; gzipped when `compress` or, by default, when the name ends in .gz or .bundle."""
    path = Path(path)
    data = json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()
    if compress is None:
        compress = path.suffix in (".gz", ".bundle")
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


# --- loading -------------------------------------------------------------------------------


def parse_bundle(body: Mapping[str, Any], name: str = "bundle", *, verify_key: Ed25519PublicKey | None = None) -> Rules:
    """The rules in a bundle. With `verify_key`, a bundle without a valid signature by that
    key is refused."""
    if body.get("format") != BUNDLE_FORMAT:
        raise RulesError(f"{name}: not a Baomi scan-rules bundle")
    if body.get("version") != BUNDLE_VERSION:
        raise RulesError(f"{name}: bundle version {body.get('version')!r} is not supported (expected {BUNDLE_VERSION})")
    digest = _digest(body) if "sha256" in body or verify_key is not None else None
    if "sha256" in body and body["sha256"] != digest:
        raise RulesError(f"{name}: checksum does not match, the file is damaged or was edited")
    if verify_key is not None:
        verify_signature(body, verify_key, name, digest=digest)
    params = body.get("fingerprint_params", {})
    if params.get("hash", fp.HASH_NAME) != fp.HASH_NAME:
        raise RulesError(f"{name}: fingerprint hash {params.get('hash')!r} is not supported")
    levels: dict[Any, Level] = {}

    def parse_level(value: Any) -> Level:  # 10,000 keywords share a handful of levels
        key = (type(value), value) if isinstance(value, str | int) else None
        if key is None:
            return Level.parse(value)
        if key not in levels:
            levels[key] = Level.parse(value)
        return levels[key]

    try:
        keywords = []
        for d in body.get("dictionaries", []):
            entries = [(n, e) for n, e in enumerate(d.get("keywords", []), 1) if str(e.get("keyword", "")).strip()]
            if not entries:
                continue
            dict_id, simulate = str(d["id"]), d.get("mode", "enforce") == "simulate"
            keywords += [
                _keyword_rule(str(e.get("id") or f"{dict_id}:{n}"), str(e["keyword"]),
                              parse_level(e.get("level", "INTERNAL")), float(e.get("weight", 1.0)),
                              str(e.get("source", "")), dict_id, simulate)
                for n, e in entries
            ]
        prints = [
            CarrierFingerprint(
                carrier_id=str(f["carrier_id"]),
                level=Level.parse(f["level"]),
                hashes=fp.decode_hashes(f["hashes"]),
                length=int(f.get("length", 0)),
                title_sha256=str(f.get("title_sha256", "")),
            )
            for f in body.get("fingerprints", [])
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesError(f"{name}: malformed entry ({exc})") from None
    return Rules(
        keywords=keywords,
        fingerprints=prints,
        k=int(params.get("k", fp.K)),
        window=int(params.get("window", fp.WINDOW)),
        min_match_chars=int(params.get("min_match_chars", fp.MIN_MATCH_CHARS)),
        sources=[name],
    )


_new = object.__new__


def _keyword_rule(id: str, keyword: str, level: Level, weight: float, source: str, dictionary: str,
                  simulate: bool) -> KeywordRule:
    """KeywordRule(...) for a bundle's 10,000 keywords: the same object, without the frozen
    dataclass's seven object.__setattr__ calls (8 instead of 29 ms for 10,000)."""
    rule = _new(KeywordRule)
    rule.__dict__.update(id=id, keyword=keyword, level=level, weight=weight, source=source, dictionary=dictionary,
                         simulate=simulate)
    return rule


def parse_word_list(text: str, name: str = "list") -> Rules:
    """A plain keyword list: one per line, `keyword[<TAB or ,>level[<TAB or ,>weight]]`, # comments."""
    rules: list[KeywordRule] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cols = [c.strip() for c in (line.split("\t") if "\t" in line else line.split(","))]
        try:
            level = Level.parse(cols[1]) if len(cols) > 1 and cols[1] else Level.INTERNAL
            weight = float(cols[2]) if len(cols) > 2 and cols[2] else 1.0
        except ValueError as exc:
            raise RulesError(f"{name}:{lineno}: {exc}") from None
        rules.append(KeywordRule(id=f"{Path(name).name}:{lineno}", keyword=cols[0], level=level, weight=weight,
                                 source=Path(name).name, dictionary=Path(name).name))
    return Rules(keywords=rules, sources=[name])


def load_rules(path: Path | str, *, verify_key: Ed25519PublicKey | None = None) -> Rules:
    """A bundle (JSON, optionally gzipped) or a plain keyword list, told apart by content.
    With `verify_key`, only a bundle signed by that key is accepted (never a plain list)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulesError(f"{path}: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise RulesError(f"{path}: damaged gzip ({exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise RulesError(f"{path}: neither UTF-8 nor GB18030 text") from None
    if text.lstrip().startswith("{"):
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RulesError(f"{path}: invalid JSON ({exc})") from None
        return parse_bundle(body, str(path), verify_key=verify_key)
    if verify_key is not None:
        raise RulesError(f"{path}: a plain keyword list carries no signature (a signed bundle is required)")
    return parse_word_list(text, str(path))

