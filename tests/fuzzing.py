"""Seeded random and hostile OAI-PMH requests. tests/fuzz_run.py sends them and checks every
answer (HTTP 200, well-formed, valid against the official schemas), for tests/test_fuzz.py (a
few thousand requests) and bench/fuzz.py (as many as asked, in-process or against a server).

A request is raw bytes (query string, body, headers), so the generator can send what no
well-behaved client would: NUL and control characters, lone surrogates as raw bytes and as
percent-encoded invalid UTF-8, right-to-left marks, 100 KB values, repeated and unknown
arguments, resumption tokens taken from real answers and then altered, malformed dates, odd
Content-Types, charsets and Content-Encodings, and every verb with every argument. The
identifiers, sets and formats come from the server itself (``fuzz_run.learn``), so any
catalogue does.
"""
from __future__ import annotations

import gzip
import random
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import quote

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
VERBS = ["Identify", "ListMetadataFormats", "ListSets", "GetRecord", "ListIdentifiers",
         "ListRecords"]
ARGUMENTS = ["identifier", "metadataPrefix", "from", "until", "set", "resumptionToken"]
LISTS = ["ListIdentifiers", "ListRecords", "ListSets"]
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

HOSTILE = [
    "", " ", "\x00", "a\x00b", "\x01\x02\x1f", "\x7f", "\t\r\n", "\u200f", "\u202eabc",
    "oai:x:\u200f1", "\ufeff", "\ufffe", "\uffff", "\ufffd", "\U0001d11e", "ñ€",
    "<script>alert(1)</script>", "\"'><&", "]]>", "&amp;&lt;", "' OR '1'='1' --",
    "1; DROP TABLE records; --", "$(id)", "../../../../etc/passwd", "oai:x:1\r\nX-Injected: 1",
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "%", "%%", "%zz",
    "oai:", ":", "oai:x:#a#b", "a" * 5000, "oai:x:" + "b" * 2000, "%00", "+", "a+b", "=",
]
# Percent-encoded or raw bytes that are not UTF-8 (or barely are), sent exactly as they are.
RAW = [b"%ED%A0%80", b"\xed\xa0\x80", b"%ED%B0%80x", b"%FF%FE", b"\xff\xfe", b"%C0%AF",
       b"%C0%AE", b"%E9", b"\xe9t\xe9", b"%F0%9F%98", b"\xf0\x9f\x98\x80", b"%F4%90%80%80",
       b"%", b"%G0", b"%%41", b"%2", b"\x00", b"%00", b"\x7f", b"a b", b"%u00e9"]
DATES = [
    "2024-02-30", "2024-13-01", "2024-00-10", "0000-01-01", "0001-01-01", "9999-12-31",
    "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2024-01-01T24:00:00Z",
    "2024-01-01T23:59:60Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00+01:00",
    "2024-01-01T00:00:00.5Z", "2024-1-1", "24-01-01", "\uff12\uff10\uff12\uff14-01-01",
    "\u0662\u0660\u0662\u0664-01-01", " 2024-01-01", "2024-01-01 ", "2024-01-01z",
    "2024-01-01t00:00:00Z", "-2024-01-01", "+2024-01-01", "20240101", "2024-W01", "now",
    "1970-01-01", "2038-01-19T03:14:08Z", "2100-01-01", "2000-01-01", "2024-01-01",
    "2000-02-29T12:00:00Z", "2001-02-29", "99999-01-01",
]
CONTENT_TYPES = [None, "text/plain", "application/json", "text/xml", "multipart/form-data",
                 "application/x-www-form-urlencoded; charset=utf-16",
                 "application/x-www-form-urlencoded; charset=iso-8859-1",
                 "application/x-www-form-urlencoded; charset=utf-8",
                 "APPLICATION/X-WWW-FORM-URLENCODED", "application/octet-stream", "", ";;;"]
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


@dataclass(frozen=True)
class FuzzRequest:
    kind: str
    verb: str                      # the verb sent, or "none"/"bad" (for the counts)
    method: str
    query: bytes                   # the raw query string, without '?'
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        body = "" if self.body is None else (
            f"\n  body ({len(self.body)} bytes): {self.body[:300]!r}")
        return (f"{self.kind}: {self.method} /oai?{self.query[:500]!r} "
                f"({len(self.query)} bytes)\n  headers: {dict(self.headers)}{body}")


@dataclass
class Catalogue:
    """What the fuzzer knows of the server: real values to build plausible requests on."""

    identifiers: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)
    tokens: dict[str, list[str]] = field(default_factory=lambda: {v: [] for v in LISTS})

    def observe(self, verb: str, body: bytes) -> None:
        """Keep the resumption token of an answer (a few per verb, for mutation)."""
        if verb not in self.tokens or b"resumptionToken" not in body:
            return
        try:
            tree = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError:
            return
        token = tree.findtext(f".//{{{OAI_NS}}}resumptionToken")
        pool = self.tokens[verb]
        if token and token not in pool:
            if len(pool) < 50:
                pool.append(token)
            else:  # replace one, so later pages' tokens get in too
                pool[len(token) % 50] = token


