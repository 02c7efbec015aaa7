/* settings.c: the site settings read as a whole. Every public page shows a dozen
 * or more settings (name, contacts, menu, footer, licence, banner); reading them with one
 * statement instead of one per key keeps uncached pages cheap. The settings table holds
 * a few dozen short rows, so scanning it beats binding a variable key list. */
#include <string.h>

#include "store/db.h"
#include "store/settings.h"

static const char sql_settings_all[] = "SELECT key, value FROM settings";

enum err store_settings_load(struct store *s, struct arena *a, const char *const *keys, size_t n,
                             struct str *values)
{
    struct db_stmt *st;
    enum err e;
    int rc;

    for (size_t i = 0; i < n; i++)
        values[i] = STR_NULL;
    e = store__prepare(s, sql_settings_all, &st);
    if (e != ERR_OK)
        return e;
    while ((rc = db_step(st)) == DB_ROW) {
        struct str key = db_col_text(st, 0);
        const char *k = key.ptr;
        size_t klen = key.len;
        /* only the named keys are copied: other rows (mail_secret, ...) never reach
         * the request arena */
        for (size_t i = 0; i < n; i++) {
            if (values[i].ptr == NULL && strlen(keys[i]) == klen && memcmp(keys[i], k, klen) == 0) {
                values[i] = store__col_str(a, st, 1);
                break;
            }
        }
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    if (e != ERR_OK)
        for (size_t i = 0; i < n; i++)
            values[i] = STR_NULL;
    return e;
}
