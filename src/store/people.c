/* people.c: the details of a department (its head, functions and contacts) that
 * its public page shows; the columns come from migration 13. */
#include "store/content.h"
#include "store/db.h"

/* the column order is enum store_dept_field's */
static const char sql_details_get[] =
    "SELECT slug, name, head_name, head_position, functions_md, address, phone, email, hours\n"
    "FROM departments WHERE id = ?1";
static const char sql_details_set[] =
    "UPDATE departments SET head_name = ?2, head_position = ?3, functions_md = ?4,\n"
    "    address = ?5, phone = ?6, email = ?7, hours = ?8\n"
    "WHERE id = ?1";

enum err store_dept_details_get(struct store *s, struct arena *a, int64_t id, struct store_ref *ref,
                                struct store_dept_details *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_details_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        ref->id = id;
        ref->slug = store__col_str(a, st, 0);
        ref->name = store__col_str(a, st, 1);
        ref->count = 0;
        for (int i = 0; i < STORE_DEPT_N_FIELDS; i++)
            out->field[i] = store__col_str(a, st, 2 + i);
    } else {
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

enum err store_dept_details_set(struct store *s, int64_t id, const struct store_dept_details *in)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_details_set, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    for (int i = 0; i < STORE_DEPT_N_FIELDS; i++)
        db_bind_str(st, 2 + i, in->field[i]);
    e = store__step_done(s, st);
    if (e == ERR_OK && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    return e;
}
