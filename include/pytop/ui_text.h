/*
 * ui_text — text as the terminal will show it, for the viewer.
 *
 * UTF-8 is decoded by hand (whatever the locale) into wide characters
 * that are safe to print: an invalid, overlong or truncated sequence
 * becomes U+FFFD, a control or unprintable character '?'. Widths come
 * from wcwidth, so from LC_CTYPE: outside a UTF-8 locale every
 * non-ASCII character shows as '?'. Zero-width characters (combining
 * marks) count 0 columns and travel with the character before them.
 *
 * Cutting to a width never splits a character and ends in an ellipsis
 * ("…", or "~" where the locale cannot show it). A function's text,
 * "name (file:line)" as pt_agg_key_text writes it, is shortened the way
 * a reader wants: first the file's path loses leading directories from
 * the left ("…/pkg/mod.py", the file name always kept), then only the
 * file name is kept, and only then is the name itself cut (keeping at
 * least a few characters of it before the location goes too).
 *
 * Pure functions: no state, no allocation. Output arrays are NUL-ended
 * when there is room; lengths are counts of wchar_t.
 */
#ifndef PYTOP_UI_TEXT_H
#define PYTOP_UI_TEXT_H

#include <stddef.h>
#include <wchar.h>

/* Wide characters any one text may take; longer input is cut. */
#define UI_TEXT_MAX 4096

/* Decode UTF-8 (NUL-terminated) into at most cap-1 safe characters. */
size_t ui_text_decode(const char *s, wchar_t *out, size_t cap);
/* Columns one decoded character takes: 0 (combining), 1 or 2. */
int ui_text_char_width(wchar_t c);
/* Columns n characters take. */
int ui_text_width(const wchar_t *s, size_t n);
/* The ellipsis this locale can show ("…" or "~"). */
wchar_t ui_text_ellipsis(void);
/* Cut s (n characters) to at most width columns, ending in the ellipsis
 * when anything was removed. Returns the new length (never more than n). */
size_t ui_text_cut(wchar_t *s, size_t n, int width);
/* Decode and cut in one go. */
size_t ui_text_fit(const char *utf8, int width, wchar_t *out, size_t cap);
/* "name (file:line)" ("name (file)" when line < 0; just the name when
 * file is NULL) fitted into width columns as described above. */
size_t ui_text_function(const char *name, const char *file, int line, int width, wchar_t *out,
                        size_t cap);

#endif
