/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Conversation records only where an ALG needs them (issue 24): a plain
 * connection is a conversation of its own, without a record; an ALG
 * session takes one of max_conversations. Both kinds list, number,
 * clear and travel by state sync as before: a table of plain flows goes
 * on past max_conversations, an ALG session is refused (counted) only
 * when the records run out, an FTP data connection joins its session's
 * conversation, and the ids keep their order through all of it.
 */
#include <pinhole/state.h>

#include "helpers.h"

#define CLI IP4(198, 18, 0, 100)
#define H1 IP4(198, 18, 0, 7)
#define SRV OUT_HOST
#define W1 IP4(198, 19, 0, 9)

#define BLOB 65536
static uint8_t blob[BLOB];

/* The conversation ids of t in listing order: n of them. */
typedef struct ids {
  uint32_t id[32];
  size_t n;
} ids;

static int ids_add(const pinhole_flow_info *fi, void *user) {
  ids *s = user;
  if (s->n == 0 || s->id[s->n - 1] != fi->conv_id) {
    assert_true(s->n < 32);
    s->id[s->n++] = fi->conv_id;
  }
  return 0;
}

/* Asserts t's conversations are these ids, in this order (0 ends). */
static void ids_are(tctx *t, const uint32_t *want) {
  ids s = {{0}, 0};
  assert_true(pinhole_flows_visit(t->ctx, ids_add, &s) >= 0);
  size_t n = 0;
  while (want[n] != 0)
    n++;
  for (size_t i = 0; i < s.n && i < n; i++)
    if (s.id[i] != want[i])
      fail_msg("conversation %zu: id %u, want %u", i, s.id[i], want[i]);
  assert_int_equal(s.n, n);
}

static pinhole_usage usage(tctx *t) {
  pinhole_usage u;
  t_usage(t, &u);
  return u;
}

/* An FTP control connection from CLI:cport up to the server's greeting
 * (one frame from the client, two from the server). */
static void ftp_open(tctx *t, uint16_t cport, uint64_t now) {
  tpkt p;
  t_tcp(&p, CLI, cport, SRV, 21, 100, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, now), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, SRV, 21, PUB, cport, 900, 101, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_out(t, &p, now), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, SRV, 21, PUB, cport, 901, 101, PINHOLE_TCP_ACK, T_FTP_GREETING);
  assert_int_equal(t_out(t, &p, now), PINHOLE_VERDICT_FORWARD);
}

/* A UDP flow from H1:sport to W1:7, one datagram. */
static int udp_open(tctx *t, uint16_t sport, uint64_t now) {
  tpkt p;
  t_udp(&p, H1, sport, W1, 7, "q");
  return t_in(t, &p, now);
}

static void clear_id(tctx *t, uint32_t id, int want) {
  pinhole_conv_filter f;
  memset(&f, 0, sizeof(f));
  f.size = sizeof(f);
  f.conv_id = id;
  assert_int_equal(pinhole_conversations_clear(t->ctx, &f), want);
}

#define UDP_CONV(port)                                                         \
  "Conversation: ALG protocol: none\n"                                         \
  "  Number of initiators: 1, Number of responders: 1\n"                       \
  "Flow                                          State    Dir  Frm count\n"    \
  "UDP 198.18.0.7:" port " -> 198.19.0.9:7           Forward  I          1\n"  \
  "    NAT source 198.18.0.7:" port " -> 198.19.0.1:" port "\n"                \
  "UDP 198.19.0.9:7 -> 198.19.0.1:" port "           Forward  O          0\n"  \
  "    NAT dest 198.19.0.1:" port " -> 198.18.0.7:" port "\n"

#define FTP_CONV(port)                                                         \
  "Conversation: ALG protocol: ftp\n"                                          \
  "  Number of initiators: 1, Number of responders: 1\n"                       \
  "Flow                                          State    Dir  Frm count\n"    \
  "TCP 198.18.0.100:" port " -> 198.19.0.2:21       Watch    I          1\n"   \
  "    NAT source 198.18.0.100:" port " -> 198.19.0.1:" port "\n"              \
  "TCP 198.19.0.2:21 -> 198.19.0.1:" port "         Watch    O          2\n"   \
  "    NAT dest 198.19.0.1:" port " -> 198.18.0.100:" port "\n"

