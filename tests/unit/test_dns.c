/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: DNS message validation (RFC 1035 4.1, 2.3.4, 3.1, 4.1.4),
 * AAAA (RFC 3596), EDNS0 (RFC 6891 6.1, 6.2.5), TCP framing (RFC 1035
 * 4.2.2, RFC 7766 8), A record rewriting in place for DNS doctoring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/cksum.h>
#include <pinhole/dns.h>

/* www.example.com A IN, RD (dig's shape without EDNS). */
static const uint8_t query_a[] = {
    0x1a, 0x2b, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* Its answer: www CNAME web (compressed into "example.com" at 16), web A
 * 198.18.0.10, web A 198.18.0.11; OPT 1232 with DO and a client cookie. */
static const uint8_t resp_a[] = {
    0x1a, 0x2b, 0x81, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
    0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
    0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00,
    0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x06, 0x03, 0x77, 0x65,
    0x62, 0xc0, 0x10, 0xc0, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x3c, 0x00, 0x04, 0xc6, 0x12, 0x00, 0x0a, 0xc0, 0x2d, 0x00, 0x01, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc6, 0x12, 0x00, 0x0b, 0x00,
    0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x0c, 0x00, 0x0a,
    0x00, 0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};

/* v6.Example.com AAAA 2001:db8::5 (AA); authority NS ns.Example.com;
 * additional ns A 198.19.0.53. */
static const uint8_t resp_aaaa[] = {
    0x07, 0x07, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01,
    0x02, 0x76, 0x36, 0x07, 0x45, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03,
    0x63, 0x6f, 0x6d, 0x00, 0x00, 0x1c, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x1c,
    0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
    0xc0, 0x0f, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x05,
    0x02, 0x6e, 0x73, 0xc0, 0x0f, 0xc0, 0x48, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00, 0x0e, 0x10, 0x00, 0x04, 0xc6, 0x13, 0x00, 0x35,
};

/* ---- a small message builder for hostile cases ---------------------- */

typedef struct {
  uint8_t b[70000];
  size_t n;
} msgbuf;

static void put(msgbuf *m, const void *p, size_t n) {
  assert_true(m->n + n <= sizeof(m->b));
  if (n > 0)
    memcpy(m->b + m->n, p, n);
  m->n += n;
}

static void put16(msgbuf *m, unsigned v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  put(m, b, 2);
}

static void put32(msgbuf *m, uint32_t v) {
  put16(m, v >> 16);
  put16(m, v & 0xffff);
}

static void header(msgbuf *m, unsigned flags, unsigned qd, unsigned an,
                   unsigned ns, unsigned ar) {
  m->n = 0;
  put16(m, 0x4242);
  put16(m, flags);
  put16(m, qd);
  put16(m, an);
  put16(m, ns);
  put16(m, ar);
}

/* Record fixed fields after an owner name already put. */
static void rrfix(msgbuf *m, unsigned type, unsigned cls, uint32_t ttl,
                  const void *rdata, size_t rdlen) {
  put16(m, type);
  put16(m, cls);
  put32(m, ttl);
  put16(m, (unsigned)rdlen);
  put(m, rdata, rdlen);
}

static void question(msgbuf *m, const void *wire, size_t wlen) {
  put(m, wire, wlen);
  put16(m, 1);
  put16(m, 1);
}

static int parse(const msgbuf *b, pinhole_dns_msg *m) {
  return pinhole_dns_parse(b->b, b->n, 0, m);
}

/* ---- valid messages ------------------------------------------------- */

static void test_dns_query(void **state) {
  (void)state;
  pinhole_dns_msg m;
  assert_int_equal(pinhole_dns_parse(query_a, sizeof(query_a), 0, &m), 0);
  assert_int_equal(m.reason, PINHOLE_DNS_OK);
  assert_int_equal(m.id, 0x1a2b);
  assert_int_equal(m.flags, PINHOLE_DNS_FLAG_RD);
  assert_int_equal(m.opcode, 0);
  assert_int_equal(m.rcode, 0);
  assert_int_equal(m.qdcount, 1);
  assert_int_equal(m.ancount + m.nscount + m.arcount, 0);
  assert_int_equal(m.question[0].name_off, 12);
  assert_int_equal(m.question[0].name_len, 17);
  assert_int_equal(m.question[0].qtype, PINHOLE_DNS_TYPE_A);
  assert_int_equal(m.question[0].qclass, PINHOLE_DNS_CLASS_IN);
  assert_int_equal(m.rr_off, 33);
  assert_int_equal(m.limit, 512);
  assert_int_equal(m.mflags, 0);
  assert_int_equal(m.n_a, 0);
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  assert_int_equal(pinhole_dns_rr_next(query_a, sizeof(query_a), &m, &it, &rr),
                   PINHOLE_ERR_NOMATCH);
}

static void test_dns_response_records(void **state) {
  (void)state;
  pinhole_dns_msg m;
  assert_int_equal(pinhole_dns_parse(resp_a, sizeof(resp_a), 0, &m), 0);
  assert_int_equal(m.id, 0x1a2b);
  assert_true(m.flags & PINHOLE_DNS_FLAG_QR);
  assert_int_equal(m.ancount, 3);
  assert_int_equal(m.arcount, 1);
  assert_int_equal(m.n_a, 2);
  assert_int_equal(m.n_aaaa, 0);
  assert_int_equal(m.mflags, PINHOLE_DNS_MSG_EDNS);
  assert_int_equal(m.edns_size, 1232);
  assert_int_equal(m.edns_flags, 0x8000);
  assert_int_equal(m.edns_version, 0);
  assert_int_equal(m.opt_off, 83);
  assert_int_equal(m.limit, 1232);
  assert_int_equal(m.rr_off, 33);

  static const struct {
    uint32_t section;
    uint16_t type;
    size_t off, name_len, rdata_off, rdlength;
  } want[] = {
      {PINHOLE_DNS_SECTION_ANSWER, PINHOLE_DNS_TYPE_CNAME, 33, 2, 45, 6},
      {PINHOLE_DNS_SECTION_ANSWER, PINHOLE_DNS_TYPE_A, 51, 2, 63, 4},
      {PINHOLE_DNS_SECTION_ANSWER, PINHOLE_DNS_TYPE_A, 67, 2, 79, 4},
      {PINHOLE_DNS_SECTION_ADDITIONAL, PINHOLE_DNS_TYPE_OPT, 83, 1, 94, 12},
  };
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(pinhole_dns_rr_next(resp_a, sizeof(resp_a), &m, &it, &rr),
                     0);
    assert_int_equal(rr.section, want[i].section);
    assert_int_equal(rr.type, want[i].type);
    assert_int_equal(rr.off, want[i].off);
    assert_int_equal(rr.name_len, want[i].name_len);
    assert_int_equal(rr.rdata_off, want[i].rdata_off);
    assert_int_equal(rr.rdlength, want[i].rdlength);
  }
  assert_int_equal(rr.rclass, 1232);
  assert_int_equal(pinhole_dns_rr_next(resp_a, sizeof(resp_a), &m, &it, &rr),
                   PINHOLE_ERR_NOMATCH);
  assert_int_equal(it.index, 4);
  assert_int_equal(it.pos, sizeof(resp_a));
}

