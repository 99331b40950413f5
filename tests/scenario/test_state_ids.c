/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * State import finding and placing conversations by id (docs/ha.md,
 * core/state.c ph_ids): deltas whose CONV records are at the head, middle
 * and tail of the standby's list, DEL records in any order, ids across
 * their wrap, and a conversation more than 2^31 ids older than the
 * newest (a long TCP session on a busy CGN). Contexts get such ids from
 * crafted full snapshots: an import moves the next id past the newest
 * conversation it holds.
 */
#include <pinhole/state.h>

#include "state_util.h"

#define H1 IP4(198, 18, 0, 21)
#define H2 IP4(198, 18, 0, 22)
#define S1 IP4(198, 19, 0, 30) /* UDP services (no ALG) on 5001 */
#define S2 IP4(198, 19, 0, 31)

static uint32_t host_of(int i) {
  return (i & 1) ? H2 : H1;
}
static uint32_t srv_of(int i) {
  return (i & 2) ? S2 : S1;
}

/* Flow i of base: a UDP packet from its host's port base + i. */
static void flow(tctx *t, uint16_t base, int i, uint64_t now) {
  tpkt p;
  t_udp(&p, host_of(i), (uint16_t)(base + i), srv_of(i), 5001, "q");
  assert_int_equal(t_in(t, &p, now), 0);
}

static void flows(tctx *t, uint16_t base, int n, uint64_t now) {
  for (int i = 0; i < n; i++)
    flow(t, base, i, now);
}

/* The list of t as "id:port ..." (hex ids, the inside port of each
 * conversation's flow, in the listing's order). */
static void order_is(tctx *t, const char *want) {
  char *l = t_listing(t), got[1024] = "";
  size_t n = 0;
  for (char *s = l; (s = strstr(s, "\nUDP 198.18.0.")) != NULL; s++) {
    unsigned a, port, d;
    assert_int_equal(
        sscanf(s, "\nUDP 198.18.0.%u:%u -> 198.19.0.%u:", &a, &port, &d), 3);
    pinhole_endpoint src = {IP4(198, 18, 0, a), (uint16_t)port, 0};
    pinhole_endpoint dst = {IP4(198, 19, 0, d), 5001, 0};
    pinhole_flow_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.size = sizeof(fi);
    assert_int_equal(pinhole_flow_lookup(t->ctx, PINHOLE_SIDE_INSIDE,
                                         PINHOLE_IPPROTO_UDP, &src, &dst, &fi),
                     0);
    n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%x:%u", n ? " " : "",
                          fi.conv_id, port);
    assert_true(n < sizeof(got));
  }
  free(l);
  if (strcmp(got, want) != 0)
    fail_msg("order %s, want %s", got, want);
}

static void clear_id(tctx *t, uint32_t id) {
  pinhole_conv_filter f;
  memset(&f, 0, sizeof(f));
  f.size = sizeof(f);
  f.conv_id = id;
  assert_int_equal(pinhole_conversations_clear(t->ctx, &f), 1);
}

/* The changes since cur (moved on) as one blob; its length. */
static size_t delta(tctx *t, uint64_t now, uint64_t *cur) {
  size_t len = 0;
  uint64_t next = 0;
  assert_int_equal(
      pinhole_state_export(t->ctx, now, *cur, blob, sizeof(blob), &len, &next),
      1);
  *cur = next;
  return len;
}

/* A context whose n flows of base have the ids ids[0..n), in that order:
 * a full snapshot of another's with its ids patched, imported. */
static tctx *with_ids(uint16_t base, const uint32_t *ids, int n) {
  tctx *a = t_ctx(), *w = t_ctx();
  flows(a, base, n, SEC);
  size_t len = export_full(a, SEC, NULL);
  for (int k = 0; k < n; k++)
    t_put32(blob + rec_of(blob, len, 1, k) + 4, ids[k]);
  assert_int_equal(pinhole_state_import(w->ctx, SEC, blob, len), n);
  t_ctx_del(a);
  return w;
}

