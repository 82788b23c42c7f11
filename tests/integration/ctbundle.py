#!/usr/bin/env python3
"""Verifies a caltrace proof bundle without the C code.

  ctbundle.py verify FILE BUREAU-KEY-HEX [--pure] [--witnesses K] [--now MS --max-age DAYS]

Written from docs/FORMAT.md (sections 2-4 and 11-13) and docs/CHECKPOINTS.md
alone, as a verifier in another language would be: the bundle's layout, the
signed-note and checkpoint text, cosignature/v1, tlog-proof@v1, RFC 6962
inclusion proofs, and the checks of section 11 up to (not including) the
evaluator, which is caltrace's. A complete bundle (caltrace-bundle/v2,
section 13) is checked by rules 1-9 there: the network checkpoint, every
entry's inclusion in its feed, the network index's lookup proofs
(section 12), the lists, the fork records, the keys the verdict needs, the
witnesses admitted. Entry decoding and Ed25519 come from ctstream.py (same
folder), itself written from docs/FORMAT.md.

Prints "ok: N entries over M feeds[, F fork proofs], subject KIND ID at MS"
(a complete bundle: "ok: complete, ...") and exits 0, or names what failed
and exits 1.
"""
import base64
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctstream  # noqa: E402

Bad = ctstream.Bad
DASH = "\u2014 "


def b64(s):
    try:
        raw = base64.b64decode(s, validate=True)
    except Exception:
        raise Bad("bad base64: %.40s" % s)
    if base64.b64encode(raw).decode() != s:
        raise Bad("base64 not canonical: %.40s" % s)
    return raw


def key_id(name, typ, pk):
    return hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + pk).digest()[:4]


class Note:
    """A signed note: its text (final newline included) and its signature lines."""

    def __init__(self, data):
        try:
            s = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Bad("note is not UTF-8")
        cut = s.rfind("\n\n")
        if cut < 0 or not s.endswith("\n"):
            raise Bad("note has no blank line or does not end in a newline")
        self.text = s[:cut + 1].encode()
        self.sigs = []  # (name, key id, rest of blob)
        for line in s[cut + 2:-1].split("\n"):
            if not line.startswith(DASH):
                raise Bad("signature line does not start with an em dash: %.40s" % line)
            name, _, blob = line[len(DASH):].partition(" ")
            raw = b64(blob)
            if len(raw) < 5:
                raise Bad("signature blob too short")
            self.sigs.append((name, raw[:4], raw[4:]))


def checkpoint_body(text):
    lines = text.decode().split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise Bad("checkpoint text has fewer than three lines")
    origin, size, root = lines[0], lines[1], b64(lines[2])
    if not size.isdigit() or (size != "0" and size.startswith("0")) or len(root) != 32:
        raise Bad("bad checkpoint size or root")
    return origin, int(size), root


