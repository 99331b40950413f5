/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the DNS parser (include/pinhole/dns.h).
 *
 * Every input is parsed as a UDP message and as a TCP one, and framed as a
 * TCP stream. The return code must match the reason. On success: every
 * question name lies inside the message and normalizes to 1..255 bytes and
 * equals itself; the record walk returns exactly the counted records, in
 * bounds, ending at the last byte, with the A/AAAA counts the parse gave;
 * every A record is rewritten in a copy to an input-derived address, and
 * the copy must parse again the same with the new address in place.
 * Aborts otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/dns.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c))                                                                  \
      abort();                                                                 \
  } while (0)

static int expected_rc(uint32_t reason) {
  if (reason == PINHOLE_DNS_TOO_LONG)
    return PINHOLE_ERR_RANGE;
  if (reason == PINHOLE_DNS_QUESTIONS)
    return PINHOLE_ERR_UNSUPPORTED;
  return reason == 0 ? 0 : PINHOLE_ERR_PARSE;
}

static void check_questions(const uint8_t *p, size_t len,
                            const pinhole_dns_msg *m) {
  CHECK(m->qdcount <= PINHOLE_DNS_MAX_QUESTIONS);
  size_t pos = PINHOLE_DNS_HEADER_LEN;
  for (size_t i = 0; i < m->qdcount; i++) {
    const pinhole_dns_question *q = &m->question[i];
    CHECK(q->name_off == pos && q->name_len >= 1 && q->name_len <= len - pos);
    pos += q->name_len + 4;
    uint8_t n[PINHOLE_DNS_NAME_MAX];
    int nl = pinhole_dns_name_normalize(p, len, q->name_off, n, sizeof(n));
    CHECK(nl >= 1 && nl <= PINHOLE_DNS_NAME_MAX && n[nl - 1] == 0);
    CHECK(pinhole_dns_name_eq(p, len, q->name_off, p, len, q->name_off) == 1);
  }
  CHECK(m->rr_off == pos && pos <= len);
}

/* Walks the records; rewrites every A record of copy (if non-NULL). */
static size_t walk(const uint8_t *p, size_t len, const pinhole_dns_msg *m,
                   uint8_t *copy, uint32_t addr) {
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  size_t n = 0, na = 0, naaaa = 0, end = m->rr_off;
  while (pinhole_dns_rr_next(p, len, m, &it, &rr) == 0) {
    CHECK(rr.off == end && rr.name_len >= 1);
    CHECK(rr.rdata_off == rr.off + rr.name_len + 10);
    CHECK(rr.rdlength <= len - rr.rdata_off);
    end = rr.rdata_off + rr.rdlength;
    n++;
    if (rr.rclass == PINHOLE_DNS_CLASS_IN && rr.type == PINHOLE_DNS_TYPE_A) {
      CHECK(rr.rdlength == 4);
      na++;
      if (copy != NULL) {
        uint32_t old;
        CHECK(pinhole_dns_a_rewrite(copy, len, rr.rdata_off, addr, &old) == 0);
      }
    }
    if (rr.rclass == PINHOLE_DNS_CLASS_IN && rr.type == PINHOLE_DNS_TYPE_AAAA) {
      CHECK(rr.rdlength == 16);
      naaaa++;
    }
  }
  CHECK(n == (size_t)m->ancount + m->nscount + m->arcount);
  CHECK(end == len && it.pos == (n ? len : 0));
  CHECK(na == m->n_a && naaaa == m->n_aaaa);
  return n;
}

static void check_ok(const uint8_t *p, size_t len, unsigned flags,
                     const pinhole_dns_msg *m) {
  CHECK(len >= PINHOLE_DNS_HEADER_LEN && len <= m->limit);
  check_questions(p, len, m);
  uint8_t *copy = malloc(len);
  CHECK(copy != NULL);
  memcpy(copy, p, len);
  uint32_t addr = len > 16 ? (uint32_t)p[len - 1] << 24 | p[len / 2] : 7;
  size_t n = walk(p, len, m, copy, addr);
  pinhole_dns_msg m2;
  CHECK(pinhole_dns_parse(copy, len, flags, &m2) == 0);
  CHECK(m2.n_a == m->n_a && m2.rr_off == m->rr_off && m2.limit == m->limit);
  CHECK(walk(copy, len, &m2, NULL, 0) == n);
  free(copy);
}

static void one(const uint8_t *p, size_t len, unsigned flags) {
  pinhole_dns_msg m;
  int rc = pinhole_dns_parse(p, len, flags, &m);
  CHECK(m.reason <= PINHOLE_DNS_TOO_LONG);
  CHECK(rc == expected_rc(m.reason));
  CHECK(pinhole_dns_reason_name((int)m.reason)[0] != 'u');
  if (rc == 0)
    check_ok(p, len, flags, &m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  one(data, size, 0);
  one(data, size, PINHOLE_DNS_PARSE_TCP);
  size_t pos = 0, n;
  int rc;
  while ((rc = pinhole_dns_tcp_frame(data + pos, size - pos, &n)) == 0) {
    CHECK(n >= PINHOLE_DNS_HEADER_LEN && n <= size - pos - 2);
    one(data + pos + 2, n, PINHOLE_DNS_PARSE_TCP);
    pos += 2 + n;
  }
  CHECK(rc == PINHOLE_ERR_PARTIAL || rc == PINHOLE_ERR_PARSE);
  CHECK(pos <= size);
  return 0;
}