/* A delta touching the head, the middle and the tail of the standby's
 * list, and two new conversations: the standby lists them as the active.
 * Then the standby lacks the conversations at the head, middle and tail
 * (cleared there): the delta's records of them are placed where they
 * were, before the next ones. */
static void test_ids_head_middle_tail(void **state) {
  (void)state;
  for (int lack = 0; lack < 2; lack++) {
    tctx *a = t_ctx(), *b = t_ctx();
    flows(a, 7000, 9, SEC);
    uint64_t cur;
    size_t len = export_full(a, 2 * SEC, &cur);
    assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 9);
    flow(a, 7000, 0, 3 * SEC);
    flow(a, 7000, 4, 3 * SEC);
    flow(a, 7000, 8, 3 * SEC);
    flows(a, 7100, 2, 3 * SEC);
    if (lack) {
      clear_id(b, 1);
      clear_id(b, 5);
      clear_id(b, 9);
      order_is(b, "2:7001 3:7002 4:7003 6:7005 7:7006 8:7007");
    }
    len = delta(a, 4 * SEC, &cur);
    static const uint32_t want[5] = {1, 5, 9, 10, 11};
    for (int k = 0; k < 5; k++)
      assert_int_equal(t_get32(blob + rec_of(blob, len, 1, k) + 4), want[k]);
    assert_int_equal(pinhole_state_import(b->ctx, 4 * SEC, blob, len), 5);
    order_is(b, "1:7000 2:7001 3:7002 4:7003 5:7004 6:7005 7:7006 8:7007 "
                "9:7008 a:7100 b:7101");
    same_listing(a, b);
    /* the next conversation made on both takes the same id */
    flow(a, 7200, 0, 5 * SEC);
    flow(b, 7200, 0, 5 * SEC);
    order_is(b, "1:7000 2:7001 3:7002 4:7003 5:7004 6:7005 7:7006 8:7007 "
                "9:7008 a:7100 b:7101 c:7200");
    same_listing(a, b);
    t_ctx_del(a);
    t_ctx_del(b);
  }
}

/* Deletions in the order the active ended them, and the same blob with
 * its DEL records in other orders, one repeated, one of an id the
 * standby never had: the same standby. */
static void test_ids_dels_any_order(void **state) {
  (void)state;
  tctx *a = t_ctx();
  flows(a, 7000, 8, SEC);
  uint64_t cur;
  static uint8_t full[BLOB], good[BLOB];
  size_t flen = export_full(a, 2 * SEC, &cur);
  memcpy(full, blob, flen);
  clear_id(a, 7);
  clear_id(a, 2);
  clear_id(a, 5);
  flow(a, 7000, 2, 3 * SEC);
  size_t len = delta(a, 4 * SEC, &cur);
  memcpy(good, blob, len);
  static const uint32_t dels[3] = {7, 2, 5};
  for (int k = 0; k < 3; k++)
    assert_int_equal(t_get32(good + rec_of(good, len, 6, k) + 4), dels[k]);
  static const uint32_t orders[5][3] = {
      {7, 2, 5}, {2, 5, 7}, {5, 7, 2}, {5, 5, 7}, {2, 99, 5}};
  for (int o = 0; o < 5; o++) {
    tctx *b = t_ctx();
    assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, full, flen), 8);
    memcpy(blob, good, len);
    for (int k = 0; k < 3; k++)
      t_put32(blob + rec_of(good, len, 6, k) + 4, orders[o][k]);
    assert_int_equal(pinhole_state_import(b->ctx, 4 * SEC, blob, len), 1);
    if (o < 3) {
      order_is(b, "1:7000 3:7002 4:7003 6:7005 8:7007");
      same_listing(a, b);
    } else if (o == 3) { /* 2 stays */
      order_is(b, "1:7000 2:7001 3:7002 4:7003 6:7005 8:7007");
    } else { /* 7 stays */
      order_is(b, "1:7000 3:7002 4:7003 6:7005 7:7006 8:7007");
    }
    t_ctx_del(b);
  }
  t_ctx_del(a);
}

/* Ids across the wrap: 0xfffffffe, 0xffffffff, then 1 and the next ones
 * made after the import; a delta touching both sides of the wrap, ending
 * one and making one goes to a standby as to the active. */
