/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * State sync (include/pinhole/state.h): context A runs real flows (TCP
 * through NAPT with a port clash, an FTP control connection whose PORT
 * rewrite changed the sequence delta and opened a pinhole, UDP, a PBA
 * pool), exports, B imports; then the same packets through A and B give
 * the same bytes, and the listings agree. Hostile blobs (every truncation,
 * flipped bytes, wrong version and fingerprint, dangling references,
 * duplicate keys) are refused and change nothing. Incremental export:
 * changes after a cursor, deletions, ring overflow. The records of format
 * 2: a SIP call's media through B, the ALG record (FTP's state), a port
 * block held after its last mapping, IPv6 connections.
 */
#include <pinhole/state.h>

#include "helpers6.h"
#include "state_util.h"

#include <pinhole/ipv6.h>

#define CLI IP4(198, 18, 0, 100)
#define SRV OUT_HOST
#define H1 IP4(198, 18, 0, 7)
#define H2 IP4(198, 18, 0, 11)
#define W1 IP4(198, 19, 0, 9)
#define W2 IP4(198, 19, 0, 12)
#define DNS IP4(198, 19, 0, 10) /* a UDP service (no ALG) on 5001 */

typedef struct ftp_sess {
  uint32_t cseq, sseq, cseen;
} ftp_sess;

/* On A: the FTP session up to the PORT reply (the pinhole is open, the
 * client's line shrank by 2 bytes); a TCP connection each from H1 and H2
 * with the same source port (H2 gets another public port); a UDP flow. */