static void test_dns_aaaa_and_sections(void **state) {
  (void)state;
  pinhole_dns_msg m;
  assert_int_equal(pinhole_dns_parse(resp_aaaa, sizeof(resp_aaaa), 0, &m), 0);
  assert_int_equal(m.opcode, 0);
  assert_true(m.flags & PINHOLE_DNS_FLAG_AA);
  assert_int_equal(m.n_a, 1);
  assert_int_equal(m.n_aaaa, 1);
  assert_int_equal(m.question[0].qtype, PINHOLE_DNS_TYPE_AAAA);
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  assert_int_equal(
      pinhole_dns_rr_next(resp_aaaa, sizeof(resp_aaaa), &m, &it, &rr), 0);
  assert_int_equal(rr.section, PINHOLE_DNS_SECTION_ANSWER);
  assert_int_equal(rr.type, PINHOLE_DNS_TYPE_AAAA);
  assert_int_equal(rr.rdata_off, 44);
  assert_int_equal(rr.ttl, 3600);
  assert_memory_equal(resp_aaaa + rr.rdata_off,
                      "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x05", 16);
  assert_int_equal(
      pinhole_dns_rr_next(resp_aaaa, sizeof(resp_aaaa), &m, &it, &rr), 0);
  assert_int_equal(rr.section, PINHOLE_DNS_SECTION_AUTHORITY);
  assert_int_equal(rr.type, PINHOLE_DNS_TYPE_NS);
  assert_int_equal(
      pinhole_dns_rr_next(resp_aaaa, sizeof(resp_aaaa), &m, &it, &rr), 0);
  assert_int_equal(rr.section, PINHOLE_DNS_SECTION_ADDITIONAL);
  assert_int_equal(rr.type, PINHOLE_DNS_TYPE_A);
  assert_int_equal(rr.off, 77);
  assert_int_equal(rr.rdata_off, 89);
  assert_memory_equal(resp_aaaa + 89, "\xc6\x13\x00\x35", 4);
  /* the owner ns.Example.com, read through two pointers */
  uint8_t n[PINHOLE_DNS_NAME_MAX];
  assert_int_equal(
      pinhole_dns_name_normalize(resp_aaaa, sizeof(resp_aaaa), rr.off, n, 255),
      16);
  assert_memory_equal(n, "\x02ns\x07\x65xample\x03\x63om\x00", 16);
}

/* A 32-bit field at an odd offset straddles the checksum's 16-bit words:
 * its bytes count swapped within each half (RFC 1071 byte order
 * independence). */
static uint32_t cksum_view(uint32_t v, size_t off) {
  return (off & 1) ? ((v & 0x00ff00ffu) << 8 | (v >> 8 & 0x00ff00ffu)) : v;
}

/* DNS doctoring: every A record holding 198.18.0.10 (inside) becomes
 * 198.19.0.10 (public), 4 bytes in place; the UDP checksum follows by an
 * incremental update (the record sits at an odd offset). */