static void test_ids_across_wrap(void **state) {
  (void)state;
  static const uint32_t ids[3] = {0xfffffffeu, 0xffffffffu, 1};
  tctx *w = with_ids(7000, ids, 3), *b = t_ctx();
  flows(w, 7200, 2, 2 * SEC);
  order_is(w, "fffffffe:7000 ffffffff:7001 1:7002 2:7200 3:7201");
  uint64_t cur;
  size_t len = export_full(w, 3 * SEC, &cur);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len), 5);
  same_listing(w, b);
  flow(w, 7000, 0, 4 * SEC);
  flow(w, 7200, 0, 4 * SEC);
  clear_id(w, 0xffffffffu);
  flow(w, 7300, 0, 4 * SEC);
  len = delta(w, 5 * SEC, &cur);
  assert_int_equal(pinhole_state_import(b->ctx, 5 * SEC, blob, len), 3);
  order_is(b, "fffffffe:7000 1:7002 2:7200 3:7201 4:7300");
  same_listing(w, b);
  /* 1, 2, 0xfffffffc: the third made 2^32 - 5 ids after the second */
  static const uint32_t far[3] = {1, 2, 0xfffffffcu};
  tctx *f = with_ids(7000, far, 3);
  order_is(f, "1:7000 2:7001 fffffffc:7002");
  flow(f, 7400, 0, 2 * SEC);
  order_is(f, "1:7000 2:7001 fffffffc:7002 fffffffd:7400");
  t_ctx_del(f);
  t_ctx_del(w);
  t_ctx_del(b);
}

/* A conversation that stays while more than 2^31 newer ones are made:
 * id 5 and ids from 0x90000000. It goes in, first; the next id made is
 * after the newest; deltas that change it and the newest, or only it,
 * keep the standby's list and next id as the active's; the order counted
 * from the first is still checked. */
static void test_ids_long_lived(void **state) {
  (void)state;
  static const uint32_t ids[3] = {5, 0x90000000u, 0x90000001u};
  tctx *w = with_ids(7000, ids, 3), *b = t_ctx();
  flows(w, 7200, 1, 2 * SEC);
  order_is(w, "5:7000 90000000:7001 90000001:7002 90000002:7200");
  uint64_t cur;
  size_t len = export_full(w, 3 * SEC, &cur);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len), 4);
  same_listing(w, b);
  /* the long-lived one and the newest changed, one new */
  flow(w, 7000, 0, 4 * SEC);
  flow(w, 7200, 0, 4 * SEC);
  flow(w, 7300, 0, 4 * SEC);
  len = delta(w, 5 * SEC, &cur);
  assert_int_equal(t_get32(blob + rec_of(blob, len, 1, 0) + 4), 5);
  assert_int_equal(pinhole_state_import(b->ctx, 5 * SEC, blob, len), 3);
  order_is(b, "5:7000 90000000:7001 90000001:7002 90000002:7200 "
              "90000003:7300");
  same_listing(w, b);
  /* only the long-lived one: the standby's next id stays after the newest */
  flow(w, 7000, 0, 6 * SEC);
  len = delta(w, 7 * SEC, &cur);
  assert_int_equal(pinhole_state_import(b->ctx, 7 * SEC, blob, len), 1);
  flow(w, 7400, 0, 8 * SEC);
  flow(b, 7400, 0, 8 * SEC);
  order_is(b, "5:7000 90000000:7001 90000001:7002 90000002:7200 "
              "90000003:7300 90000004:7400");
  same_listing(w, b);
  /* ids that go back from the first: 5, 0x90000001, 0x90000000 */
  static uint8_t good[BLOB];
  tctx *a = t_ctx();
  flows(a, 7000, 3, SEC);
  len = export_full(a, SEC, NULL);
  memcpy(good, blob, len);
  static const uint32_t back[3] = {5, 0x90000001u, 0x90000000u};
  for (int k = 0; k < 3; k++)
    t_put32(blob + rec_of(good, len, 1, k) + 4, back[k]);
  refused(b, len, PINHOLE_ERR_PARSE);
  t_ctx_del(a);
  t_ctx_del(w);
  t_ctx_del(b);
}

