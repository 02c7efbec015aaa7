/* proxy.c: who the client is behind reverse proxies. A proxy appends the address it saw
 * to X-Forwarded-For; everything left of that came from the client and may be forged.
 * So the list is believed only from peers in trusted_proxies, and only from the right:
 * each trusted hop vouches for the one before it, and the first hop that is not trusted
 * is the client (the rule of nginx's real_ip_recursive and Go's and Rails' trusted-proxy
 * handling). Addresses are compared as 16 bytes, IPv4 as IPv4-mapped IPv6, and handed on
 * in one normal text form so that every limit keys a client the same way. */
#include <arpa/inet.h>
#include <string.h>

#include "http/http_internal.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool http__ip_parse(struct str ip, uint8_t out[16])
{
    char text[HTTP__IP_LEN];
    if (ip.len == 0 || ip.len >= sizeof(text))
        return false;
    memcpy(text, ip.ptr, ip.len);
    text[ip.len] = '\0';
    struct in_addr a4;
    if (inet_pton(AF_INET, text, &a4) == 1) {
        memcpy(out, v4_mapped_prefix, sizeof(v4_mapped_prefix));
        memcpy(out + 12, &a4, 4);
        return true;
    }
    struct in6_addr a6;
    if (inet_pton(AF_INET6, text, &a6) == 1) {
        memcpy(out, &a6, 16);
        return true;
    }
    return false;
}

