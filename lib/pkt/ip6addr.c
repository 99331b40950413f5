/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 addresses as values and as text: IPv4-embedded IPv6 addresses
 * (RFC 6052 sec. 2.2 and the well-known prefix's rule of sec. 3.1), the
 * RFC 5952 canonical text, and the RFC 4291 sec. 2.2 text forms read with
 * the shared cursor (lib/alg/text.h).
 */
#include <pinhole/ipv6.h>

#include <string.h>

#include "alg/text.h"
#include "pkt/bytes.h"

/* ---- RFC 6052 --------------------------------------------------------- */

#define PH6_U_OCTET 8u /* bits 64-71 */

/* A prefix length of sec. 2.2; for /96 the prefix's u octet is zero. */
static int ph6_plen_ok(const uint8_t prefix[16], unsigned plen) {
  if (plen != 32 && plen != 40 && plen != 48 && plen != 56 && plen != 64 &&
      plen != 96)
    return 0;
  return plen != 96 || prefix[PH6_U_OCTET] == 0;
}

int pinhole_nat64_embed(uint8_t out[16], const uint8_t prefix[16],
                        unsigned plen, uint32_t v4) {
  if (out == NULL || prefix == NULL || !ph6_plen_ok(prefix, plen))
    return PINHOLE_ERR_INVALID_ARG;
  size_t at = plen / 8u;
  uint8_t a[16] = {0};
  memcpy(a, prefix, at);
  for (int sh = 24; sh >= 0; sh -= 8) {
    if (at == PH6_U_OCTET)
      at++; /* the u octet stays zero */
    a[at++] = (uint8_t)(v4 >> sh);
  }
  memcpy(out, a, 16);
  return 0;
}

int pinhole_nat64_extract(const uint8_t addr[16], const uint8_t prefix[16],
                          unsigned plen, uint32_t *v4) {
  if (addr == NULL || prefix == NULL || v4 == NULL ||
      !ph6_plen_ok(prefix, plen))
    return PINHOLE_ERR_INVALID_ARG;
  size_t at = plen / 8u;
  if (memcmp(addr, prefix, at) != 0 || addr[PH6_U_OCTET] != 0)
    return PINHOLE_ERR_NOMATCH;
  uint32_t a = 0;
  for (int i = 0; i < 4; i++) {
    if (at == PH6_U_OCTET)
      at++;
    a = a << 8 | addr[at++];
  }
  *v4 = a;
  return 0;
}

/* Non-global IPv4 space (RFC 6890 "Global: False", RFC 5735 sec. 3):
 * network, mask. */
static const uint32_t ph_nonglobal[][2] = {
    {0x00000000u, 0xff000000u}, /* 0/8 this network */
    {0x0a000000u, 0xff000000u}, /* 10/8 private */
    {0x64400000u, 0xffc00000u}, /* 100.64/10 shared (CGN) */
    {0x7f000000u, 0xff000000u}, /* 127/8 loopback */
    {0xa9fe0000u, 0xffff0000u}, /* 169.254/16 link local */
    {0xac100000u, 0xfff00000u}, /* 172.16/12 private */
    {0xc0000000u, 0xffffff00u}, /* 192.0.0/24 IETF protocol assignments */
    {0xc0000200u, 0xffffff00u}, /* 192.0.2/24 TEST-NET-1 */
    {0xc0586300u, 0xffffff00u}, /* 192.88.99/24 6to4 relay (RFC 7526) */
    {0xc0a80000u, 0xffff0000u}, /* 192.168/16 private */
    {0xc6120000u, 0xfffe0000u}, /* 198.18/15 benchmarking */
    {0xc6336400u, 0xffffff00u}, /* 198.51.100/24 TEST-NET-2 */
    {0xcb007100u, 0xffffff00u}, /* 203.0.113/24 TEST-NET-3 */
    {0xe0000000u, 0xf0000000u}, /* 224/4 multicast */
    {0xf0000000u, 0xf0000000u}, /* 240/4 reserved, limited broadcast */
};

int pinhole_nat64_wkp_allowed(uint32_t v4) {
  if (v4 == 0xc0000009u || v4 == 0xc000000au)
    return 1; /* 192.0.0.9 PCP anycast, .10 TURN anycast: global */
  for (size_t i = 0; i < sizeof(ph_nonglobal) / sizeof(ph_nonglobal[0]); i++)
    if ((v4 & ph_nonglobal[i][1]) == ph_nonglobal[i][0])
      return 0;
  return 1;
}

/* ---- RFC 5952 text ---------------------------------------------------- */

/* The longest run of two or more zero groups, the first of equal ones:
 * its start in *at, its length returned (0: none). */
static size_t ph6_zero_run(const uint16_t g[8], size_t *at) {
  size_t best = 0, cur = 0;
  for (size_t i = 0; i < 8; i++) {
    cur = g[i] == 0 ? cur + 1 : 0;
    if (cur > best) {
      best = cur;
      *at = i + 1 - cur;
    }
  }
  return best >= 2 ? best : 0;
}

static void ph6_wr_hex(ph_wr *w, uint16_t v) {
  static const char hex[] = "0123456789abcdef";
  int started = 0;
  for (int sh = 12; sh >= 0; sh -= 4) {
    unsigned d = (v >> sh) & 0xfu;
    if (d != 0 || started || sh == 0) {
      ph_wr_ch(w, (uint8_t)hex[d]);
      started = 1;
    }
  }
}

static void ph6_wr_addr(ph_wr *w, const uint8_t a[16]) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(a, mapped, 12) == 0) {
    ph_wr_put(w, (const uint8_t *)"::ffff:", 7);
    ph_wr_ipv4(w, ph_get32(a + 12));
    return;
  }
  uint16_t g[8];
  for (size_t i = 0; i < 8; i++)
    g[i] = ph_get16(a + 2 * i);
  size_t at = 8;
  size_t run = ph6_zero_run(g, &at);
  for (size_t i = 0; i < 8; i++) {
    if (run != 0 && i == at) {
      ph_wr_put(w, (const uint8_t *)"::", 2);
      i += run - 1;
      continue;
    }
    if (i != 0 && !(run != 0 && i == at + run))
      ph_wr_ch(w, ':');
    ph6_wr_hex(w, g[i]);
  }
}