static void test_dns_doctor_a_record(void **state) {
  (void)state;
  uint8_t msg[sizeof(resp_a)];
  memcpy(msg, resp_a, sizeof(msg));
  uint16_t before = pinhole_cksum(msg, sizeof(msg));
  pinhole_dns_msg m;
  assert_int_equal(pinhole_dns_parse(msg, sizeof(msg), 0, &m), 0);
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  int rewritten = 0;
  uint16_t ck = before;
  while (pinhole_dns_rr_next(msg, sizeof(msg), &m, &it, &rr) == 0) {
    if (rr.type != PINHOLE_DNS_TYPE_A || rr.rclass != PINHOLE_DNS_CLASS_IN)
      continue;
    uint32_t old = 0;
    if (msg[rr.rdata_off + 3] != 10)
      continue;
    assert_int_equal(
        pinhole_dns_a_rewrite(msg, sizeof(msg), rr.rdata_off, 0xC613000A, &old),
        0);
    assert_int_equal(old, 0xC612000A);
    assert_true(rr.rdata_off & 1);
    ck = pinhole_cksum_update32(ck, cksum_view(old, rr.rdata_off),
                                cksum_view(0xC613000A, rr.rdata_off));
    rewritten++;
  }
  assert_int_equal(rewritten, 1);
  uint8_t want[sizeof(resp_a)];
  memcpy(want, resp_a, sizeof(want));
  want[64] = 0x13; /* 198.18.0.10 -> 198.19.0.10 */
  assert_memory_equal(msg, want, sizeof(msg));
  assert_int_equal(ck, pinhole_cksum(msg, sizeof(msg)));
  assert_int_not_equal(ck, before);
  /* still the same valid message */
  assert_int_equal(pinhole_dns_parse(msg, sizeof(msg), 0, &m), 0);
  assert_int_equal(m.n_a, 2);
  /* the second A, untouched; NULL old is fine */
  assert_int_equal(
      pinhole_dns_a_rewrite(msg, sizeof(msg), 79, 0xC6130007, NULL), 0);
  assert_memory_equal(msg + 79, "\xc6\x13\x00\x07", 4);
}

static void test_dns_a_rewrite_refuses(void **state) {
  (void)state;
  uint8_t msg[sizeof(resp_aaaa)];
  memcpy(msg, resp_aaaa, sizeof(msg));
  uint32_t old = 7;
  /* AAAA rdata, NS rdata, the question, past the end */
  size_t bad[] = {44, 72, 28, 0, 22, 90, sizeof(msg), SIZE_MAX};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(pinhole_dns_a_rewrite(msg, sizeof(msg), bad[i], 1, &old),
                     PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(old, 7);
  assert_memory_equal(msg, resp_aaaa, sizeof(msg));
  /* the A at 89, but the buffer cut one byte short of its address */
  assert_int_equal(pinhole_dns_a_rewrite(msg, 92, 89, 1, &old),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dns_a_rewrite(NULL, 93, 89, 1, &old),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(
      pinhole_dns_a_rewrite(msg, sizeof(msg), 89, 0xC6130036, &old), 0);
  assert_int_equal(old, 0xC6130035);
}

/* ---- size limits (RFC 1035 4.2.1, RFC 6891 6.2.5, RFC 7766) ---------- */

/* A response padded with a TXT-like record to total bytes, with an OPT
 * record of payload size edns (0: none). */
static void sized(msgbuf *b, size_t total, unsigned edns) {
  static const uint8_t pad[2048];
  header(b, 0x8180, 1, 1, 0, edns ? 1 : 0);
  question(b, "\x01x\x00", 3);
  size_t fixed = b->n + 2 + 10 + (edns ? 11 : 0);
  assert_true(total >= fixed && total - fixed <= sizeof(pad));
  put(b, "\xc0\x0c", 2);
  rrfix(b, 16, 1, 0, pad, total - fixed);
  if (edns) {
    put(b, "\x00", 1);
    rrfix(b, PINHOLE_DNS_TYPE_OPT, edns, 0, NULL, 0);
  }
  assert_int_equal(b->n, total);
}

static void test_dns_udp_size_limit(void **state) {
  (void)state;
  static msgbuf b;
  pinhole_dns_msg m;
  sized(&b, 512, 0);
  assert_int_equal(parse(&b, &m), 0);
  sized(&b, 513, 0);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_RANGE);
  assert_int_equal(m.reason, PINHOLE_DNS_TOO_LONG);
  assert_int_equal(m.limit, 512);
  /* over TCP the same message is fine */
  assert_int_equal(pinhole_dns_parse(b.b, b.n, PINHOLE_DNS_PARSE_TCP, &m), 0);
  assert_int_equal(m.limit, 65535);
  /* EDNS0 raises the limit to the advertised size */
  sized(&b, 1232, 1232);
  assert_int_equal(parse(&b, &m), 0);
  assert_int_equal(m.limit, 1232);
  sized(&b, 1233, 1232);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_RANGE);
  assert_int_equal(m.reason, PINHOLE_DNS_TOO_LONG);
  /* a size below 512 counts as 512 (RFC 6891 6.2.5) */
  sized(&b, 512, 100);
  assert_int_equal(parse(&b, &m), 0);
  assert_int_equal(m.limit, 512);
  assert_int_equal(m.edns_size, 100);
  sized(&b, 600, 100);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_RANGE);
  /* nothing is ever over 65535 */
  assert_int_equal(pinhole_dns_parse(b.b, 65536, PINHOLE_DNS_PARSE_TCP, &m),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(m.reason, PINHOLE_DNS_TOO_LONG);
}

/* ---- hostile messages ----------------------------------------------- */

static void test_dns_truncated_every_length(void **state) {
  (void)state;
  const uint8_t *msgs[] = {query_a, resp_a, resp_aaaa};
  size_t lens[] = {sizeof(query_a), sizeof(resp_a), sizeof(resp_aaaa)};
  for (size_t k = 0; k < 3; k++) {
    for (size_t n = 0; n < lens[k]; n++) {
      uint8_t *copy = malloc(n ? n : 1); /* exact size for ASan */
      assert_non_null(copy);
      memcpy(copy, msgs[k], n);
      pinhole_dns_msg m;
      int rc = pinhole_dns_parse(copy, n, 0, &m);
      free(copy);
      assert_int_equal(rc, PINHOLE_ERR_PARSE);
      assert_int_equal(m.reason,
                       n < 12 ? PINHOLE_DNS_SHORT : PINHOLE_DNS_TRUNCATED);
    }
  }
}

