/* py_linetable — decoders for the four line-table formats CPython used. */
#include "pytop/py_linetable.h"

#include <limits.h>
#include <stdbool.h>

/* Lines are summed from deltas in 64 bits: a hostile table or first line
 * must not overflow an int. A sum no int can hold is no line. */
static int line_of(int64_t line)
{
    return line < 0 || line > INT_MAX ? PT_NOLINE : (int)line;
}

/* 2.7-3.9 co_lnotab: (addr delta u8, line delta u8|s8) pairs. */
static int lnotab(const uint8_t *tab, size_t len, int64_t line, int64_t addrq, bool sdelta)
{
    int64_t addr = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        addr += tab[i];
        if (addr > addrq)
            break;
        line += sdelta ? (int8_t)tab[i + 1] : tab[i + 1];
    }
    return line_of(line);
}

/* 3.10 co_linetable (PEP 626): (byte delta u8, line delta s8), -128 = none. */
static int pep626(const uint8_t *tab, size_t len, int64_t line, int64_t addrq)
{
    int64_t end = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        int64_t start = end;
        end += tab[i];
        int8_t ld = (int8_t)tab[i + 1];
        if (ld != -128)
            line += ld;
        if (start <= addrq && addrq < end)
            return ld == -128 ? PT_NOLINE : line_of(line);
    }
    return PT_NOLINE;
}

/* 6-bit little-endian groups, 0x40 = more follows. */
static uint32_t varint(const uint8_t *tab, size_t len, size_t *i)
{
    uint32_t v = 0;
    unsigned shift = 0;
    while (*i < len && shift < 32) {
        uint8_t b = tab[(*i)++];
        v |= (uint32_t)(b & 63) << shift;
        shift += 6;
        if (!(b & 64))
            break;
    }
    return v;
}

static int32_t svarint(const uint8_t *tab, size_t len, size_t *i)
{
    uint32_t v = varint(tab, len, i);
    return (v & 1) ? -(int32_t)(v >> 1) : (int32_t)(v >> 1);
}

enum { LOC_NO_COLUMNS = 13, LOC_LONG = 14, LOC_NONE = 15, LOC_ONE_LINE0 = 10 };

/* Line delta of the entry whose first byte is tab[*i]; *i is advanced past
 * the parsed fields. No-location entries report has_line = false. */
static int32_t loc_delta(const uint8_t *tab, size_t len, size_t *i, bool *has_line)
{
    int code = (tab[*i] >> 3) & 15;
    (*i)++;
    *has_line = code != LOC_NONE;
    if (code == LOC_NONE)
        return 0;
    if (code == LOC_LONG || code == LOC_NO_COLUMNS)
        return svarint(tab, len, i);
    if (code >= LOC_ONE_LINE0)
        return code - LOC_ONE_LINE0;
    return 0;
}

/* 3.11+ location table: entries of (code, length in code units, extras). */
static int locations(const uint8_t *tab, size_t len, int64_t line, int64_t addrq)
{
    int64_t addr = 0;
    size_t i = 0;
    while (i < len) {
        if (!(tab[i] & 0x80))
            return PT_NOLINE; /* not at an entry start: malformed */
        int64_t units = (tab[i] & 7) + 1;
        bool has_line;
        line += loc_delta(tab, len, &i, &has_line);
        int64_t end = addr + 2 * units;
        if (addr <= addrq && addrq < end)
            return has_line ? line_of(line) : PT_NOLINE;
        addr = end;
        /* skip the column fields: continuation bytes never have bit 7 */
        while (i < len && !(tab[i] & 0x80))
            i++;
    }
    return PT_NOLINE;
}

int pt_line_lookup(enum pt_linefmt fmt, const uint8_t *tab, size_t len, int firstlineno,
                   int64_t addrq)
{
    if (addrq < 0)
        return firstlineno;
    switch (fmt) {
    case PT_LINES_LNOTAB_U8:
        return lnotab(tab, len, firstlineno, addrq, false);
    case PT_LINES_LNOTAB_S8:
        return lnotab(tab, len, firstlineno, addrq, true);
    case PT_LINES_PEP626:
        return pep626(tab, len, firstlineno, addrq);
    case PT_LINES_LOCATIONS:
        return locations(tab, len, firstlineno, addrq);
    }
    return PT_NOLINE;
}