static void run_flows(tctx *a, ftp_sess *s) {
  tpkt p;
  pinhole_pkt_view v;
  s->cseq = 100;
  s->sseq = 900;
  t_tcp(&p, CLI, 40000, SRV, 21, s->cseq++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(a, &p, SEC), 0);
  t_tcp(&p, SRV, 21, PUB, 40000, s->sseq++, s->cseq,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(a, &p, SEC), 0);
  t_tcp(&p, CLI, 40000, SRV, 21, s->cseq, s->sseq, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(a, &p, SEC), 0);
  t_tcp(&p, SRV, 21, PUB, 40000, s->sseq, s->cseq, PINHOLE_TCP_ACK,
        T_FTP_GREETING);
  assert_int_equal(t_out(a, &p, SEC), 0);
  s->sseq += T_FTP_GREETING_LEN;
  s->cseen = s->cseq;
  const char *port = "PORT 198,18,0,100,156,65\r\n";
  t_tcp(&p, CLI, 40000, SRV, 21, s->cseq, s->sseq, PINHOLE_TCP_ACK, port);
  assert_int_equal(t_in(a, &p, 2 * SEC), 0);
  t_payload_is(&p, "PORT 198,19,0,1,156,65\r\n");
  s->cseq += (uint32_t)strlen(port);
  s->cseen += (uint32_t)strlen(port) - 2;
  t_tcp(&p, SRV, 21, PUB, 40000, s->sseq, s->cseen, PINHOLE_TCP_ACK,
        "200 PORT command successful.\r\n");
  assert_int_equal(t_out(a, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.ack, s->cseq);
  s->sseq += 30;

  t_tcp(&p, H1, 33000, W1, 80, 5000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(a, &p, 2 * SEC), 0);
  t_tcp(&p, W1, 80, PUB, 33000, 8000, 5001, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_out(a, &p, 2 * SEC), 0);
  t_tcp(&p, H1, 33000, W1, 80, 5001, 8001, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(a, &p, 2 * SEC), 0); /* established */
  t_tcp(&p, H2, 33000, W2, 80, 6000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(a, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_not_equal(v.sport, 33000); /* the port was H1's */
  t_udp(&p, H1, 5353, DNS, 5001, "query");
  assert_int_equal(t_in(a, &p, 2 * SEC), 0);
}

/* A standby with fewer TCP slots (max_tcp_conns) refuses a blob whose TCP
 * connections do not fit, changing nothing; one with room imports the
 * windows too (the established connection's next segments pass). */
static void test_state_tcp_slots(void **state) {
  (void)state;
  tctx *a = t_ctx();
  ftp_sess s;
  run_flows(a, &s); /* three TCP connections and a UDP one */
  size_t len = export_full(a, 3 * SEC, NULL);
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_tcp_conns = 2;
  tctx *b = t_ctx_cfg(&cfg);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                   PINHOLE_ERR_FULL);
  pinhole_usage u = {.size = sizeof(u)};
  assert_int_equal(pinhole_usage_get(b->ctx, &u), 0);
  assert_int_equal(u.flows, 0);
  cfg.max_tcp_conns = 3;
  tctx *c = t_ctx_cfg(&cfg);
  assert_int_equal(pinhole_state_import(c->ctx, 3 * SEC, blob, len), 4);
  same_listing(a, c);
  tpkt p;
  t_tcp(&p, H1, 33000, W1, 80, 5001, 8001, PINHOLE_TCP_ACK, "GET /");
  assert_int_equal(t_in(c, &p, 4 * SEC), 0);
  t_tcp(&p, W1, 80, PUB, 33000, 8001, 5006, PINHOLE_TCP_ACK, "200");
  assert_int_equal(t_out(c, &p, 4 * SEC), 0);
  /* a fourth TCP connection finds no slot with windows */
  t_tcp(&p, H2, 33001, W2, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(c, &p, 4 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(c, PINHOLE_CNT_DROP_TCP_FULL), 1);
  t_ctx_del(a);
  t_ctx_del(b);
  t_ctx_del(c);
}

static void test_state_failover(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  ftp_sess s;
  run_flows(a, &s);
  size_t len = export_full(a, 3 * SEC, NULL);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len), 4);
  same_listing(a, b);

  /* the FTP client's next line: the same seq shift on both */
  tpkt p, o;
  pinhole_pkt_view v;
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq, s.sseq, PINHOLE_TCP_ACK,
        "RETR file\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal(v.seq, s.cseen);
  s.cseq += 11;
  s.cseen += 11;
  /* the data connection comes in through the pinhole on both */
  t_tcp(&p, SRV, 20, PUB, 40001, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal(v.dst, CLI);
  assert_int_equal(v.dport, 40001);
  /* the server's reply: its acknowledgment mapped back by the delta */
  t_tcp(&p, SRV, 21, PUB, 40000, s.sseq, s.cseen, PINHOLE_TCP_ACK,
        "150 Here it comes.\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal(v.ack, s.cseq);
  /* H2's connection keeps its other public port; H1's goes on */
  t_tcp(&p, H2, 33000, W2, 80, 6000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_not_equal(v.sport, 33000);
  t_tcp(&p, H1, 33000, W1, 80, 5001, 8001, PINHOLE_TCP_ACK, "GET /x\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, &o), 0);
  /* the DNS answer comes back to H1 */
  t_udp(&p, DNS, 5001, PUB, 5353, "answer");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal(v.dst, H1);
  same_listing(a, b);
  pinhole_usage ua, ub;
  ua.size = ub.size = sizeof(ua);
  assert_int_equal(pinhole_usage_get(a->ctx, &ua), 0);
  assert_int_equal(pinhole_usage_get(b->ctx, &ub), 0);
  assert_memory_equal(&ua, &ub, sizeof(ua));
  /* the active side moved on before failover (A saw 300000 more bytes
   * from W1 than the last pass): A, which tracked them, refuses nothing
   * new here, and B relearns H1's windows from this segment on */
  t_tcp(&p, W1, 80, PUB, 33000, 8001 + 300000u, 5009, PINHOLE_TCP_ACK, "late");
  tpkt pb = p;
  pb.p.data = pb.b;
  assert_int_equal(t_out(a, &p, 4 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_out(b, &pb, 4 * SEC), 0);
  t_view(&pb, &v);
  assert_int_equal(v.dst, H1);
  assert_int_equal(v.dport, 33000);
  /* B's export goes into C; C's export is stable through C again (the
   * windows B relearnt are relearnt on C too: only their flags differ) */
  tctx *c = t_ctx();
  size_t lb = export_full(b, 5 * SEC, NULL);
  static uint8_t copy[BLOB];
  assert_int_equal(pinhole_state_import(c->ctx, 5 * SEC, blob, lb), 4);
  size_t lc = export_full(c, 5 * SEC, NULL);
  assert_int_equal(lc, lb);
  memcpy(copy, blob, lc);
  assert_int_equal(pinhole_state_import(c->ctx, 5 * SEC, copy, lc), 4);
  assert_int_equal(export_full(c, 5 * SEC, NULL), lc);
  assert_memory_equal(copy, blob, lc);
  same_listing(b, c);
  t_ctx_del(c);
  t_ctx_del(a);
  t_ctx_del(b);
}

static void put32(uint8_t *p, uint32_t v) {
  t_put32(p, v);
}

/* The TCP windows' max window (CONN body offset 78, side A's) keeps its
 * 32-bit place in the blob while a context holds it as a 16-bit window
 * field and shift (core/ctx.h ph_tcp_dir): every value a tracker writes
 * goes through exactly, another is held rounded up (a wider window, never
 * a narrower one), and one past the largest window RFC 7323 allows
 * (65535 << 14) is refused. A SYN-SENT connection: its windows are kept
 * as imported (not relearnt). */
static void test_state_maxwin_encoded(void **state) {
  (void)state;
  tctx *a = t_ctx();
  tpkt p;
  t_tcp(&p, H2, 33000, W2, 80, 6000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(a, &p, 2 * SEC), 0);
  size_t len = export_full(a, 3 * SEC, NULL);
  static uint8_t good[BLOB];
  memcpy(good, blob, len);
  size_t at = rec_of(good, len, 3, 0) + 4 + 78;
  assert_int_equal(t_get32(good + at), 65535); /* the SYN's window */
  static const struct {
    uint32_t in, out;
  } v[] = {{1, 1},
           {65535, 65535},
           {65536, 65536},
           {65537, 65538},
           {1000u << 7, 1000u << 7},
           {(1000u << 7) + 1, (1000u << 7) + 2},
           {0x3fffbfffu, 0x3fffc000u},
           {0x3fffc000u, 0x3fffc000u},
           {0x3fffc001u, 0},
           {0xffffffffu, 0}};
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    tctx *b = t_ctx();
    memcpy(blob, good, len);
    put32(blob + at, v[i].in);
    if (v[i].out == 0) {
      refused(b, len, PINHOLE_ERR_PARSE);
    } else {
      assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len), 1);
      size_t blen = export_full(b, 3 * SEC, NULL);
      assert_int_equal(blen, len);
      assert_int_equal(t_get32(blob + at), v[i].out);
    }
    t_ctx_del(b);
  }
  t_ctx_del(a);
}

static void test_state_hostile(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  ftp_sess s;
  run_flows(a, &s);
  size_t len = export_full(a, 3 * SEC, NULL);
  static uint8_t good[BLOB];
  memcpy(good, blob, len);
  /* B has a flow of its own */
  tpkt p;
  t_udp(&p, IP4(198, 18, 0, 3), 999, DNS, 5001, "mine");
  assert_int_equal(t_in(b, &p, SEC), 0);
  snap before;
  snap_take(b, &before);

  /* every truncation */
  for (size_t n = 0; n < len; n++) {
    int rc = pinhole_state_import(b->ctx, 3 * SEC, good, n);
    assert_true(rc < 0);
  }
  snap_same(b, &before);
  /* bytes after the last record, a lying length */
  memcpy(blob, good, len);
  blob[len] = 0;
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len + 1),
                   PINHOLE_ERR_PARSE);
  put32(blob + 20, (uint32_t)len + 1);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len + 1),
                   PINHOLE_ERR_PARSE);
  /* version, magic, fingerprint */
  memcpy(blob, good, len);
  blob[5] = 3;
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                   PINHOLE_ERR_UNSUPPORTED);
  memcpy(blob, good, len);
  blob[0] = 'X';
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                   PINHOLE_ERR_UNSUPPORTED);
  memcpy(blob, good, len);
  blob[12] ^= 1;
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                   PINHOLE_ERR_NOMATCH);
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_pinholes = 65; /* another configuration */
  tctx *c = t_ctx_cfg(&cfg);
  assert_int_equal(pinhole_state_import(c->ctx, 3 * SEC, good, len),
                   PINHOLE_ERR_NOMATCH);
  t_ctx_del(c);
  snap_same(b, &before);

  size_t off[64];
  size_t nrec = records(len, off, 64);
  assert_int_equal(nrec, 15); /* 4 CONV, 5 MAP, 4 CONN, 1 ALG, 1 HOLE */
  size_t conn = 0, map = 0, conv2 = 0, hole = 0;
  int nconv = 0;
  for (size_t i = 0; i < nrec; i++) {
    if (good[off[i]] == 3 && conn == 0)
      conn = off[i];
    if (good[off[i]] == 2 && map == 0)
      map = off[i];
    if (good[off[i]] == 4)
      hole = off[i];
    if (good[off[i]] == 1 && ++nconv == 2)
      conv2 = off[i];
  }
  assert_true(conn && map && conv2 && hole);
  /* a mapping reference out of range; none at all is fine */
  memcpy(blob, good, len);
  blob[conn + 4 + 32] = 0;
  blob[conn + 4 + 33] = 9;
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                   PINHOLE_ERR_PARSE);
  /* a pinhole's mapping reference out of range */
  memcpy(blob, good, len);
  blob[hole + 4 + 25] = 7;
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                   PINHOLE_ERR_PARSE);
  /* a conversation id repeated (not ascending) */
  memcpy(blob, good, len);
  put32(blob + conv2 + 4, 1);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                   PINHOLE_ERR_PARSE);
  /* a record of an unknown type, a wrong body length, a nonzero pad */
  static const uint8_t bad_hdr[][4] = {
      {5, 0, 0, 15}, {3, 0, 0, 200}, {2, 1, 0, 15}, {0, 0, 0, 0}};
  for (size_t i = 0; i < 4; i++) {
    memcpy(blob, good, len);
    memcpy(blob + map, bad_hdr[i], 4);
    assert_true(pinhole_state_import(b->ctx, 3 * SEC, blob, len) < 0);
  }
  /* field ranges: tcp state, side, pool, scale, flags */
  static const struct {
    size_t at; /* offset in the CONN body */
    uint8_t v;
  } bad_conn[] = {{0, 99},  {1, 2},     {2, 7},  {3, 0x80}, {44, 2},
                  {82, 15}, {83, 0x10}, {98, 2}, {119, 2}};
  for (size_t i = 0; i < sizeof(bad_conn) / sizeof(bad_conn[0]); i++) {
    memcpy(blob, good, len);
    blob[conn + 4 + bad_conn[i].at] = bad_conn[i].v;
    assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                     PINHOLE_ERR_PARSE);
  }
  memcpy(blob, good, len);
  blob[map + 4] = 3; /* pool 3 of 1 */
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                   PINHOLE_ERR_PARSE);
  memcpy(blob, good, len);
  put32(blob + map + 4 + 9, IP4(198, 19, 0, 77)); /* not the pool's */
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                   PINHOLE_ERR_PARSE);
  /* a duplicate key: the last conversation (UDP: CONV, MAP, CONN) again
   * under a new id; with its ports changed the copy goes in */
  size_t last = off[nrec - 3], last_len = len - last;
  assert_int_equal(good[last], 1);
  memcpy(blob, good, len);
  memcpy(blob + len, good + last, last_len);
  put32(blob + len + 4, 0x40000000u);
  put32(blob + 16, t_get32(good + 16) + 3);
  put32(blob + 20, (uint32_t)(len + last_len));
  int rc = pinhole_state_import(b->ctx, 3 * SEC, blob, len + last_len);
  assert_int_equal(rc, PINHOLE_ERR_PARSE);
  snap_same(b, &before);
  /* the copy's mapping alone moved: two public ports for one endpoint */
  size_t cmap = len + 10, cconn = len + 10 + 19;
  assert_int_equal(blob[cmap], 2);
  assert_int_equal(blob[cconn], 3);
  t_put16(blob + cmap + 4 + 13, 5354); /* public port */
  rc = pinhole_state_import(b->ctx, 3 * SEC, blob, len + last_len);
  assert_int_equal(rc, PINHOLE_ERR_PARSE);
  snap_same(b, &before);
  /* the copy's flow also moved (source port 5354 both ways): accepted */
  t_put16(blob + cmap + 4 + 7, 5354);   /* inside port */
  t_put16(blob + cconn + 4 + 12, 5354); /* a.sport */
  t_put16(blob + cconn + 4 + 26, 5354); /* b.dport */
  rc = pinhole_state_import(b->ctx, 3 * SEC, blob, len + last_len);
  assert_int_equal(rc, 5);
  char *l = t_listing(b);
  assert_non_null(strstr(l, "198.18.0.7:5354 -> 198.19.0.1:5354"));
  free(l);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, good, len), 4);
  free(before.listing);
  snap_take(b, &before);

  /* flipped bytes: refused and nothing changed, or accepted */
  for (size_t i = 0; i < len; i++) {
    memcpy(blob, good, len);
    blob[i] ^= (uint8_t)(0x5a + i);
    rc = pinhole_state_import(b->ctx, 3 * SEC, blob, len);
    if (rc < 0) {
      snap_same(b, &before);
    } else {
      free(before.listing);
      snap_take(b, &before);
    }
  }
  /* and the good one still goes in */
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, good, len), 4);
  same_listing(a, b);
  free(before.listing);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* n UDP flows from H2 port base.. to DNS. */
