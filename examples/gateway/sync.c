/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-gw's state sync over UDP (sync.h, docs/ha.md).
 */
#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pinhole/state.h>

#define SYNC_NS 1000000000ull /* a pass every second */
#define SYNC_FULL_EVERY 10    /* and a full snapshot every tenth */

int gw_sync_open(struct gw_sync *s, char *arg, int to) {
  struct sockaddr_in sa;
  uint32_t addr = 0;
  memset(&sa, 0, sizeof(sa));
  char *port_s = arg;
  if (to) {
    char *colon = strchr(arg, ':');
    if (colon == NULL)
      return -1;
    *colon = '\0';
    port_s = colon + 1;
    if (pinhole_addr_parse(arg, &addr))
      return -1;
  }
  char *end;
  long port = strtol(port_s, &end, 10);
  if (*end != '\0' || port < 1 || port > 65535)
    return -1;
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(addr);
  s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  s->to = to;
  if (s->fd < 0 || (to ? connect(s->fd, (struct sockaddr *)&sa, sizeof(sa))
                       : bind(s->fd, (struct sockaddr *)&sa, sizeof(sa))) < 0) {
    perror("pinhole-gw: sync socket");
    return -1;
  }
  if (!to) { /* room for a burst of pieces */
    int rcv = 4 << 20;
    (void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
  }
  return 0;
}

int gw_sync_key(const char *hex, pinhole_hash_key *key) {
  uint64_t k[2] = {0, 0};
  if (strlen(hex) != 32)
    return -1;
  for (int i = 0; i < 32; i++) {
    int c = hex[i], v = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
    if (v < 0)
      return -1;
    k[i / 16] = k[i / 16] << 4 | (uint64_t)v;
  }
  key->k0 = k[0];
  key->k1 = k[1];
  return 0;
}

void gw_sync_tick(pinhole_ctx *ctx, struct gw_sync *s, uint64_t now) {
  if (s->fd < 0 || !s->to || now < s->next_ns)
    return;
  s->next_ns = now + SYNC_NS;
  if (s->passes++ % SYNC_FULL_EVERY == 0)
    s->cursor = 0;
  for (int piece = 0; piece < 1000; piece++) { /* bounded: a pass's pieces */
    size_t len = 0;
    uint64_t next;
    int rc = pinhole_state_export(ctx, now, s->cursor, s->buf, sizeof(s->buf),
                                  &len, &next);
    if (rc == PINHOLE_ERR_RANGE && s->cursor != 0) {
      s->cursor = 0; /* deletions lost: a full snapshot instead */
      continue;
    }
    if (rc < 0) {
      s->errors++;
      fprintf(stderr, "pinhole-gw: sync export: %s\n", pinhole_strerror(rc));
      s->cursor = 0;
      return;
    }
    if (send(s->fd, s->buf, len, 0) < 0 && errno != ECONNREFUSED)
      s->errors++;
    s->blobs++;
    s->cursor = next;
    if (rc == 1)
      return;
  }
}

void gw_sync_read(pinhole_ctx *ctx, struct gw_sync *s, uint64_t now) {
  for (int i = 0; i < 64; i++) { /* bounded per wake-up */
    ssize_t n = recv(s->fd, s->buf, sizeof(s->buf), MSG_DONTWAIT);
    if (n < 0)
      return;
    int rc = pinhole_state_import(ctx, now, s->buf, (size_t)n);
    s->blobs++;
    if (rc < 0) {
      s->errors++;
      fprintf(stderr, "pinhole-gw: sync import: %s\n", pinhole_strerror(rc));
    } else {
      s->imported += (unsigned long)rc;
    }
  }
}