static void test_dns_counts_lie(void **state) {
  (void)state;
  uint8_t msg[sizeof(resp_a)];
  pinhole_dns_msg m;
  /* one record more than there is (an answer more would make the OPT
   * record an answer: PINHOLE_DNS_OPT) */
  memcpy(msg, resp_a, sizeof(msg));
  msg[11] = 2;
  assert_int_equal(pinhole_dns_parse(msg, sizeof(msg), 0, &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_TRUNCATED);
  /* one less: the OPT record is left over */
  msg[11] = 0;
  assert_int_equal(pinhole_dns_parse(msg, sizeof(msg), 0, &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_TRAILING);
  /* every count at its maximum */
  memcpy(msg, resp_aaaa, sizeof(resp_aaaa));
  memset(msg + 6, 0xff, 6);
  assert_int_equal(pinhole_dns_parse(msg, sizeof(resp_aaaa), 0, &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_TRUNCATED);
  /* questions: 4 is the most; 5 and 65535 are refused before any walk */
  memcpy(msg, resp_a, sizeof(msg));
  msg[5] = 5;
  assert_int_equal(pinhole_dns_parse(msg, sizeof(msg), 0, &m),
                   PINHOLE_ERR_UNSUPPORTED);
  assert_int_equal(m.reason, PINHOLE_DNS_QUESTIONS);
  msg[4] = msg[5] = 0xff;
  assert_int_equal(pinhole_dns_parse(msg, sizeof(msg), 0, &m),
                   PINHOLE_ERR_UNSUPPORTED);
  /* a trailing byte after a whole message */
  uint8_t q[sizeof(query_a) + 1];
  memcpy(q, query_a, sizeof(query_a));
  q[sizeof(query_a)] = 0;
  assert_int_equal(pinhole_dns_parse(q, sizeof(q), 0, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_TRAILING);
}

static void test_dns_four_questions(void **state) {
  (void)state;
  static msgbuf b;
  pinhole_dns_msg m;
  header(&b, 0x0100, 4, 0, 0, 0);
  question(&b, "\x01q\x00", 3);     /* 12 */
  question(&b, "\x01r\xc0\x0c", 4); /* 19: r.q */
  question(&b, "\xc0\x13", 2);      /* 27: -> r.q */
  question(&b, "\x00", 1);          /* 33: the root */
  assert_int_equal(parse(&b, &m), 0);
  assert_int_equal(m.question[1].name_off, 19);
  assert_int_equal(m.question[1].name_len, 4);
  assert_int_equal(m.question[2].name_off, 27);
  assert_int_equal(m.question[2].name_len, 2);
  assert_int_equal(m.question[3].name_off, 33);
  assert_int_equal(m.question[3].name_len, 1);
  assert_int_equal(m.rr_off, 38);
  assert_int_equal(pinhole_dns_name_eq(b.b, b.n, 19, b.b, b.n, 27), 1);
  assert_int_equal(pinhole_dns_name_eq(b.b, b.n, 12, b.b, b.n, 27), 0);
}

/* A pointer that points backwards from itself but into its own label run
 * would loop forever in a reader that only checks "backwards". */
static void test_dns_pointer_loop(void **state) {
  (void)state;
  static msgbuf b;
  pinhole_dns_msg m;
  static const struct {
    const char *name;
    size_t len;
  } loops[] = {
      {"\xc0\x0c", 2},         /* to itself */
      {"\x01\x61\xc0\x0c", 4}, /* a -> back to a */
      {"\xc0\x0e\xc0\x0c", 4}, /* to the next pointer (forward) */
      {"\x01\x61\xc0\x0e", 4}, /* to itself, after a label */
      {"\xc0\x04", 2},         /* into the header */
      {"\xc0\x00", 2},         /* to byte 0 */
      {"\xff\xff", 2},         /* far forward */
  };
  for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
    header(&b, 0x0100, 1, 0, 0, 0);
    question(&b, loops[i].name, loops[i].len);
    assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
    assert_int_equal(m.reason, PINHOLE_DNS_POINTER);
  }
  /* two records whose owners point at each other */
  header(&b, 0x8180, 1, 2, 0, 0);
  question(&b, "\x01x\x00", 3);
  put(&b, "\xc0\x23", 2); /* 19: forward to 35 */
  rrfix(&b, PINHOLE_DNS_TYPE_NULL, 1, 0, NULL, 0);
  put(&b, "\xc0\x13", 2); /* 31 */
  rrfix(&b, PINHOLE_DNS_TYPE_NULL, 1, 0, NULL, 0);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_POINTER);
}

/* Owner k points at owner k-1: k pointers to follow. */
static void chain(msgbuf *b, unsigned k) {
  header(b, 0x8180, 1, (unsigned)k, 0, 0);
  question(b, "\x01\x61\x00", 3);
  size_t prev = 12;
  for (unsigned i = 0; i < k; i++) {
    size_t here = b->n;
    put16(b, 0xC000 | (unsigned)prev);
    rrfix(b, PINHOLE_DNS_TYPE_NULL, 1, 0, NULL, 0);
    prev = here;
  }
}

static void test_dns_pointer_hops(void **state) {
  (void)state;
  static msgbuf b;
  pinhole_dns_msg m;
  chain(&b, PINHOLE_DNS_MAX_HOPS);
  assert_int_equal(parse(&b, &m), 0);
  chain(&b, PINHOLE_DNS_MAX_HOPS + 1);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_HOPS);
}

static void test_dns_label_types(void **state) {
  (void)state;
  static msgbuf b;
  pinhole_dns_msg m;
  uint8_t name[70];
  /* 0x40 (64: over 63, the extended label type) and 0x80 (reserved) */
  const uint8_t firsts[] = {0x40, 0x41, 0x7f, 0x80, 0xbf};
  for (size_t i = 0; i < sizeof(firsts); i++) {
    memset(name, 'a', sizeof(name));
    name[0] = firsts[i];
    name[sizeof(name) - 1] = 0;
    header(&b, 0x0100, 1, 0, 0, 0);
    question(&b, name, sizeof(name));
    assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
    assert_int_equal(m.reason, PINHOLE_DNS_LABEL);
  }
  /* 63 is fine */
  memset(name, 'a', 65);
  name[0] = 63;
  name[64] = 0;
  header(&b, 0x0100, 1, 0, 0, 0);
  question(&b, name, 65);
  assert_int_equal(parse(&b, &m), 0);
  assert_int_equal(m.question[0].name_len, 65);
}

/* labels of the given lengths, then the root */
static size_t mkname(uint8_t *out, const size_t *labels, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    out[k++] = (uint8_t)labels[i];
    memset(out + k, 'z', labels[i]);
    k += labels[i];
  }
  out[k++] = 0;
  return k;
}

