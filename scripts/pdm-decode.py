#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Print the PDM fields of a capture, as decoded by tshark, and the
metrics RFC 8250 derives from them.

usage: pdm-decode.py CAPTURE.pcap

For each packet: time, direction, PSNTP, PSNLR, DeltaTLR and DeltaTLS in
microseconds. For each request/response/request triple of a flow (a1, b1,
a2 with PSNLR(b1) = PSNTP(a1) and PSNLR(a2) = PSNTP(b1), a1 from the side
that sent the flow's first packet): server delay =
DeltaTLR(b1), round trip = DeltaTLS(a2) - DeltaTLR(b1), client delay =
DeltaTLR(a2).
"""
import subprocess
import sys

FIELDS = ["frame.number", "frame.time_relative", "ipv6.src", "ipv6.dst",
          "ipv6.nxt", "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport",
          "icmpv6.type", "ipv6.opt.pdm.scale_dtlr", "ipv6.opt.pdm.scale_dtls",
          "ipv6.opt.pdm.psn_this_pkt", "ipv6.opt.pdm.psn_last_recv",
          "ipv6.opt.pdm.delta_last_recv", "ipv6.opt.pdm.delta_last_sent"]


def us(delta, scale):
    """DeltaT * 2^Scale attoseconds, in microseconds."""
    return (delta << scale) / 1e12


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    cmd = ["tshark", "-n", "-r", sys.argv[1], "-Y", "ipv6.opt.pdm.psn_this_pkt", "-T",
           "fields", "-E", "separator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    pkts = []
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("|")))
        num = lambda k: int(v[k], 0) if v.get(k) else 0
        # ipv6.nxt is the first header's (60 here): name the upper layer.
        proto = ("udp" if v["udp.srcport"] else "tcp" if v["tcp.srcport"]
                 else "icmpv6" if v["icmpv6.type"] else "?")
        sport = v["udp.srcport"] or v["tcp.srcport"]
        dport = v["udp.dstport"] or v["tcp.dstport"]
        p = dict(t=float(v["frame.time_relative"]), src=v["ipv6.src"],
                 dst=v["ipv6.dst"], proto=proto, sport=sport, dport=dport,
                 psntp=num("ipv6.opt.pdm.psn_this_pkt"),
                 psnlr=num("ipv6.opt.pdm.psn_last_recv"),
                 dtlr=us(num("ipv6.opt.pdm.delta_last_recv"),
                         num("ipv6.opt.pdm.scale_dtlr")),
                 dtls=us(num("ipv6.opt.pdm.delta_last_sent"),
                         num("ipv6.opt.pdm.scale_dtls")))
        p["flow"] = tuple(sorted([(p["src"], sport), (p["dst"], dport)])) + (proto,)
        pkts.append(p)

    print("%9s  %-6s %-28s %6s %6s %12s %12s" %
          ("time(s)", "proto", "from -> to", "PSNTP", "PSNLR",
           "DeltaTLR(us)", "DeltaTLS(us)"))
    for p in pkts:
        ends = "%s -> %s" % (p["src"].split(":")[-1] + (":" + p["sport"] if p["sport"] else ""),
                             p["dst"].split(":")[-1] + (":" + p["dport"] if p["dport"] else ""))
        print("%9.6f  %-6s %-28s %6d %6d %12.3f %12.3f" %
              (p["t"], p["proto"], ends, p["psntp"], p["psnlr"], p["dtlr"], p["dtls"]))

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
        print("%s exchange PSNTP %d/%d/%d: server delay %.1f us, "
              "round trip %.3f ms, client delay %.1f us" %
              (a1["proto"], a1["psntp"], b1["psntp"], a2["psntp"], b1["dtlr"],
               (a2["dtls"] - b1["dtlr"]) / 1000, a2["dtlr"]))
    if not found:
        print("no complete a1/b1/a2 exchange in the capture")
    return 0


if __name__ == "__main__":
    sys.exit(main())