static void udp_flows(tctx *t, uint16_t base, int n, uint64_t now) {
  for (int i = 0; i < n; i++) {
    tpkt p;
    t_udp(&p, H2, (uint16_t)(base + i), DNS, 5001, "q");
    assert_int_equal(t_in(t, &p, now), 0);
  }
}

static void test_state_incremental(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.udp_timeout_s = 30;
  tctx *a = t_ctx_cfg(&cfg), *b = t_ctx_cfg(&cfg);
  ftp_sess s;
  run_flows(a, &s);
  uint64_t cur;
  size_t len = export_full(a, 3 * SEC, &cur);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len), 4);
  /* nothing happened: an empty delta */
  uint64_t next;
  assert_int_equal(pinhole_state_export(a->ctx, 4 * SEC, cur, blob,
                                        sizeof(blob), &len, &next),
                   1);
  assert_int_equal(len, 24);
  assert_int_equal(pinhole_state_import(b->ctx, 4 * SEC, blob, len), 0);
  cur = next;
  /* a new flow and a packet on H1's connection: two conversations */
  udp_flows(a, 7000, 1, 5 * SEC);
  tpkt p;
  t_tcp(&p, H1, 33000, W1, 80, 5001, 8001, PINHOLE_TCP_ACK, "GET /\r\n");
  assert_int_equal(t_in(a, &p, 5 * SEC), 0);
  assert_int_equal(pinhole_state_export(a->ctx, 6 * SEC, cur, blob,
                                        sizeof(blob), &len, &next),
                   1);
  assert_int_equal(pinhole_state_import(b->ctx, 6 * SEC, blob, len), 2);
  same_listing(a, b);
  cur = next;
  /* UDP flows expire on A (B is not ticked): the deletions reach B */
  assert_true(pinhole_tick(a->ctx, 40 * SEC) >= 0);
  assert_int_equal(pinhole_state_export(a->ctx, 40 * SEC, cur, blob,
                                        sizeof(blob), &len, &next),
                   1);
  assert_true(pinhole_state_import(b->ctx, 40 * SEC, blob, len) >= 0);
  same_listing(a, b);
  cur = next;
  /* more deletions than the ring holds: a full snapshot is needed */
  udp_flows(a, 10000, PINHOLE_STATE_RING + 8, 41 * SEC);
  assert_true(pinhole_tick(a->ctx, 80 * SEC) >= 0);
  assert_true(pinhole_tick(a->ctx, 81 * SEC) >= 0);
  assert_int_equal(pinhole_state_export(a->ctx, 82 * SEC, cur, blob,
                                        sizeof(blob), &len, &next),
                   PINHOLE_ERR_RANGE);
  len = export_full(a, 82 * SEC, &cur);
  assert_true(pinhole_state_import(b->ctx, 82 * SEC, blob, len) >= 0);
  same_listing(a, b);
  /* and deltas go on from there */
  udp_flows(a, 20000, 3, 83 * SEC);
  assert_int_equal(pinhole_state_export(a->ctx, 83 * SEC, cur, blob,
                                        sizeof(blob), &len, &next),
                   1);
  assert_int_equal(pinhole_state_import(b->ctx, 83 * SEC, blob, len), 3);
  same_listing(a, b);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* Conversation ids wrap past 2^32 - 1 (0 is skipped): a blob lists them in
 * creation order, each further from the first counting up across the
 * wrap, so 0xfffffffe, 0xffffffff, 1 goes in, in that order, and comes
 * out the same; ids that go back (0xfffffffe, 1, 0xffffffff) are refused,
 * changing nothing. A blob the importer took once was re-exported and
 * refused by its next standby (fuzz_state_import found it). Ids far
 * apart: scenario.state_ids. */
