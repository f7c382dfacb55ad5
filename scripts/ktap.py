#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn test output into flat KTAP, find kernel reports, count results.

Every stage of run-tests.sh ends in one flat KTAP file (a plan, then one
result per case); this is the only place where results are counted.

  ktap.py count FILE
      Strict count of a flat KTAP file: prints "PASSED FAILED SKIPPED
      WHOLE", WHOLE being 1 when the document skipped as a whole
      ("1..0 # SKIP reason", counted as one skip).
      No plan, a result missing from the plan, a duplicate or a number
      out of the plan count as failures; a file without results is one.

  ktap.py kselftest RUNLOG KMSG CONSOLE VMRC [-o OUT]
      RUNLOG is run_kselftest.sh's output for one test program whose own
      output is KTAP (nested behind '# '); KMSG the guest's /dev/kmsg
      stream, CONSOLE its serial console, VMRC vm-run.sh's exit code.
      Writes flat KTAP: the test's cases (a case that did not run is a
      failure naming the case that was running when the run ended), a
      case during which the kernel printed a report fails and names it,
      then two results of the run itself: the test's exit status agrees
      with its results, and no kernel report outside the cases.

  ktap.py kunit JSON LOG SUITE[,SUITE...] [-o OUT]
      kunit.py's --json output and its raw log (build_dir/test.log):
      the cases of each SUITE, the plan taken from the log, missing cases as
      failures, a kernel report (KASAN, lockdep, WARN) fails the case it
      was printed in; one more result: no report outside the cases.

  ktap.py splats FILE...
      List the kernel reports found in kernel logs (console, dmesg or
      /dev/kmsg format), one per line. Exit 1 if there is any.
