#!/usr/bin/env python3
"""Edits a complete proof bundle (caltrace-bundle/v2) as a dishonest prover would, for the tests.

    cbundle_edit.py IN OUT OP...

OPs, applied in order:
    drop-entry:TYPE[:N]   remove the N-th (default 1st) entry block of event type TYPE
    drop-entry-with:TEXT  remove the first entry block whose bytes contain TEXT
    unlist                remove the hashes of the entries dropped so far from every lookup's list
    drop-key:K            remove the lookups whose key is of kind K (i s c p r, o for an org, f for a fork)
    absent-key:K          turn the lookups of kind K into 'absent' lines
    drop-forks            remove the forks section
    drop-lookups-of-dropped  remove the lookups whose key the dropped entries are listed under
The end digest is recomputed; the index proof is not (ct_entrytool rebundle makes it again).
"""
import base64
import hashlib
import sys


def uint_len(raw, p):
    b = raw[p]
    if b < 0x80:
        return 1
    return 1 + {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}[b]


def entry_type(raw):
    p = 1
    p += uint_len(raw, p)  # version
    p += 2 + 32  # author
    p += uint_len(raw, p)  # seq
    p += 1 if raw[p] == 0xC0 else 2 + 32  # prev
    p += uint_len(raw, p)  # time
    b = raw[p]
    if 0xA0 <= b <= 0xBF:
        n, p = b - 0xA0, p + 1
    else:
        n, p = raw[p + 1], p + 2
    return raw[p : p + n].decode()


def key_kind(key):
    if key[0] == ord("a"):
        return chr(key[-1])
    return chr(key[0])


def main():
    src, dst, ops = sys.argv[1], sys.argv[2], sys.argv[3:]
    data = open(src, "rb").read()
    body = data[: data.rindex(b"end ")]
    lines = body.split(b"\n")[:-1]
    dropped = []
    for op in ops:
        name, _, arg = op.partition(":")
        if name == "drop-entry":
            typ, _, nth = arg.partition(":")
            want = int(nth or "1")
            seen = 0
            for i, l in enumerate(lines):
                if l.startswith(b"entry "):
                    raw = base64.b64decode(l[6:])
                    if entry_type(raw) == typ:
                        seen += 1
                        if seen == want:
                            dropped.append(hashlib.sha256(b"\0" + raw).digest())
                            del lines[i : i + 2]
                            break
            else:
                sys.exit("no entry of type %s" % typ)
            lines = [b"entries %d" % (int(l[8:]) - 1) if l.startswith(b"entries ") else l for l in lines]
        elif name == "drop-entry-with":
            for i, l in enumerate(lines):
                if l.startswith(b"entry ") and arg.encode() in base64.b64decode(l[6:]):
                    dropped.append(hashlib.sha256(b"\0" + base64.b64decode(l[6:])).digest())
                    del lines[i : i + 2]
                    break
            else:
                sys.exit("no entry holding %s" % arg)
            lines = [b"entries %d" % (int(l[8:]) - 1) if l.startswith(b"entries ") else l for l in lines]
        elif name in ("unlist", "drop-lookups-of-dropped"):
            out = []
            removed = 0
            for l in lines:
                parts = l.split(b" ")
                if parts[0] == b"lookup" and len(parts) == 4:
                    hs = base64.b64decode(parts[3])
                    hl = [hs[j : j + 32] for j in range(0, len(hs), 32)]
                    if any(h in hl for h in dropped):
                        if name == "drop-lookups-of-dropped":
                            removed += 1
                            continue
                        hl = [h for h in hl if h not in dropped]
                        l = b"lookup " + parts[1] + b" %d" % len(hl)
                        if hl:
                            l += b" " + base64.b64encode(b"".join(hl))
                out.append(l)
            lines = [b"lookups %d" % (int(l[8:]) - removed) if l.startswith(b"lookups ") else l for l in out]
        elif name in ("drop-key", "absent-key"):
            out = []
            removed = 0
            for l in lines:
                parts = l.split(b" ")
                if parts[0] in (b"lookup", b"absent") and key_kind(base64.b64decode(parts[1])) == arg:
                    if name == "drop-key":
                        removed += 1
                        continue
                    l = b"absent " + parts[1]
                out.append(l)
            lines = [b"lookups %d" % (int(l[8:]) - removed) if l.startswith(b"lookups ") else l for l in out]
        elif name == "drop-forks":
            start = next(i for i, l in enumerate(lines) if l.startswith(b"entries "))
            lines = lines[:start] + [
                l for l in lines[start:] if not l.startswith(b"fork ") and not l.startswith(b"forks ")
            ]
        else:
            sys.exit("unknown op " + op)
    body = b"\n".join(lines) + b"\n"
    open(dst, "wb").write(body + b"end " + hashlib.sha256(body).hexdigest().encode() + b"\n")


if __name__ == "__main__":
    main()
