#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Protected PDMv2 from its documented layout alone, with an AES-GCM that is
not the kernel's (python3-cryptography): the known-answer vectors of the
KUnit tests, and the decryption of captured options.

The profile (Documentation/networking/pdm.rst, "Protected PDMv2"), option of
48 octets from its type octet on:

  0  type            1  length (46)      2  Version (2) | Epoch (12 bits)
  4  PSN This Packet (clear)             8  explicit IV, 8 octets (clear)
  16 encrypted: PSNLR (4), Global Pointer (4), ScaleDTLR, ScaleDTLS,
     Reserved (2), DeltaTLR (2), DeltaTLS (2): a clear PDMv2's octets 8..23
  32 tag, 16 octets

  nonce = salt (4 octets, installed with the key) || IV
  AAD   = source address || destination address || octets 0..15

Usage:
  pdm_crypt.py vectors        print the KUnit vectors (C)
  pdm_crypt.py decrypt KEY:SALT... < PARSED
      read pdm_parser output and write it back with the lines whose pdm
      field is "prot" decrypted: "ok" and every field filled, as for a
      clear PDMv2 option, when the option opens with one of the keys and
      salts (hex); "forged" when none opens it. Other lines pass as they
      are.
"""

import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

V2P_LEN = 46


def seal(key, salt, iv, saddr, daddr, clear8, plain16):
    """The 48-octet option from its clear octets 0..7, IV and plaintext."""
    head = clear8 + struct.pack(">Q", iv)
    ct = AESGCM(key).encrypt(salt + head[8:16], plain16, saddr + daddr + head)
    return head + ct


def open_opt(key, salt, saddr, daddr, opt):
    """The 16 decrypted octets of a 48-octet option, or None if forged."""
    try:
        return AESGCM(key).decrypt(salt + opt[8:16], opt[16:48],
                                   saddr + daddr + opt[:16])
    except Exception:  # cryptography's InvalidTag
        return None


def addr(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


# Each vector: name, key, salt, IV, source, destination, option type, Epoch,
# PSNTP, PSNLR, Global Pointer, ScaleDTLR, ScaleDTLS, DeltaTLR, DeltaTLS.
VECTORS = [
    ("AES-128", bytes(range(16)), bytes.fromhex("a0a1a2a3"),
     0x0102030405060708, "2001:db8::1", "2001:db8::2", 0x0f, 0,
     0x8bad0001, 0x12345678, 1, 0x20, 0x21, 0x9b9e, 0x4e20),
    ("AES-256", bytes(range(0x20, 0x40)), bytes.fromhex("deadbeef"),
     0xfffffffffffffffe, "2001:db8::2", "2001:db8::1", 0x1e, 0xabc,
     0xffffffff, 0, 7, 0, 0, 0, 0),
    ("link-local", bytes.fromhex("00112233445566778899aabbccddeeff"),
     bytes(4), 0, "fe80::1", "fe80::2", 0x0f, 1, 0, 0xffffffff, 0x80000000,
     0x3f, 0x10, 0xffff, 1),
]


def vector(v):
    (name, key, salt, iv, src, dst, otype, epoch, psntp, psnlr, gp, sdtlr,
     sdtls, dtlr, dtls) = v
    clear8 = struct.pack(">BBHI", otype, V2P_LEN, 2 << 12 | epoch, psntp)
    plain = struct.pack(">IIBBHHH", psnlr, gp, sdtlr, sdtls, 0, dtlr, dtls)
    opt = seal(key, salt, iv, addr(src), addr(dst), clear8, plain)
    assert open_opt(key, salt, addr(src), addr(dst), opt) == plain
    return name, key, salt, src, dst, clear8 + plain, opt


def c_bytes(b, indent):
    rows = [b[i:i + 8] for i in range(0, len(b), 8)]
    return ("\n" + indent).join(
        ", ".join("0x%02x" % x for x in row) + "," for row in rows)


def print_vectors():
    for v in VECTORS:
        name, key, salt, src, dst, plain, opt = vector(v)
        t = "\t\t\t"
        print("\t{\n\t\t.name = \"%s\",\n\t\t.key_len = %d,\n"
              "\t\t.key = {\n%s%s\n\t\t},\n"
              "\t\t.salt = { %s },\n"
              "\t\t.saddr = \"%s\",\n\t\t.daddr = \"%s\",\n"
              "\t\t.clear = {\n%s%s\n\t\t},\n"
              "\t\t.sealed = {\n%s%s\n\t\t},\n\t},"
              % (name, len(key), t, c_bytes(key, t),
                 ", ".join("0x%02x" % x for x in salt), src, dst,
                 t, c_bytes(plain, t), t, c_bytes(opt, t)))


# The fields pdm_crypt.py fills, in pdm_parser's names.
FILLED = ("sdtlr", "sdtls", "psnlr", "dtlr", "dtls", "gp")


def decrypt(keys, lines, out):
    names = None
    for line in lines:
        if line.startswith("#"):
            names = line[1:].split()
            out.write(line)
            continue
        f = line.split()
        if not names or len(f) != len(names):
            out.write(line)
            continue
        col = {n: i for i, n in enumerate(names)}
        if f[col["pdm"]] != "prot":
            out.write(line)
            continue
        doh = bytes.fromhex(f[col["doh"]])
        off = int(f[col["pdmoff"]])
        opt = doh[off:off + 2 + V2P_LEN]
        plain = None
        for key, salt in keys:
            if len(opt) == 2 + V2P_LEN and plain is None:
                plain = open_opt(key, salt, addr(f[col["src"]]),
                                 addr(f[col["dst"]]), opt)
        if plain is None:
            f[col["pdm"]] = "forged"
        else:
            psnlr, gp, sdtlr, sdtls, _, dtlr, dtls = struct.unpack(
                ">IIBBHHH", plain)
            vals = dict(sdtlr=sdtlr, sdtls=sdtls, psnlr=psnlr, dtlr=dtlr,
                        dtls=dtls, gp=gp)
            f[col["pdm"]] = "ok"
            for n in FILLED:
                f[col[n]] = str(vals[n])
        out.write(" ".join(f) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["vectors"]:
        print_vectors()
    elif len(sys.argv) > 2 and sys.argv[1] == "decrypt":
        decrypt([tuple(bytes.fromhex(h) for h in a.split(":"))
                 for a in sys.argv[2:]], sys.stdin, sys.stdout)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