/* Ends the text with a NUL if it fits: the length, or NOBUF. */
static int ph6_wr_done(ph_wr *w) {
  if (w->len >= w->cap)
    return PINHOLE_ERR_NOBUF;
  w->b[w->len] = 0;
  return (int)w->len;
}

int pinhole_addr6_format(const uint8_t addr[16], char *buf, size_t len) {
  if (addr == NULL || buf == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  ph_wr w = {(uint8_t *)buf, len, 0};
  ph6_wr_addr(&w, addr);
  return ph6_wr_done(&w);
}

int pinhole_endpoint6_format(const uint8_t addr[16], uint16_t port, char *buf,
                             size_t len) {
  if (addr == NULL || buf == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  ph_wr w = {(uint8_t *)buf, len, 0};
  ph_wr_ch(&w, '[');
  ph6_wr_addr(&w, addr);
  ph_wr_put(&w, (const uint8_t *)"]:", 2);
  ph_wr_u32(&w, port);
  return ph6_wr_done(&w);
}

/* ---- RFC 4291 sec. 2.2 text ------------------------------------------ */

/* 1-4 hex digits: 0 with *v, or -1 (none, or a fifth). */
static int ph6_cur_group(ph_cur *c, uint16_t *v) {
  unsigned x = 0;
  size_t n = 0;
  while (ph_cur_left(c) > 0 && ph_is_xdigit(c->p[c->pos])) {
    if (++n > 4)
      return -1;
    uint8_t ch = ph_lower(c->p[c->pos++]);
    x = x << 4 | (unsigned)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
  }
  *v = (uint16_t)x;
  return n == 0 ? -1 : 0;
}

/* The groups of c in g[0..*n) and where "::" stood (*gap, -1: none). */
static int ph6_cur_groups(ph_cur *c, uint16_t g[8], size_t *n, int *gap) {
  *n = 0;
  *gap = -1;
  if (ph_cur_eat(c, ':')) {
    if (!ph_cur_eat(c, ':'))
      return -1;
    *gap = 0;
  }
  while (ph_cur_left(c) > 0) {
    if (*n == 8)
      return -1;
    ph_cur t = *c;
    uint32_t v4;
    if (ph_cur_ipv4(&t, &v4) == 0 && ph_cur_left(&t) == 0) {
      if (*n > 6)
        return -1;
      g[(*n)++] = (uint16_t)(v4 >> 16);
      g[(*n)++] = (uint16_t)v4;
      *c = t;
      return 0;
    }
    if (ph6_cur_group(c, &g[*n]) != 0)
      return -1;
    (*n)++;
    if (ph_cur_left(c) == 0)
      return 0;
    if (!ph_cur_eat(c, ':'))
      return -1;
    if (ph_cur_eat(c, ':')) {
      if (*gap >= 0)
        return -1;
      *gap = (int)*n;
    } else if (ph_cur_left(c) == 0) {
      return -1; /* a trailing single ':' */
    }
  }
  return 0;
}

int pinhole_addr6_parse(const char *s, size_t len, uint8_t addr[16]) {
  if (s == NULL || addr == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  ph_cur c = ph_cur_make((const uint8_t *)s, len);
  uint16_t g[8];
  size_t n;
  int gap;
  if (len == 0 || ph6_cur_groups(&c, g, &n, &gap) != 0)
    return PINHOLE_ERR_PARSE;
  if (gap < 0 ? n != 8 : n > 7)
    return PINHOLE_ERR_PARSE;
  uint8_t a[16] = {0};
  size_t tail = gap < 0 ? 0 : n - (size_t)gap;
  size_t head = n - tail;
  for (size_t i = 0; i < n; i++) {
    /* group i's place: the head from the left, the tail from the right */
    size_t at = i < head ? i : 8 - tail + (i - head);
    if (at >= 8)
      return PINHOLE_ERR_PARSE;
    ph_put16(a + 2 * at, g[i]);
  }
  memcpy(addr, a, 16);
  return 0;
}

int pinhole_prefix6_parse(const char *s, size_t len, uint8_t addr[16],
                          unsigned *plen) {
  if (s == NULL || addr == NULL || plen == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  const char *slash = memchr(s, '/', len);
  if (slash == NULL)
    return PINHOLE_ERR_PARSE;
  size_t alen = (size_t)(slash - s);
  const uint8_t *num = (const uint8_t *)slash + 1;
  size_t nlen = len - alen - 1;
  uint32_t bits;
  uint8_t a[16];
  if (ph_dec(num, nlen, 128, &bits) != 0 || (nlen > 1 && num[0] == '0') ||
      pinhole_addr6_parse(s, alen, a) != 0)
    return PINHOLE_ERR_PARSE;
  for (size_t bit = bits; bit < 128; bit++)
    if (a[bit / 8u] & (0x80u >> (bit % 8u)))
      return PINHOLE_ERR_PARSE; /* host bits set */
  memcpy(addr, a, 16);
  *plen = bits;
  return 0;
}
