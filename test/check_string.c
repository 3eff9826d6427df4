/* check_string — TEMPORARY empty suite; being written. */
#include "harness.h"

Suite *suite_string(void)
{
    Suite *s = suite_create("string");
    return s;
}