# -- building requests ---------------------------------------------------------------------------

def _enc(text: str) -> bytes:
    return quote(text, safe="").encode("ascii")


def _value(rng: random.Random) -> bytes:
    """One hostile value, already encoded for a query string or form body."""
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(RAW)
    if roll < 0.35:
        return b"a" * 100_000
    return _enc(rng.choice(HOSTILE))


class Fuzzer:
    """Yields requests from a seeded generator; ``cat`` learns tokens from the answers."""

    def __init__(self, seed: int, cat: Catalogue) -> None:
        self.rng = random.Random(seed)
        self.cat = cat
        self.kinds: list[tuple[str, Callable[[], tuple[str, list[tuple[bytes, bytes]]]]]] = [
            ("valid", self._valid), ("hostile", self._hostile), ("repeated", self._repeated),
            ("unknown", self._unknown), ("token", self._token), ("date", self._date),
            ("long", self._long), ("mixed", self._mixed)]

    def __iter__(self) -> Iterator[FuzzRequest]:
        while True:
            yield self.next()

    def next(self) -> FuzzRequest:
        rng = self.rng
        roll = rng.random()
        if roll < 0.06:
            return self._odd_body()
        kind, make = rng.choice(self.kinds)
        verb, pairs = make()
        parts = [k + b"=" + v for k, v in pairs]
        query = b"&".join(parts)
        headers: list[tuple[str, str]] = []
        if rng.random() < 0.2:
            headers.append(("Accept-Encoding", rng.choice(["gzip", "deflate", "br", "*"])))
        if rng.random() < 0.5:
            return FuzzRequest(kind, verb, "GET", query, None, tuple(headers))
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        if rng.random() < 0.15 and len(pairs) > 1:  # some arguments in the URL, some in the body
            cut = rng.randrange(1, len(parts))
            return FuzzRequest(kind, verb, "POST", b"&".join(parts[:cut]),
                               b"&".join(parts[cut:]), tuple(headers))
        return FuzzRequest(kind, verb, "POST", b"", query, tuple(headers))

    # Each maker returns (verb label, [(key, value)] encoded).
    def _args(self, verb: str) -> list[tuple[bytes, bytes]]:
        rng, cat = self.rng, self.cat
        args: dict[str, str] = {}
        if verb in ("GetRecord", "ListMetadataFormats") and cat.identifiers:
            if verb == "GetRecord" or rng.random() < 0.7:
                args["identifier"] = rng.choice(cat.identifiers)
        if verb in ("GetRecord", "ListIdentifiers", "ListRecords"):
            args["metadataPrefix"] = rng.choice(cat.prefixes + ["marc21", "oai_dc"])
        if verb in ("ListIdentifiers", "ListRecords"):
            if rng.random() < 0.4 and cat.sets:
                args["set"] = rng.choice(cat.sets + ["nope"])
            for name in ("from", "until"):
                if rng.random() < 0.3:
                    args[name] = rng.choice(["2000-01-01", "2024-01-01T00:00:00Z", "2100-01-01"])
        pairs = [(b"verb", verb.encode())] + [(_enc(k), _enc(v)) for k, v in args.items()]
        rng.shuffle(pairs)
        return pairs

    def _valid(self) -> tuple[str, list[tuple[bytes, bytes]]]:
        verb = self.rng.choice(VERBS)
        return verb, self._args(verb)

    def _hostile(self) -> tuple[str, list[tuple[bytes, bytes]]]:
        verb, pairs = self._valid()
        i = self.rng.randrange(len(pairs))
        pairs[i] = (pairs[i][0], _value(self.rng))
        if pairs[i][0] == b"verb":
            verb = "bad"
        return verb, pairs

    def _repeated(self) -> tuple[str, list[tuple[bytes, bytes]]]:
        verb, pairs = self._valid()
        pairs.append(self.rng.choice(pairs) if self.rng.random() < 0.5 else
                     (self.rng.choice(pairs)[0], _value(self.rng)))
        return verb, pairs

    def _unknown(self) -> tuple[str, list[tuple[bytes, bytes]]]:
        verb, pairs = self._valid()
        for _ in range(self.rng.randint(1, 4)):
            key = self.rng.choice([b"x", b"Verb", b"VERB", b"identifier ", b"set[]", b"",
                                   b"metadataprefix", b"%00", b"\xed\xa0\x80", _value(self.rng)])
            pairs.insert(self.rng.randrange(len(pairs) + 1), (key, _value(self.rng)))
        return verb, pairs

    def _token(self) -> tuple[str, list[tuple[bytes, bytes]]]:
        rng = self.rng
        verb = rng.choice(LISTS)
        pool = self.cat.tokens[verb] or [t for p in self.cat.tokens.values() for t in p] or ["x"]
        token = _mutate(rng, rng.choice(pool))
        pairs = [(b"verb", verb.encode()), (b"resumptionToken", _enc(token))]
        if rng.random() < 0.1:
            pairs.append(rng.choice(self._args(verb)))
        if rng.random() < 0.05:
            pairs[1] = (b"resumptionToken", _value(rng))
        return verb, pairs

    def _date(self) -> tuple[str, list[tuple[bytes, bytes]]]:
        verb = self.rng.choice(["ListIdentifiers", "ListRecords"])
        pairs = [p for p in self._args(verb) if p[0] not in (b"from", b"until")]
        for name in (b"from", b"until"):
            if self.rng.random() < 0.7:
                pairs.append((name, _enc(self.rng.choice(DATES))))
        return verb, pairs

    def _long(self) -> tuple[str, list[tuple[bytes, bytes]]]:
        verb, pairs = self._valid()
        if self.rng.random() < 0.5:
            pairs.append((self.rng.choice([b"identifier", b"set", b"x"]),
                          b"a" * self.rng.choice([17_000, 70_000, 100_000])))
        else:
            pairs += [(f"x{i}".encode(), b"1") for i in range(self.rng.choice([70, 3000, 20000]))]
        return verb, pairs

    def _mixed(self) -> tuple[str, list[tuple[bytes, bytes]]]:
        rng = self.rng
        pairs = []
        verb = rng.choice(VERBS + ["none", "bad"])
        if verb == "bad":
            pairs.append((b"verb", _value(rng)))
        elif verb != "none":
            pairs.append((b"verb", verb.encode()))
        for name in rng.sample(ARGUMENTS, rng.randint(0, len(ARGUMENTS))):
            pool = {"identifier": self.cat.identifiers, "metadataPrefix": self.cat.prefixes,
                    "set": self.cat.sets, "from": DATES, "until": DATES,
                    "resumptionToken": [t for p in self.cat.tokens.values() for t in p]}[name]
            value = _enc(rng.choice(pool)) if pool and rng.random() < 0.7 else _value(rng)
            pairs.append((name.encode(), value))
        rng.shuffle(pairs)
        return verb, pairs

    def _odd_body(self) -> FuzzRequest:
        """POST bodies with odd Content-Types, charsets and Content-Encodings."""
        rng = self.rng
        verb, pairs = self._valid()
        text = "&".join(f"{k.decode()}={v.decode()}" for k, v in pairs) + rng.choice(
            ["", "&title=caf\u00e9", "&x=\u200f"])
        ctype = rng.choice(CONTENT_TYPES)
        charset = rng.choice(["utf-8", "utf-8-sig", "latin-1", "utf-16", "utf-32"])
        body = text.encode(charset, "replace")  # latin-1 cannot hold every mark
        headers = [("Content-Type", ctype)] if ctype is not None else []
        if ctype == "multipart/form-data":
            body = (b"--b\r\nContent-Disposition: form-data; name=\"verb\"\r\n\r\n"
                    + verb.encode() + b"\r\n--b--\r\n")
            headers = [("Content-Type", "multipart/form-data; boundary=b")]
        elif ctype == "application/json":
            body = b'{"verb": "%s"}' % verb.encode()
        if rng.random() < 0.4:
            coding = rng.choice(["gzip", "deflate", "br", "x-nonsense", "identity"])
            if coding == "gzip":
                body = gzip.compress(body)
            elif coding == "deflate":
                body = zlib.compress(body)
            headers.append(("Content-Encoding", coding))
        return FuzzRequest(f"body:{ctype}", verb, "POST", b"", body, tuple(headers))


def _mutate(rng: random.Random, token: str) -> str:
    """A token as sent, or altered the ways harvesters and attackers alter them."""
    how = rng.randrange(10)
    if how == 0 or not token:
        return token
    i = rng.randrange(len(token))
    if how == 1:
        return token[:i] + rng.choice(_B64) + token[i + 1:]
    if how == 2:
        return token[:i]
    if how == 3:
        return token + "".join(rng.choice(_B64) for _ in range(rng.randint(1, 8)))
    if how == 4:
        return token[:i] + token[i + 1:]
    if how == 5:
        return token.swapcase()
    if how == 6:
        return token + token
    if how == 7:
        return token[:i] + rng.choice(HOSTILE[:20]) + token[i:]
    if how == 8:
        return quote(token, safe="")  # encoded twice once the request is encoded
    return token.replace(".", rng.choice(["", "..", "|", " ", "+"]))
