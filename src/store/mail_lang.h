/* store/mail_lang.h: the language a digest subscriber reads in (issue 14; the column
 * mail_subscribers.lang of migration 17, read into struct store_subscriber.lang). */
#ifndef VISNYK_STORE_MAIL_LANG_H
#define VISNYK_STORE_MAIL_LANG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* store_mail_lang_valid: whether lang is one a subscriber may choose ("uk", "en"). */
bool store_mail_lang_valid(struct str lang);
/* store_subscriber_set_lang sets the subscriber's language (STORE_WRITE, in the caller's
 * transaction). ERR_INVALID for a language store_mail_lang_valid refuses, ERR_NOTFOUND
 * when there is no such subscriber. */
ERR_MUST_USE
enum err store_subscriber_set_lang(struct store *s, int64_t id, struct str lang);

#endif
