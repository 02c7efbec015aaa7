/* test_settings.c: store_settings_load reads many settings in one statement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "store/settings.h"

int main(void)
{
    char dir[] = "/tmp/visnyk-settings-XXXXXX", path[512];
    struct store *s = NULL;
    struct arena *a = arena_new(4096);
    static const char *const keys[] = {"site_name", "menu", "unset_key", "footer_note"};
    struct str v[4];

    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/s.db", dir);
    CHECK(store_open(path, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, NULL, NULL) == ERR_OK);

    CHECK(store_settings_load(s, a, keys, 4, v) == ERR_OK);
    for (size_t i = 0; i < 4; i++)
        CHECK(v[i].ptr == NULL);

    CHECK(store_setting_set(s, "site_name", STR_LIT("Вісник")) == ERR_OK);
    CHECK(store_setting_set(s, "menu", STR_LIT("А | /a\nБ | /b\n")) == ERR_OK);
    CHECK(store_setting_set(s, "footer_note", STR_LIT("")) == ERR_OK);
    CHECK(store_setting_set(s, "mail_secret", STR_LIT("not for pages")) == ERR_OK);
    CHECK(store_settings_load(s, a, keys, 4, v) == ERR_OK);
    CHECK_STR(v[0], "Вісник");
    CHECK_STR(v[1], "А | /a\nБ | /b\n");
    CHECK(v[2].ptr == NULL);
    CHECK(v[3].ptr != NULL && v[3].len == 0); /* set to empty is not unset */

    /* a value changed by a write is seen by the next load (no stale statement state) */
    CHECK(store_setting_set(s, "site_name", STR_LIT("Інший")) == ERR_OK);
    CHECK(store_settings_load(s, a, keys, 1, v) == ERR_OK);
    CHECK_STR(v[0], "Інший");
    CHECK(store_settings_load(s, a, keys, 0, v) == ERR_OK);

    store_close(s);
    arena_free(a);
    unlink(path);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    rmdir(dir);
    return check_done();
}
