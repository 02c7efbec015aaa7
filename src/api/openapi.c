/* openapi.c: the OpenAPI 3 document of the API, served at /api/v1/openapi.json. The
 * document is the data file src/api/openapi.json, compiled into the binary as a byte
 * array at build time (cmake/embed.cmake), so nothing is looked up at run time.
 * tests/integration/test_api.py checks real answers against it and test_openapi.py
 * checks it against the routes api.c registers: change it together with api.c. */
#include "api/api.h"

/* generated: build/<type>/generated/openapi_json.c (the bytes, then a NUL) */
extern const unsigned char api__openapi_json[];
extern const size_t api__openapi_json_size;

struct str api_openapi_json(void)
{
    return str_make((const char *)api__openapi_json, api__openapi_json_size);
}