/* max_conversations 2 in a table of 8 connections: plain flows fill it
 * past the two records, the third ALG session is refused as the records
 * ran out (counted, an event), the ninth connection as the table is full;
 * the listing shows every conversation in id order, and ids go on as
 * they always did (the refused plain connection took one). Clearing a
 * conversation of either kind by id frees its room. */
static void test_conv_plain_past_records(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_flows = 8;
  cfg.max_watch = 4;
  cfg.max_conversations = 2;
  cfg.max_mappings = 16; /* the ninth connection finds a mapping */
  tctx *t = t_ctx_cfg(&cfg);
  assert_int_equal(udp_open(t, 5001, SEC), PINHOLE_VERDICT_FORWARD);
  ftp_open(t, 40000, SEC);
  assert_int_equal(udp_open(t, 5002, SEC), PINHOLE_VERDICT_FORWARD);
  ftp_open(t, 40010, SEC);
  assert_int_equal(udp_open(t, 5003, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(usage(t).alg_conversations, 2);
  assert_false(t_has_event(t, "table full"));
  /* a third ALG session: no record left */
  tpkt p;
  t_tcp(&p, CLI, 40020, SRV, 21, 100, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "conversation table full"));
  /* plain connections need none: the table fills */
  for (uint16_t port = 5004; port <= 5006; port++)
    assert_int_equal(udp_open(t, port, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(udp_open(t, 5007, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "flow table full"));
  pinhole_usage u = usage(t);
  assert_int_equal(u.flows, 8);
  assert_int_equal(u.conversations, 8);
  assert_int_equal(u.alg_conversations, 2);
  assert_int_equal(u.max_conversations, 2);
  assert_int_equal(u.watch, 2);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 8, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_NEW_DISCARD, 2, PINHOLE_CNT_DROP_FLOW_FULL, 2, -1);
  ids_are(t, (const uint32_t[]){1, 2, 3, 4, 5, 6, 7, 8, 0});
  t_listing_is(t, UDP_CONV("5001") FTP_CONV("40000") UDP_CONV("5002")
                      FTP_CONV("40010") UDP_CONV("5003") UDP_CONV("5004")
                          UDP_CONV("5005") UDP_CONV("5006"));

  /* a plain conversation cleared: its event, its room; the next one is
   * 10 (9 went with the refused connection) and comes last */
  clear_id(t, 1, 1);
  assert_true(t_has_event(t, "PINHOLE_FLOW_CLOSED: conv=1 proto=UDP"));
  assert_int_equal(udp_open(t, 5008, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  ids_are(t, (const uint32_t[]){2, 3, 4, 5, 6, 7, 8, 10, 0});
  /* an ALG conversation cleared gives its record back: the third session
   * fits, as conversation 11 */
  clear_id(t, 2, 1);
  assert_true(t_has_event(t, "PINHOLE_FLOW_CLOSED: conv=2 proto=TCP"));
  assert_int_equal(usage(t).alg_conversations, 1);
  ftp_open(t, 40020, 2 * SEC);
  assert_int_equal(usage(t).alg_conversations, 2);
  ids_are(t, (const uint32_t[]){3, 4, 5, 6, 7, 8, 10, 11, 0});
  t_listing_is(t, UDP_CONV("5002") FTP_CONV("40010") UDP_CONV("5003")
                      UDP_CONV("5004") UDP_CONV("5005") UDP_CONV("5006")
                          UDP_CONV("5008") FTP_CONV("40020"));
  /* a filter on the ALG clears the plain ones only (6 of them) */
  pinhole_conv_filter f;
  memset(&f, 0, sizeof(f));
  f.size = sizeof(f);
  f.alg = "none";
  assert_int_equal(pinhole_conversations_clear(t->ctx, &f), 6);
  ids_are(t, (const uint32_t[]){4, 11, 0});
  u = usage(t);
  assert_int_equal(u.flows, 2);
  assert_int_equal(u.conversations, 2);
  assert_int_equal(u.alg_conversations, 2);
  t_listing_is(t, FTP_CONV("40010") FTP_CONV("40020"));
  t_ctx_del(t);
}

/* The FTP session's data connection (through the pinhole the PORT
 * command opened) joins the session's conversation between two plain
 * ones: one record for the session, its events carry its id, and the
 * record outlives the control connection until the data connection
 * ends. */
static void test_conv_ftp_data_joins(void **state) {
  (void)state;
  tctx *t = t_ctx();
  assert_int_equal(udp_open(t, 5001, SEC), PINHOLE_VERDICT_FORWARD);
  ftp_open(t, 40000, SEC);
  tpkt p;
  t_tcp(&p, CLI, 40000, SRV, 21, 101, 909, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, "PORT 198,19,0,1,156,65\r\n");
  assert_int_equal(udp_open(t, 5002, SEC), PINHOLE_VERDICT_FORWARD);
  t->nevents = 0;
  t_tcp(&p, SRV, 20, PUB, 40001, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 16), CLI);
  assert_true(t_has_event(t, "PINHOLE_FLOW_CREATED: conv=2 proto=TCP"));
  pinhole_usage u = usage(t);
  assert_int_equal(u.flows, 4);
  assert_int_equal(u.conversations, 3);
  assert_int_equal(u.alg_conversations, 1);
  ids_are(t, (const uint32_t[]){1, 2, 3, 0});
  t_listing_is(
      t, UDP_CONV("5001") "Conversation: ALG protocol: ftp\n"
                          "  Number of initiators: 2, Number of responders: 2\n"
                          "Flow                                          State "
                          "   Dir  Frm count\n"
                          "TCP 198.18.0.100:40000 -> 198.19.0.2:21       Watch "
                          "   I          2\n"
                          "    NAT source 198.18.0.100:40000 -> "
                          "198.19.0.1:40000\n"
                          "TCP 198.18.0.100:40001 -> 198.19.0.2:20       "
                          "Forward  I          0\n"
                          "    NAT source 198.18.0.100:40001 -> "
                          "198.19.0.1:40001\n"
                          "TCP 198.19.0.2:21 -> 198.19.0.1:40000         Watch "
                          "   O          2\n"
                          "    NAT dest 198.19.0.1:40000 -> "
                          "198.18.0.100:40000\n"
                          "TCP 198.19.0.2:20 -> 198.19.0.1:40001         "
                          "Forward  O          1\n"
                          "    NAT dest 198.19.0.1:40001 -> "
                          "198.18.0.100:40001\n" UDP_CONV("5002"));
  /* the control connection resets: the data connection keeps the
   * conversation (and its record) */
  t_tcp(&p, CLI, 40000, SRV, 21, 127, 909, PINHOLE_TCP_RST, NULL);
  assert_int_equal(t_in(t, &p, 3 * SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, CLI, 40001, SRV, 20, 9000, 7001, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_in(t, &p, 3 * SEC), PINHOLE_VERDICT_FORWARD);
  pinhole_tick(t->ctx, 20 * SEC);
  u = usage(t);
  assert_int_equal(u.flows, 3);
  assert_int_equal(u.alg_conversations, 1);
  ids_are(t, (const uint32_t[]){1, 2, 3, 0});
  /* and ends with it */
  t_tcp(&p, SRV, 20, PUB, 40001, 7001, 9001, PINHOLE_TCP_RST, NULL);
  assert_int_equal(t_out(t, &p, 21 * SEC), PINHOLE_VERDICT_FORWARD);
  pinhole_tick(t->ctx, 40 * SEC);
  u = usage(t);
  assert_int_equal(u.flows, 2);
  assert_int_equal(u.conversations, 2);
  assert_int_equal(u.alg_conversations, 0);
  ids_are(t, (const uint32_t[]){1, 3, 0});
  t_ctx_del(t);
}

/* A full export and an incremental one, each imported by a standby:
 * plain conversations and the FTP session with its data connection and a
 * pending pinhole arrive with their ids, in their order, the plain ones
 * without records; a conversation the increment replaces keeps its
 * place; the standby's own next conversation comes after them.
 * A CONV record of no ALG whose connection is watched (any such blob) is
 * given a record. */
static void test_conv_state_both_kinds(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  assert_int_equal(udp_open(a, 5001, SEC), PINHOLE_VERDICT_FORWARD);
  ftp_open(a, 40000, SEC);
  tpkt p;
  t_tcp(&p, CLI, 40000, SRV, 21, 101, 909, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\n");
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(udp_open(a, 5002, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, SRV, 20, PUB, 40001, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, CLI, 40000, SRV, 21, 127, 909, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,66\r\n"); /* a second, pending pinhole */
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(udp_open(a, 5003, SEC), PINHOLE_VERDICT_FORWARD);

  size_t len = 0;
  uint64_t cursor = 0;
  assert_int_equal(pinhole_state_export(a->ctx, 2 * SEC, 0, blob, sizeof(blob),
                                        &len, &cursor),
                   1);
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 4);
  char *la = t_listing(a), *lb = t_listing(b);
  assert_string_equal(la, lb);
  assert_non_null(strstr(lb, "TCP 198.19.0.2:0 -> 198.19.0.1:40002"));
  free(la);
  free(lb);
  ids_are(b, (const uint32_t[]){1, 2, 3, 4, 0});
  pinhole_usage ua = usage(a), ub = usage(b);
  assert_int_equal(ub.conversations, 4);
  assert_int_equal(ub.alg_conversations, 1);
  assert_int_equal(ub.pinholes, 1);
  assert_memory_equal(&ua, &ub, sizeof(ua));

  /* on A: conversation 1 changes, 3 ends, 5 begins */
  assert_int_equal(udp_open(a, 5001, 4 * SEC), PINHOLE_VERDICT_FORWARD);
  clear_id(a, 3, 1);
  assert_int_equal(udp_open(a, 5004, 4 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(pinhole_state_export(a->ctx, 5 * SEC, cursor, blob,
                                        sizeof(blob), &len, &cursor),
                   1);
  assert_int_equal(pinhole_state_import(b->ctx, 5 * SEC, blob, len), 2);
  ids_are(b, (const uint32_t[]){1, 2, 4, 5, 0});
  la = t_listing(a);
  lb = t_listing(b);
  assert_string_equal(la, lb);
  free(la);
  free(lb);
  ua = usage(a);
  ub = usage(b);
  assert_memory_equal(&ua, &ub, sizeof(ua));
  /* the standby takes over: its next conversation comes last there too,
   * with the id the active's took (an import sets the next id after the
   * newest conversation, state.c ph_next_id) */
  assert_int_equal(udp_open(a, 5005, 6 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(udp_open(b, 5005, 6 * SEC), PINHOLE_VERDICT_FORWARD);
  ids_are(a, (const uint32_t[]){1, 2, 4, 5, 6, 0});
  ids_are(b, (const uint32_t[]){1, 2, 4, 5, 6, 0});

  /* the FTP session's CONV record with its ALG byte cleared: a
   * conversation of no ALG with three connections, two of them watched,
   * still takes a record on import */
  assert_int_equal(pinhole_state_export(a->ctx, 7 * SEC, 0, blob, sizeof(blob),
                                        &len, &cursor),
                   1);
  size_t at = 24;
  int patched = 0;
  while (at + 4 <= len) {
    size_t blen = (size_t)blob[at + 2] << 8 | blob[at + 3];
    if (blob[at] == 1 && t_get32(blob + at + 4) == 2) { /* CONV 2 */
      assert_int_not_equal(blob[at + 8], 0);
      blob[at + 8] = 0;
      patched = 1;
    }
    at += 4 + blen;
  }
  assert_true(patched);
  tctx *c = t_ctx();
  assert_int_equal(pinhole_state_import(c->ctx, 7 * SEC, blob, len), 5);
  pinhole_usage uc = usage(c);
  assert_int_equal(uc.conversations, 5);
  assert_int_equal(uc.alg_conversations, 1);
  assert_int_equal(uc.pinholes, 1);
  ids_are(c, (const uint32_t[]){1, 2, 4, 5, 6, 0});
  char *lc = t_listing(c);
  assert_non_null(strstr(lc, "Conversation: ALG protocol: none\n"
                             "  Number of initiators: 2"));
  free(lc);
  t_ctx_del(c);
  t_ctx_del(a);
  t_ctx_del(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conv_plain_past_records),
      cmocka_unit_test(test_conv_ftp_data_joins),
      cmocka_unit_test(test_conv_state_both_kinds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