/* A delta whose order the standby's own conversations contradict: the
 * standby holds 1, 2, 3; the blob names a new 0xfb02, then 3 (which the
 * standby has) after it, as if 3 had been made after a wrap while 1 and
 * 2 had not. Placing 3 after 0xfb02 would leave a list (1, 2, 0xfb02, 3)
 * that the standby's own full snapshot lists against the order every
 * standby checks: it goes in by id counted from the head instead, and
 * what the standby then holds goes to another standby whole. Found by
 * fuzz_state_import. */
static void test_ids_contradicted(void **state) {
  (void)state;
  static const uint32_t ids[3] = {1, 2, 3};
  tctx *w = with_ids(7000, ids, 3), *a = t_ctx(), *c = t_ctx();
  flow(a, 7100, 0, SEC);
  flow(a, 7000, 2, SEC); /* the key of w's conversation 3 */
  size_t len = export_full(a, SEC, NULL);
  t_put32(blob + rec_of(blob, len, 1, 0) + 4, 0xfb02u);
  t_put32(blob + rec_of(blob, len, 1, 1) + 4, 3);
  t_put16(blob + 6, 0); /* a delta: the full flag cleared */
  assert_int_equal(pinhole_state_import(w->ctx, 2 * SEC, blob, len), 2);
  order_is(w, "1:7000 2:7001 3:7002 fb02:7100");
  len = export_full(w, 3 * SEC, NULL);
  assert_int_equal(pinhole_state_import(c->ctx, 3 * SEC, blob, len), 4);
  same_listing(w, c);
  /* the next id follows the newest */
  flow(w, 7200, 0, 4 * SEC);
  order_is(w, "1:7000 2:7001 3:7002 fb02:7100 fb03:7200");
  t_ctx_del(a);
  t_ctx_del(c);
  t_ctx_del(w);
}

/* A pass in pieces: each piece begins where the one before stopped, so
 * with a conversation more than 2^31 ids older than the next piece's
 * first none is sent twice; when the conversation the next piece begins
 * at ended in between, the piece finds its place by id and the pass
 * still carries everything else. */
static void test_ids_pieces(void **state) {
  (void)state;
  static const uint32_t ids[3] = {5, 0x90000000u, 0x90000001u};
  for (int end = 0; end < 2; end++) {
    tctx *w = with_ids(7000, ids, 3), *b = t_ctx();
    flows(w, 7200, 3, 2 * SEC);
    uint64_t cur = 0, next;
    size_t len;
    int rc, pieces = 0, convs = 0, got = 0;
    do {
      /* room for about two conversations of a CONV, MAP and CONN each */
      rc = pinhole_state_export(w->ctx, 3 * SEC, cur, blob, 540, &len, &next);
      assert_true(rc >= 0);
      for (size_t at = 24; at + 4 <= len; at += rec_len(blob, at))
        convs += blob[at] == 1; /* CONV records */
      int n = pinhole_state_import(b->ctx, 3 * SEC, blob, len);
      assert_true(n >= 1);
      got += n;
      pieces++;
      if (end && pieces == 1) { /* the next piece's first one ends */
        assert_int_equal((uint32_t)next, 0x90000001u);
        clear_id(w, 0x90000001u);
      }
      cur = next;
    } while (rc == 0);
    assert_true(pieces >= 3);
    assert_int_equal(convs, end ? 5 : 6);
    assert_int_equal(got, convs);
    order_is(b, end ? "5:7000 90000000:7001 90000002:7200 90000003:7201 "
                      "90000004:7202"
                    : "5:7000 90000000:7001 90000001:7002 90000002:7200 "
                      "90000003:7201 90000004:7202");
    same_listing(w, b);
    t_ctx_del(w);
    t_ctx_del(b);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ids_head_middle_tail),
      cmocka_unit_test(test_ids_dels_any_order),
      cmocka_unit_test(test_ids_across_wrap),
      cmocka_unit_test(test_ids_long_lived),
      cmocka_unit_test(test_ids_pieces),
      cmocka_unit_test(test_ids_contradicted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
