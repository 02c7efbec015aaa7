/* stem.c: stems from hunspell-uk. One dictionary per process (about 0.6 s to load and
 * tens of megabytes: one per connection would multiply both), used behind a mutex
 * because Hunhandle keeps per-call state in its affix manager. Each connection keeps a
 * direct-mapped cache of folded word → stems in front of it, so indexing a body takes
 * the lock only for words the connection has not seen lately. */
#include <hunspell/hunspell.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/utf8.h"
#include "search/search.h"

#define SLOT_KEY_BYTES 56
#define SLOT_VAL_BYTES 136

struct slot {
    uint64_t hash;
    uint8_t klen, n;
    uint8_t lens[SEARCH_MAX_STEMS];
    char key[SLOT_KEY_BYTES];
    char val[SLOT_VAL_BYTES];
};

struct search_stem_cache {
    struct slot slots[SEARCH_STEM_CACHE_SLOTS];
    struct slot scratch; /* for words too long to cache */
};

static pthread_once_t dict_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t dict_lock = PTHREAD_MUTEX_INITIALIZER;
static Hunhandle *dict;

static void dict_load(void)
{
    const char *aff = getenv("VISNYK_HUNSPELL_AFF");
    const char *dic = getenv("VISNYK_HUNSPELL_DIC");
    if (aff == NULL || dic == NULL) {
        aff = SEARCH_DICT_AFF;
        dic = SEARCH_DICT_DIC;
    }
    if (access(aff, R_OK) != 0 || access(dic, R_OK) != 0) {
        log_warn("hunspell dictionary missing, search matches exact word forms only: %s", dic);
        return;
    }
    dict = Hunspell_create(aff, dic);
    if (dict == NULL)
        log_warn("hunspell dictionary failed to load, search matches exact word forms only: %s",
                 dic);
}

bool search_dict_available(void)
{
    pthread_once(&dict_once, dict_load);
    return dict != NULL;
}

static void *preload(void *arg)
{
    (void)arg;
    search_dict_available();
    return NULL;
}

void search_dict_preload(void)
{
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, preload, NULL) != 0)
        log_warn("search: dictionary preload thread failed, loading on first use");
    pthread_attr_destroy(&attr);
}

struct search_stem_cache *search_stem_cache_new(void)
{
    struct search_stem_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        abort();
    return c;
}

void search_stem_cache_free(struct search_stem_cache *c)
{
    free(c);
}

/* worth_stemming: Cyrillic words of two letters or more, without digits (numbers,
 * codes and Latin words have no Ukrainian stems). */
static bool worth_stemming(struct str w)
{
    size_t i = 0, chars = 0;
    bool cyr = false;
    while (i < w.len) {
        int32_t cp = utf8_decode(w.ptr, w.len, &i);
        if (cp >= '0' && cp <= '9')
            return false;
        if (cp >= 0x400 && cp <= 0x4ff)
            cyr = true;
        chars++;
    }
    return cyr && chars >= 2;
}

/* upper_first: the word with its first letter capitalised, for proper nouns
 * (hunspell refuses «полтавщині» but knows «Полтавщині»). */
static void upper_first(struct str w, char *out, size_t size)
{
    size_t i = 0;
    int32_t cp = utf8_decode(w.ptr, w.len, &i);
    if (cp >= 0x430 && cp <= 0x44f)
        cp -= 0x20;
    else if (cp >= 0x450 && cp <= 0x45f)
        cp -= 0x50;
    else if (cp == 0x491)
        cp = 0x490;
    size_t k = utf8_encode(cp < 0 ? '?' : cp, out);
    size_t rest = w.len - i;
    if (k + rest + 1 > size)
        rest = 0;
    memcpy(out + k, w.ptr + i, rest);
    out[k + rest] = '\0';
}

/* lookup asks the dictionary for the stems of the word as folded and capitalised,
 * storing the distinct folded ones (other than the word) in s. */
static void lookup(struct str w, struct slot *s)
{
    char word[SEARCH_MAX_WORD_BYTES + 8], cap[SEARCH_MAX_WORD_BYTES + 8];
    s->n = 0;
    if (w.len > SEARCH_MAX_WORD_BYTES || !worth_stemming(w) || !search_dict_available())
        return;
    memcpy(word, w.ptr, w.len);
    word[w.len] = '\0';
    upper_first(w, cap, sizeof cap);
    const char *forms[2] = {word, cap};
    size_t used = 0;
    struct buf f;
    buf_init(&f, SEARCH_MAX_WORD_BYTES + 8);
    pthread_mutex_lock(&dict_lock);
    for (size_t k = 0; k < 2; k++) {
        char **list = NULL;
        int n = Hunspell_stem(dict, &list, forms[k]);
        for (int j = 0; j < n && s->n < SEARCH_MAX_STEMS; j++) {
            buf_reset(&f);
            if (search_word_fold(&f, str_from_cstr(list[j])) != ERR_OK || f.len == 0 ||
                f.len > 255 || str_eq(buf_str(&f), w) || used + f.len > SLOT_VAL_BYTES)
                continue;
            bool dup = false;
            size_t off = 0;
            for (size_t m = 0; m < s->n; m++) {
                dup = dup || (s->lens[m] == f.len && memcmp(s->val + off, f.data, f.len) == 0);
                off += s->lens[m];
            }
            if (dup)
                continue;
            memcpy(s->val + used, f.data, f.len);
            s->lens[s->n++] = (uint8_t)f.len;
            used += f.len;
        }
        if (n > 0)
            Hunspell_free_list(dict, &list, n);
    }
    pthread_mutex_unlock(&dict_lock);
    buf_free(&f);
}

bool search_word_known(struct str folded)
{
    char word[SEARCH_MAX_WORD_BYTES + 8], cap[SEARCH_MAX_WORD_BYTES + 8];
    if (folded.len > SEARCH_MAX_WORD_BYTES || !worth_stemming(folded) || !search_dict_available())
        return false;
    memcpy(word, folded.ptr, folded.len);
    word[folded.len] = '\0';
    upper_first(folded, cap, sizeof cap);
    pthread_mutex_lock(&dict_lock);
    bool known = Hunspell_spell(dict, word) != 0 || Hunspell_spell(dict, cap) != 0;
    pthread_mutex_unlock(&dict_lock);
    return known;
}

static void slot_out(struct arena *a, const struct slot *s, struct str *stems, size_t *n)
{
    size_t off = 0;
    *n = s->n;
    for (size_t m = 0; m < s->n; m++) {
        struct str v = str_make(s->val + off, s->lens[m]);
        stems[m] = a != NULL ? arena_str(a, v) : v;
        off += s->lens[m];
    }
}

void search_stems(struct search_stem_cache *cache, struct arena *a, struct str folded,
                  struct str *stems, size_t *n)
{
    *n = 0;
    if (cache == NULL) {
        struct slot s;
        lookup(folded, &s);
        slot_out(a, &s, stems, n);
        return;
    }
    if (folded.len > SLOT_KEY_BYTES) {
        lookup(folded, &cache->scratch);
        slot_out(NULL, &cache->scratch, stems, n);
        return;
    }
    uint64_t h = str_hash(folded);
    struct slot *s = &cache->slots[h % SEARCH_STEM_CACHE_SLOTS];
    if (s->hash != h || s->klen != folded.len || memcmp(s->key, folded.ptr, folded.len) != 0) {
        lookup(folded, s);
        s->hash = h;
        s->klen = (uint8_t)folded.len;
        memcpy(s->key, folded.ptr, folded.len);
    }
    slot_out(NULL, s, stems, n);
}
