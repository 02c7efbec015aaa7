/* leadership.c: the queries of store/leadership.h. */
#include <string.h>

#include "store/db.h"
#include "store/leadership.h"

#define LEADER_COLS                                                                                \
    "id, sort, name, position, areas, phone, email, hours, updated_at, photo_hash, photo_width, "  \
    "photo_height"

static const char sql_list[] = "SELECT " LEADER_COLS " FROM leaders ORDER BY sort, id LIMIT ?1";
static const char sql_get[] = "SELECT " LEADER_COLS " FROM leaders WHERE id = ?1";
static const char sql_depts[] =
    "SELECT d.id, d.slug, d.name, 0 FROM leader_departments l "
    "JOIN departments d ON d.id = l.department_id WHERE l.leader_id = ?1 ORDER BY d.name";
static const char sql_count[] = "SELECT count(*) FROM leaders";
static const char sql_insert[] =
    "INSERT INTO leaders (sort, name, position, areas, phone, email, hours, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_update[] =
    "UPDATE leaders SET sort = ?1, name = ?2, position = ?3, areas = ?4, phone = ?5, "
    "email = ?6, hours = ?7, updated_at = ?8 WHERE id = ?9";
static const char sql_depts_clear[] = "DELETE FROM leader_departments WHERE leader_id = ?1";
static const char sql_dept_add[] =
    "INSERT INTO leader_departments (leader_id, department_id) VALUES (?1, ?2)";
static const char sql_delete[] = "DELETE FROM leaders WHERE id = ?1";
static const char sql_photo[] = "UPDATE leaders SET photo_hash = ?2, photo_width = ?3, "
                                "photo_height = ?4, updated_at = ?5 WHERE id = ?1";

static void leader_read(struct arena *a, struct db_stmt *st, struct store_leader *l)
{
    memset(l, 0, sizeof *l);
    l->id = db_col_i64(st, 0);
    l->sort = db_col_i64(st, 1);
    l->name = store__col_str(a, st, 2);
    l->position = store__col_str(a, st, 3);
    l->areas = store__col_str(a, st, 4);
    l->phone = store__col_str(a, st, 5);
    l->email = store__col_str(a, st, 6);
    l->hours = store__col_str(a, st, 7);
    l->updated_at = db_col_i64(st, 8);
    l->photo_hash = store__col_str(a, st, 9);
    l->photo_width = db_col_int(st, 10);
    l->photo_height = db_col_int(st, 11);
}

static enum err depts_of(struct store *s, struct arena *a, struct store_leader *l)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_depts, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, l->id);
    return store__refs_read(s, a, st, &l->depts, &l->n_depts);
}

enum err store_leaders_list(struct store *s, struct arena *a, struct store_leader **items,
                            size_t *n)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_list, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, STORE_LEADERS_MAX);
    struct store_leader *list = NULL;
    size_t k = 0, cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW && k < STORE_LEADERS_MAX) {
        list = store__grow(a, list, k, &cap, sizeof *list);
        leader_read(a, st, &list[k++]);
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    for (size_t i = 0; e == ERR_OK && i < k; i++)
        e = depts_of(s, a, &list[i]);
    if (e != ERR_OK)
        return e;
    *items = list;
    *n = k;
    return ERR_OK;
}

enum err store_leader_get(struct store *s, struct arena *a, int64_t id, struct store_leader *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        leader_read(a, st, out);
    else if (rc == DB_DONE)
        e = ERR_NOTFOUND;
    else
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    if (e == ERR_OK)
        e = depts_of(s, a, out);
    return e;
}

static void bind_fields(struct db_stmt *st, const struct store_leader *l, int64_t now)
{
    db_bind_i64(st, 1, l->sort);
    db_bind_str(st, 2, l->name);
    db_bind_str(st, 3, l->position);
    db_bind_str(st, 4, l->areas);
    db_bind_str(st, 5, l->phone);
    db_bind_str(st, 6, l->email);
    db_bind_str(st, 7, l->hours);
    db_bind_i64(st, 8, now);
}

enum err store_leader_save(struct store *s, const struct store_leader *l, int64_t now, int64_t *id)
{
    struct db_stmt *st;
    enum err e;
    int64_t the_id = l->id;
    if (the_id == 0) {
        int64_t count = 0;
        e = store__prepare(s, sql_count, &st);
        if (e == ERR_OK)
            e = store__one_i64(s, st, &count);
        if (e != ERR_OK)
            return e;
        if (count >= STORE_LEADERS_MAX)
            return ERR_TOO_LARGE;
        e = store__prepare(s, sql_insert, &st);
        if (e != ERR_OK)
            return e;
        bind_fields(st, l, now);
        e = store__step_done(s, st);
        if (e != ERR_OK)
            return e;
        the_id = db_last_id(s);
    } else {
        e = store__prepare(s, sql_update, &st);
        if (e != ERR_OK)
            return e;
        bind_fields(st, l, now);
        db_bind_i64(st, 9, the_id);
        e = store__step_done(s, st);
        if (e != ERR_OK)
            return e;
        if (db_changes(s) == 0)
            return ERR_NOTFOUND;
        e = store__prepare(s, sql_depts_clear, &st);
        if (e != ERR_OK)
            return e;
        db_bind_i64(st, 1, the_id);
        e = store__step_done(s, st);
        if (e != ERR_OK)
            return e;
    }
    for (size_t i = 0; i < l->n_depts && i < STORE_LEADER_MAX_DEPTS; i++) {
        e = store__prepare(s, sql_dept_add, &st);
        if (e != ERR_OK)
            return e;
        db_bind_i64(st, 1, the_id);
        db_bind_i64(st, 2, l->depts[i].id);
        int rc = db_step(st);
        if (db_rc_foreign_key(rc))
            e = ERR_NOTFOUND;
        else if (rc != DB_DONE)
            e = store__db_fail(s, rc);
        store__stmt_done(st);
        if (e != ERR_OK)
            return e;
    }
    *id = the_id;
    return ERR_OK;
}

enum err store_leader_delete(struct store *s, int64_t id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_delete, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    e = store__step_done(s, st);
    if (e == ERR_OK && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    return e;
}

enum err store_leader_photo_set(struct store *s, int64_t id, struct str hash, int width, int height,
                                int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_photo, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_str(st, 2, hash);
    db_bind_i64(st, 3, width);
    db_bind_i64(st, 4, height);
    db_bind_i64(st, 5, now);
    e = store__step_done(s, st);
    if (e == ERR_OK && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    return e;
}
