"""Complete proof bundles (caltrace-bundle/v2) checked without the C code.

Written from docs/FORMAT.md sections 12 (the network index) and 13 (complete
bundles) and docs/CHECKPOINTS.md ("Network checkpoints") alone: rules 1 to 9
of section 13. ctbundle.py calls verify(); entries and Ed25519 come from
ctstream.py.
"""
import base64
import hashlib

import ctstream

Bad = ctstream.Bad
DASH = "\u2014 "
LEAF = 0xFFFF
ROW_KIND = {"R": 0x52, "T": 0x54, "P": 0x50, "N": 0x4E, "O": 0x4F, "C": 0x43, "A": 0x41, "X": 0x58}


def sha(b):
    return hashlib.sha256(b).digest()


def b64(s):
    try:
        raw = base64.b64decode(s, validate=True)
    except Exception:
        raise Bad("bad base64: %.40s" % s)
    if base64.b64encode(raw).decode() != s:
        raise Bad("base64 not canonical: %.40s" % s)
    return raw


def decimal(s, what):
    if not s.isdigit() or (s != "0" and s.startswith("0")) or not s.isascii():
        raise Bad("%s: not a decimal without leading zeros: %.40s" % (what, s))
    return int(s)


def key_id(name, typ, pk):
    return sha(name.encode() + b"\n" + bytes([typ]) + pk)[:4]


def lower_hex(s, n):
    if len(s) != 2 * n or any(c not in "0123456789abcdef" for c in s):
        raise Bad("not %d lowercase hex digits: %.40s" % (2 * n, s))
    return bytes.fromhex(s)


# ---- keys (section 12) -------------------------------------------------------


def key_ok(k):
    if len(k) < 2 or len(k) > 202:
        return False
    t = chr(k[0])
    if t in "ispc":
        return len(k) >= 3 and k[-1] == 0 and 0 not in k[1:-1]
    if t == "a":
        return len(k) == 34 and k[-1] in (ord("o"), ord("f"))
    if t == "r":
        return len(k) == 33
    return False


def id_key(t, ident):
    b = ident.encode() if isinstance(ident, str) else ident
    return t.encode() + b + b"\x00"


def org_key(pk):
    return b"a" + pk + b"o"


def fork_key(pk):
    return b"a" + pk + b"f"


def revoked_key(h):
    return b"r" + h


def key_name(k):
    t = chr(k[0])
    if t == "a":
        return ("org " if k[-1] == ord("o") else "fork ") + k[1:9].hex()
    if t == "r":
        return "revoked " + k[1:9].hex()
    return {"i": "instrument", "s": "standard", "p": "person", "c": "catalogue"}[t] + " " + k[1:-1].decode()


def rows_of(fields):
    """The rows [(key, kind, time)] an entry gives the index (section 12): none for the genesis."""
    _, author, seq, prev, etime, typ, body, sig = fields
    if typ in ("instrument.register", "standard.register"):
        return [(id_key(typ[0], body["id"]), 0x52, etime)]
    if typ == "instrument.retire":
        return [(id_key("i", body["id"]), 0x54, body["effective"])]
    if typ == "standard.approve":
        return [(id_key("s", body["id"]), 0x50, body["valid_from"])]
    if typ == "standard.anchor":
        return [(id_key("s", body["id"]), 0x4E, body["performed_at"])]
    if typ == "standard.out_of_tolerance":
        return [(id_key("s", body["id"]), 0x4F, body["since"])]
    if typ == "calibration":
        return [(id_key("s" if body["subject_kind"] == "standard" else "i", body["subject"]), 0x43, body["performed_at"])]
    if typ == "org.admit":
        return [(org_key(body["key"]), 0x41, body["valid_from"])]
    if typ == "org.revoke":
        return [(org_key(body["key"]), 0x58, body["effective"])]
    if typ == "org.rekey":
        return [(org_key(body["old_key"]), 0x4B, body["effective"]), (org_key(body["new_key"]), 0x42, body["effective"])]
    if typ == "org.compromised":
        return [(org_key(body["key"]), 0x5A, body["since"])]
    if typ == "person.certify":
        return [(id_key("p", body["person"]), 0, etime)]
    if typ == "catalogue.set":
        return [(id_key("c", body["item"]), 0, body["effective"])]
    if typ == "calibration.revoke":
        return [(revoked_key(body["entry"]), 0, etime)]
    if typ == "network.genesis":
        return []
    raise Bad("an entry of unknown type %s" % typ)