"""

import json
import re
import sys

# First lines of the kernel's own reports, after the timestamp.
REPORT_RES = [re.compile(p) for p in (
    r"^WARNING: ",			# WARN*(), lockdep, suspicious RCU usage
    r"^BUG: ",				# KASAN, might_sleep, lockups, oopses
    r"^kernel BUG at ",
    r"^Oops: ",
    r"^general protection fault",
    r"^Kernel panic - not syncing",
    r"^INFO: task .* blocked for more than",	# hung task
    r"^(rcu: )?INFO: rcu_\w+ (self-)?detected (expedited )?stalls?",
    r"^ODEBUG: ",			# debug objects
    r"^UBSAN: ",
    r"^kmemleak: \d+ new suspected memory leak",
    r"^refcount_t: ",
    r"^list_(add|del) corruption",
    r"^unreferenced object 0x",
    r"^watchdog: BUG: ",
    r"^NMI watchdog: ",
)]
CALL_TRACE_RE = re.compile(r"^Call Trace:")
# A bare call trace counts unless a report started this many lines before.
REPORT_SPAN = 200
# What a failed selftest result keeps of the notes before it: the last.
NOTES_KEPT = 12

CONSOLE_TS_RE = re.compile(r"^\[\s*\d+\.\d+\]\s?")
KMSG_RE = re.compile(r"^\d+,\d+,\d+,[^;]*;(.*)$")

RESULT_RE = re.compile(r"^(not ok|ok)\s+(\d+)\b\s*(?:-\s+)?(.*)$")
PLAN_RE = re.compile(r"^1\.\.(\d+)\b(.*)$")
DIRECTIVE_RE = re.compile(r"\s+#\s*(SKIP|TODO|XFAIL|TIMEOUT)\b\s*(.*)$", re.I)


def kernel_text(line, kmsg=False):
    """The message of a kernel log line; None for a /dev/kmsg dictionary
    (KEY=value continuation) line."""
    line = line.rstrip("\r\n")
    m = KMSG_RE.match(line)
    if m:
        return m.group(1)
    if kmsg and line.startswith(" "):
        return None
    return CONSOLE_TS_RE.sub("", line)


def is_kmsg(lines):
    return bool(lines) and bool(KMSG_RE.match(lines[0]))


def find_reports(lines):
    """Kernel reports in lines: a list of (line index, title)."""
    reports = []
    last = -REPORT_SPAN - 1
    kmsg = is_kmsg(lines)
    for i, raw in enumerate(lines):
        text = kernel_text(raw, kmsg)
        if text is None:
            continue
        text = text.strip()
        if any(r.match(text) for r in REPORT_RES):
            reports.append((i, text[:200]))
            last = i
        elif CALL_TRACE_RE.match(text) and i - last > REPORT_SPAN:
            reports.append((i, "Call Trace (no report title found)"))
            last = i
    return reports


class Result:
    def __init__(self, num, ok, desc, directive="", reason=""):
        self.num, self.ok, self.desc = num, ok, desc
        self.directive, self.reason = directive.upper(), reason
        self.notes = []

    @property
    def skipped(self):
        return self.ok and self.directive == "SKIP"

    def line(self, num=None):
        s = "%s %d %s" % ("ok" if self.ok else "not ok",
                          self.num if num is None else num, self.desc)
        if self.directive:
            s += " # %s%s" % (self.directive,
                              " " + self.reason if self.reason else "")
        return s


def parse_result(text):
    m = RESULT_RE.match(text)
    if not m:
        return None
    desc, directive, reason = m.group(3), "", ""
    d = DIRECTIVE_RE.search(desc)
    if d:
        desc, directive, reason = desc[:d.start()], d.group(1), d.group(2)
    return Result(int(m.group(2)), m.group(1) == "ok", desc.strip(),
                  directive, reason.strip())


def parse_flat(lines):
    """A flat KTAP document: (plan or None, [Result], [problem])."""
    plan, results, problems = None, [], []
    for raw in lines:
        text = raw.rstrip("\r\n")
        m = PLAN_RE.match(text)
        if m:
            if plan is not None:
                problems.append("second plan: " + text)
            plan = int(m.group(1))
            if plan == 0 and "SKIP" in m.group(2).upper():
                problems.append("skipped as a whole: " + text)
            continue
        if text.startswith("Bail out!"):
            problems.append(text)
            continue
        r = parse_result(text)
        if r:
            results.append(r)
    return plan, results, problems


def count(path):
    """(passed, failed, skipped, skipped as a whole)"""
    try:
        with open(path, errors="replace") as f:
            lines = f.readlines()
    except OSError as e:
        print("ktap.py: %s" % e, file=sys.stderr)
        return 0, 1, 0, 0
    plan, results, problems = parse_flat(lines)
    passed = failed = skipped = 0
    seen = set()
    for r in results:
        if r.num in seen or plan is None or not 1 <= r.num <= plan:
            print("ktap.py: %s: bad or duplicate result: %s" % (path, r.line()),
                  file=sys.stderr)
            failed += 1
            continue
        seen.add(r.num)
        if r.skipped:
            skipped += 1
        elif r.ok and r.directive in ("", "XFAIL"):
            passed += 1
        else:
            failed += 1
    if plan is None:
        print("ktap.py: %s: no plan" % path, file=sys.stderr)
        failed += 1
    else:
        missing = plan - len(seen)
        if missing:
            print("ktap.py: %s: %d of %d planned results missing" %
                  (path, missing, plan), file=sys.stderr)
            failed += missing
    whole = 0
    for p in problems:
        print("ktap.py: %s: %s" % (path, p), file=sys.stderr)
        if p.startswith("skipped as a whole") and not results:
            whole = 1
        else:
            failed += 1
    if whole and plan == 0:
        skipped += 1
    elif not results and failed == 0:
        failed = 1
    return passed, failed, skipped, whole


def read_lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.readlines()
    except OSError:
        return []


def write_flat(results, extra, out, header_notes=()):
    text = ["TAP version 13"]
    text += ["# " + n for n in header_notes]
    text.append("1..%d" % (len(results) + len(extra)))
    for i, r in enumerate(results + extra, 1):
        text += ["# " + n for n in r.notes]
        text.append(r.line(i))
    data = "\n".join(text) + "\n"
    if out:
        with open(out, "w") as f:
            f.write(data)
    sys.stdout.write(data)
    return 0 if all(r.ok for r in results + extra) else 1


def outside_result(outside, loglines, path):
    """The result that no report was printed outside the cases; it needs
    a kernel log to have read."""
    e = Result(0, not outside and bool(loglines),
               "no kernel report outside the test cases")
    e.notes += outside
    if not loglines:
        e.notes.append("no kernel log (%s) to read" % path)
    return e


def fail_with(result, note):
    if result.ok:
        result.ok = False
        if result.directive == "SKIP":
            result.directive, result.reason = "", ""
    result.notes.append(note)


VM_EXIT = {
    "124": "the VM was killed at its time limit",
    "125": "the VM stopped without an exit code (kernel panic, crash or "
           "boot failure)",
}


def kselftest(runlog, kmsg, console, vmrc, out):
    lines = [l.rstrip("\r\n") for l in read_lines(runlog)]
    # The test program's output: what the runner printed behind '# '
    # between its header and its verdict.
    inner, outer, header = [], None, None
    for text in lines:
        m = re.match(r"^# selftests: (\S+): (\S+)$", text)
        if m and header is None:
            header = "%s: %s" % m.groups()
            continue
        if header is None:
            continue
        r = parse_result(text)
        if r and outer is None:
            outer = r
            continue
        if outer is None and text.startswith("#"):
            inner.append(text[2:] if text.startswith("# ") else text[1:])

    plan, results, problems = None, [], []
    cases = {}  # result number -> case name
    case, last_case = None, None
    said = []  # the test's notes since its last result
    for text in inner:
        m = PLAN_RE.match(text)
        if m and plan is None:
            plan = int(m.group(1))
            if plan == 0:
                problems.append("the test skipped as a whole: " + text)
            continue
        m = re.match(r"^# case: (\S+)", text)
        if m:
            case = last_case = m.group(1)
            said = []
            continue
        r = parse_result(text)
        if r:
            # A failure keeps what the test said about it: the why
            # reaches the summary of the run.
            if not r.ok:
                r.notes += said[-NOTES_KEPT:]
            said = []
            results.append(r)
            cases[r.num] = case
        elif text.startswith("#"):
            said.append(text[2:] if text.startswith("# ") else text[1:])
    by_num = {}
    flat = []
    for r in results:
        if r.num in by_num or plan is None or not 1 <= r.num <= plan:
            r.ok = False
            r.notes.append("result out of the plan or duplicated")
        by_num.setdefault(r.num, r)

    why = []
    if vmrc in VM_EXIT:
        why.append(VM_EXIT[vmrc])
    if outer is not None and not outer.ok and outer.directive == "TIMEOUT":
        why.append("the kselftest runner's timeout (%s)" % outer.reason)
    running = "case '%s' was running" % last_case if last_case else \
        "no case had started"
    if plan is None:
        r = Result(1, False, header or "selftest")
        r.notes.append("no KTAP plan from the test program; %s%s" %
                       (running, ": " + ", ".join(why) if why else ""))
        flat.append(r)
    else:
        first = None
        for n in range(1, plan + 1):
            if n in by_num:
                flat.append(by_num[n])
            else:
                r = Result(n, False, "case %d did not run" % n)
                if first is None:
                    first = n
                    r.notes.append("no result: %s when the run ended%s" %
                                   (running, " (" + ", ".join(why) + ")"
                                    if why else ""))
                else:
                    r.desc += " (as result %d)" % first
                flat.append(r)
        for r in results:
            if r not in flat:
                flat.append(r)

    # The test's own verdict, before kernel reports fail any case.
    failed_inner = any(not r.ok for r in flat)

    # Kernel reports: the case markers in kmsg say whose they are.
    klines = read_lines(kmsg)
    marker_re = re.compile(r"\S+: case (\S+)$")
    outside = []
    seen_titles = set()
    for idx, title in find_reports(klines):
        owner = None
        for j in range(idx, -1, -1):
            t = kernel_text(klines[j], True)
            if t is None:
                continue
            m = marker_re.search(t)
            if m:
                owner = m.group(1)
                break
            if t.startswith("kselftest: "):
                break		# the runner's start or end: no case
        seen_titles.add(title)
        hit = [r for r in flat if cases.get(r.num) == owner] if owner else []
        if hit:
            for r in hit:
                fail_with(r, "kernel report during case '%s': %s" %
                          (owner, title))
        else:
            outside.append("%s%s" % (title, " (during case '%s', which "
                                     "printed no result)" % owner
                                     if owner else ""))
    # What the guest could not write to kmsg any more (a panic, a hang).
    if vmrc != "0" or not klines:
        for _, title in find_reports(read_lines(console)):
            if title not in seen_titles:
                seen_titles.add(title)
                outside.append("%s (console%s)" % (
                    title, ", case '%s' running" % last_case
                    if last_case else ""))

    if plan == 0 and not outside and outer is not None and outer.skipped:
        reason = problems[0] if problems else "skipped"
        text = "TAP version 13\n1..0 # SKIP %s\n" % reason
        if out:
            with open(out, "w") as f:
                f.write(text)
        sys.stdout.write(text)
        return 0
    extra = []
    if outer is None:
        e = Result(0, False, "the runner reported a verdict")
        e.notes.append("no verdict from run_kselftest.sh for %s%s" %
                       (header or "the test", ": " + ", ".join(why)
                        if why else ""))
    else:
        agrees = (outer.ok and not outer.directive) != failed_inner or \
            (outer.skipped and plan == 0)
        e = Result(0, agrees, "exit status of %s agrees with its results" %
                   (header or "the test"))
        if not agrees:
            e.notes.append("runner: " + outer.line())
    extra.append(e)
    extra.append(outside_result(outside, klines, kmsg))
    for p in problems:
        extra[0].notes.append(p)
    return write_flat(flat, extra, out)


def kunit_suite(data, groups, lines, log, suite):
    """The flat results of one KUnit suite: its cases, as kunit.py parsed
    them, and a failure for each case its plan has and the JSON has not."""
    cases, top = [], 0
    for g in groups(data) if data else []:
        if g.get("name") == suite:
            # A parameterised case is a group of its parameters' results.
            top = len(g.get("test_cases", [])) + len(g.get("sub_groups", []))
            cases = [dict(c, name=c.get("name")) for c in g.get("test_cases", [])]
            for sg in g.get("sub_groups", []):
                cases += [dict(c, name="%s.%s" % (sg.get("name"), c.get("name")))
                          for c in sg.get("test_cases", [])]
                if not sg.get("test_cases"):
                    cases.append({"name": sg.get("name"), "status": "FAIL"})
    # The suite's plan, as the kernel printed it.
    plan = None
    for i, raw in enumerate(lines):
        t = (kernel_text(raw) or "").strip()
        if t == "# Subtest: " + suite:
            for nxt in lines[i + 1:i + 4]:
                m = PLAN_RE.match((kernel_text(nxt) or "").strip())
                if m:
                    plan = int(m.group(1))
                    break
    flat = []
    for c in cases:
        st = c.get("status")
        r = Result(0, st in ("PASS", "SKIP"), "%s.%s" % (suite, c.get("name")),
                   "SKIP" if st == "SKIP" else "")
        if st not in ("PASS", "SKIP"):
            r.notes.append("kunit.py: %s" % st)
        flat.append(r)
    if plan is None:
        r = Result(0, False, "%s: the suite printed its plan" % suite)
        r.notes.append("no '# Subtest: %s' with a plan in %s" % (suite, log))
        flat.append(r)
    else:
        for n in range(top + 1, plan + 1):
            r = Result(0, False, "%s: case %d did not run" % (suite, n))
            r.notes.append("planned %d cases, kunit.py parsed %d" %
                           (plan, top))
            flat.append(r)
    return flat


def kunit(jsonpath, log, suites, out):
    try:
        with open(jsonpath) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        data = {}
        print("ktap.py: %s: %s" % (jsonpath, e), file=sys.stderr)

    def groups(g):
        yield g
        for s in g.get("sub_groups", []):
            yield from groups(s)
    lines = read_lines(log)
    flat = []
    # Each suite (comma separated) in turn: its cases, then its plan.
    for suite in suites.split(","):
        flat += kunit_suite(data, groups, lines, log, suite)
    # A report belongs to the first result printed after it.
    outside = []
    # A parameterised case: its own result line, or one of its parameters'.
    by_name = {}
    for r in flat:
        name = r.desc.split(".", 1)[-1]
        by_name.setdefault(name, []).append(r)
        by_name.setdefault(name.split(".", 1)[0], []).append(r)
    for idx, title in find_reports(lines):
        owner = None
        for raw in lines[idx:]:
            m = RESULT_RE.match((kernel_text(raw) or "").strip())
            if m:
                owner = m.group(3).split(" #")[0].strip()
                break
        if owner in by_name:
            for r in by_name[owner]:
                fail_with(r, "kernel report: " + title)
        else:
            outside.append(title)
    return write_flat(flat, [outside_result(outside, lines, log)], out)


def main(argv):
    out = None
    if "-o" in argv:
        i = argv.index("-o")
        out = argv[i + 1]
        del argv[i:i + 2]
    if len(argv) >= 2 and argv[0] == "count":
        print(*count(argv[1]))
        return 0
    if len(argv) == 5 and argv[0] == "kselftest":
        return kselftest(*argv[1:], out)
    if len(argv) == 4 and argv[0] == "kunit":
        return kunit(*argv[1:], out)
    if len(argv) >= 2 and argv[0] == "splats":
        found = 0
        for path in argv[1:]:
            for i, title in find_reports(read_lines(path)):
                print("%s:%d: %s" % (path, i + 1, title))
                found += 1
        return 1 if found else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