static void test_state_id_wrap(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx(), *c = t_ctx();
  udp_flows(a, 7100, 3, SEC);
  size_t len = export_full(a, 2 * SEC, NULL);
  static uint8_t good[BLOB];
  memcpy(good, blob, len);
  static const uint32_t wrap[3] = {0xfffffffeu, 0xffffffffu, 1};
  for (int k = 0; k < 3; k++) {
    size_t at = rec_of(good, len, 1, k);
    assert_int_equal(t_get32(good + at + 4), (uint32_t)k + 1);
    t_put32(good + at + 4, wrap[k]);
  }
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, good, len), 3);
  /* B exports them in the order and with the ids it took */
  size_t n = export_full(b, 2 * SEC, NULL);
  assert_int_equal(n, len);
  assert_memory_equal(blob + 24, good + 24, len - 24);
  assert_int_equal(pinhole_state_import(c->ctx, 2 * SEC, blob, n), 3);
  same_listing(b, c);
  /* counted up from the first, the third comes before the second */
  memcpy(blob, good, len);
  t_put32(blob + rec_of(good, len, 1, 0) + 4, 0xfffffffeu);
  t_put32(blob + rec_of(good, len, 1, 1) + 4, 1);
  t_put32(blob + rec_of(good, len, 1, 2) + 4, 0xffffffffu);
  refused(c, len, PINHOLE_ERR_PARSE);
  /* and an id repeated */
  memcpy(blob, good, len);
  t_put32(blob + rec_of(good, len, 1, 2) + 4, 0xffffffffu);
  refused(c, len, PINHOLE_ERR_PARSE);
  t_ctx_del(a);
  t_ctx_del(b);
  t_ctx_del(c);
}

/* A full snapshot in pieces: a small buffer, the cursor continues. */
static void test_state_pieces(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  udp_flows(a, 3000, 40, SEC);
  uint64_t cur = 0, next;
  size_t len;
  int pieces = 0, rc;
  do {
    rc = pinhole_state_export(a->ctx, 2 * SEC, cur, blob, 300, &len, &next);
    assert_true(rc >= 0);
    assert_true(len <= 300);
    assert_true(pinhole_state_import(b->ctx, 2 * SEC, blob, len) >= 1);
    cur = next;
    pieces++;
  } while (rc == 0 && pieces < 100);
  assert_int_equal(rc, 1);
  assert_true(pieces > 5);
  same_listing(a, b);
  /* too small for one conversation */
  assert_int_equal(
      pinhole_state_export(a->ctx, 2 * SEC, 0, blob, 40, &len, &next),
      PINHOLE_ERR_NOBUF);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* A PBA pool: the subscriber's blocks follow its mappings. */
static tctx *pba_ctx_udp(uint32_t udp_s) {
  pinhole_config cfg;
  t_cfg(&cfg);
  if (udp_s != 0)
    cfg.udp_timeout_s = udp_s;
  cfg.max_port_blocks = 8;
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.addr_lo = p.addr_hi = IP4(198, 19, 0, 7);
  p.port_lo = 4096;
  p.port_hi = 4159;
  p.mode = PINHOLE_POOL_PBA;
  p.block_size = 16;
  p.max_blocks = 2;
  p.block_hold_ms = 5000;
  return t_ctx_spec(&cfg, &p);
}

static tctx *pba_ctx(void) {
  return pba_ctx_udp(0);
}

static void test_state_pba(void **state) {
  (void)state;
  tctx *a = pba_ctx(), *b = pba_ctx();
  tpkt p, o;
  pinhole_pkt_view v;
  for (int i = 0; i < 20; i++) { /* H1: two blocks */
    t_udp(&p, H1, (uint16_t)(30000 + i), DNS, 5001, "q");
    assert_int_equal(t_in(a, &p, SEC), 0);
  }
  t_udp(&p, H2, 999, DNS, 5001, "q"); /* H2: one block */
  assert_int_equal(t_in(a, &p, SEC), 0);
  size_t len = export_full(a, 2 * SEC, NULL);
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 21);
  same_listing(a, b);
  assert_int_equal(t_cnt(b, PINHOLE_CNT_PBA_BLOCK_ALLOC), 3);
  for (int i = 0; i < 20; i++) { /* the answers reach H1 on both */
    t_view(&p, &v);
    t_udp(&p, H1, (uint16_t)(30000 + i), DNS, 5001, "q");
    assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &o), 0);
    t_view(&o, &v);
    t_udp(&p, DNS, 5001, IP4(198, 19, 0, 7), v.sport, "a");
    assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o), 0);
  }
  /* H1 is at its quota on B as on A: a flow past its blocks is refused */
  for (int i = 20; i < 32; i++) {
    t_udp(&p, H1, (uint16_t)(30000 + i), DNS, 5001, "q");
    assert_int_equal(t_in(b, &p, 3 * SEC), 0);
    t_view(&p, &v);
    assert_true(v.sport >= 4096 && v.sport <= 4159);
  }
  t_udp(&p, H1, 31000, DNS, 5001, "q");
  assert_int_equal(t_in(b, &p, 3 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(b, PINHOLE_CNT_PBA_QUOTA), 1);
  /* a second blob whose mapping needs a block H2 holds on B: refused */
  tctx *c = pba_ctx();
  for (int i = 0; i < 16; i++) { /* H2 gets H1's first block first */
    t_udp(&p, H2, (uint16_t)(50000 + i), DNS, 5001, "q");
    assert_int_equal(t_in(c, &p, SEC), 0);
  }
  snap before;
  snap_take(b, &before);
  size_t oflen = 0;
  uint64_t cur = 0, next;
  /* a delta of c (not a full snapshot) conflicts with B's blocks */
  assert_int_equal(pinhole_state_export(c->ctx, 2 * SEC, 0, blob, sizeof(blob),
                                        &oflen, &cur),
                   1);
  assert_int_equal(pinhole_state_export(c->ctx, 2 * SEC, cur, blob,
                                        sizeof(blob), &oflen, &next),
                   1);
  udp_flows(c, 52000, 1, 3 * SEC);
  assert_int_equal(pinhole_state_export(c->ctx, 3 * SEC, cur, blob,
                                        sizeof(blob), &oflen, &next),
                   1);
  assert_true(pinhole_state_import(b->ctx, 3 * SEC, blob, oflen) < 0);
  snap_same(b, &before);
  free(before.listing);
  t_ctx_del(a);
  t_ctx_del(b);
  t_ctx_del(c);
}

/* IPv6 connections (the stateful IPv6 firewall) travel as CONN6
 * records: B lists them as A does and passes the flows' next packets
 * (an answer no rule would let in) with the same bytes. */
