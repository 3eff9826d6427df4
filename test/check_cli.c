/* check_cli — TEMPORARY empty suite; being written. */
#include "harness.h"

Suite *suite_cli(void)
{
    Suite *s = suite_create("cli");
    return s;
}