static void test_dns_name_length(void **state) {
  (void)state;
  static msgbuf b;
  pinhole_dns_msg m;
  uint8_t name[300];
  const size_t ok[] = {63, 63, 63, 61};   /* 64*3 + 62 + 1 = 255 */
  const size_t over[] = {63, 63, 63, 62}; /* 256 */
  size_t many[128];
  for (size_t i = 0; i < 128; i++)
    many[i] = 1;
  size_t n = mkname(name, ok, 4);
  assert_int_equal(n, 255);
  header(&b, 0x0100, 1, 0, 0, 0);
  question(&b, name, n);
  assert_int_equal(parse(&b, &m), 0);
  uint8_t norm[255];
  assert_int_equal(pinhole_dns_name_normalize(b.b, b.n, 12, norm, 255), 255);
  assert_int_equal(pinhole_dns_name_normalize(b.b, b.n, 12, norm, 254),
                   PINHOLE_ERR_NOBUF);
  n = mkname(name, over, 4);
  header(&b, 0x0100, 1, 0, 0, 0);
  question(&b, name, n);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_NAME_LEN);
  n = mkname(name, many, 127); /* 127 * 2 + 1 = 255 */
  header(&b, 0x0100, 1, 0, 0, 0);
  question(&b, name, n);
  assert_int_equal(parse(&b, &m), 0);
  n = mkname(name, many, 128); /* 257 */
  header(&b, 0x0100, 1, 0, 0, 0);
  question(&b, name, n);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_NAME_LEN);
  /* over 255 only once pointers are followed: 200 + 63 + ... */
  const size_t part[] = {63, 63, 63};
  n = mkname(name, part, 3); /* 193 bytes at 12 */
  header(&b, 0x8180, 1, 1, 0, 0);
  question(&b, name, n);
  uint8_t owner[66];
  memset(owner, 'y', sizeof(owner));
  owner[0] = 63;
  owner[64] = 0xc0;
  owner[65] = 0x0c; /* 64 + 193 = 257 */
  put(&b, owner, sizeof(owner));
  rrfix(&b, PINHOLE_DNS_TYPE_NULL, 1, 0, NULL, 0);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_NAME_LEN);
}

static void test_dns_rdata_lengths(void **state) {
  (void)state;
  static msgbuf b;
  pinhole_dns_msg m;
  static const struct {
    unsigned type, cls;
    size_t rdlen;
    uint32_t reason;
  } cases[] = {
      {PINHOLE_DNS_TYPE_A, 1, 4, 0},
      {PINHOLE_DNS_TYPE_A, 1, 3, PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_A, 1, 5, PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_A, 1, 0, PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_A, 3, 5, 0},   /* CH: opaque */
      {PINHOLE_DNS_TYPE_A, 255, 0, 0}, /* ANY in an update */
      {PINHOLE_DNS_TYPE_AAAA, 1, 16, 0},
      {PINHOLE_DNS_TYPE_AAAA, 1, 4, PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_AAAA, 1, 17, PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_NULL, 1, 17, 0},
  };
  static const uint8_t rd[32];
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    header(&b, 0x8180, 0, 1, 0, 0);
    put(&b, "\x00", 1);
    rrfix(&b, cases[i].type, cases[i].cls, 0, rd, cases[i].rdlen);
    int rc = parse(&b, &m);
    assert_int_equal(m.reason, cases[i].reason);
    assert_int_equal(rc, cases[i].reason ? PINHOLE_ERR_PARSE : 0);
  }
}

