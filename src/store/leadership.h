/* leadership.h: the institution's leadership («Керівництво»): the head and deputies with
 * position, areas of responsibility, the departments they oversee, phone, e-mail and
 * reception hours, in the order the editors give (migration 21; queries in
 * store/leadership.c). Text out-parameters live in the caller's arena. */
#ifndef VISNYK_STORE_LEADERSHIP_H
#define VISNYK_STORE_LEADERSHIP_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/content.h"
#include "store/store.h"

#define STORE_LEADERS_MAX 50       /* a head and deputies: far fewer in practice */
#define STORE_LEADER_MAX_DEPTS 100 /* departments one leader oversees */

struct store_leader {
    int64_t id;
    int64_t sort; /* smaller first; ties by id */
    struct str name, position;
    struct str areas; /* plain text, one area a line */
    struct str phone, email, hours;
    /* the photo: "" or the media hash (media/<hash>.jpg and variants), its size; set by
     * store_leader_photo_set only, so a save of the form keeps it */
    struct str photo_hash;
    int photo_width, photo_height;
    struct store_ref *depts; /* departments overseen (id, slug, name), by name */
    size_t n_depts;
    int64_t updated_at;
};

/* store_leaders_list: every leader in order, with their departments; at most
 * STORE_LEADERS_MAX. */
ERR_MUST_USE
enum err store_leaders_list(struct store *s, struct arena *a, struct store_leader **items,
                            size_t *n);
/* store_leader_get: ERR_NOTFOUND when there is none. */
ERR_MUST_USE
enum err store_leader_get(struct store *s, struct arena *a, int64_t id, struct store_leader *out);
/* store_leader_save inserts l (l->id 0; *id gets the new id) or replaces l->id, with the
 * departments l->depts name by id (the rest of each store_ref is ignored), stamping now.
 * ERR_NOTFOUND when l->id or a department does not exist; ERR_TOO_LARGE when there are
 * STORE_LEADERS_MAX already. Call inside a write transaction. */
ERR_MUST_USE
enum err store_leader_save(struct store *s, const struct store_leader *l, int64_t now, int64_t *id);
/* store_leader_photo_set gives leader id the photo hash (width x height; "" and 0 x 0
 * remove it), stamping now. ERR_NOTFOUND when there is none. */
ERR_MUST_USE
enum err store_leader_photo_set(struct store *s, int64_t id, struct str hash, int width, int height,
                                int64_t now);
/* store_leader_delete: ERR_NOTFOUND when there is none. */
ERR_MUST_USE
enum err store_leader_delete(struct store *s, int64_t id);

#endif
