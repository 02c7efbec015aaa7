/* test_match.c: the alert feed's JSON mapping (alert/match.c): region names compared as a
 * reader compares them, the alerts.in.ua preset and other mappings, broken answers, and
 * the banner's state machine. The poller against a real HTTP server is in
 * tests/integration/test_alert_feed.py. */
#include <string.h>

#include "alert/alert.h"
#include "check.h"

static const struct alert_mapping preset = {.list = "/alerts",
                                            .region_field = "location_title",
                                            .filter_field = "alert_type",
                                            .filter_value = "air_raid"};

/* a shortened answer of GET /v1/alerts/active.json */
static const char alerts_in_ua[] =
    "{\"alerts\":["
    "{\"id\":1,\"location_title\":\"Полтавська область\",\"location_type\":\"oblast\","
    "\"alert_type\":\"air_raid\",\"location_oblast\":\"Полтавська область\"},"
    "{\"id\":2,\"location_title\":\"Кам’янець-Подільський район\",\"location_type\":\"raion\","
    "\"alert_type\":\"air_raid\",\"location_oblast\":\"Хмельницька область\"},"
    "{\"id\":3,\"location_title\":\"Херсонська область\",\"location_type\":\"oblast\","
    "\"alert_type\":\"artillery_shelling\",\"location_oblast\":\"Херсонська область\"}"
    "],\"meta\":{\"last_updated_at\":\"2026/12/03 12:00:00 +0000\"},\"disclaimer\":\"…\"}";

static int match(const char *body, const struct alert_mapping *m, const char *region)
{
    bool active = true;
    char why[256] = "";
    if (alert_match(body, strlen(body), m, region, &active, why, sizeof why) != ERR_OK)
        return -1;
    return active ? 1 : 0;
}

