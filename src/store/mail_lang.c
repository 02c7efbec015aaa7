/* mail_lang.c: the digest subscriber's language (store/mail_lang.h). */
#include "store/mail_lang.h"
#include "store/db.h"
#include "store/translations.h"

bool store_mail_lang_valid(struct str lang)
{
    return str_eq_cstr(lang, STORE_LANG_UK) || str_eq_cstr(lang, STORE_LANG_EN);
}

static const char sql_sub_lang[] = "UPDATE mail_subscribers SET lang = ?2 WHERE id = ?1";

enum err store_subscriber_set_lang(struct store *s, int64_t id, struct str lang)
{
    struct db_stmt *st;
    if (!store_mail_lang_valid(lang))
        return ERR_INVALID;
    enum err e = store__prepare(s, sql_sub_lang, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_str(st, 2, lang);
    e = store__step_done(s, st);
    if (e == ERR_OK && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    return e;
}