def row_under(fields, key):
    for k, kind, time in rows_of(fields):
        if k == key:
            return kind, time
    return None


def list_hash(hashes):
    return sha(len(hashes).to_bytes(4, "big") + b"".join(hashes))


def leaf_hash(key, vh):
    return sha(b"\x00" + len(key).to_bytes(2, "big") + key + vh)


def node_hash(d, left, right):
    return sha(b"\x01" + d.to_bytes(2, "big") + left + right)


def bit(k, i):
    return (k[i // 8] >> (7 - i % 8)) & 1 if i < 8 * len(k) else 0


def first_diff(a, b):
    for i in range(min(len(a), len(b))):
        if a[i] != b[i]:
            x = a[i] ^ b[i]
            return 8 * i + (8 - x.bit_length())
    return None if len(a) == len(b) else 8 * min(len(a), len(b))


def index_root(leaves, proof):
    """The root the revealed leaves [(key, vh)] (sorted) and the proof bytes lead to; and the nodes seen."""
    seen = []  # (d, lo, hi)
    pos = [0]

    def take(n):
        if pos[0] + n > len(proof):
            raise Bad("the index proof ends early")
        b = proof[pos[0] : pos[0] + n]
        pos[0] += n
        return b

    def climb(lo, hi, min_d):
        t = int.from_bytes(take(2), "big")
        if t == LEAF:
            if hi - lo != 1:
                raise Bad("the index proof ends a path above %d leaves" % (hi - lo))
            return leaf_hash(*leaves[lo])
        if t < min_d or t >= 8 * 202:
            raise Bad("the index proof names bit %d below bit %d" % (t, min_d))
        if hi - lo > 1:
            d = first_diff(leaves[lo][0], leaves[hi - 1][0])
            if d is not None and d < t:
                raise Bad("the index proof branches at bit %d above keys that differ before it" % t)
        mid = lo
        while mid < hi and not bit(leaves[mid][0], t):
            mid += 1
        sides = []
        for clo, chi in ((lo, mid), (mid, hi)):
            sides.append(take(32) if clo == chi else climb(clo, chi, t + 1))
        seen.append((t, lo, hi))
        return node_hash(t, *sides)

    if not leaves:
        if proof:
            raise Bad("an index proof of no leaf has bytes")
        return sha(b""), seen
    root = climb(0, len(leaves), 0)
    if pos[0] != len(proof):
        raise Bad("the index proof has bytes too many")
    return root, seen


def proven_absent(x, leaves, seen):
    best, bx = None, -1
    for j, (k, _) in enumerate(leaves):
        d = first_diff(k, x)
        if d is None:
            return False
        if d > bx:
            best, bx = j, d
    if best is None:
        return True
    return not any(d == bx and lo <= best < hi for d, lo, hi in seen)


# ---- RFC 9162 inclusion -----------------------------------------------------------


def inclusion_root(index, size, leaf, proof):
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


# ---- the text ------------------------------------------------------------------


class Lines:
    def __init__(self, data):
        self.data, self.pos, self.n = data, 0, 0

    def next(self):
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise Bad("line %d does not end in a newline" % (self.n + 1))
        line = self.data[self.pos : end].decode("utf-8")
        self.pos, self.n = end + 1, self.n + 1
        return line

    def peek(self):
        end = self.data.find(b"\n", self.pos)
        return self.data[self.pos : end].decode("utf-8") if end >= 0 else ""


def words(line, n, head):
    parts = line.split(" ")
    if len(parts) != n or parts[0] != head or any(not p for p in parts):
        raise Bad("expected '%s' with %d words: %.60s" % (head, n, line))
    return parts


def count(line, head, lo, hi):
    _, n = words(line, 2, head)
    v = decimal(n, head)
    if v < lo or v > hi:
        raise Bad("'%s %d' out of range" % (head, v))
    return v


def parse(data):
    b = {}
    r = Lines(data)
    if r.next() != "caltrace-bundle/v2":
        raise Bad("not a caltrace-bundle/v2 file")
    line = r.next()
    if line.startswith("subject instrument "):
        b["kind"], b["subject"] = "instrument", line[19:]
    elif line.startswith("subject standard "):
        b["kind"], b["subject"] = "standard", line[17:]
    else:
        raise Bad("bad subject line")
    sid = b["subject"].encode()
    if not sid or len(sid) > 200 or any(c < 0x20 or c == 0x7F for c in sid):
        raise Bad("bad subject id")
    line = r.next()
    if not line.startswith("at "):
        raise Bad("bad at line")
    b["at"] = decimal(line[3:], "at")
    n = count(r.next(), "network", 1, 256 * 1024)
    b["note"] = data[r.pos : r.pos + n]
    if len(b["note"]) != n:
        raise Bad("the network checkpoint is cut short")
    r.pos += n
    b["blocks"] = []
    for i in range(count(r.next(), "entries", 1, 65536)):
        line = r.next()
        if not line.startswith("entry "):
            raise Bad("entry %d: expected 'entry <base64>'" % (i + 1))
        raw = b64(line[6:])
        _, entry_raw, fields = next(ctstream.entries(raw))
        if entry_raw != raw:
            raise Bad("entry %d: bytes after the entry" % (i + 1))
        line = r.next()
        if line == "proof":
            path = b""
        elif line.startswith("proof "):
            path = b64(line[6:])
            if not path or len(path) % 32:
                raise Bad("entry %d: bad proof" % (i + 1))
        else:
            raise Bad("entry %d: expected 'proof'" % (i + 1))
        b["blocks"].append((raw, fields, [path[j : j + 32] for j in range(0, len(path), 32)]))
    b["forks"] = []
    if r.peek().startswith("forks "):
        for i in range(count(r.next(), "forks", 1, len(b["blocks"]))):
            _, ta, tb = words(r.next(), 3, "fork")
            pair = []
            for t in (ta, tb):
                raw = b64(t)
                _, entry_raw, fields = next(ctstream.entries(raw))
                if entry_raw != raw:
                    raise Bad("fork %d: bytes after an entry" % (i + 1))
                pair.append((raw, fields))
            b["forks"].append(pair)
    b["lookups"] = {}  # key -> None (absent) or list of hashes
    last = None
    for i in range(count(r.next(), "lookups", 0, 65536)):
        line = r.next()
        parts = line.split(" ")
        if parts[0] == "absent" and len(parts) == 2:
            key, hashes = b64(parts[1]), None
        elif parts[0] == "lookup" and len(parts) in (3, 4):
            key = b64(parts[1])
            c = decimal(parts[2], "lookup count")
            raw = b64(parts[3]) if len(parts) == 4 else b""
            if (c == 0) != (len(parts) == 3) or len(raw) != 32 * c:
                raise Bad("lookup %d: its count and hashes disagree" % (i + 1))
            hashes = [raw[j : j + 32] for j in range(0, len(raw), 32)]
        else:
            raise Bad("lookup %d: neither 'lookup' nor 'absent'" % (i + 1))
        if not key_ok(key) or (last is not None and key <= last):
            raise Bad("lookup %d: a malformed key, or keys out of order" % (i + 1))
        last = key
        b["lookups"][key] = hashes
    b["leaves"] = []
    line = r.next()
    if line.startswith("leaves "):
        last = None
        for i in range(count(line, "leaves", 1, 65536)):
            _, k, vh = words(r.next(), 3, "leaf")
            key, vh = b64(k), b64(vh)
            if not key_ok(key) or len(vh) != 32 or (last is not None and key <= last) or key in b["lookups"]:
                raise Bad("leaf %d: malformed, out of order, or a lookup's key" % (i + 1))
            last = key
            b["leaves"].append((key, vh))
        line = r.next()
    if line == "index":
        b["proof"] = b""
    elif line.startswith("index "):
        b["proof"] = b64(line[6:])
        if not b["proof"]:
            raise Bad("bad index line")
    else:
        raise Bad("expected 'index'")
    end_at = r.pos
    line = r.next()
    if r.pos != len(data) or not line.startswith("end "):
        raise Bad("the end line is not last, or malformed")
    lower_hex(line[4:], 32)
    if hashlib.sha256(data[:end_at]).hexdigest() != line[4:]:
        raise Bad("the end line's SHA-256 does not match")
    return b


# ---- the network checkpoint ----------------------------------------------------------


def parse_note(raw):
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Bad("the network checkpoint is not UTF-8")
    cut = s.rfind("\n\n")
    if cut < 0 or not s.endswith("\n"):
        raise Bad("the network checkpoint is not a signed note")
    text = s[: cut + 1].encode()
    sigs = []
    for line in s[cut + 2 : -1].split("\n"):
        if not line.startswith(DASH):
            raise Bad("a signature line of the network checkpoint does not start with an em dash")
        name, _, blob = line[len(DASH) :].partition(" ")
        raw_sig = b64(blob)
        sigs.append((name, raw_sig[:4], raw_sig[4:]))
    return text, sigs


def parse_body(text, net_hex):
    lines = text.decode().split("\n")
    if lines[-1] != "" or len(lines) < 5:
        raise Bad("the network checkpoint's text is too short")
    if lines[0] != "caltrace/%s/index" % net_hex:
        raise Bad("the network checkpoint is not of this network's index")
    body = {"keys": decimal(lines[1], "keys"), "root": b64(lines[2]), "feeds": {}}
    _, nf, digest = words(lines[3], 3, "forks")
    decimal(nf, "forks")
    if len(body["root"]) != 32 or len(b64(digest)) != 32:
        raise Bad("a root is not 32 bytes")
    last = None
    for line in lines[4:-1]:
        _, author, size, root = words(line, 4, "feed")
        pk = lower_hex(author, 32)
        size = decimal(size, "feed size")
        root = b64(root)
        if size == 0 or len(root) != 32 or (last is not None and pk <= last):
            raise Bad("a feed line of size 0, a bad root, or feeds out of order")
        last = pk
        body["feeds"][pk] = (size, root)
    return body


# ---- the closure of required keys (section 13) -------------------------------------


def closure(b, by_hash, witnesses, bureau):
    lookups = b["lookups"]

    def lst(k):
        return lookups.get(k) or []

    def entry(h):
        return by_hash.get(h)

    req, order, followed, queue = set(), [], set(), []

    def add(k):
        if k not in req:
            req.add(k)
            order.append(k)

    def follow(h):
        if h not in followed:
            followed.add(h)
            queue.append(h)

    def revoked_by_author(h, author):
        k = revoked_key(h)
        add(k)
        return any(entry(r) and entry(r)[1][1] == author for r in lst(k))

    subject = id_key("s" if b["kind"] == "standard" else "i", b["subject"])
    add(subject)
    for h in reversed(lst(subject)):
        e = entry(h)
        if not e or row_under(e[1], subject) is None:
            continue
        kind, time = row_under(e[1], subject)
        if not (kind == 0x43 or (b["kind"] == "standard" and kind == 0x4E)) or time > b["at"]:
            continue
        follow(h)
        if kind == 0x4E:
            break
        if revoked_by_author(h, e[1][1]):
            continue
        if b["kind"] == "standard":
            add(fork_key(e[1][1]))
            if fork_key(e[1][1]) in lookups and lookups[fork_key(e[1][1])] is not None:
                continue
        break
    for w in witnesses:
        add(org_key(w))
    add(org_key(bureau))
    add(fork_key(bureau))
    done = 0
    while queue or done < len(order):
        if queue:
            e = entry(queue.pop(0))
            if not e:
                continue
            body = e[1][6]
            if isinstance(body.get("technician"), str):
                add(id_key("p", body["technician"]))
            if e[1][5] != "calibration":
                continue
            for use in body["standards"]:
                k = id_key("s", use["id"])
                add(k)
                if use["cal"] in lst(k):
                    follow(use["cal"])
            continue
        k = order[done]
        done += 1
        if k[0] == ord("a") and k[-1] == ord("f"):
            continue
        for h in lst(k):
            e = entry(h)
            if not e:
                continue
            f = e[1]
            add(org_key(f[1]))
            add(fork_key(f[1]))
            if k[0] == ord("i") and f[5] == "instrument.register" and "catalogue" in f[6] and "domain" in f[6]:
                add(id_key("c", f[6]["catalogue"]))
            if k[0] == ord("s") and f[5] == "calibration":
                add(revoked_key(h))
            if k[0] == ord("a") and f[5] == "org.rekey":
                add(org_key(f[6]["old_key"]))
                add(org_key(f[6]["new_key"]))
    return order


def witness_lab(b, by_hash, pk, t_ms):
    """Rule 8 for one witness cosignature: the lab it counts for, or None."""
    def listed(k):
        return [by_hash[h][1] for h in b["lookups"].get(org_key(k)) or [] if h in by_hash]

    own = listed(pk)
    # ended in this state: replaced or declared compromised
    if any((f[5] == "org.rekey" and f[6]["old_key"] == pk) or (f[5] == "org.compromised" and f[6]["key"] == pk)
           for f in own):
        return None
    walk, best, revoked = [], None, []
    k = pk
    while True:
        walk.append(k)
        into = None
        for f in listed(k):
            body = f[6]
            if f[5] == "org.admit" and body["valid_from"] <= t_ms <= body["valid_until"]:
                best = body["valid_from"] if best is None else max(best, body["valid_from"])
            elif f[5] == "org.revoke" and body["effective"] <= t_ms:
                revoked.append(body["effective"])
            elif f[5] == "org.rekey" and body["new_key"] == k and into is None:
                into = body
        if k == pk and into is not None and t_ms < into["effective"]:
            return None  # a new key counts from its rekey's effective time
        if into is None or len(walk) == 64:
            lab = walk[-1]
            break
        if into["old_key"] in walk:
            lab = min(walk[walk.index(into["old_key"]):])
            break
        k = into["old_key"]
    if best is None or any(r >= best for r in revoked):
        return None
    return lab


# ---- the rules ------------------------------------------------------------------


def verify(data, bureau_hex, pure=False, min_witnesses=1, now_ms=None, max_age_days=None):
    check = ctstream.ed25519_verify_py if pure else ctstream.ed25519_verify
    b = parse(data)

    # 2. the genesis
    raw, fields, _ = b["blocks"][0]
    if fields[5] != "network.genesis" or fields[2] != 1 or fields[1].hex() != bureau_hex:
        raise Bad("entry 1 is not the genesis of the bureau key given")
    net = sha(b"\x00" + raw)
    bureau = fields[1]

    # 3. the network checkpoint
    text, sigs = parse_note(b["note"])
    cp = parse_body(text, net.hex())
    origin = "caltrace/%s/index" % net.hex()
    wname = "caltrace/%s/witness/" % net.hex()
    if len(sigs) < 2:
        raise Bad("the network checkpoint lacks the bureau's lines")
    (n0, id0, s0), (n1, id1, s1) = sigs[0], sigs[1]
    if n0 != origin or id0 != key_id(origin, 1, bureau) or not check(bureau, s0, text):
        raise Bad("the bureau's signature of the network checkpoint does not verify")
    if n1 != wname + bureau_hex or id1 != key_id(n1, 4, bureau) or len(s1) != 72:
        raise Bad("the network checkpoint lacks the bureau's cosignature")
    t0 = int.from_bytes(s1[:8], "big")
    if not check(bureau, s1[8:], b"cosignature/v1\ntime %d\n" % t0 + text):
        raise Bad("the bureau's cosignature of the network checkpoint does not verify")
    witnesses, last = [], None
    for name, kid, sig in sigs[2:]:
        if not name.startswith(wname) or (last is not None and name <= last):
            raise Bad("a line of the network checkpoint is no witness cosignature in name order")
        last = name
        pk = lower_hex(name[len(wname) :], 32)
        if pk == bureau or kid != key_id(name, 4, pk) or len(sig) != 72:
            raise Bad("a witness line of the network checkpoint is malformed")
        t = int.from_bytes(sig[:8], "big")
        if not check(pk, sig[8:], b"cosignature/v1\ntime %d\n" % t + text):
            raise Bad("a witness cosignature of the network checkpoint does not verify")
        if t + 600 < t0:
            raise Bad("a witness cosigned the network checkpoint before the bureau did")
        witnesses.append((pk, t))

    # 4. the entries
    by_hash, prev = {}, None
    for i, (raw, fields, path) in enumerate(b["blocks"]):
        _, author, seq, _, _, typ, body, sig = fields
        name = "entry %d (%s…#%d)" % (i + 1, author.hex()[:8], seq)
        if not check(author, sig, ctstream.CONTEXT + b"\x97" + raw[1:-66]):
            raise Bad(name + ": its signature does not verify")
        h = sha(b"\x00" + raw)
        if i > 0 and (h == net or (prev is not None and (author, seq) <= prev)):
            raise Bad(name + ": entries out of order, or twice")
        if i > 0:
            prev = (author, seq)
        feed = cp["feeds"].get(author)
        if not feed or seq > feed[0]:
            raise Bad(name + ": its feed has no %d entries at the network checkpoint" % seq)
        if inclusion_root(seq - 1, feed[0], h, path) != feed[1]:
            raise Bad(name + ": its inclusion proof does not lead to its feed's root")
        by_hash[h] = (raw, fields)

    # 5. forks
    forked = set()
    for i, ((ra, fa), (rb, fb)) in enumerate(b["forks"]):
        name = "fork %d" % (i + 1)
        author = fa[1]
        if fb[1] != author or author in forked:
            raise Bad(name + ": not two entries of one author, once")
        forked.add(author)
        for raw, f in ((ra, fa), (rb, fb)):
            if not check(author, f[7], ctstream.CONTEXT + b"\x97" + raw[1:-66]):
                raise Bad(name + ": a signature does not verify")
        ha, hb = sha(b"\x00" + ra), sha(b"\x00" + rb)
        same_seq = fa[2] == fb[2] and ha < hb
        rewritten = fb[2] == fa[2] + 1 and fb[3] != ha
        if not (same_seq or rewritten):
            raise Bad(name + ": the two entries do not conflict, or are not in canonical order")
        if b["lookups"].get(fork_key(author)) != [ha, hb]:
            raise Bad(name + ": the network index holds no such fork record")
    for k, hashes in b["lookups"].items():
        if k[0] != ord("a") or k[-1] != ord("f") or hashes is None:
            continue
        author = k[1:33]
        if len(hashes) == 2 and author not in forked:
            raise Bad("the network index holds a fork proof of %s that the bundle does not carry" % key_name(k))
        if len(hashes) > 2:
            raise Bad("key %s lists %d entries" % (key_name(k), len(hashes)))
        if len(hashes) == 1:
            e = by_hash.get(hashes[0])
            if not e or e[1][1] != author or e[1][2] != 1:
                raise Bad("key %s lists an entry that is not its author's first" % key_name(k))

    # 6. the index
    revealed = sorted([(k, list_hash(h)) for k, h in b["lookups"].items() if h is not None] + b["leaves"])
    root, seen = index_root(revealed, b["proof"])
    if root != cp["root"]:
        raise Bad("the lookups do not lead to the index root")
    for k, h in b["lookups"].items():
        if h is None and not proven_absent(k, revealed, seen):
            raise Bad("the index proof does not show key %s absent" % key_name(k))

    # 7. the lists
    listed = set()
    for k, hashes in b["lookups"].items():
        if hashes is None or (k[0] == ord("a") and k[-1] == ord("f")):
            continue
        last = None
        for h in hashes:
            e = by_hash.get(h)
            if not e:
                raise Bad("key %s lists entry %s, which the bundle lacks" % (key_name(k), h.hex()[:16]))
            row = row_under(e[1], k)
            if row is None:
                raise Bad("key %s lists an entry that is no entry of that key" % key_name(k))
            if last is not None and (row[0], row[1], h) <= last:
                raise Bad("key %s lists its entries out of order" % key_name(k))
            last = (row[0], row[1], h)
            listed.add(h)
    for i, (raw, fields, _) in enumerate(b["blocks"][1:], 2):
        h = sha(b"\x00" + raw)
        rows = rows_of(fields)
        if not rows:
            raise Bad("entry %d: an entry no key lists" % i)
        for k, _, _ in rows:
            if k in b["lookups"] and h not in (b["lookups"][k] or []):
                raise Bad("entry %d belongs under key %s, whose lookup does not list it" % (i, key_name(k)))
        if h not in listed and b["lookups"].get(fork_key(fields[1])) != [h]:
            raise Bad("entry %d is listed by no lookup" % i)

    # 8. the keys the verdict needs, the witnesses' labs admitted
    for k in closure(b, by_hash, [w for w, _ in witnesses], bureau):
        if k not in b["lookups"]:
            raise Bad("the bundle has no lookup of key %s, which the verdict rests on" % key_name(k))
    labs = {witness_lab(b, by_hash, pk, t * 1000) for pk, t in witnesses} - {None}
    admitted = len(labs)
    if admitted < min_witnesses:
        raise Bad("the network checkpoint carries cosignatures of %d admitted labs, fewer than %d"
                  % (admitted, min_witnesses))
    if now_ms is not None and max_age_days is not None and now_ms - t0 * 1000 > max_age_days * 86400000:
        raise Bad("the network checkpoint is more than %d days old" % max_age_days)
    return {"entries": len(b["blocks"]), "feeds": len({f[1] for _, f, _ in b["blocks"]}), "forks": len(b["forks"]),
            "lookups": len(b["lookups"]), "witnesses": admitted, "kind": b["kind"], "subject": b["subject"],
            "at": b["at"], "time": t0}
