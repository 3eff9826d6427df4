/* check_errors — TEMPORARY empty suite; being written. */
#include "harness.h"

Suite *suite_errors(void)
{
    Suite *s = suite_create("errors");
    return s;
}
