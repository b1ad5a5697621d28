// A small request handler with a classic leak: the request buffer is freed
// on the success path but not when parsing fails. It also keeps a bounded
// cache (outstanding, but not growing) and churns short-lived buffers, the
// two things a leak report must tell apart from the leak.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REQUESTS 3000
#define CACHE_SLOTS 64

static char* cache[CACHE_SLOTS];

__attribute__((noinline)) static void cache_put(unsigned id, const char* body) {
  unsigned slot = id % CACHE_SLOTS;
  free(cache[slot]);
  cache[slot] = strdup(body);
}

__attribute__((noinline)) static int parse_request(const char* buf) {
  return buf[0] == 'G' ? 0 : -1;  // only GET is understood
}

__attribute__((noinline)) static int handle_request(unsigned id) {
  char* buf = malloc(4096);
  if (!buf) return -1;
  snprintf(buf, 4096, "%s /item/%u HTTP/1.1", id % 10 == 0 ? "BREW" : "GET", id);
  if (parse_request(buf) != 0) {
    return -1;  // the leak: buf is not freed on this path
  }
  cache_put(id, buf);
  free(buf);
  return 0;
}

int main(void) {
  unsigned failed = 0;
  for (unsigned id = 1; id <= REQUESTS; ++id) {
    if (handle_request(id) != 0) ++failed;
    struct timespec pause = {0, 500 * 1000};  // pace it like a service
    nanosleep(&pause, NULL);
  }
  printf("leaky_service: %u requests, %u failed\n", REQUESTS, failed);
  return 0;
}