static void test_dns_opt_rules(void **state) {
  (void)state;
  static msgbuf b;
  pinhole_dns_msg m;
  /* extended rcode, version 1, DO; two options */
  header(&b, 0x8180, 0, 0, 0, 1);
  put(&b, "\x00", 1);
  rrfix(&b, PINHOLE_DNS_TYPE_OPT, 4096, 0x01018000,
        "\x00\x0a\x00\x02\xaa\xbb\x00\x0c\x00\x00", 10);
  assert_int_equal(parse(&b, &m), 0);
  assert_int_equal(m.edns_ext_rcode, 1);
  assert_int_equal(m.edns_version, 1);
  assert_int_equal(m.edns_flags, 0x8000);
  assert_int_equal(m.edns_size, 4096);
  assert_int_equal(m.opt_off, 12);
  /* options not filling RDATA */
  header(&b, 0x8180, 0, 0, 0, 1);
  put(&b, "\x00", 1);
  rrfix(&b, PINHOLE_DNS_TYPE_OPT, 4096, 0, "\x00\x0a\x00\x03\xaa\xbb", 6);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_OPT);
  header(&b, 0x8180, 0, 0, 0, 1);
  put(&b, "\x00", 1);
  rrfix(&b, PINHOLE_DNS_TYPE_OPT, 4096, 0, "\x00\x0a\x00", 3);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_OPT);
  /* in the answer section */
  header(&b, 0x8180, 0, 1, 0, 0);
  put(&b, "\x00", 1);
  rrfix(&b, PINHOLE_DNS_TYPE_OPT, 1232, 0, NULL, 0);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_OPT);
  /* twice */
  header(&b, 0x8180, 0, 0, 0, 2);
  for (int i = 0; i < 2; i++) {
    put(&b, "\x00", 1);
    rrfix(&b, PINHOLE_DNS_TYPE_OPT, 1232, 0, NULL, 0);
  }
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_OPT);
  /* owned by a name that is not the root */
  header(&b, 0x8180, 1, 0, 0, 1);
  question(&b, "\x01x\x00", 3);
  put(&b, "\xc0\x0c", 2);
  rrfix(&b, PINHOLE_DNS_TYPE_OPT, 1232, 0, NULL, 0);
  assert_int_equal(parse(&b, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_OPT);
}

/* Names inside the RDATA of NS, CNAME, PTR, DNAME, MX, SRV, SOA are read
 * like owner names and must fill their RDATA as the type defines. */
static void test_dns_rdata_names(void **state) {
  (void)state;
  static msgbuf b;
  pinhole_dns_msg m;
  header(&b, 0x8180, 1, 4, 0, 0);
  question(&b, "\x07\x65xample\x03\x63om\x00", 13);
  put(&b, "\xc0\x0c", 2);
  rrfix(&b, PINHOLE_DNS_TYPE_MX, 1, 300, "\x00\x0a\x04mail\xc0\x0c", 9);
  put(&b, "\xc0\x0c", 2);
  rrfix(&b, PINHOLE_DNS_TYPE_SRV, 1, 300,
        "\x00\x00\x00\x05\x13\xc4\x03sip\xc0\x0c", 12);
  put(&b, "\xc0\x0c", 2);
  rrfix(&b, PINHOLE_DNS_TYPE_SOA, 1, 300,
        "\x02ns\xc0\x0c\x05\x61\x64min\xc0\x0c"
        "\x78\xa5\x5b\x35\x00\x00\x1c\x20\x00\x00\x03\x84\x00\x12\x75\x00"
        "\x00\x00\x01\x2c",
        33);
  put(&b, "\xc0\x0c", 2);
  rrfix(&b, PINHOLE_DNS_TYPE_PTR, 1, 300, "\xc0\x0c", 2);
  size_t ok_len = b.n;
  assert_int_equal(parse(&b, &m), 0);

  static const struct {
    unsigned type, cls;
    const char *rd;
    size_t rdlen;
    uint32_t reason;
  } cases[] = {
      {PINHOLE_DNS_TYPE_CNAME, 1, "\x01w\xc0\x0c", 4, 0},
      {PINHOLE_DNS_TYPE_CNAME, 1, "\x01w\xc0\x0c\x00", 5, PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_CNAME, 1, "\x01w\x00", 2, PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_CNAME, 1, "", 0, PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_CNAME, 1, "\xc0\xf0", 2, PINHOLE_DNS_POINTER},
      {PINHOLE_DNS_TYPE_CNAME, 1, "\x41w\x00", 3, PINHOLE_DNS_LABEL},
      {PINHOLE_DNS_TYPE_CNAME, 3, "\xc0\xf0", 2, 0}, /* CH: opaque */
      {PINHOLE_DNS_TYPE_CNAME, 255, "", 0, 0},       /* update: delete */
      {PINHOLE_DNS_TYPE_NS, 1, "\x00", 1, 0},
      {PINHOLE_DNS_TYPE_DNAME, 1, "\x00\x00", 2, PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_MX, 1, "\x00", 1, PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_MX, 1, "\x00\x01\x00", 3, 0},
      {PINHOLE_DNS_TYPE_SRV, 1, "\x00\x00\x00\x00\x00\x00", 6,
       PINHOLE_DNS_RDATA},
      {PINHOLE_DNS_TYPE_SOA, 1, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
       11, PINHOLE_DNS_RDATA}, /* 2 names and 9 of the 20 bytes */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    b.n = ok_len;
    b.b[7] = 5;
    put(&b, "\xc0\x0c", 2);
    rrfix(&b, cases[i].type, cases[i].cls, 0, cases[i].rd, cases[i].rdlen);
    int rc = parse(&b, &m);
    assert_int_equal(m.reason, cases[i].reason);
    assert_int_equal(rc, cases[i].reason ? PINHOLE_ERR_PARSE : 0);
  }
}

/* A name may not read address bytes (A, AAAA RDATA) through a pointer:
 * DNS doctoring rewrites those bytes, and must never change a name. */