static void test_state_ipv6_synced(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "v6-out");
  r.family = 6;
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  assert_int_equal(pinhole_addr6_parse("2001:db8:1::", 12, r.src6), 0);
  r.src_plen = 48;
  assert_true(pinhole_rule_add(a->ctx, &r) >= 0);
  assert_true(pinhole_rule_add(b->ctx, &r) >= 0); /* the same configuration */
  tpkt p, o;
  b6_udp(&p, "2001:db8:1::2", 5000, "2001:db8:2::5", 53, "v6q!");
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, "2001:db8:1::9", 5001, "2001:db8:2::6", 5353, "another");
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&p, H1, 5353, DNS, 5001, "query");
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* an answer to an unknown flow is dropped (no rule lets it in) */
  b6_udp(&p, "2001:db8:2::5", 53, "2001:db8:1::2", 5999, "stray");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, SEC, NULL),
                   PINHOLE_VERDICT_DROP);
  size_t len = export_full(a, 2 * SEC, NULL);
  static uint8_t good[BLOB];
  memcpy(good, blob, len);
  size_t off[16];
  size_t nrec = records(len, off, 16);
  assert_int_equal(nrec, 7); /* 3 CONV, 1 MAP, 1 CONN, 2 CONN6 */
  int n6 = 0;
  for (size_t i = 0; i < nrec; i++)
    if (good[off[i]] == 5) {
      n6++;
      assert_int_equal(t_get32(good + off[i]) & 0xffff, 257);
    }
  assert_int_equal(n6, 2);
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, good, len), 3);
  char *at_export = t_listing(a);
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(b->ctx, &u), 0);
  assert_int_equal(u.flows, 3);
  assert_int_equal(u.flows6, 2);
  same_listing(a, b);
  char *l = t_listing(b);
  assert_non_null(strstr(l, "UDP [2001:db8:1::2]:5000 -> [2001:db8:2::5]:53"));
  assert_non_null(
      strstr(l, "UDP [2001:db8:1::9]:5001 -> [2001:db8:2::6]:5353"));
  free(l);
  /* the answers come in through B as through A, and the next query */
  b6_udp(&p, "2001:db8:2::5", 53, "2001:db8:1::2", 5000, "v6 answer");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(o.p.len, 48 + 9);
  assert_memory_equal(o.b + 48, "v6 answer", 9);
  b6_udp(&p, "2001:db8:2::6", 5353, "2001:db8:1::9", 5001, "second");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, "2001:db8:1::2", 5000, "2001:db8:2::5", 53, "v6q again");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  same_listing(a, b);
  /* hostile: an address changed (its fold kept; side B no longer side A
   * reversed), side A's side out of range, an ALG, a mapping, watch
   * state without a watch */
  tctx *c = t_ctx();
  assert_true(pinhole_rule_add(c->ctx, &r) >= 0);
  size_t c6 = 0;
  for (size_t i = 0; i < nrec && c6 == 0; i++)
    if (good[off[i]] == 5)
      c6 = off[i] + 4;
  static const size_t bad6[] = {3,      20,      36,      52,
                                64 + 1, 64 + 45, 64 + 32, 64 + 99};
  static const uint8_t bad6_v[] = {0x77, 0x77, 0x77, 0x77, 2, 1, 0xff, 1};
  snap before;
  snap_take(c, &before);
  for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
    memcpy(blob, good, len);
    blob[c6 + bad6[i]] ^= bad6_v[i];
    assert_int_equal(pinhole_state_import(c->ctx, 2 * SEC, blob, len),
                     PINHOLE_ERR_PARSE);
  }
  snap_same(c, &before);
  free(before.listing);
  /* a standby without IPv6 slots: another configuration */
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 0;
  tctx *d = t_ctx_cfg(&cfg);
  assert_int_equal(pinhole_state_import(d->ctx, 2 * SEC, good, len),
                   PINHOLE_ERR_NOMATCH);
  t_ctx_del(d);
  hostile_all(c, good, len, 3);
  char *lc = t_listing(c);
  assert_string_equal(lc, at_export);
  free(lc);
  free(at_export);
  t_ctx_del(c);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* ---- SIP: a call's media survives failover ---------------------------- */

#define ALICE IP4(198, 18, 0, 101)
#define BOB IP4(198, 19, 0, 2)

#define SIP_DIALOG(ip, cseq)                                                   \
  "Via: SIP/2.0/UDP " ip ":5062;branch=z9hG4bKha77\r\n"                        \
  "To: Bob <sip:bob@198.19.0.2>;tag=b6c85cf\r\n"                               \
  "From: Alice <sip:alice@" ip ":5062>;tag=9928301774\r\n"                     \
  "Call-ID: ha4b4c76e667@" ip "\r\n"                                           \
  "CSeq: " cseq "\r\n"

#define SIP_SDP(ip, port)                                                      \
  "v=0\r\no=x 1 1 IN IP4 " ip "\r\ns=-\r\nc=IN IP4 " ip "\r\nt=0 0\r\n"        \
  "m=audio " port " RTP/AVP 0\r\n"

/* On A: Alice (port 5062) calls Bob, offering media on 49200; Bob
 * answers with 30010. The media pinholes are open, RTP went once each
 * way. */
static void sip_call_on(tctx *a) {
  char in[2048], want[2048];
  tpkt p;
  pinhole_pkt_view v;
  t_sip_msg(in, sizeof(in),
            "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n" SIP_DIALOG(
                "198.18.0.101", "7 INVITE") "Contact: <sip:alice@198.18.0.101:"
                                            "5062>\r\n"
                                            "Content-Type: application/sdp\r\n",
            SIP_SDP("198.18.0.101", "49200"));
  t_sip_msg(want, sizeof(want),
            "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n" SIP_DIALOG(
                "198.19.0.1", "7 INVITE") "Contact: <sip:alice@198.19.0.1:"
                                          "5062>\r\n"
                                          "Content-Type: application/sdp\r\n",
            SIP_SDP("198.19.0.1", "49200"));
  t_udp(&p, ALICE, 5062, BOB, 5060, in);
  assert_int_equal(t_in(a, &p, SEC), 0);
  t_payload_is(&p, want);
  t_sip_msg(in, sizeof(in),
            "SIP/2.0 200 OK\r\n" SIP_DIALOG(
                "198.19.0.1", "7 INVITE") "Contact: <sip:bob@198.19.0.2>\r\n"
                                          "Content-Type: application/sdp\r\n",
            SIP_SDP("198.19.0.2", "30010"));
  t_udp(&p, BOB, 5060, PUB, 5062, in);
  assert_int_equal(t_out(a, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, ALICE);
  t_udp(&p, ALICE, 49200, BOB, 30010, "rtp-a1");
  assert_int_equal(t_in(a, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 49200);
}

static void test_state_sip_call(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  sip_call_on(a);
  size_t len = export_full(a, 3 * SEC, NULL);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len), 1);
  same_listing(a, b);
  char *l = t_listing(b);
  assert_non_null(strstr(l, "Conversation: ALG protocol: sip\n"));
  assert_non_null(strstr(l, "UDP 198.18.0.101:5062 -> 198.19.0.2:5060      "
                            "Watch    I          1\n"));
  assert_non_null(strstr(l, "UDP 198.18.0.101:49200 -> 198.19.0.2:30010    "
                            "Forward  I          1\n"
                            "    NAT source 198.18.0.101:49200 -> "
                            "198.19.0.1:49200\n"));
  free(l);
  /* media both ways, and RTCP through the pinhole still pending: the
   * same bytes from A and B */
  tpkt p, o;
  pinhole_pkt_view v;
  for (int i = 0; i < 3; i++) {
    t_udp(&p, BOB, 30010, PUB, 49200, "rtp-b");
    assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, &o), 0);
    t_view(&o, &v);
    assert_int_equal(v.dst, ALICE);
    assert_int_equal(v.dport, 49200);
    t_udp(&p, ALICE, 49200, BOB, 30010, "rtp-a");
    assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, &o), 0);
    t_view(&o, &v);
    assert_int_equal(v.src, PUB);
  }
  t_udp(&p, BOB, 30011, PUB, 49201, "rtcp-b");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal(v.dst, ALICE);
  assert_int_equal(v.dport, 49201);
  /* media from another host: dropped by both */
  t_udp(&p, IP4(198, 19, 0, 66), 30010, PUB, 49200, "rtp-x");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, NULL),
                   PINHOLE_VERDICT_DROP);
  /* Bob hangs up through B (and A): the same rewrite, the dialog ends */
  char in[1024];
  t_sip_msg(in, sizeof(in),
            "BYE sip:alice@198.19.0.1:5062 SIP/2.0\r\n" SIP_DIALOG("198.19.0.1",
                                                                   "8 BYE"),
            "");
  t_udp(&p, BOB, 5060, PUB, 5062, in);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 5 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal(v.dst, ALICE);
  assert_int_equal(v.dport, 5062);
  same_listing(a, b);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* The ALG record: the FTP session's state goes over (B honours the next
 * PORT as A does, which it does only after the 220 greeting); a record
 * naming another module, an unknown one, a wrong length or a state the
 * module refuses is refused. */
