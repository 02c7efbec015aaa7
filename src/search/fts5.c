/* fts5.c: the "visnyk" FTS5 tokenizer and the visnyk_plain() SQL function.
 *
 * Indexing emits each word's folded surface form and, at the same position
 * (FTS5_TOKEN_COLOCATED), its hunspell stems, so «Полтавщині» is found by «полтавщина»,
 * «Полтавщину» and «полтавщині». Queries and snippet positions (FTS5_TOKENIZE_QUERY,
 * FTS5_TOKENIZE_AUX) get the surface form only: the query builder adds the stems of
 * the user's words itself, as OR terms, so it can also ask for prefixes. */
#include <stdlib.h>
#include <string.h>

#include "search/search.h"

/* One per connection: the tokenizer instances of every FTS table on it share it. */
struct tok_ctx {
    struct search_stem_cache *cache;
};

static int tok_create(void *user, const char **args, int n_args, Fts5Tokenizer **out)
{
    (void)args;
    (void)n_args;
    *out = (Fts5Tokenizer *)user;
    return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *t)
{
    (void)t; /* the connection context outlives the instances (tok_destroy frees it) */
}

static int tok_tokenize(Fts5Tokenizer *t, void *cb_ctx, int flags, const char *text, int n_text,
                        int (*emit)(void *, int, const char *, int, int, int))
{
    struct tok_ctx *ctx = (struct tok_ctx *)t;
    bool stems = (flags & (FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_AUX)) == 0;
    size_t len = n_text > 0 ? (size_t)n_text : 0, pos = 0, start, end;
    struct buf w;
    int rc = SQLITE_OK;
    buf_init(&w, SEARCH_MAX_WORD_BYTES + 8);
    while (rc == SQLITE_OK && search_word_next(text, len, &pos, &start, &end, &w)) {
        rc = emit(cb_ctx, 0, w.data, (int)w.len, (int)start, (int)end);
        if (rc != SQLITE_OK || !stems)
            continue;
        struct str st[SEARCH_MAX_STEMS];
        size_t n = 0;
        search_stems(ctx->cache, NULL, buf_str(&w), st, &n);
        for (size_t k = 0; k < n && rc == SQLITE_OK; k++)
            rc =
                emit(cb_ctx, FTS5_TOKEN_COLOCATED, st[k].ptr, (int)st[k].len, (int)start, (int)end);
    }
    buf_free(&w);
    return rc;
}

static void tok_destroy(void *user)
{
    struct tok_ctx *ctx = user;
    if (ctx == NULL)
        return;
    search_stem_cache_free(ctx->cache);
    free(ctx);
}

static void sql_plain(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *md = sqlite3_value_text(argv[0]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    struct buf out;
    /* plain text is never much longer than its Markdown (block breaks only) */
    buf_init(&out, 2 * n + 4096);
    if (md == NULL) {
        sqlite3_result_text(c, "", 0, SQLITE_STATIC);
        buf_free(&out);
        return;
    }
    if (search_plain_text(&out, str_make((const char *)md, n)) != ERR_OK) {
        buf_free(&out);
        sqlite3_result_error_toobig(c);
        return;
    }
    size_t len;
    char *text = buf_detach(&out, &len);
    sqlite3_result_text64(c, text != NULL ? text : "", len, text != NULL ? free : SQLITE_STATIC,
                          SQLITE_UTF8);
}

static fts5_api *fts5_api_get(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return api;
}

enum err search_sqlite_register(sqlite3 *db)
{
    fts5_api *api = fts5_api_get(db);
    if (api == NULL || api->iVersion < 2)
        return ERR_DB;
    struct tok_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        abort();
    ctx->cache = search_stem_cache_new();
    fts5_tokenizer tok = {tok_create, tok_delete, tok_tokenize};
    if (api->xCreateTokenizer(api, SEARCH_TOKENIZER_NAME, ctx, &tok, tok_destroy) != SQLITE_OK) {
        tok_destroy(ctx);
        return ERR_DB;
    }
    if (sqlite3_create_function_v2(db, "visnyk_plain", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                   sql_plain, NULL, NULL, NULL) != SQLITE_OK)
        return ERR_DB;
    return ERR_OK;
}