static void test_dns_pointer_into_address(void **state) {
  (void)state;
  static msgbuf b;
  pinhole_dns_msg m;
  /* 12: x; 19: A record owner -> 12, RDATA at 31 reads as the name "a" */
  static const size_t targets[] = {31, 30, 32, 19};
  static const uint32_t reasons[] = {PINHOLE_DNS_POINTER, PINHOLE_DNS_POINTER,
                                     PINHOLE_DNS_POINTER, 0};
  for (size_t i = 0; i < 4; i++) {
    header(&b, 0x8180, 1, 2, 0, 0);
    question(&b, "\x01x\x00", 3);
    put(&b, "\xc0\x0c", 2);
    rrfix(&b, PINHOLE_DNS_TYPE_A, 1, 0, "\x01\x61\x00\x00", 4);
    assert_int_equal(b.n, 35);
    put16(&b, 0xC000 | (unsigned)targets[i]);
    rrfix(&b, PINHOLE_DNS_TYPE_NULL, 1, 0, NULL, 0);
    int rc = parse(&b, &m);
    assert_int_equal(m.reason, reasons[i]);
    assert_int_equal(rc, reasons[i] ? PINHOLE_ERR_PARSE : 0);
  }
  /* in a CNAME's RDATA too; AAAA bytes too; a CH "A" is no address */
  static const struct {
    unsigned type, cls;
    uint32_t reason;
  } rd[] = {{PINHOLE_DNS_TYPE_A, 1, PINHOLE_DNS_POINTER},
            {PINHOLE_DNS_TYPE_AAAA, 1, PINHOLE_DNS_POINTER},
            {PINHOLE_DNS_TYPE_A, 3, 0},
            {PINHOLE_DNS_TYPE_NULL, 1, 0}};
  for (size_t i = 0; i < 4; i++) {
    header(&b, 0x8180, 1, 2, 0, 0);
    question(&b, "\x01x\x00", 3);
    put(&b, "\xc0\x0c", 2);
    size_t rdlen = rd[i].type == PINHOLE_DNS_TYPE_AAAA ? 16 : 4;
    static const uint8_t addr[16] = {0x01, 0x61, 0x00};
    rrfix(&b, rd[i].type, rd[i].cls, 0, addr, rdlen);
    put(&b, "\xc0\x0c", 2);
    rrfix(&b, PINHOLE_DNS_TYPE_CNAME, 1, 0, "\xc0\x1f", 2);
    int rc = parse(&b, &m);
    assert_int_equal(m.reason, rd[i].reason);
    assert_int_equal(rc, rd[i].reason ? PINHOLE_ERR_PARSE : 0);
  }
}

/* ---- TCP framing ---------------------------------------------------- */

