#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Print the PDM options of a capture, field by field, and the metrics
RFC 8250 derives from them.

usage: pdm-decode.py [-t PDMV2_TYPE] CAPTURE.pcap

Reads a classic pcap file (Ethernet, Linux cooked or raw IPv6) and decodes
the PDM option of each IPv6 packet's Destination Options header: RFC 8250
(type 0x0F, length 10) and PDMv2 (draft-ietf-ippm-encrypted-pdmv2-13:
PDMV2_TYPE, 0x0F by default, length 22, Version 2), told apart by their
length. For each packet: time, direction, version, PSNTP, PSNLR, and for
PDMv2 Epoch and Global Pointer, then DeltaTLR and DeltaTLS in microseconds.
For each request/response/request triple of a flow (a1, b1, a2 with
PSNLR(b1) = PSNTP(a1) and PSNLR(a2) = PSNTP(b1), a1 from the side that
sent the flow's first packet): server delay = DeltaTLR(b1), round trip =
DeltaTLS(a2) - DeltaTLR(b1), client delay = DeltaTLR(a2).
"""
import ipaddress
import struct
import sys

LINK_IPV6_OFFSET = {1: 14, 101: 0, 113: 16, 229: 0, 276: 20}
EXT_HDRS = (0, 43, 60)          # hop-by-hop, routing, destination options
PROTO_NAMES = {6: "tcp", 17: "udp", 58: "icmpv6"}


def us(delta, scale):
    """DeltaT * 2^Scale attoseconds, in microseconds."""
    return (delta << scale) / 1e12


def pdm_option(doh, v2_type):
    """The decoded PDM option of a Destination Options header, or None."""
    off = 2
    while off + 2 <= len(doh):
        otype, olen = doh[off], doh[off + 1]
        if otype == 0:                  # Pad1
            off += 1
            continue
        o = doh[off:off + 2 + olen]
        if len(o) < 2 + olen:
            return None
        if otype == 0x0F and olen == 10:
            sr, ss, tp, lr, dr, ds = struct.unpack("!BBHHHH", o[2:])
            return dict(ver=1, epoch=None, gp=None, psntp=tp, psnlr=lr,
                        dtlr=us(dr, sr), dtls=us(ds, ss))
        if otype == v2_type and olen == 22 and o[2] >> 4 == 2:
            ve, tp, lr, gp, sr, ss, _, dr, ds = struct.unpack("!HIIIBBHHH",
                                                              o[2:])
            return dict(ver=2, epoch=ve & 0xfff, gp=gp, psntp=tp, psnlr=lr,
                        dtlr=us(dr, sr), dtls=us(ds, ss))
        off += 2 + olen
    return None


def packets(path, v2_type):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    nsec = magic in (0xa1b23c4d, 0x4d3cb2a1)
    link = struct.unpack(end + "I", data[20:24])[0]
    if link not in LINK_IPV6_OFFSET:
        sys.exit("unsupported link type %d" % link)
    off, t0 = 24, None
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        rec = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        t = sec + frac / (1e9 if nsec else 1e6)
        t0 = t if t0 is None else t0
        ip = rec[LINK_IPV6_OFFSET[link]:]
        if len(ip) < 40 or ip[0] >> 4 != 6:
            continue
        nh, p, pdm = ip[6], 40, None
        while nh in EXT_HDRS and p + 8 <= len(ip):
            hlen = (ip[p + 1] + 1) * 8
            if nh == 60:
                pdm = pdm_option(ip[p:p + hlen], v2_type) or pdm
            nh, p = ip[p], p + hlen
        if not pdm:
            continue
        ports = struct.unpack("!HH", ip[p:p + 4]) if nh in (6, 17) else (0, 0)
        pdm.update(t=t - t0, proto=PROTO_NAMES.get(nh, str(nh)),
                   src=str(ipaddress.IPv6Address(ip[8:24])),
                   dst=str(ipaddress.IPv6Address(ip[24:40])),
                   sport=ports[0], dport=ports[1])
        pdm["flow"] = tuple(sorted([(pdm["src"], pdm["sport"]),
                                    (pdm["dst"], pdm["dport"])])) + (nh,)
        yield pdm


def main():
    args = sys.argv[1:]
    v2_type = 0x0F
    if args[:1] == ["-t"] and len(args) == 3:
        v2_type = int(args[1], 0)
        args = args[2:]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    pkts = list(packets(args[0], v2_type))

    print("%9s  %-6s %-26s %3s %10s %10s %5s %5s %12s %12s" %
          ("time(s)", "proto", "from -> to", "ver", "PSNTP", "PSNLR",
           "Epoch", "GP", "DeltaTLR(us)", "DeltaTLS(us)"))
    for p in pkts:
        ends = "%s -> %s" % (
            p["src"].split(":")[-1] + (":%d" % p["sport"] if p["sport"] else ""),
            p["dst"].split(":")[-1] + (":%d" % p["dport"] if p["dport"] else ""))
        print("%9.6f  %-6s %-26s %3d %10d %10d %5s %5s %12.3f %12.3f" %
              (p["t"], p["proto"], ends, p["ver"], p["psntp"], p["psnlr"],
               "-" if p["epoch"] is None else p["epoch"],
               "-" if p["gp"] is None else p["gp"], p["dtlr"], p["dtls"]))

    print()
    found = 0
    first = {}
    for p in pkts:
        first.setdefault(p["flow"], p["src"])
    for i, a1 in enumerate(pkts):
        if a1["src"] != first[a1["flow"]]:
            continue    # a1 is from the side that opened the flow
        b1 = next((q for q in pkts[i + 1:] if q["flow"] == a1["flow"] and
                   q["src"] == a1["dst"] and q["psnlr"] == a1["psntp"]), None)
        if not b1:
            continue
        a2 = next((q for q in pkts[pkts.index(b1) + 1:] if q["flow"] == a1["flow"]
                   and q["src"] == a1["src"] and q["psnlr"] == b1["psntp"]), None)
        if not a2:
            continue
        found += 1
        print("%s PDMv%d exchange PSNTP %d/%d/%d: server delay %.1f us, "
              "round trip %.3f ms, client delay %.1f us" %
              (a1["proto"], a1["ver"], a1["psntp"], b1["psntp"], a2["psntp"],
               b1["dtlr"], (a2["dtls"] - b1["dtlr"]) / 1000, a2["dtlr"]))
    if not found:
        print("no complete a1/b1/a2 exchange in the capture")
    return 0


if __name__ == "__main__":
    sys.exit(main())
