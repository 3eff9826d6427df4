# linevectors.py -- line-table test vectors, from the running interpreter.
#
# Used by test/check_linetable.c. Runs unchanged on CPython 2.7 and 3.6+.
# Compiles a source text holding the shapes line tables find hard (loops
# jumping back, multi-line expressions, try/except/finally, comprehensions,
# generators, lambdas, nested classes, gaps of >127 and >255 lines, lines
# longer than 255 bytes of bytecode, statements out of source order) and
# prints, for every code object in it, the raw line table and the line the
# interpreter itself gives at every offset. The C test decodes the same
# bytes with pytop and compares.
#
# Output, one record per line, fields separated by single spaces:
#   version MAJOR MINOR MICRO FORMAT   FORMAT: lnotab-u8 lnotab-s8 pep626 locations
#   code NAME FIRSTLINENO STEP HEX|- LINES
#       LINES: comma-separated line per offset 0, STEP, 2*STEP, ...;
#       "-" = no line. From co_lines() (3.10+) or dis.findlinestarts (<=3.9).
#   addr2line NAME AT_MINUS_1 LINES
#       the same offsets through the C function PyCode_Addr2Line (via
#       ctypes), which is what tracebacks use; omitted when ctypes is absent.
from __future__ import print_function

import binascii
import dis
import sys

V = sys.version_info


def fmt_name():
    if V[0] == 2:
        return "lnotab-u8"
    if V[:2] <= (3, 9):
        return "lnotab-s8"
    if V[:2] == (3, 10):
        return "pep626"
    return "locations"


def source():
    parts = [
        "import sys",
        "def loops(n):",
        "    total = 0",
        "    for i in range(n):",
        "        while total < i:",
        "            total += 1",
        "        if total > 100:",
        "            break",
        "    return total",
        "def multiline(a, b):",
        "    return (a +",
        "            b *",
        "            2)",
        "def backwards(f, a):",
        "    return f(",
        "        a,",
        "        f(a),",
        "        [a,",
        "         a],",
        "    )",
        "def handlers(x):",
        "    try:",
        "        y = 1 // x",
        "    except ZeroDivisionError:",
        "        y = 0",
        "    except (TypeError, ValueError) as e:",
        "        y = str(e)",
        "    finally:",
        "        x = None",
        "    return y",
        "def comps(xs):",
        "    a = [x * 2 for x in xs if x]",
        "    b = dict((k, v) for k, v in xs)",
        "    c = {x: x",
        "         for x in xs}",
        "    return a, b, c",
        "def gen(n):",
        "    for i in range(n):",
        "        yield i",
        "        yield (i +",
        "               1)",
        "lam = lambda x: (x,",
        "    x + 1)",
        "class Outer(object):",
        "    class Inner(object):",
        "        def method(self, other):",
        "            if other:",
        "                return self",
        "            return other",
        "def far():",
        "    a = 1",
    ]
    # Gaps beyond one lnotab byte (>127 signed, >255 unsigned) and back.
    parts += [""] * 300
    parts += ["    b = 2"]
    parts += [""] * 130
    parts += ["    c = 3", "    return a + b + c", "def farloop(n):", "    y = 0",
              "    for i in range(n):", "        x = i"]
    parts += [""] * 280
    parts += ["        y += x", "    return y", "def wide(a):"]
    # One line whose bytecode runs past 255 bytes, with columns past 127.
    parts += ["    return [" + ", ".join(["a"] * 200) + "]"]
    parts += ["def tail(a):", "    return a"]
    parts += ["def shuffled(a):", "    a = a + 1", "    a = a * 2", "    a = a - 3",
              "    return a"]
    return "\n".join(parts) + "\n"


def shuffle(tree):
    """Move the statements of shuffled() out of source order, so that its
    lines go down as well as up, each by more than one table entry holds.
    (CPython 3.6 and 3.7 otherwise never emit negative line deltas.)"""
    import ast
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "shuffled":
            for stmt, delta in zip(node.body, (500, 0, 260, 0)):
                ast.increment_lineno(stmt, delta)


def compiled():
    if V[0] == 2:  # co_lnotab of 2.7 cannot hold a line going down
        return compile(source(), "<linevectors>", "exec")
    import ast
    tree = ast.parse(source(), "<linevectors>")
    shuffle(tree)
    return compile(tree, "<linevectors>", "exec")


def code_objects(co):
    yield co
    for c in co.co_consts:
        if hasattr(c, "co_code"):
            for sub in code_objects(c):
                yield sub


def raw_table(co):
    if V[:2] >= (3, 10):
        return co.co_linetable
    return co.co_lnotab


def step():
    return 1 if V[0] == 2 else 2


def lines_modern(co):
    n = len(co.co_code)
    out = [None] * (n // 2)
    for start, end, line in co.co_lines():
        for off in range(start, min(end, n), 2):
            out[off // 2] = line
    return out


def lines_lnotab(co):
    starts = list(dis.findlinestarts(co))
    out = []
    for off in range(0, len(co.co_code), step()):
        line = None
        for at, ln in starts:
            if at <= off:
                line = ln
        out.append(line)
    return out


def show(lines):
    return ",".join("-" if l is None else str(l) for l in lines)


def addr2line():
    try:
        import ctypes
        f = ctypes.pythonapi.PyCode_Addr2Line
    except Exception:
        return None
    f.argtypes = [ctypes.py_object, ctypes.c_int]
    f.restype = ctypes.c_int
    return f


def main():
    print("version %d %d %d %s" % (V[0], V[1], V[2], fmt_name()))
    a2l = addr2line()
    top = compiled()
    for co in code_objects(top):
        tab = raw_table(co)
        hexed = binascii.hexlify(tab).decode("ascii") if len(tab) else "-"
        lines = lines_modern(co) if V[:2] >= (3, 10) else lines_lnotab(co)
        print("code %s %d %d %s %s" % (co.co_name, co.co_firstlineno, step(), hexed, show(lines)))
        if a2l is not None:
            got = [a2l(co, off) for off in range(0, len(co.co_code), step())]
            got = [None if l < 0 else l for l in got]
            print("addr2line %s %d %s" % (co.co_name, a2l(co, -1), show(got)))


main()
