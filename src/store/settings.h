/* store/settings.h: site settings, key/value text (one key: store_sqlite.c; several at
 * once: settings.c). */
#ifndef VISNYK_STORE_SETTINGS_H
#define VISNYK_STORE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* Site settings: key/value text (site_name, address, phone, email, hotline,
 * support_email, ...). ERR_NOTFOUND when unset. */
ERR_MUST_USE
enum err store_setting_get(struct store *s, struct arena *a, const char *key, struct str *value);
/* store_setting_set: ERR_TOO_LARGE past STORE_MAX_SETTING_KEY_BYTES/STORE_MAX_SETTING_BYTES. */
ERR_MUST_USE
enum err store_setting_set(struct store *s, const char *key, struct str value);
/* store_settings_load reads the settings named by keys[0..n) with one statement:
 * values[i] gets keys[i]'s value copied into a, STR_NULL when unset. Rows with other
 * keys are not copied. On failure every value is STR_NULL and the error (ERR_DB,
 * ERR_BUSY, ...) is returned. */
ERR_MUST_USE
enum err store_settings_load(struct store *s, struct arena *a, const char *const *keys, size_t n,
                             struct str *values);

#endif