void http__ip_format(const uint8_t addr[16], char out[HTTP__IP_LEN])
{
    if (memcmp(addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
        if (inet_ntop(AF_INET, addr + 12, out, HTTP__IP_LEN) == NULL)
            out[0] = '\0';
        return;
    }
    if (inet_ntop(AF_INET6, addr, out, HTTP__IP_LEN) == NULL)
        out[0] = '\0';
}

/* mask_to clears the bits of addr past the first bits. */
static void mask_to(uint8_t addr[16], unsigned bits)
{
    for (unsigned i = 0; i < 16; i++) {
        if (bits >= 8) {
            bits -= 8;
            continue;
        }
        addr[i] &= (uint8_t)(0xff00u >> bits);
        bits = 0;
    }
}

static bool in_range(const struct http_cidr *c, const uint8_t addr[16])
{
    unsigned whole = c->bits / 8u, rest = c->bits % 8u;
    if (memcmp(c->addr, addr, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (addr[whole] & mask) == c->addr[whole];
}

static bool trusted_bytes(const struct http_proxies *p, const uint8_t addr[16])
{
    if (p == NULL)
        return false;
    for (size_t i = 0; i < p->n; i++)
        if (in_range(&p->e[i], addr))
            return true;
    return false;
}

bool http__proxies_match(const struct http_proxies *p, const char *ip)
{
    uint8_t addr[16];
    if (p == NULL || p->n == 0 || !http__ip_parse(str_from_cstr(ip), addr))
        return false;
    return trusted_bytes(p, addr);
}

/* parse_cidr reads "ADDR" or "ADDR/BITS". */
static bool parse_cidr(struct str s, struct http_cidr *out)
{
    size_t slash = str_find_char(s, '/');
    struct str addr = slash == SIZE_MAX ? s : str_sub(s, 0, slash);
    if (!http__ip_parse(addr, out->addr))
        return false;
    bool v4 = str_find_char(addr, ':') == SIZE_MAX;
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash != SIZE_MAX) {
        struct str b = str_sub(s, slash + 1, SIZE_MAX);
        if (b.len == 0 || b.len > 3)
            return false;
        bits = 0;
        for (size_t i = 0; i < b.len; i++) {
            if (b.ptr[i] < '0' || b.ptr[i] > '9')
                return false;
            bits = bits * 10 + (unsigned)(b.ptr[i] - '0');
        }
        if (bits > max)
            return false;
    }
    if (v4)
        bits += 96; /* the mapped prefix is part of every IPv4 range */
    out->bits = (uint8_t)bits;
    mask_to(out->addr, bits);
    return true;
}

static bool is_sep(char ch)
{
    return ch == ',' || ch == ' ' || ch == '\t';
}

enum err http_proxies_parse(struct str list, struct http_proxies *out, struct str *bad)
{
    out->n = 0;
    *bad = STR_NULL;
    size_t i = 0;
    while (i < list.len) {
        if (is_sep(list.ptr[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < list.len && !is_sep(list.ptr[i]))
            i++;
        struct str entry = str_sub(list, start, i - start);
        if (out->n >= HTTP_MAX_TRUSTED_PROXIES) {
            *bad = entry;
            return ERR_TOO_LARGE;
        }
        if (!parse_cidr(entry, &out->e[out->n])) {
            *bad = entry;
            return ERR_INVALID;
        }
        out->n++;
    }
    return ERR_OK;
}

/* parse_hop reads one X-Forwarded-For element: an address, "[IPv6]" or "[IPv6]:port",
 * or "IPv4:port" (some proxies add the port). */
static bool parse_hop(struct str hop, uint8_t out[16])
{
    hop = str_trim(hop);
    if (hop.len > 0 && hop.ptr[0] == '[') {
        size_t close = str_find_char(hop, ']');
        if (close == SIZE_MAX)
            return false;
        struct str after = str_sub(hop, close + 1, SIZE_MAX);
        if (after.len > 0 && (after.len < 2 || after.len > 6 || after.ptr[0] != ':'))
            return false;
        for (size_t i = 1; i < after.len; i++)
            if (after.ptr[i] < '0' || after.ptr[i] > '9')
                return false;
        return http__ip_parse(str_sub(hop, 1, close - 1), out);
    }
    size_t colon = str_find_char(hop, ':');
    if (colon != SIZE_MAX && str_find_char(hop, '.') != SIZE_MAX &&
        str_find_char(str_sub(hop, colon + 1, SIZE_MAX), ':') == SIZE_MAX) {
        struct str port = str_sub(hop, colon + 1, SIZE_MAX);
        if (port.len == 0 || port.len > 5)
            return false;
        for (size_t i = 0; i < port.len; i++)
            if (port.ptr[i] < '0' || port.ptr[i] > '9')
                return false;
        hop = str_sub(hop, 0, colon);
        /* "IPv4:port" only: an IPv6 address with a dotted tail has more colons */
        return str_find_char(hop, ':') == SIZE_MAX && http__ip_parse(hop, out);
    }
    return http__ip_parse(hop, out);
}

void http__client_address(const struct http_proxies *trusted, const char *peer,
                          const struct http_header *headers, size_t n_headers,
                          char out[HTTP__IP_LEN])
{
    uint8_t cur[16];
    if (!http__ip_parse(str_from_cstr(peer), cur)) {
        size_t len = strnlen(peer, HTTP__IP_LEN - 1);
        memcpy(out, peer, len);
        out[len] = '\0';
        return;
    }
    if (trusted_bytes(trusted, cur)) {
        /* right to left over the lines, and over each line's list */
        bool done = false;
        for (size_t i = n_headers; i > 0 && !done; i--) {
            const struct http_header *h = &headers[i - 1];
            if (!str_eq_nocase(h->name, STR_LIT("X-Forwarded-For")))
                continue;
            struct str rest = h->value;
            while (!done && rest.len > 0) {
                size_t start = rest.len;
                while (start > 0 && rest.ptr[start - 1] != ',')
                    start--;
                struct str hop = str_sub(rest, start, rest.len - start);
                rest.len = start > 0 ? start - 1 : 0;
                if (str_trim(hop).len == 0)
                    continue; /* empty list elements are allowed (RFC 9110 5.6.1) */
                uint8_t addr[16];
                if (!parse_hop(hop, addr)) {
                    done = true; /* nothing left of a hop we cannot read is believed */
                    break;
                }
                memcpy(cur, addr, sizeof(cur));
                if (!trusted_bytes(trusted, cur))
                    done = true;
            }
        }
    }
    http__ip_format(cur, out);
}
