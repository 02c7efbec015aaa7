# visnyk.vcl: Varnish (Debian's varnish 7 + varnish-modules) in front of visnyk.
#
#   varnishd -a :80 -f /etc/varnish/visnyk.vcl -s malloc,1G
#   visnyk.ini:  purge_url = http://127.0.0.1:80/_purge
#
# What it does (docs/OPERATIONS.md, "In front of the origin"):
# - caches what visnyk marks public, for s-maxage; keeps it afterwards for
#   stale-while-revalidate (served while a fresh copy is fetched) and stale-if-error
#   (served while visnyk is down), both read from Cache-Control;
# - indexes every object by its surrogate keys (vmod xkey reads the xkey header, which
#   is filled from visnyk's Surrogate-Key);
# - takes visnyk's purges (POST /_purge or PURGE, keys in Surrogate-Key) from loopback
#   only, and soft-purges: the objects expire at once but stay for grace, so a reader
#   never waits on a purged page while visnyk answers, and still gets it while visnyk
#   is down (a hard purge would drop it: a 503 instead);
# - never caches the workspace (/admin), answers with Set-Cookie or no-store, or
#   requests that carry the session cookie.
vcl 4.1;

import std;
import xkey;

backend visnyk {
    .host = "127.0.0.1";
    .port = "8080";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    # the health of the origin decides whether a stale page may be served: while
    # visnyk answers, a purged page is fetched fresh; while it does not, the stale copy
    # is served for up to stale-if-error
    .probe = {
        .url = "/robots.txt";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

# who may purge: visnyk on this machine
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE" || (req.method == "POST" && req.url ~ "^/_purge(\?|$)")) {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.Surrogate-Key) {
            return (synth(400, "Surrogate-Key header required"));
        }
        set req.http.X-Purged = xkey.softpurge(req.http.Surrogate-Key);
        return (synth(200, "Purged"));
    }
    # the client's address for visnyk's limits and audit log (visnyk trusts the
    # X-Forwarded-For of the proxies in trusted_proxies only)
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/admin(/|\?|$)") {
        return (pass);
    }
    # a signed-in editor sees the site as it is (previews, fresh pages)
    if (req.http.Cookie ~ "(^|;\s*)(__Host-)?visnyk_session=") {
        return (pass);
    }
    # no public page depends on a cookie: drop them so every reader shares one copy
    unset req.http.Cookie;
    # a healthy origin: a soft-purged object (expired, in grace) is fetched at once
    # rather than served stale; see vcl_hit for the rest
    if (req.restarts > 0 && req.http.X-Visnyk-Refetch) {
        set req.grace = 0s;
    }
    return (hash);
}

sub vcl_hit {
    # obj.ttl < 0: expired (soft-purged, or past s-maxage) and kept for grace. While the
    # origin is healthy, serve it stale only for what stale-while-revalidate allows and
    # only when it expired by itself; a soft-purged object (its ttl was cut short: ttl +
    # age < the s-maxage it came with) is fetched fresh at once.
    if (obj.ttl < 0s && req.restarts == 0 && std.healthy(req.backend_hint)) {
        if (obj.ttl + obj.age + 1s < std.duration(obj.http.X-Visnyk-TTL, 0s) ||
            obj.ttl + std.duration(obj.http.X-Visnyk-SWR, 0s) < 0s) {
            set req.http.X-Visnyk-Refetch = "1";
            return (restart);
        }
    }
    return (deliver);
}

sub vcl_backend_response {
    # the session, or anything visnyk does not mark public, is never stored
    if (bereq.url ~ "^/admin(/|\?|$)" || beresp.http.Set-Cookie ||
        beresp.http.Cache-Control !~ "(?i)(^|,)\s*public\s*(,|$)" ||
        beresp.http.Cache-Control ~ "(?i)no-store|private") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # xkey indexes the xkey header; visnyk sends the keys as Surrogate-Key
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # beresp.ttl is s-maxage already. Grace: stale-while-revalidate and stale-if-error,
    # the longer of the two; vcl_hit keeps the stale-while-revalidate limit while the
    # origin is healthy.
    set beresp.http.X-Visnyk-TTL = "" + beresp.ttl + "s";
    set beresp.http.X-Visnyk-SWR = "0s";
    if (beresp.http.Cache-Control ~ "stale-while-revalidate=[0-9]+") {
        set beresp.http.X-Visnyk-SWR = regsub(beresp.http.Cache-Control,
            "^.*stale-while-revalidate=([0-9]+).*$", "\1s");
    }
    set beresp.grace = 0s;
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
        set beresp.grace = std.duration(regsub(beresp.http.Cache-Control,
            "^.*stale-if-error=([0-9]+).*$", "\1s"), 0s);
    }
    if (std.duration(beresp.http.X-Visnyk-SWR, 0s) > beresp.grace) {
        set beresp.grace = std.duration(beresp.http.X-Visnyk-SWR, 0s);
    }
    return (deliver);
}

sub vcl_deliver {
    # the keys and our bookkeeping are for caches, not for readers
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.X-Visnyk-TTL;
    unset resp.http.X-Visnyk-SWR;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_synth {
    if (req.http.X-Purged) {
        set resp.http.Content-Type = "application/json";
        set resp.body = {"{"purged":"} + req.http.X-Purged + "}";
        return (deliver);
    }
}
