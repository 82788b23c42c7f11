#!/usr/bin/env python3
"""Reads caltrace export streams (docs/FORMAT.md) without the C code.

  ctstream.py split FILE              one line per entry: index offset length author seq hash
  ctstream.py cut FILE FIRST COUNT    writes entries [FIRST, FIRST+COUNT) (0-based) to stdout
  ctstream.py verify FILE [--pure]    checks every rule of docs/FORMAT.md a lone stream can be
                                      checked against and prints the state digest it implies
  ctstream.py small-order             the small-order encodings of docs/FORMAT.md section 3,
                                      derived from the curve, one hex line each

Written from docs/FORMAT.md alone, as a verifier in another language would be:
canonical msgpack, the entry array, the signing input, the entry hash, the
feed chain, and the state digest. Signatures are judged by the rules of
section 3 (libsodium's): the checks on S, R and A here, the equation by the
`cryptography` package when present, else by the small pure-Python verifier
below.
"""
import hashlib
import sys

CONTEXT = b"caltrace/entry/v1\x00"


class Bad(Exception):
    pass


class Reader:
    """A strict reader of canonical msgpack."""

    def __init__(self, buf, pos=0, end=None):
        self.buf, self.pos = buf, pos
        self.end = len(buf) if end is None else end

    def take(self, n):
        if self.pos + n > self.end:
            raise Bad("truncated at byte %d" % self.pos)
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def uint_of(self, n):
        return int.from_bytes(self.take(n), "big")

    def head(self):
        """Returns (kind, value): value is the int, or the length/count of str/bin/array/map."""
        at = self.pos
        t = self.take(1)[0]
        if t <= 0x7F:
            return "uint", t
        if 0x80 <= t <= 0x8F:
            return "map", t & 0x0F
        if 0x90 <= t <= 0x9F:
            return "array", t & 0x0F
        if 0xA0 <= t <= 0xBF:
            return "str", t & 0x1F
        if t == 0xC0:
            return "nil", None
        if t in (0xC2, 0xC3):
            return "bool", t == 0xC3
        widths = {0xCC: ("uint", 1, 0x80), 0xCD: ("uint", 2, 0x100), 0xCE: ("uint", 4, 0x10000),
                  0xCF: ("uint", 8, 0x100000000), 0xD9: ("str", 1, 0x20), 0xDA: ("str", 2, 0x100),
                  0xDB: ("str", 4, 0x10000), 0xC4: ("bin", 1, 0), 0xC5: ("bin", 2, 0x100),
                  0xC6: ("bin", 4, 0x10000), 0xDC: ("array", 2, 0x10), 0xDD: ("array", 4, 0x10000),
                  0xDE: ("map", 2, 0x10), 0xDF: ("map", 4, 0x10000)}
        if t not in widths:
            raise Bad("byte %d: type 0x%02x is never canonical" % (at, t))
        kind, n, least = widths[t]
        v = self.uint_of(n)
        if v < least:
            raise Bad("byte %d: %s not in its shortest form" % (at, kind))
        return kind, v

    def value(self, depth=0):
        """Reads one value as Python data (bytes for bin, str for str)."""
        if depth > 8:
            raise Bad("nested deeper than 8")
        kind, v = self.head()
        if kind in ("uint", "nil", "bool"):
            return v
        if kind == "str":
            try:
                return self.take(v).decode("utf-8")
            except UnicodeDecodeError:
                raise Bad("str is not UTF-8")
        if kind == "bin":
            return bytes(self.take(v))
        if kind == "array":
            return [self.value(depth + 1) for _ in range(v)]
        out, last = {}, None
        for _ in range(v):
            k_at = self.pos
            k = self.value(depth + 1)
            if not isinstance(k, str):
                raise Bad("byte %d: map key is not a str" % k_at)
            kb = k.encode()
            if last is not None and kb <= last:
                raise Bad("byte %d: map keys not sorted bytewise or repeated" % k_at)
            last = kb
            out[k] = self.value(depth + 1)
        return out


def entries(stream):
    """Yields (offset, raw bytes, fields) for each entry of a stream."""
    pos = 0
    while pos < len(stream):
        r = Reader(stream, pos, min(len(stream), pos + 65536))
        kind, n = r.head()
        if (kind, n) != ("array", 8):
            raise Bad("entry at byte %d is not an array of 8" % pos)
        fields = [r.value(1) for _ in range(8)]
        yield pos, bytes(stream[pos:r.pos]), fields
        pos = r.pos


# ---- Ed25519 verification (RFC 8032 section 5.1.7), pure Python fallback ----
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    A = (y1 - x1) * (y2 - x2) % P
    B = (y1 + x1) * (y2 + x2) % P
    C = 2 * t1 * t2 * D % P
    Dd = 2 * z1 * z2 % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


def _mul(s, pt):
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, pt)
        pt = _add(pt, pt)
        s >>= 1
    return q


def _decode_point(b):
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def _encode_point(pt):
    x, y, z, _ = pt
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


_GY = 4 * pow(5, P - 2, P) % P
_B = _decode_point(_GY.to_bytes(32, "little"))