static void test_dns_tcp_frames(void **state) {
  (void)state;
  /* query, answer, and the first half of the query again */
  static uint8_t s[2 + sizeof(query_a) + 2 + sizeof(resp_a) + 20];
  size_t n = 0;
  s[n++] = 0;
  s[n++] = sizeof(query_a);
  memcpy(s + n, query_a, sizeof(query_a));
  n += sizeof(query_a);
  s[n++] = 0;
  s[n++] = sizeof(resp_a);
  memcpy(s + n, resp_a, sizeof(resp_a));
  n += sizeof(resp_a);
  s[n++] = 0;
  s[n++] = sizeof(query_a);
  memcpy(s + n, query_a, 18);
  n += 18;
  assert_int_equal(n, sizeof(s));

  size_t pos = 0, len, seen = 0;
  int rc;
  while ((rc = pinhole_dns_tcp_frame(s + pos, sizeof(s) - pos, &len)) == 0) {
    pinhole_dns_msg m;
    assert_int_equal(
        pinhole_dns_parse(s + pos + 2, len, PINHOLE_DNS_PARSE_TCP, &m), 0);
    assert_int_equal(m.id, 0x1a2b);
    pos += 2 + len;
    seen++;
  }
  assert_int_equal(rc, PINHOLE_ERR_PARTIAL);
  assert_int_equal(seen, 2);
  assert_int_equal(len, sizeof(query_a));
  assert_int_equal(pos, sizeof(s) - 20);

  /* the first message, split at every byte */
  for (size_t cut = 0; cut < 2 + sizeof(query_a); cut++) {
    rc = pinhole_dns_tcp_frame(cut ? s : NULL, cut, &len);
    assert_int_equal(rc, PINHOLE_ERR_PARTIAL);
    assert_int_equal(len, cut < 2 ? 0 : sizeof(query_a));
  }
  assert_int_equal(pinhole_dns_tcp_frame(s, 2 + sizeof(query_a), &len), 0);
  /* lengths that cannot hold a header */
  assert_int_equal(pinhole_dns_tcp_frame((const uint8_t *)"\x00\x0b", 2, &len),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(len, 11);
  assert_int_equal(pinhole_dns_tcp_frame((const uint8_t *)"\x00\x00", 2, &len),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_dns_tcp_frame((const uint8_t *)"\xff\xff", 2, &len),
                   PINHOLE_ERR_PARTIAL);
  assert_int_equal(len, 65535);
  assert_int_equal(pinhole_dns_tcp_frame(s, 2, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dns_tcp_frame(NULL, 2, &len),
                   PINHOLE_ERR_INVALID_ARG);
}

/* ---- names across messages (query <-> answer matching) -------------- */

static void test_dns_name_compare(void **state) {
  (void)state;
  static msgbuf b;
  /* WWW.EXAMPLE.com, written with a pointer into "EXAMPLE.com" */
  header(&b, 0x8180, 1, 0, 0, 0);
  put(&b, "\x07\x45XAMPLE\x03\x63om\x00", 13);
  /* a question name at 25 that is WWW + pointer to 12 */
  size_t q = b.n;
  put(&b, "\x03WWW\xc0\x0c", 6);
  assert_int_equal(q, 25);
  assert_int_equal(
      pinhole_dns_name_eq(query_a, sizeof(query_a), 12, b.b, b.n, 25), 1);
  assert_int_equal(
      pinhole_dns_name_eq(query_a, sizeof(query_a), 12, b.b, b.n, 12), 0);
  assert_int_equal(
      pinhole_dns_name_eq(query_a, sizeof(query_a), 16, b.b, b.n, 12), 1);
  /* same labels, different split: "ab" vs "a.b" */
  assert_int_equal(
      pinhole_dns_name_eq((const uint8_t *)"\x02\x61\x62\x00", 4, 0,
                          (const uint8_t *)"\x01\x61\x01\x62\x00", 5, 0),
      0);
  uint8_t n[255];
  assert_int_equal(pinhole_dns_name_normalize(b.b, b.n, 25, n, sizeof(n)), 17);
  assert_memory_equal(n, "\x03www\x07\x65xample\x03\x63om\x00", 17);
  /* the bare pointer at 29 is EXAMPLE.com */
  assert_int_equal(
      pinhole_dns_name_eq(b.b, b.n, 29, query_a, sizeof(query_a), 16), 1);
}

static void test_dns_name_compare_bad(void **state) {
  (void)state;
  const uint8_t loop[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c};
  uint8_t n[255];
  assert_int_equal(
      pinhole_dns_name_eq(loop, sizeof(loop), 12, query_a, sizeof(query_a), 12),
      PINHOLE_ERR_PARSE);
  assert_int_equal(
      pinhole_dns_name_eq(query_a, sizeof(query_a), 12, loop, sizeof(loop), 12),
      PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_dns_name_normalize(loop, sizeof(loop), 12, n, 255),
                   PINHOLE_ERR_PARSE);
  /* past the end */
  assert_int_equal(
      pinhole_dns_name_normalize(query_a, sizeof(query_a), 33, n, 255),
      PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_dns_name_normalize(NULL, 0, 0, n, 255),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(
      pinhole_dns_name_normalize(query_a, sizeof(query_a), 12, NULL, 255),
      PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dns_name_eq(NULL, 0, 0, query_a, 33, 12),
                   PINHOLE_ERR_INVALID_ARG);
}

/* rr_next on bytes that are not the parsed message: bounded, refused. */
static void test_dns_rr_next_other_bytes(void **state) {
  (void)state;
  pinhole_dns_msg m;
  assert_int_equal(pinhole_dns_parse(resp_a, sizeof(resp_a), 0, &m), 0);
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  /* the same message cut after the first record */
  assert_int_equal(pinhole_dns_rr_next(resp_a, 51, &m, &it, &rr), 0);
  assert_int_equal(pinhole_dns_rr_next(resp_a, 51, &m, &it, &rr),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(it.index, 1);
  /* the query's bytes with the answer's counts */
  pinhole_dns_iter it2 = {0, 0};
  assert_int_equal(pinhole_dns_rr_next(query_a, sizeof(query_a), &m, &it2, &rr),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_dns_rr_next(NULL, 0, &m, &it2, &rr),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dns_rr_next(resp_a, 5, NULL, &it2, &rr),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_dns_invalid_args(void **state) {
  (void)state;
  pinhole_dns_msg m;
  assert_int_equal(pinhole_dns_parse(query_a, sizeof(query_a), 0, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dns_parse(NULL, 12, 0, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dns_parse(query_a, sizeof(query_a), 2, &m),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dns_parse(NULL, 0, 0, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_SHORT);
}

static void test_dns_reason_names(void **state) {
  (void)state;
  static const char *const want[] = {
      "ok",       "short",    "truncated", "trailing",  "label",
      "name-len", "pointer",  "hops",      "questions", "rdata",
      "opt",      "too-long", "nb-name",   "nb-rdata",
  };
  for (int i = 0; i < 14; i++)
    assert_string_equal(pinhole_dns_reason_name(i), want[i]);
  assert_string_equal(pinhole_dns_reason_name(14), "unknown");
  assert_string_equal(pinhole_dns_reason_name(-1), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dns_query),
      cmocka_unit_test(test_dns_response_records),
      cmocka_unit_test(test_dns_aaaa_and_sections),
      cmocka_unit_test(test_dns_doctor_a_record),
      cmocka_unit_test(test_dns_a_rewrite_refuses),
      cmocka_unit_test(test_dns_udp_size_limit),
      cmocka_unit_test(test_dns_truncated_every_length),
      cmocka_unit_test(test_dns_counts_lie),
      cmocka_unit_test(test_dns_four_questions),
      cmocka_unit_test(test_dns_pointer_loop),
      cmocka_unit_test(test_dns_pointer_hops),
      cmocka_unit_test(test_dns_label_types),
      cmocka_unit_test(test_dns_name_length),
      cmocka_unit_test(test_dns_rdata_lengths),
      cmocka_unit_test(test_dns_opt_rules),
      cmocka_unit_test(test_dns_rdata_names),
      cmocka_unit_test(test_dns_pointer_into_address),
      cmocka_unit_test(test_dns_tcp_frames),
      cmocka_unit_test(test_dns_name_compare),
      cmocka_unit_test(test_dns_name_compare_bad),
      cmocka_unit_test(test_dns_rr_next_other_bytes),
      cmocka_unit_test(test_dns_invalid_args),
      cmocka_unit_test(test_dns_reason_names),
  };
  return cmocka_run_group_tests_name("unit.dns", tests, NULL, NULL);
}
