/* fuzz_alert: the alert feed's answer (alert/match.c) on any bytes. The first line is a
 * JSON pointer to the list (a mapping from the config), the rest the feed's body, read
 * with that pointer and with the alerts.in.ua preset. Checks that a failed read says why
 * and reports no alert, and that region names compare reflexively and symmetrically. */
#include "fuzz_util.h"

#include "alert/alert.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t head = nl != NULL ? (size_t)(nl - p) : 0;
    char pointer[256] = "";
    if (head < sizeof pointer)
        memcpy(pointer, p, head);
    const char *body = nl != NULL ? nl + 1 : p;
    size_t len = size - (size_t)(body - p);

    const struct alert_mapping maps[] = {
        {.list = "/alerts",
         .region_field = "location_title",
         .filter_field = "alert_type",
         .filter_value = "air_raid"},
        {.list = pointer, .region_field = "region"},
    };
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        bool active = true;
        char why[256] = "";
        enum err e =
            alert_match(body, len, &maps[i], "Полтавська область", &active, why, sizeof why);
        FUZZ_CHECK(e == ERR_OK || (e == ERR_PARSE && why[0] != '\0' && !active),
                   "a failed read must say why and report no alert", p, size);
    }

    /* region names: any two halves of the input */
    struct str a = str_make(p, size / 2), b = str_make(p + size / 2, size - size / 2);
    FUZZ_CHECK(alert_region_eq(a, b) == alert_region_eq(b, a), "region comparison not symmetric", p,
               size);
    if (utf8_valid(a.ptr, a.len))
        FUZZ_CHECK(alert_region_eq(a, a), "a valid region name differs from itself", p, size);
    return 0;
}