static void test_state_alg_record(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  ftp_sess s;
  run_flows(a, &s);
  size_t len = export_full(a, 3 * SEC, NULL);
  static uint8_t good[BLOB];
  memcpy(good, blob, len);
  size_t off[64];
  size_t nrec = records(len, off, 64), alg = 0;
  for (size_t i = 0; i < nrec; i++)
    if (good[off[i]] == 7) {
      assert_int_equal(alg, 0);
      alg = off[i];
      assert_int_equal(good[off[i - 1]], 3); /* right after its CONN */
    }
  /* "ftp", 4 bytes: greeted 1, dead 0, no multi-line reply */
  static const uint8_t want[] = {7, 0, 0, 9, 3, 'f', 't', 'p', 4, 1, 0, 0, 0};
  assert_memory_equal(good + alg, want, sizeof(want));
  snap before;
  snap_take(b, &before);
  static const struct {
    size_t at;
    uint8_t v;
  } bad[] = {{5, 't'}, {7, 'q'}, {9, 2}, {10, 7}, {8, 3}, {4, 4}, {4, 0}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    memcpy(blob, good, len);
    blob[alg + bad[i].at] = bad[i].v;
    assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len),
                     PINHOLE_ERR_PARSE);
  }
  /* an ALG record after a connection without a watch: the UDP one */
  memcpy(blob, good, len);
  size_t last = off[nrec - 1];
  assert_int_equal(good[last], 3);
  memcpy(blob + len, want, sizeof(want));
  t_put32(blob + 16, t_get32(good + 16) + 1);
  t_put32(blob + 20, (uint32_t)(len + sizeof(want)));
  assert_int_equal(
      pinhole_state_import(b->ctx, 3 * SEC, blob, len + sizeof(want)),
      PINHOLE_ERR_PARSE);
  snap_same(b, &before);
  free(before.listing);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, good, len), 4);
  /* B honours the client's next PORT exactly as A */
  tpkt p, o;
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq, s.sseq, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,75\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, &o), 0);
  t_payload_is(&o, "PORT 198,19,0,1,156,75\r\n");
  same_listing(a, b);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* A held port block (its last mapping ended) stays the subscriber's on
 * B for the rest of the hold time: another subscriber gets another block
 * on B as on A, the subscriber gets its block back, and B releases it
 * when the hold time ends. */
static void test_state_pba_held(void **state) {
  (void)state;
  tctx *a = pba_ctx_udp(2), *b = pba_ctx_udp(2);
  tpkt p, o;
  pinhole_pkt_view v;
  t_udp(&p, H1, 30000, DNS, 5001, "q");
  assert_int_equal(t_in(a, &p, SEC), 0);
  t_view(&p, &v);
  uint16_t h1_block = (uint16_t)((v.sport - 4096) / 16);
  assert_true(pinhole_tick(a->ctx, 5 * SEC) >= 0); /* the flow expired */
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(a->ctx, &u), 0);
  assert_int_equal(u.flows, 0);
  assert_int_equal(t_cnt(a, PINHOLE_CNT_PBA_BLOCK_RELEASE), 0); /* held */
  size_t len = export_full(a, 6 * SEC, NULL);
  static uint8_t good[BLOB];
  memcpy(good, blob, len);
  size_t off[8];
  assert_int_equal(records(len, off, 8), 1);
  /* BLOCK: pool 0, 198.19.0.7, block h1_block, H1, ~4000 ms left */
  static uint8_t want[19] = {8, 0, 0, 15,  0,  198, 19, 0,
                             7, 0, 0, 198, 18, 0,   7};
  want[10] = (uint8_t)h1_block;
  assert_memory_equal(good + 24, want, 15);
  uint32_t left = t_get32(good + 24 + 15);
  assert_true(left > 3000 && left <= 5000);
  assert_int_equal(pinhole_state_import(b->ctx, 6 * SEC, good, len), 0);
  assert_int_equal(t_cnt(b, PINHOLE_CNT_PBA_BLOCK_ALLOC), 1);
  /* H2 gets another block on both; H1 gets its own back on both */
  t_udp(&p, H2, 40000, DNS, 5001, "q");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 6 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_not_equal((v.sport - 4096) / 16, h1_block);
  t_udp(&p, H1, 30001, DNS, 5001, "q");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 6 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal((v.sport - 4096) / 16, h1_block);
  assert_int_not_equal(v.sport, 0);
  same_listing(a, b);
  /* a standby where H2 holds that block: refused, nothing changed */
  tctx *c = pba_ctx_udp(2);
  for (int i = 0; i < 16; i++) {
    t_udp(&p, H2, (uint16_t)(50000 + i), DNS, 5001, "q");
    assert_int_equal(t_in(c, &p, 6 * SEC), 0);
  }
  /* a delta with the BLOCK record (a delta keeps c's conversations) */
  memcpy(blob, good, len);
  t_put16(blob + 6, 0);
  snap before;
  snap_take(c, &before);
  t_view(&p, &v);
  assert_int_equal((v.sport - 4096) / 16, h1_block); /* H2 has it on c */
  assert_int_equal(pinhole_state_import(c->ctx, 6 * SEC, blob, len),
                   PINHOLE_ERR_EXISTS);
  snap_same(c, &before);
  free(before.listing);
  /* field ranges: pool, address, block, subscriber, hold time */
  static const struct {
    size_t at;
    uint8_t v;
  } bad[] = {{4, 1}, {8, 8}, {10, 4}, {15, 0x80}, {16, 0x14}};
  tctx *d = pba_ctx_udp(2);
  snap_take(d, &before);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    memcpy(blob, good, len);
    blob[24 + bad[i].at] = bad[i].v;
    assert_int_equal(pinhole_state_import(d->ctx, 6 * SEC, blob, len),
                     PINHOLE_ERR_PARSE);
  }
  memcpy(blob, good, len);
  memset(blob + 24 + 11, 0, 4); /* no subscriber */
  assert_int_equal(pinhole_state_import(d->ctx, 6 * SEC, blob, len),
                   PINHOLE_ERR_PARSE);
  snap_same(d, &before);
  free(before.listing);
  hostile_all(d, good, len, 0);
  /* B lets the block go when the hold ends (5 s after A's flow ended) */
  tctx *e = pba_ctx_udp(2);
  assert_int_equal(pinhole_state_import(e->ctx, 6 * SEC, good, len), 0);
  assert_true(pinhole_tick(e->ctx, 9 * SEC) >= 0);
  assert_int_equal(t_cnt(e, PINHOLE_CNT_PBA_BLOCK_RELEASE), 0);
  assert_true(pinhole_tick(e->ctx, 11 * SEC) >= 0);
  assert_int_equal(t_cnt(e, PINHOLE_CNT_PBA_BLOCK_RELEASE), 1);
  t_ctx_del(e);
  t_ctx_del(d);
  t_ctx_del(c);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* Held blocks in pieces: four subscribers' blocks held, a buffer with
 * room for little more than one BLOCK record: the pass takes one piece
 * per block (held blocks take at most half of each piece, at least one
 * record), and B ends up holding each subscriber's block as A does. */
