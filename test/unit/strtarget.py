# -*- coding: utf-8 -*-
# strtarget.py OUTFILE -- a target holding str objects of every layout, for
# test/check_string.c. Runs unchanged on CPython 2.7 and 3.6+.
#
# Writes one line per object to OUTFILE, then prints READY and sleeps:
#   LABEL ID TYPE_ID HEX
# ID is id() of the object (its address in CPython), TYPE_ID id() of its
# type, HEX the UTF-8 bytes pytop must produce: the string with control
# characters (Unicode category Cc) as '?' and lone surrogates as U+FFFD.
# On 2.7 the str is bytes, taken as UTF-8: control bytes become '?'.
from __future__ import print_function

import binascii
import os
import sys
import time
import unicodedata

PY2 = sys.version_info[0] == 2


def expected3(s):
    out = []
    for c in s:
        if unicodedata.category(c) == "Cc":
            c = "?"
        elif 0xD800 <= ord(c) <= 0xDFFF:
            c = u"\ufffd"
        out.append(c)
    return u"".join(out).encode("utf-8")


def expected2(s):
    return b"".join(b"?" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in s)


class S(str):
    """Instances of str subclasses are not compact: their characters sit in
    a separate buffer behind a data pointer (the 'legacy' layout)."""


def items():
    if PY2:
        return [
            ("ascii", "hello world"),
            ("utf8", "caf\xc3\xa9 \xe2\x82\xac"),
            ("controls", "tab\there\x1b[31m\x7fend"),
            ("subclass", S("sub caf\xc3\xa9")),
            ("long", "x" * 5000),
        ]
    return [
        ("ascii", "hello world"),
        ("ucs1", u"caf\xe9 na\xefve"),
        ("ucs2", u"\u20acuro \u03c9\u03bc\u03b5\u03b3\u03b1"),
        ("ucs4", u"a\U0001d11e b\U0001f600"),
        ("surrogate", u"x\ud800y\udfffz"),
        ("controls", u"tab\there\x1b[31m\x7f\x9bend"),
        ("legacy-ascii", S("plain subclass")),
        ("legacy-ucs1", S(u"sub caf\xe9")),
        ("legacy-ucs2", S(u"sub \u20ac")),
        ("legacy-ucs4", S(u"sub \U0001f600")),
        ("long", u"\xe9" * 5000),
    ]


def main():
    keep = items()
    with open(sys.argv[1], "w") as f:
        for label, s in keep:
            want = expected2(s) if PY2 else expected3(s)
            f.write("%s %x %x %s\n" % (label, id(s), id(type(s)),
                                       binascii.hexlify(want).decode("ascii")))
    sys.stdout.write("READY\n")  # one write: stdout may be unbuffered
    sys.stdout.flush()
    # Live until the test stops us, or its process goes away (a failed
    # assertion there must not leave us behind).
    parent, deadline = os.getppid(), time.time() + 120
    while os.getppid() == parent and time.time() < deadline:
        time.sleep(0.2)
    return keep


main()