static void test_region_eq(void)
{
    struct {
        const char *a, *b;
        bool eq;
    } cases[] = {
        {"Полтавська область", "Полтавська область", true},
        {"Полтавська область", "ПОЛТАВСЬКА ОБЛАСТЬ", true},
        {"Полтавська область", "полтавська Область", true},
        {"Полтавська область", "  Полтавська   область ", true},
        {"Полтавська область", "Полтавськаобласть", false},
        {"Полтавська область", "Полтавський район", false},
        {"Полтавська область", "Полтавська", false},
        /* one letter to a reader: ' ’ ʼ ‘ ` */
        {"Кам'янець-Подільський район", "Кам’янець-Подільський район", true},
        {"Кам'янець-Подільський район", "Камʼянець-Подільський район", true},
        {"Кам’янець-Подільський район", "Кам‘янець-Подільський район", true},
        {"Кам’янець-Подільський район", "КАМ`ЯНЕЦЬ-ПОДІЛЬСЬКИЙ РАЙОН", true},
        {"Кам’янець-Подільський район", "Кам-янець-Подільський район", false},
        {"Кам’янець-Подільський район", "Камянець-Подільський район", false},
        {"Ізюмський район", "ізюмський район", true},
        {"Ґалаґанівка", "ґалаґанівка", true},
        {"Єнакієве", "єнакієве", true},
        {"Kyiv City", "kyiv city", true},
        {"", "", true},
        {"", " ", true},
        {"a", "", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = alert_region_eq(str_from_cstr(cases[i].a), str_from_cstr(cases[i].b));
        if (got != cases[i].eq)
            fprintf(stderr, "region case %zu: '%s' vs '%s'\n", i, cases[i].a, cases[i].b);
        CHECK(got == cases[i].eq);
        CHECK(alert_region_eq(str_from_cstr(cases[i].b), str_from_cstr(cases[i].a)) == cases[i].eq);
    }
    /* invalid UTF-8 equals nothing, not even itself */
    CHECK(!alert_region_eq(STR_LIT("\xff"), STR_LIT("\xff")));
}

static void test_preset(void)
{
    CHECK(match(alerts_in_ua, &preset, "Полтавська область") == 1);
    CHECK(match(alerts_in_ua, &preset, "полтавська ОБЛАСТЬ") == 1);
    CHECK(match(alerts_in_ua, &preset, "Кам'янець-Подільський район") == 1);
    CHECK(match(alerts_in_ua, &preset, "Камʼянець-Подільський район") == 1);
    CHECK(match(alerts_in_ua, &preset, "Київська область") == 0);
    /* an artillery warning is not an air-raid alert */
    CHECK(match(alerts_in_ua, &preset, "Херсонська область") == 0);
    /* without the filter every alert counts */
    struct alert_mapping any = preset;
    any.filter_field = "";
    CHECK(match(alerts_in_ua, &any, "Херсонська область") == 1);
    /* any alert inside the oblast: follow location_oblast instead */
    struct alert_mapping oblast = preset;
    oblast.region_field = "location_oblast";
    CHECK(match(alerts_in_ua, &oblast, "Хмельницька область") == 1);
    CHECK(match(alerts_in_ua, &preset, "Хмельницька область") == 0);
    /* the all-clear: the list is empty */
    CHECK(match("{\"alerts\":[],\"meta\":{}}", &preset, "Полтавська область") == 0);
}

static void test_other_shapes(void)
{
    /* the answer is the list itself */
    struct alert_mapping root = {.list = "", .region_field = "region"};
    CHECK(match("[{\"region\":\"Полтавська область\"}]", &root, "Полтавська область") == 1);
    CHECK(match("[]", &root, "Полтавська область") == 0);
    /* nested, with an index and escaped segments (~1 is '/', ~0 is '~') */
    struct alert_mapping deep = {.list = "/data/0/a~1b/c~0d", .region_field = "name"};
    CHECK(match("{\"data\":[{\"a/b\":{\"c~d\":[{\"name\":\"Київ\"}]}}]}", &deep, "київ") == 1);
    CHECK(match("{\"data\":[{\"a/b\":{\"c~d\":[]}}]}", &deep, "Київ") == 0);
    /* entries that are not objects, fields missing or not strings: skipped */
    CHECK(match("{\"alerts\":[1,\"x\",null,{\"location_title\":5,\"alert_type\":\"air_raid\"},"
                "{\"alert_type\":\"air_raid\"},{\"location_title\":\"Полтавська область\"}]}",
                &preset, "Полтавська область") == 0);
    CHECK(match("{\"alerts\":[1,{\"location_title\":\"Полтавська область\",\"alert_type\":"
                "\"AIR_RAID\"}]}",
                &preset, "Полтавська область") == 1);
}

static void test_broken(void)
{
    char why[256] = "";
    bool active = true;
    CHECK(alert_match("not json", 8, &preset, "Полтавська область", &active, why, sizeof why) ==
          ERR_PARSE);
    CHECK(!active);
    CHECK(strstr(why, "not JSON") != NULL);
    CHECK(match("", &preset, "Полтавська область") == -1);
    CHECK(match("{\"alerts\":{}}", &preset, "Полтавська область") == -1);
    CHECK(match("{\"other\":[]}", &preset, "Полтавська область") == -1);
    CHECK(match("{\"alerts\":[", &preset, "Полтавська область") == -1);
    CHECK(match("[]", &preset, "Полтавська область") == -1); /* no /alerts in a list */
    /* a duplicated key could hide an alert behind a second value */
    CHECK(match("{\"alerts\":[],\"alerts\":[]}", &preset, "Полтавська область") == -1);
    struct alert_mapping bad = preset;
    bad.list = "alerts"; /* not a pointer */
    CHECK(match(alerts_in_ua, &bad, "Полтавська область") == -1);
    bad.list = "/alerts/x";
    CHECK(match(alerts_in_ua, &bad, "Полтавська область") == -1);
    /* the reason never quotes the body (it is the feed's, and may be anything) */
    char body[] = "{\"alerts\": secret-token-123}";
    CHECK(alert_match(body, strlen(body), &preset, "x", &active, why, sizeof why) == ERR_PARSE);
    CHECK(strstr(why, "secret-token-123") == NULL);
}

static void test_state(void)
{
    struct alert_state s = {.known = 0};
    const unsigned stale = 60, clear = 900;
    /* an answer without an alert at start: nothing, and no all-clear */
    CHECK(!alert_state_step(&s, ALERT_POLL_OFF, 1000, stale, clear));
    CHECK(s.shown == ALERT_BANNER_NONE);
    /* alert: shown; the same answer again changes nothing */
    CHECK(alert_state_step(&s, ALERT_POLL_ON, 2000, stale, clear));
    CHECK(s.shown == ALERT_BANNER_ALERT);
    CHECK(!alert_state_step(&s, ALERT_POLL_ON, 3000, stale, clear));
    /* failures keep the alert until the feed has been silent for stale seconds */
    CHECK(!alert_state_step(&s, ALERT_POLL_FAILED, 30000, stale, clear));
    CHECK(s.shown == ALERT_BANNER_ALERT);
    CHECK(!alert_state_step(&s, ALERT_POLL_FAILED, 63000, stale, clear));
    CHECK(alert_state_step(&s, ALERT_POLL_FAILED, 63001, stale, clear));
    CHECK(s.shown == ALERT_BANNER_NONE);
    /* back with no alert: the forgotten alert gets no all-clear */
    CHECK(!alert_state_step(&s, ALERT_POLL_OFF, 70000, stale, clear));
    /* alert, then all clear for 900 s, then nothing */
    CHECK(alert_state_step(&s, ALERT_POLL_ON, 80000, stale, clear));
    CHECK(alert_state_step(&s, ALERT_POLL_OFF, 90000, stale, clear));
    CHECK(s.shown == ALERT_BANNER_ALL_CLEAR);
    CHECK(!alert_state_step(&s, ALERT_POLL_OFF, 100000, stale, clear));
    CHECK(!alert_state_step(&s, ALERT_POLL_OFF, 989999, stale, clear));
    CHECK(alert_state_step(&s, ALERT_POLL_OFF, 990000, stale, clear));
    CHECK(s.shown == ALERT_BANNER_NONE);
    /* a new alert during the all-clear replaces it */
    CHECK(alert_state_step(&s, ALERT_POLL_ON, 1000000, stale, clear));
    CHECK(alert_state_step(&s, ALERT_POLL_OFF, 1001000, stale, clear));
    CHECK(alert_state_step(&s, ALERT_POLL_ON, 1002000, stale, clear));
    CHECK(s.shown == ALERT_BANNER_ALERT);
    /* a silent feed ends the all-clear early too */
    CHECK(alert_state_step(&s, ALERT_POLL_OFF, 1003000, stale, clear));
    CHECK(alert_state_step(&s, ALERT_POLL_NONE, 1063001, stale, clear));
    CHECK(s.shown == ALERT_BANNER_NONE);
    /* all_clear_s = 0: straight from the alert to nothing */
    struct alert_state z = {.known = 0};
    CHECK(alert_state_step(&z, ALERT_POLL_ON, 1000, stale, 0));
    CHECK(alert_state_step(&z, ALERT_POLL_OFF, 2000, stale, 0));
    CHECK(z.shown == ALERT_BANNER_NONE);
}

int main(void)
{
    test_region_eq();
    test_preset();
    test_other_shapes();
    test_broken();
    test_state();
    return check_done();
}