def _is_identity(pt):
    x, y, z, _ = pt
    return x % P == 0 and (y - z) % P == 0


def small_order_encodings():
    """The encodings, bit 255 clear, of the points of order 1, 2, 4 and 8, with the
    non-canonical ones (y + p < 2^255): derived from the curve, a set of bytes."""
    y = 2
    while True:  # a point whose torsion part has order 8: [L]P then has order 8
        pt = _decode_point(y.to_bytes(32, "little"))
        y += 1
        if pt is None:
            continue
        t8 = _mul(L, pt)
        if not _is_identity(_mul(4, t8)):
            break
    out, q = set(), (0, 1, 1, 0)
    for _ in range(8):
        zi = pow(q[2], P - 2, P)
        yy = q[1] * zi % P
        for v in (yy, yy + P):
            if v < 2**255:
                out.add(v.to_bytes(32, "little"))
        q = _add(q, t8)
    return out


_SMALL = None


def _small_order(b):
    global _SMALL
    if _SMALL is None:
        _SMALL = small_order_encodings()
    return bytes(b[:31]) + bytes([b[31] & 0x7F]) in _SMALL


def libsodium_rules(pk, sig):
    """Rules 1 to 3 of docs/FORMAT.md section 3: S < L, R and A not of small
    order, A canonical and on the curve. The equation (rule 4) is the caller's."""
    if len(pk) != 32 or len(sig) != 64:
        return False
    if int.from_bytes(sig[32:], "little") >= L:
        return False
    if _small_order(sig[:32]) or _small_order(pk):
        return False
    return _decode_point(pk) is not None


def ed25519_verify_py(pk, sig, msg):
    if not libsodium_rules(pk, sig):
        return False
    A = _decode_point(pk)
    s = int.from_bytes(sig[32:], "little")
    k = int.from_bytes(hashlib.sha512(sig[:32] + pk + msg).digest(), "little") % L
    neg_a = ((P - A[0]) % P, A[1], A[2], (P - A[3]) % P)
    return _encode_point(_add(_mul(s, _B), _mul(k, neg_a))) == sig[:32]


def ed25519_verify(pk, sig, msg):
    """The rules of docs/FORMAT.md section 3: 1 to 3 here, the equation by the
    cryptography package (OpenSSL's cofactorless check) when installed."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.exceptions import InvalidSignature
    except ImportError:
        return ed25519_verify_py(pk, sig, msg)
    if not libsodium_rules(pk, sig):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


def verify(stream, pure=False):
    """Checks a stream; returns (entries, digest hex). Raises Bad naming the entry."""
    heads = {}  # author -> (size, head hash)
    check = ed25519_verify_py if pure else ed25519_verify
    count = 0
    for off, raw, f in entries(stream):
        count += 1
        version, author, seq, prev, time, typ, body, sig = f
        name = "entry %d at byte %d" % (count, off)
        if version != 1 or not isinstance(author, bytes) or len(author) != 32:
            raise Bad(name + ": bad version or author")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise Bad(name + ": bad seq")
        if not isinstance(time, int) or not isinstance(typ, str) or not isinstance(body, dict):
            raise Bad(name + ": bad time, type or body")
        if not isinstance(sig, bytes) or len(sig) != 64:
            raise Bad(name + ": sig is not bin 64")
        # The signed part is array(7) of fields 0..6: the same bytes as the
        # entry's, between its header (1 byte) and the signature (66 bytes).
        signing_input = CONTEXT + b"\x97" + raw[1:-66]
        if not check(author, sig, signing_input):
            raise Bad(name + ": bad signature")
        size, head = heads.get(author, (0, None))
        if seq != size + 1:
            raise Bad(name + ": seq %d after %d" % (seq, size))
        if (seq == 1) != (prev is None) or (seq > 1 and prev != head):
            raise Bad(name + ": prev does not link to the entry before")
        heads[author] = (seq, hashlib.sha256(b"\x00" + raw).digest())
    h = hashlib.sha256(b"caltrace/digest/v1\x00")
    for author in sorted(heads):
        size, head = heads[author]
        h.update(author + size.to_bytes(8, "big") + head)
    return count, h.hexdigest()


def main(argv):
    data = open(argv[2], "rb").read() if len(argv) > 2 else b""
    if argv[1] == "split":
        for i, (off, raw, f) in enumerate(entries(data)):
            print(i, off, len(raw), f[1].hex(), f[2], hashlib.sha256(b"\x00" + raw).hexdigest())
    elif argv[1] == "cut":
        first, count = int(argv[3]), int(argv[4])
        out = b"".join(raw for i, (_, raw, _) in enumerate(entries(data)) if first <= i < first + count)
        sys.stdout.buffer.write(out)
    elif argv[1] == "small-order":
        for b in sorted(small_order_encodings(), key=lambda b: b[::-1]):
            print(b.hex())
    elif argv[1] == "verify":
        pure = len(argv) > 3 and argv[3] == "--pure"
        n, digest = verify(data, pure)
        print(n, digest)
    else:
        raise SystemExit("usage: ctstream.py split|cut|verify FILE ...")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Bad as e:
        print("ctstream:", e, file=sys.stderr)
        sys.exit(1)