static void test_state_pba_held_pieces(void **state) {
  (void)state;
  tctx *a = pba_ctx_udp(2), *b = pba_ctx_udp(2);
  const uint32_t sub[4] = {H1, H2, IP4(198, 18, 0, 21), IP4(198, 18, 0, 33)};
  uint16_t port[4];
  tpkt p;
  pinhole_pkt_view v;
  for (int i = 0; i < 4; i++) {
    t_udp(&p, sub[i], (uint16_t)(31000 + i), DNS, 5001, "q");
    assert_int_equal(t_in(a, &p, SEC), 0);
    t_view(&p, &v);
    port[i] = v.sport;
  }
  assert_true(pinhole_tick(a->ctx, 5 * SEC) >= 0); /* all four held */
  uint64_t cur = 0, next;
  size_t len;
  int pieces = 0, rc;
  do {
    rc = pinhole_state_export(a->ctx, 6 * SEC, cur, blob, 64, &len, &next);
    assert_true(rc >= 0);
    assert_true(len <= 64);
    assert_true(pinhole_state_import(b->ctx, 6 * SEC, blob, len) >= 0);
    cur = next;
    pieces++;
  } while (rc == 0 && pieces < 20);
  assert_int_equal(rc, 1);
  assert_int_equal(pieces, 4); /* one 43-byte BLOCK piece each */
  assert_int_equal(t_cnt(b, PINHOLE_CNT_PBA_BLOCK_ALLOC), 4);
  /* a new subscriber finds no free block on either: the four are held */
  t_udp(&p, IP4(198, 18, 0, 44), 999, DNS, 5001, "q");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 6 * SEC, NULL),
                   PINHOLE_VERDICT_DROP);
  /* each subscriber gets its own block back on both (the port in it is
   * NAPT's pick: a new mapping) */
  for (int i = 0; i < 4; i++) {
    for (int k = 0; k < 2; k++) {
      t_udp(&p, sub[i], (uint16_t)(32000 + i), DNS, 5001, "q");
      assert_int_equal(t_in(k ? b : a, &p, 6 * SEC), 0);
      t_view(&p, &v);
      assert_int_equal((v.sport - 4096) / 16, (port[i] - 4096) / 16);
    }
  }
  t_ctx_del(a);
  t_ctx_del(b);
}

/* The active box passed more of the FTP dialogue after its last pass
 * (the client's TYPE I and the server's answer, acknowledged there): B's
 * stream positions lag behind both senders. The first data past them
 * through B (the next command, the next reply) begins a message: B
 * rewrites the PORT exactly as A, with the old sequence delta; an old
 * reply resent first leaves the pickup for later; once in step, a segment
 * after a gap is dropped on B as on A. */