def inclusion_root(index, size, leaf, proof):
    """RFC 9162 section 2.1.3.2: the root the proof leads to from leaf at index, or None."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def take_line(data, pos):
    end = data.find(b"\n", pos)
    if end < 0:
        raise Bad("a line does not end in a newline at byte %d" % pos)
    return data[pos:end].decode("utf-8", "strict"), end + 1


def take_count(data, pos, word):
    line, pos = take_line(data, pos)
    head, _, n = line.partition(" ")
    if head != word or not n.isdigit() or (n != "0" and n.startswith("0")):
        raise Bad("expected '%s <n>', got %.40s" % (word, line))
    return int(n), pos


def verify(data, bureau_hex, pure=False):
    check = ctstream.ed25519_verify_py if pure else ctstream.ed25519_verify
    pos = 0
    line, pos = take_line(data, pos)
    if line != "caltrace-bundle/v1":
        raise Bad("not a caltrace-bundle/v1 file")
    line, pos = take_line(data, pos)
    _, kind, subject = (line.split(" ", 2) + ["", ""])[:3]
    if not line.startswith("subject ") or kind not in ("instrument", "standard") or not subject:
        raise Bad("bad subject line")
    line, pos = take_line(data, pos)
    if not line.startswith("at ") or not line[3:].isdigit():
        raise Bad("bad at line")
    at = int(line[3:])

    # the checkpoints, one per feed
    m, pos = take_count(data, pos, "checkpoints")
    cps = {}  # author hex -> raw note bytes
    for i in range(m):
        n, pos = take_count(data, pos, "checkpoint")
        raw = data[pos:pos + n]
        if len(raw) != n:
            raise Bad("checkpoint %d is cut short" % (i + 1))
        pos += n
        origin, _, _ = checkpoint_body(Note(raw).text)
        parts = origin.split("/")
        if len(parts) != 3 or parts[0] != "caltrace" or len(parts[2]) != 64:
            raise Bad("checkpoint %d: origin is not a caltrace feed" % (i + 1))
        if parts[2] in cps:
            raise Bad("checkpoint %d: a second checkpoint of one feed" % (i + 1))
        cps[parts[2]] = raw

    # the entries, each with its proof lines
    count, pos = take_count(data, pos, "entries")
    blocks = []
    for i in range(count):
        line, pos = take_line(data, pos)
        if not line.startswith("entry "):
            raise Bad("entry %d: expected 'entry <base64>'" % (i + 1))
        raw = b64(line[6:])
        offs, entry_raw, fields = next(ctstream.entries(raw))
        if entry_raw != raw:
            raise Bad("entry %d: bytes after the entry" % (i + 1))
        n, pos = take_count(data, pos, "proof")
        lines = data[pos:pos + n].decode().split("\n")
        pos += n
        if lines[-1] != "" or lines[0] != "c2sp.org/tlog-proof@v1" or not lines[1].startswith("index "):
            raise Bad("entry %d: bad proof lines" % (i + 1))
        blocks.append((raw, fields, int(lines[1][6:]), [b64(h) for h in lines[2:-1]]))

    # the fork proofs, when there are any: two entries each
    forks = []
    if data.startswith(b"forks ", pos):
        f, pos = take_count(data, pos, "forks")
        if f == 0:
            raise Bad("'forks 0'")
        for i in range(f):
            line, pos = take_line(data, pos)
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != "fork":
                raise Bad("fork %d: expected 'fork <base64> <base64>'" % (i + 1))
            pair = []
            for text in parts[1:]:
                raw = b64(text)
                _, entry_raw, fields = next(ctstream.entries(raw))
                if entry_raw != raw:
                    raise Bad("fork %d: bytes after an entry" % (i + 1))
                pair.append((raw, fields))
            forks.append(pair)
    end_at = pos
    line, pos = take_line(data, pos)
    if pos != len(data) or not line.startswith("end ") or len(line) != 68:
        raise Bad("the end line is not last, or malformed")
    if hashlib.sha256(data[:end_at]).hexdigest() != line[4:]:
        raise Bad("the end line's SHA-256 does not match")

    # block 1 is the genesis, founded by the bureau key given
    raw, fields, _, _ = blocks[0]
    if fields[5] != "network.genesis" or fields[2] != 1 or fields[1].hex() != bureau_hex:
        raise Bad("entry 1 is not the genesis of the bureau key given")
    net = hashlib.sha256(b"\x00" + raw).hexdigest()
    bureau_pk = bytes.fromhex(bureau_hex)
    witness = "caltrace/%s/witness/%s" % (net, bureau_hex)
    witness_id = key_id(witness, 0x04, bureau_pk)

    seen, registered, used = set(), False, set()
    for i, (raw, fields, index, proof) in enumerate(blocks):
        version, author, seq, prev, time, typ, body, sig = fields
        name = "entry %d (%s…#%d)" % (i + 1, author.hex()[:8], seq)
        if not check(author, sig, ctstream.CONTEXT + b"\x97" + raw[1:-66]):
            raise Bad(name + ": the entry's signature does not verify")
        if index != seq - 1:
            raise Bad(name + ": its proof is for leaf %d" % index)
        note_raw = cps.get(author.hex())
        if note_raw is None:
            raise Bad(name + ": no checkpoint of its feed")
        used.add(author.hex())
        note = Note(note_raw)
        origin, size, root = checkpoint_body(note.text)
        feed = "caltrace/%s/%s" % (net, author.hex())
        if origin != feed:
            raise Bad(name + ": its checkpoint is of another feed")
        if len(note.sigs) != 2:
            raise Bad(name + ": its checkpoint has %d signature lines, not 2" % len(note.sigs))
        (n1, id1, s1), (n2, id2, s2) = note.sigs
        if n1 != feed or id1 != key_id(feed, 0x01, author) or not check(author, s1, note.text):
            raise Bad(name + ": the author's signature on its checkpoint does not verify")
        if n2 != witness or id2 != witness_id or len(s2) != 72:
            raise Bad(name + ": its checkpoint lacks the bureau's cosignature")
        ts = int.from_bytes(s2[:8], "big")
        if not check(bureau_pk, s2[8:], b"cosignature/v1\ntime %d\n" % ts + note.text):
            raise Bad(name + ": the bureau's cosignature does not verify")
        leaf = hashlib.sha256(b"\x00" + raw).digest()
        if inclusion_root(index, size, leaf, proof) != root:
            raise Bad(name + ": its inclusion proof does not lead to the checkpoint's root")
        if leaf in seen:
            raise Bad(name + ": an entry comes twice")
        seen.add(leaf)
        registered |= typ == kind + ".register" and isinstance(body, dict) and body.get("id") == subject
    if used != set(cps):
        raise Bad("a checkpoint is of no entry's feed")

    # each fork proof: one author of the bundle (once), both signatures, a real conflict
    forked = set()
    for i, ((ra, fa), (rb, fb)) in enumerate(forks):
        name = "fork %d" % (i + 1)
        author = fa[1]
        if fb[1] != author or author.hex() not in cps or author.hex() in forked:
            raise Bad(name + ": not two entries of one author of the bundle, once")
        forked.add(author.hex())
        for raw, fields in ((ra, fa), (rb, fb)):
            if not check(author, fields[7], ctstream.CONTEXT + b"\x97" + raw[1:-66]):
                raise Bad(name + ": a signature does not verify")
        same_seq = fa[2] == fb[2] and ra != rb
        rewritten = fb[2] == fa[2] + 1 and fb[3] != hashlib.sha256(b"\x00" + ra).digest()
        if not (same_seq or rewritten):
            raise Bad(name + ": the two entries do not conflict")
    if not registered:
        raise Bad("no registration of the subject %s" % subject)
    return count, len(cps), len(forks), kind, subject, at


def main(argv):
    if len(argv) < 4 or argv[1] != "verify":
        raise SystemExit("usage: ctbundle.py verify FILE BUREAU-KEY-HEX [--pure] [--witnesses K] "
                         "[--now MS --max-age DAYS]")
    data = open(argv[2], "rb").read()
    opts = argv[4:]
    pure = "--pure" in opts
    if data.startswith(b"caltrace-bundle/v2\n"):
        import ctbundle2

        def opt(name, default):
            return int(opts[opts.index(name) + 1]) if name in opts else default

        r = ctbundle2.verify(data, argv[3].lower(), pure, opt("--witnesses", 1), opt("--now", None),
                             opt("--max-age", None))
        print("ok: complete, %d entries over %d feeds%s, %d lookups, %d witnesses, subject %s %s at %d"
              % (r["entries"], r["feeds"], ", %d fork proofs" % r["forks"] if r["forks"] else "",
                 r["lookups"], r["witnesses"], r["kind"], r["subject"], r["at"]))
        return
    n, m, f, kind, subject, at = verify(data, argv[3].lower(), pure)
    forks = ", %d fork proof%s" % (f, "" if f == 1 else "s") if f else ""
    print("ok: %d entries over %d feeds%s, subject %s %s at %d" % (n, m, forks, kind, subject, at))


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Bad as e:
        print("ctbundle: %s" % e, file=sys.stderr)
        sys.exit(1)
    except (ValueError, IndexError, TypeError, StopIteration, KeyError, AttributeError) as e:
        # malformed past what the checks above name (a field of the wrong type, a cut line)
        print("ctbundle: malformed bundle (%s: %s)" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