static void test_state_stream_lag(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  ftp_sess s;
  run_flows(a, &s);
  size_t len = export_full(a, 3 * SEC, NULL);
  tpkt p, o;
  pinhole_pkt_view v;
  uint32_t old_reply = s.sseq - 30; /* "200 PORT command successful." */
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq, s.sseq, PINHOLE_TCP_ACK, "TYPE I\r\n");
  assert_int_equal(t_in(a, &p, 3 * SEC), 0);
  s.cseq += 8;
  s.cseen += 8;
  t_tcp(&p, SRV, 21, PUB, 40000, s.sseq, s.cseen, PINHOLE_TCP_ACK,
        "200 Switching to Binary mode.\r\n");
  assert_int_equal(t_out(a, &p, 3 * SEC), 0);
  s.sseq += 31;
  assert_int_equal(pinhole_state_import(b->ctx, 4 * SEC, blob, len), 4);
  t_counters(b, PINHOLE_CNT_PINHOLE_CREATED, 1, -1); /* the PORT's */
  /* the server resends its reply to the PORT before the pass: data
   * already handled on both, passed as it is */
  t_tcp(&p, SRV, 21, PUB, 40000, old_reply, s.cseen, PINHOLE_TCP_ACK,
        "200 PORT command successful.\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, &o), 0);
  t_payload_is(&o, "200 PORT command successful.\r\n");
  /* the client's next command: 8 bytes past B's position */
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq, s.sseq, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,75\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, &o), 0);
  t_payload_is(&o, "PORT 198,19,0,1,156,75\r\n");
  t_view(&o, &v);
  assert_int_equal(v.seq, s.cseen);
  s.cseq += 26;
  s.cseen += 24;
  /* the server's answer: 31 bytes past B's position */
  t_tcp(&p, SRV, 21, PUB, 40000, s.sseq, s.cseen, PINHOLE_TCP_ACK,
        "200 PORT command successful.\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal(v.ack, s.cseq);
  s.sseq += 30;
  /* the pinhole B opened for the PORT admits the data connection */
  t_tcp(&p, SRV, 20, PUB, 40011, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal(v.dst, CLI);
  assert_int_equal(v.dport, 40011);
  /* in step now: a command after a 4-byte gap is dropped on both */
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq + 4, s.sseq, PINHOLE_TCP_ACK,
        "NOOP\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, NULL),
                   PINHOLE_VERDICT_DROP);
  t_tcp(&p, SRV, 21, PUB, 40000, s.sseq + 4, s.cseen, PINHOLE_TCP_ACK,
        "200 NOOP ok.\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, NULL),
                   PINHOLE_VERDICT_DROP);
  t_counters(b, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_EXIST_DISCARD, 2, PINHOLE_CNT_PINHOLE_CREATED, 2,
             PINHOLE_CNT_PINHOLE_USED, 1, PINHOLE_CNT_REASM_GAP, 2, -1);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* W1 sent 4000 bytes to H1 through A after the last pass; H1's
 * acknowledgments of the last 3000 were lost with A. Through B: H1's
 * window update (ACK 12001) comes first, then W1 resends from 9001 (its
 * oldest unacknowledged segment). W1's window is relearnt from that old
 * segment, but H1 acknowledged 12001: W1 sent that much, so H1's
 * duplicate ACK of 12001 passes B as it passes A (without that, B
 * refuses it and W1 resends the old segment forever); an ACK of what W1
 * never sent is still refused on both. */
static void test_state_window_lag(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  ftp_sess s;
  run_flows(a, &s);
  size_t len = export_full(a, 3 * SEC, NULL);
  static uint8_t data[1000];
  for (size_t i = 0; i < sizeof(data); i++)
    data[i] = (uint8_t)(i * 7 + 3);
  tpkt p, o;
  pinhole_pkt_view v;
  for (uint32_t k = 0; k < 4; k++) {
    t_tcp_n(&p, W1, 80, PUB, 33000, 8001 + 1000 * k, 5001, PINHOLE_TCP_ACK,
            data, sizeof(data));
    assert_int_equal(t_out(a, &p, 3 * SEC), 0);
  }
  t_tcp(&p, H1, 33000, W1, 80, 5001, 9001, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(a, &p, 3 * SEC), 0); /* W1 got only this one */
  t_tcp(&p, H1, 33000, W1, 80, 5001, 12001, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(a, &p, 3 * SEC), 0); /* lost with A */
  assert_int_equal(pinhole_state_import(b->ctx, 4 * SEC, blob, len), 4);
  t_counters(b, PINHOLE_CNT_PINHOLE_CREATED, 1, -1); /* the PORT's */
  /* H1's window update, then W1's resent segment, then H1's answer */
  t_tcp(&p, H1, 33000, W1, 80, 5001, 12001, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, NULL), 0);
  t_tcp_n(&p, W1, 80, PUB, 33000, 9001, 5001, PINHOLE_TCP_ACK, data,
          sizeof(data));
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal(v.dst, H1);
  t_tcp(&p, H1, 33000, W1, 80, 5001, 12001, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, &o), 0);
  t_view(&o, &v);
  assert_int_equal(v.ack, 12001);
  /* W1 goes on from 12001 */
  t_tcp_n(&p, W1, 80, PUB, 33000, 12001, 5001, PINHOLE_TCP_ACK, data,
          sizeof(data));
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 4 * SEC, NULL), 0);
  t_tcp(&p, H1, 33000, W1, 80, 5001, 13001, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, NULL), 0);
  /* an acknowledgment of bytes W1 never sent: refused on both */
  t_tcp(&p, H1, 33000, W1, 80, 5001, 13002, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, NULL),
                   PINHOLE_VERDICT_DROP);
  t_counters(b, PINHOLE_CNT_EXIST_ACCEPT, 5, PINHOLE_CNT_EXIST_DISCARD, 1,
             PINHOLE_CNT_ERR_TCP, 1, PINHOLE_CNT_TCP_FLAGS, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, -1);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* A hairpinned connection (an inside host to another's public endpoint)
 * on the standby holds its target's mapping as on the active box: after
 * the target's own connection idles out the mapping stays, and both
 * mappings go with the hairpinned connection. */
static void test_state_hairpin(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  tpkt p;
  pinhole_pkt_view v;
  t_udp(&p, H2, 7777, W1, 3478, "H2 registers its mapping");
  assert_int_equal(t_in(a, &p, 1 * SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&p, H1, 6666, PUB, 7777, "H1 to H2's public endpoint");
  assert_int_equal(t_in(a, &p, 2 * SEC), PINHOLE_VERDICT_HAIRPIN);
  size_t len = export_full(a, 3 * SEC, NULL);
  /* the hairpin flag without the hairpin mapping, and the reverse:
   * refused (the standby finds the mapping from the flag and side A) */
  static uint8_t good[BLOB];
  memcpy(good, blob, len);
  size_t plain = rec_of(good, len, 3 /* CONN */, 0),
         hair = rec_of(good, len, 3, 1);
  assert_int_equal(good[plain + 4 + 3] & 0x20, 0);
  assert_int_equal(good[hair + 4 + 3] & 0x20, 0x20); /* PH_CONN_HAIRPIN */
  assert_int_equal(t_get16(good + plain + 4 + 34), 0xffff); /* no hairpin */
  assert_int_equal(t_get16(good + hair + 4 + 34), 1);       /* H2's mapping */
  flip(b, good, len, plain, 3, 0x20, PINHOLE_ERR_PARSE);
  flip(b, good, len, hair, 3, 0x20, PINHOLE_ERR_PARSE);
  /* the hairpin naming the initiator's own mapping, not side A's
   * destination */
  flip(b, good, len, hair, 35, 0x01, PINHOLE_ERR_PARSE);
  memcpy(blob, good, len);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len), 2);
  same_listing(a, b);
  t_flows_maps(b, 2, 2);
  /* H2 answers H1 through the standby */
  t_udp(&p, H2, 7777, PUB, 6666, "H2 answers");
  assert_int_equal(t_in(b, &p, 100 * SEC), PINHOLE_VERDICT_HAIRPIN);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 7777);
  assert_int_equal(v.dst, H1);
  assert_int_equal(v.dport, 6666);
  t_check_cksums(&p);
  /* H2's own connection idles out (UDP 300 s): its mapping is held */
  pinhole_tick(b->ctx, 350 * SEC);
  t_flows_maps(b, 1, 2);
  /* the hairpinned one ends (100 + 300): both mappings go */
  pinhole_tick(b->ctx, 450 * SEC);
  t_flows_maps(b, 0, 0);
  t_ctx_del(a);
  t_ctx_del(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state_failover),
      cmocka_unit_test(test_state_tcp_slots),
      cmocka_unit_test(test_state_hostile),
      cmocka_unit_test(test_state_incremental),
      cmocka_unit_test(test_state_id_wrap),
      cmocka_unit_test(test_state_pieces),
      cmocka_unit_test(test_state_ipv6_synced),
      cmocka_unit_test(test_state_pba),
      cmocka_unit_test(test_state_sip_call),
      cmocka_unit_test(test_state_alg_record),
      cmocka_unit_test(test_state_pba_held),
      cmocka_unit_test(test_state_pba_held_pieces),
      cmocka_unit_test(test_state_stream_lag),
      cmocka_unit_test(test_state_window_lag),
      cmocka_unit_test(test_state_maxwin_encoded),
      cmocka_unit_test(test_state_hairpin),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
