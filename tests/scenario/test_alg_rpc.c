/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Sun RPC ALG scenarios: portmapper sessions over UDP and TCP through
 * source NAPT (a pool of three addresses and a narrow port range) and
 * destination NAT, packet by packet, with the exact bytes of every
 * universal-address rewrite and record mark, sequence numbers, the data
 * connection through its pinhole, the listing and the counters; and the
 * hostile cases (a third party, low ports, a stream that is not RPC, split
 * and oversize records, too many outstanding calls).
 */
#include "helpers.h"

#define CLI IP4(198, 18, 0, 100)
#define SRV OUT_HOST
#define SRV_IN IP4(198, 18, 0, 10)
#define DNAT_PUB IP4(198, 19, 0, 7)

/* ---- XDR builders ------------------------------------------------------ */

static size_t x32(uint8_t *b, size_t o, uint32_t v) {
  t_put32(b + o, v);
  return o + 4;
}

static size_t xstr(uint8_t *b, size_t o, const char *s) {
  size_t n = strlen(s);
  o = x32(b, o, (uint32_t)n);
  memcpy(b + o, s, n);
  while (n % 4)
    b[o + n++] = 0;
  return o + n;
}

/* A call header to the portmapper, AUTH_NONE. */
static size_t xcall(uint8_t *b, uint32_t xid, uint32_t vers, uint32_t proc) {
  size_t o = x32(b, 0, xid);
  o = x32(b, o, 0);
  o = x32(b, o, 2);
  o = x32(b, o, 100000);
  o = x32(b, o, vers);
  o = x32(b, o, proc);
  for (int i = 0; i < 4; i++)
    o = x32(b, o, 0);
  return o;
}

/* An accepted SUCCESS reply header. */
static size_t xreply(uint8_t *b, uint32_t xid) {
  size_t o = x32(b, 0, xid);
  o = x32(b, o, 1);
  for (int i = 0; i < 4; i++)
    o = x32(b, o, 0);
  return o;
}

static size_t getport(uint8_t *b, uint32_t xid, uint32_t prog, uint32_t vers,
                      uint32_t prot) {
  size_t o = xcall(b, xid, 2, 3);
  o = x32(b, o, prog);
  o = x32(b, o, vers);
  o = x32(b, o, prot);
  return x32(b, o, 0);
}

static size_t port_reply(uint8_t *b, uint32_t xid, uint32_t port) {
  return x32(b, xreply(b, xid), port);
}

/* rpcbind v4 GETADDR (proc 3) or GETVERSADDR (proc 9). */
static size_t getaddr(uint8_t *b, uint32_t xid, uint32_t proc, uint32_t prog,
                      uint32_t vers, const char *netid) {
  size_t o = xcall(b, xid, 4, proc);
  o = x32(b, o, prog);
  o = x32(b, o, vers);
  o = xstr(b, o, netid);
  o = xstr(b, o, "");
  return xstr(b, o, "");
}

static size_t addr_reply(uint8_t *b, uint32_t xid, const char *uaddr) {
  return xstr(b, xreply(b, xid), uaddr);
}

/* A record of one fragment: mark, then the message. */
static size_t rec(uint8_t *out, const uint8_t *msg, size_t n) {
  t_put32(out, 0x80000000u | (uint32_t)n);
  memcpy(out + 4, msg, n);
  return n + 4;
}

/* ---- contexts and sessions ---------------------------------------------- */

/* Source NAPT to 198.19.0.4-198.19.0.6, ports 20000-20015; with dnat, also
 * DNAT_PUB:111 (TCP and UDP) to the inside server SRV_IN. */
static tctx *rpc_ctx(int dnat, uint32_t flags) {
  return t_ctx_pool3(20000, 20015, flags, dnat ? 111 : 0, DNAT_PUB, SRV_IN);
}

/* One portmapper connection or UDP exchange, from both ends' view. */
typedef struct rs {
  tctx *t;
  uint8_t proto;
  int cside, sside;
  uint32_t cli, dst, srv, cpub; /* client, server as targeted, server as it
                                   sends, client as the server sees it */
  uint16_t cport, cpport;
  uint32_t cseq, sseq;   /* next seq as each end numbers its bytes */
  uint32_t cseen, sseen; /* ... as the other end receives them */
  int held; /* a message sent with want NULL is held, not dropped */
} rs;

static int rs_send(rs *s, tpkt *p, int side, uint64_t now) {
  return pinhole_process(s->t->ctx, &p->p, side, now);
}

/* Client inside, server outside (SNAT); or client outside reaching the
 * inside server through DNAT_PUB (dnat). TCP: the handshake. */
static void rs_open(rs *s, tctx *t, uint8_t proto, int dnat, uint16_t cport) {
  memset(s, 0, sizeof(*s));
  s->t = t;
  s->proto = proto;
  s->cside = dnat ? PINHOLE_SIDE_OUTSIDE : PINHOLE_SIDE_INSIDE;
  s->sside = dnat ? PINHOLE_SIDE_INSIDE : PINHOLE_SIDE_OUTSIDE;
  s->cli = dnat ? SRV : CLI;
  s->dst = dnat ? DNAT_PUB : SRV;
  s->srv = dnat ? SRV_IN : SRV;
  s->cport = cport;
  s->cseq = 1000;
  s->sseq = 70000;
  if (proto != PINHOLE_IPPROTO_TCP)
    return;
  tpkt p;
  pinhole_pkt_view v;
  t_tcp_n(&p, s->cli, cport, s->dst, 111, s->cseq++, 0, PINHOLE_TCP_SYN, NULL,
          0);
  assert_int_equal(rs_send(s, &p, s->cside, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, s->srv);
  s->cpub = v.src;
  s->cpport = v.sport;
  t_tcp_n(&p, s->srv, 111, s->cpub, s->cpport, s->sseq++, s->cseq,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  assert_int_equal(rs_send(s, &p, s->sside, SEC), 0);
  s->cseen = s->cseq;
  s->sseen = s->sseq;
}

static void rs_payload_is(const tpkt *p, const uint8_t *want, size_t n) {
  pinhole_pkt_view v;
  t_view(p, &v);
  if (v.payload_len != n || memcmp(p->b + v.payload_off, want, n) != 0) {
    for (size_t i = 0; i < v.payload_len; i++)
      fprintf(stderr, "%02x%s", p->b[v.payload_off + i],
              i % 16 == 15 ? "\n" : " ");
    fail_msg("payload of %u bytes differs (want %zu)", v.payload_len, n);
  }
  t_check_cksums(p);
}

/* The client sends msg; it must arrive as want (NULL: dropped). */
static void rs_c(rs *s, const uint8_t *msg, size_t n, const uint8_t *want,
                 size_t wn, uint64_t now) {
  tpkt p;
  pinhole_pkt_view v;
  if (s->proto == PINHOLE_IPPROTO_TCP)
    t_tcp_n(&p, s->cli, s->cport, s->dst, 111, s->cseq, s->sseen,
            PINHOLE_TCP_ACK, msg, n);
  else
    t_udp_n(&p, s->cli, s->cport, s->dst, 111, msg, n);
  int verdict = rs_send(s, &p, s->cside, now);
  if (want == NULL) {
    assert_int_equal(verdict,
                     s->held ? PINHOLE_VERDICT_HELD : PINHOLE_VERDICT_DROP);
    return;
  }
  assert_int_equal(verdict, 0);
  t_view(&p, &v);
  if (s->proto != PINHOLE_IPPROTO_TCP) {
    s->cpub = v.src;
    s->cpport = v.sport;
  } else {
    assert_int_equal(v.seq, s->cseen);
    assert_int_equal(v.ack, s->sseq);
  }
  assert_int_equal(v.dst, s->srv);
  rs_payload_is(&p, want, wn);
  s->cseq += (uint32_t)n;
  s->cseen += (uint32_t)wn;
}

/* The server sends msg; it must arrive as want (NULL: dropped). */
static void rs_s(rs *s, const uint8_t *msg, size_t n, const uint8_t *want,
                 size_t wn, uint64_t now) {
  tpkt p;
  pinhole_pkt_view v;
  if (s->proto == PINHOLE_IPPROTO_TCP)
    t_tcp_n(&p, s->srv, 111, s->cpub, s->cpport, s->sseq, s->cseen,
            PINHOLE_TCP_ACK, msg, n);
  else
    t_udp_n(&p, s->srv, 111, s->cpub, s->cpport, msg, n);
  int verdict = rs_send(s, &p, s->sside, now);
  if (want == NULL) {
    assert_int_equal(verdict,
                     s->held ? PINHOLE_VERDICT_HELD : PINHOLE_VERDICT_DROP);
    return;
  }
  assert_int_equal(verdict, 0);
  t_view(&p, &v);
  assert_int_equal(v.src, s->dst);
  assert_int_equal(v.dst, s->cli);
  assert_int_equal(v.dport, s->cport);
  if (s->proto == PINHOLE_IPPROTO_TCP) {
    assert_int_equal(v.seq, s->sseen);
    assert_int_equal(v.ack, s->cseq);
  }
  rs_payload_is(&p, want, wn);
  s->sseq += (uint32_t)n;
  s->sseen += (uint32_t)wn;
}

/* The client's data connection to dst:dport (proto) through the pinhole,
 * answered by the server from to:dport; both directions pass. */
static void rs_data(rs *s, uint8_t proto, uint16_t sport, uint16_t dport,
                    uint32_t to, uint64_t now) {
  tpkt p;
  pinhole_pkt_view v;
  if (proto == PINHOLE_IPPROTO_TCP)
    t_tcp_n(&p, s->cli, sport, s->dst, dport, 5, 0, PINHOLE_TCP_SYN, NULL, 0);
  else
    t_udp_n(&p, s->cli, sport, s->dst, dport, "null", 4);
  assert_int_equal(rs_send(s, &p, s->cside, now), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, to);
  assert_int_equal(v.dport, dport);
  t_check_cksums(&p);
  uint32_t pub = v.src;
  uint16_t pport = v.sport;
  if (proto == PINHOLE_IPPROTO_TCP)
    t_tcp_n(&p, to, dport, pub, pport, 900, 6,
            PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  else
    t_udp_n(&p, to, dport, pub, pport, "ok", 2);
  assert_int_equal(rs_send(s, &p, s->sside, now), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, s->cli);
  assert_int_equal(v.dport, sport);
  assert_int_equal(v.src, s->dst);
}

/* ---- tests ----------------------------------------------------------------
 */

/* rpcinfo -u: GETPORT over UDP from a NATed client; the reply's port opens
 * a pinhole for the client's UDP call to the status service, which
 * becomes a Forward flow of the portmap conversation, with the same public
 * address of the pool as the control flow. */
static void test_alg_rpc_udp_getport(void **state) {
  (void)state;
  rs s;
  rs_open(&s, rpc_ctx(0, 0), PINHOLE_IPPROTO_UDP, 0, 837);
  uint8_t m[256];
  size_t n = getport(m, 0x11223344, 100024, 1, 17);
  rs_c(&s, m, n, m, n, SEC);
  n = port_reply(m, 0x11223344, 40123);
  rs_s(&s, m, n, m, n, SEC);
  rs_data(&s, PINHOLE_IPPROTO_UDP, 838, 40123, SRV, 2 * SEC);
  t_listing_is(s.t, "Conversation: ALG protocol: rpc\n"
                    "  Number of initiators: 2, Number of responders: 2\n"
                    "Flow                                          State    "
                    "Dir  Frm count\n"
                    "UDP 198.18.0.100:837 -> 198.19.0.2:111        Watch    "
                    "I          1\n"
                    "    NAT source 198.18.0.100:837 -> 198.19.0.6:20006\n"
                    "UDP 198.18.0.100:838 -> 198.19.0.2:40123      Forward  "
                    "I          1\n"
                    "    NAT source 198.18.0.100:838 -> 198.19.0.6:20009\n"
                    "UDP 198.19.0.2:111 -> 198.19.0.6:20006        Watch    "
                    "O          1\n"
                    "    NAT dest 198.19.0.6:20006 -> 198.18.0.100:837\n"
                    "UDP 198.19.0.2:40123 -> 198.19.0.6:20009      Forward  "
                    "O          1\n"
                    "    NAT dest 198.19.0.6:20009 -> 198.18.0.100:838\n");
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  assert_true(t_has_trace(s.t, "rpc ALG conv=1 message from inside seq=0 "
                               "ack=0 \"GETPORT 100024 v1 udp\""));
  assert_true(t_has_trace(s.t, "rpc ALG conv=1 pinhole created UDP "
                               "198.18.0.100:0 -> 198.19.0.2:40123 "
                               "lifetime=10000ms"));
  t_ctx_del(s.t);
}

/* rpcinfo -T tcp against a server inside, behind destination NAT: the
 * GETADDR reply's universal address names the inside server and is
 * rewritten to the public one ("198.18.0.10.4.123", 17 bytes padded to 20,
 * becomes "198.19.0.7.4.123", 16 bytes: the record is 4 bytes shorter and
 * its mark says so); a GETVERSADDR reply of the same padded length is
 * rewritten too; later segments are numbered right both ways; the
 * client's connection to the returned port reaches the inside server. */
static void test_alg_rpc_tcp_getaddr_dnat(void **state) {
  (void)state;
  rs s;
  rs_open(&s, rpc_ctx(1, 0), PINHOLE_IPPROTO_TCP, 1, 50111);
  uint8_t m[256], r[260], w[256], wr[260];
  size_t n = getaddr(m, 0x0a0b0c01, 3, 100024, 1, "tcp");
  size_t rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = addr_reply(m, 0x0a0b0c01, "198.18.0.10.4.123");
  rn = rec(r, m, n);
  size_t wn = addr_reply(w, 0x0a0b0c01, "198.19.0.7.4.123");
  size_t wrn = rec(wr, w, wn);
  assert_int_equal(wrn + 4, rn);
  rs_s(&s, r, rn, wr, wrn, SEC);
  /* the exact bytes: mark 0x8000002c (44 bytes), the string's length 16, no pad
   */
  static const uint8_t want[] = {
      0x80, 0x00, 0x00, 0x2c, 0x0a, 0x0b, 0x0c, 0x01, 0,   0,   0,   1,
      0,    0,    0,    0,    0,    0,    0,    0,    0,   0,   0,   0,
      0,    0,    0,    0,    0,    0,    0,    0x10, '1', '9', '8', '.',
      '1',  '9',  '.',  '0',  '.',  '7',  '.',  '4',  '.', '1', '2', '3'};
  assert_int_equal(wrn, sizeof(want));
  assert_memory_equal(wr, want, sizeof(want));
  /* the reply's segment sent again: rewritten the same way, same seq */
  tpkt p;
  pinhole_pkt_view v;
  t_tcp_n(&p, SRV_IN, 111, s.cpub, s.cpport, s.sseq - (uint32_t)rn, s.cseen,
          PINHOLE_TCP_ACK, r, rn);
  assert_int_equal(t_in(s.t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, s.sseen - (uint32_t)wrn);
  rs_payload_is(&p, want, sizeof(want));
  /* GETVERSADDR (proc 9), same padded length: no sequence change */
  n = getaddr(m, 0x0a0b0c02, 9, 100024, 1, "tcp");
  rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = addr_reply(m, 0x0a0b0c02, "198.18.0.10.156.71");
  rn = rec(r, m, n);
  wn = addr_reply(w, 0x0a0b0c02, "198.19.0.7.156.71");
  wrn = rec(wr, w, wn);
  assert_int_equal(wrn, rn);
  rs_s(&s, r, rn, wr, wrn, SEC);
  assert_int_equal(s.sseq - s.sseen, 4);
  rs_data(&s, PINHOLE_IPPROTO_TCP, 50200, 1147, SRV_IN, 2 * SEC);
  rs_data(&s, PINHOLE_IPPROTO_TCP, 50201, 40007, SRV_IN, 2 * SEC);
  t_listing_is(s.t, "Conversation: ALG protocol: rpc\n"
                    "  Number of initiators: 3, Number of responders: 3\n"
                    "Flow                                          State    "
                    "Dir  Frm count\n"
                    "TCP 198.19.0.2:50111 -> 198.19.0.7:111        Watch    "
                    "I          3\n"
                    "    NAT dest 198.19.0.7:111 -> 198.18.0.10:111\n"
                    "TCP 198.19.0.2:50200 -> 198.19.0.7:1147       Forward  "
                    "I          1\n"
                    "    NAT dest 198.19.0.7:1147 -> 198.18.0.10:1147\n"
                    "TCP 198.19.0.2:50201 -> 198.19.0.7:40007      Forward  "
                    "I          1\n"
                    "    NAT dest 198.19.0.7:40007 -> 198.18.0.10:40007\n"
                    "TCP 198.18.0.10:111 -> 198.19.0.2:50111       Watch    "
                    "O          4\n"
                    "    NAT source 198.18.0.10:111 -> 198.19.0.7:111\n"
                    "TCP 198.18.0.10:1147 -> 198.19.0.2:50200      Forward  "
                    "O          1\n"
                    "    NAT source 198.18.0.10:1147 -> 198.19.0.7:1147\n"
                    "TCP 198.18.0.10:40007 -> 198.19.0.2:50201     Forward  "
                    "O          1\n"
                    "    NAT source 198.18.0.10:40007 -> 198.19.0.7:40007\n");
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 8,
             PINHOLE_CNT_PINHOLE_CREATED, 2, PINHOLE_CNT_PINHOLE_USED, 2, -1);
  assert_true(t_has_trace(s.t, "rpc ALG conv=1 translated 198.18.0.10:1147 -> "
                               "198.19.0.7:1147"));
  t_ctx_del(s.t);
}

/* A GETADDR reply in two fragments (the string split between them) is
 * gathered, rewritten and sent on as one fragment with a new mark. */
static void test_alg_rpc_fragments_gathered(void **state) {
  (void)state;
  rs s;
  rs_open(&s, rpc_ctx(1, 0), PINHOLE_IPPROTO_TCP, 1, 50112);
  uint8_t m[256], r[260], w[256], wr[260];
  size_t n = getaddr(m, 77, 3, 100003, 3, "tcp");
  size_t rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = addr_reply(m, 77, "198.18.0.10.8.1");
  /* fragment 1: 30 bytes (not last), fragment 2: the rest (last) */
  t_put32(r, 30);
  memcpy(r + 4, m, 30);
  t_put32(r + 34, 0x80000000u | (uint32_t)(n - 30));
  memcpy(r + 38, m + 30, n - 30);
  rn = n + 8;
  size_t wn = addr_reply(w, 77, "198.19.0.7.8.1");
  size_t wrn = rec(wr, w, wn);
  rs_s(&s, r, rn, wr, wrn, SEC);
  assert_int_equal(s.sseq - s.sseen, 4); /* one mark less */
  rs_data(&s, PINHOLE_IPPROTO_TCP, 50300, 2049, SRV_IN, 2 * SEC);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(s.t);
}

/* A reply naming a third party, a port below 1024, port 0 and the
 * portmapper's own port open nothing; the first two are counted as
 * portmap errors, port 0 is "not registered", port 111 needs nothing. Under
 * destination NAT the inside server's own address is translated even when no
 * pinhole opens. */
static void test_alg_rpc_third_party_and_low_ports(void **state) {
  (void)state;
  rs s;
  rs_open(&s, rpc_ctx(0, 0), PINHOLE_IPPROTO_TCP, 0, 40000);
  uint8_t m[256], r[260], w[256], wr[260];
  size_t n = getaddr(m, 1, 3, 100024, 1, "tcp");
  size_t rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = addr_reply(m, 1, "198.19.0.99.156.71");
  rn = rec(r, m, n);
  rs_s(&s, r, rn, r, rn, SEC);
  n = getport(m, 2, 100003, 3, 6);
  rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = port_reply(m, 2, 22);
  rn = rec(r, m, n);
  rs_s(&s, r, rn, r, rn, SEC);
  /* the portmapper's own port: the client reaches it already */
  n = getport(m, 4, 100000, 2, 6);
  rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = port_reply(m, 4, 111);
  rn = rec(r, m, n);
  rs_s(&s, r, rn, r, rn, SEC);
  n = getport(m, 3, 100005, 3, 6);
  rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = port_reply(m, 3, 0);
  rn = rec(r, m, n);
  rs_s(&s, r, rn, r, rn, SEC);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_RPC_PORTMAP), 2);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_RPC), 0);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), 2);
  assert_true(t_has_trace(s.t, "universal address address is not the "
                               "server's"));
  assert_true(t_has_trace(s.t, "GETPORT port below 1024"));
  t_ctx_del(s.t);

  /* inside server, port 1000: translated, no pinhole (counted) */
  rs_open(&s, rpc_ctx(1, 0), PINHOLE_IPPROTO_UDP, 1, 700);
  n = getaddr(m, 9, 3, 100021, 4, "udp");
  rs_c(&s, m, n, m, n, SEC);
  n = addr_reply(m, 9, "198.18.0.10.3.232");
  size_t wn = addr_reply(w, 9, "198.19.0.7.3.232");
  rs_s(&s, m, n, w, wn, SEC);
  (void)wr;
  /* rpcbind answers a client it cannot place with 127.0.0.1: the server
   * itself, so the public address goes out and the pinhole opens */
  n = getaddr(m, 10, 3, 100024, 1, "udp");
  rs_c(&s, m, n, m, n, SEC);
  n = addr_reply(m, 10, "127.0.0.1.127.253");
  wn = addr_reply(w, 10, "198.19.0.7.127.253");
  rs_s(&s, m, n, w, wn, SEC);
  rs_data(&s, PINHOLE_IPPROTO_UDP, 701, 32765, SRV_IN, SEC);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_RPC_PORTMAP, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(s.t);
}

/* NAT slipstreaming: a browser made to talk HTTP to port 111. The first
 * record is not a call to the portmapper ("POST" reads as a 1.3 GB
 * fragment): that direction is no longer parsed, so a GETPORT call
 * hidden later at a segment start is never remembered and the reply
 * opens nothing. The server's direction, not RPC either, stops too. */
static void test_alg_rpc_not_rpc_desync(void **state) {
  (void)state;
  rs s;
  rs_open(&s, rpc_ctx(0, 0), PINHOLE_IPPROTO_TCP, 0, 40000);
  const char *post = "POST /x HTTP/1.1\r\nHost: 198.19.0.2:111\r\n"
                     "Content-Length: 56\r\n\r\n";
  rs_c(&s, (const uint8_t *)post, strlen(post), (const uint8_t *)post,
       strlen(post), SEC);
  uint8_t m[256], r[260];
  size_t n = getport(m, 5, 100024, 1, 6);
  size_t rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = port_reply(m, 5, 40500);
  rn = rec(r, m, n);
  rs_s(&s, r, rn, r, rn, SEC);
  const char *ok = "HTTP/1.1 200 OK\r\n\r\n";
  rs_s(&s, (const uint8_t *)ok, strlen(ok), (const uint8_t *)ok, strlen(ok),
       SEC);
  rs_s(&s, r, rn, r, rn, SEC);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_ERR_ALG, 2, PINHOLE_CNT_ALG_RPC, 2,
             PINHOLE_CNT_ALG_DESYNC, 2, -1);
  assert_true(t_has_trace(s.t, "rpc ALG conv=1 error \"POST /x HTTP/1.1"));
  t_ctx_del(s.t);
}

/* Records split across segments: a call cut inside its header and a reply
 * cut inside its result are withheld (the segment dropped) until the
 * sender resends them whole; a complete record followed by the start of
 * another keeps the first and cuts the second. */
static void test_alg_rpc_split_records(void **state) {
  (void)state;
  rs s;
  rs_open(&s, rpc_ctx(0, 0), PINHOLE_IPPROTO_TCP, 0, 40000);
  s.held = 1; /* each piece is followed by the whole, resent */
  uint8_t m[256], r[260], two[600];
  size_t n = getaddr(m, 0x51, 3, 100024, 1, "tcp");
  size_t rn = rec(r, m, n);
  rs_c(&s, r, 22, NULL, 0, SEC);
  rs_c(&s, r, rn, r, rn, SEC);
  n = addr_reply(m, 0x51, "198.19.0.2.156.71");
  rn = rec(r, m, n);
  rs_s(&s, r, rn - 6, NULL, 0, SEC);
  rs_s(&s, r, rn, r, rn, SEC);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  /* a whole GETPORT call, then half of the next: the half is cut off */
  n = getport(m, 0x52, 100021, 4, 17);
  rn = rec(two, m, n);
  size_t n2 = getport(m, 0x53, 100005, 3, 6);
  size_t rn2 = rec(two + rn, m, n2);
  tpkt p;
  t_tcp_n(&p, CLI, 40000, SRV, 111, s.cseq, s.sseen, PINHOLE_TCP_ACK, two,
          rn + 30);
  assert_int_equal(t_in(s.t, &p, SEC), 0);
  rs_payload_is(&p, two, rn);
  s.cseq += (uint32_t)rn;
  s.cseen += (uint32_t)rn;
  rs_c(&s, two + rn, rn2, two + rn, rn2, SEC);
  n = port_reply(m, 0x53, 33000);
  rn = rec(r, m, n);
  rs_s(&s, r, rn, r, rn, SEC);
  rs_data(&s, PINHOLE_IPPROTO_TCP, 40002, 33000, SRV, 2 * SEC);
  rs_data(&s, PINHOLE_IPPROTO_TCP, 40003, 40007, SRV, 2 * SEC);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 10,
             PINHOLE_CNT_REASM_HELD, 3, PINHOLE_CNT_REASM_RESENT, 3,
             PINHOLE_CNT_REASM_COMPLETED, 3, PINHOLE_CNT_PINHOLE_CREATED, 2,
             PINHOLE_CNT_PINHOLE_USED, 2, -1);
  t_ctx_del(s.t);
}

/* A DUMP reply of 5000 bytes in two fragments over three segments is not
 * needed: it is stepped over fragment by fragment (never withheld, no
 * error) and the GETPORT after it is read where it begins. */
static void test_alg_rpc_long_record_skipped(void **state) {
  (void)state;
  rs s;
  rs_open(&s, rpc_ctx(0, 0), PINHOLE_IPPROTO_TCP, 0, 40000);
  uint8_t m[256], r[260];
  size_t n = xcall(m, 0x60, 2, 4); /* DUMP */
  size_t rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  static uint8_t big[5008];
  memset(big, 0, sizeof(big));
  t_put32(big, 3000);
  xreply(big + 4, 0x60);
  for (size_t i = 28; i < 3004; i++)
    big[i] = (uint8_t)i;
  t_put32(big + 3004, 0x80000000u | 2000u);
  rs_s(&s, big, 1400, big, 1400, SEC);
  rs_s(&s, big + 1400, 1400, big + 1400, 1400, SEC);
  rs_s(&s, big + 2800, 2208, big + 2800, 2208, SEC);
  n = getport(m, 0x61, 100024, 1, 6);
  rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = port_reply(m, 0x61, 40600);
  rn = rec(r, m, n);
  rs_s(&s, r, rn, r, rn, SEC);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 7,
             PINHOLE_CNT_PINHOLE_CREATED, 1, -1);
  t_ctx_del(s.t);
}

/* Four calls outstanding: the fourth replaces the oldest (counted), whose
 * reply then opens nothing; a datagram that is not RPC is counted and the
 * next one is read (UDP has nothing to desynchronise). */
static void test_alg_rpc_udp_pending_bound(void **state) {
  (void)state;
  rs s;
  rs_open(&s, rpc_ctx(0, 0), PINHOLE_IPPROTO_UDP, 0, 900);
  uint8_t m[256];
  size_t n;
  for (uint32_t x = 1; x <= 4; x++) {
    n = getport(m, x, 100024, 1, 17);
    rs_c(&s, m, n, m, n, SEC);
  }
  rs_c(&s, (const uint8_t *)"hello", 5, (const uint8_t *)"hello", 5, SEC);
  n = port_reply(m, 1, 41001);
  rs_s(&s, m, n, m, n, SEC);
  n = port_reply(m, 4, 41004);
  rs_s(&s, m, n, m, n, SEC);
  n = port_reply(m, 2, 41002);
  rs_s(&s, m, n, m, n, SEC);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 7,
             PINHOLE_CNT_ERR_ALG, 2, PINHOLE_CNT_ALG_RPC, 1,
             PINHOLE_CNT_ALG_RPC_PORTMAP, 1, PINHOLE_CNT_PINHOLE_CREATED, 2,
             -1);
  assert_true(t_has_trace(s.t, "too many outstanding portmapper calls"));
  t_ctx_del(s.t);
}

/* Fail closed: a v4 DUMP reply from the inside server that names its
 * inside address (the ALG does not rewrite DUMP lists) is dropped, and so
 * is a SET from a NATed client registering its inside address. */
static void test_alg_rpc_untranslatable_refused(void **state) {
  (void)state;
  rs s;
  rs_open(&s, rpc_ctx(1, 0), PINHOLE_IPPROTO_TCP, 1, 50113);
  uint8_t m[256], r[260];
  size_t n = xcall(m, 0x70, 4, 4); /* v4 DUMP */
  size_t rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = xreply(m, 0x70);
  n = x32(m, n, 1);
  n = x32(m, n, 100000);
  n = x32(m, n, 4);
  n = xstr(m, n, "tcp");
  n = xstr(m, n, "198.18.0.10.0.111");
  n = xstr(m, n, "superuser");
  n = x32(m, n, 0);
  rn = rec(r, m, n);
  rs_s(&s, r, rn, NULL, 0, SEC);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  t_ctx_del(s.t);

  rs_open(&s, rpc_ctx(0, 0), PINHOLE_IPPROTO_UDP, 0, 901);
  n = xcall(m, 0x71, 4, 1); /* v4 SET */
  n = x32(m, n, 300000);
  n = x32(m, n, 1);
  n = xstr(m, n, "udp");
  n = xstr(m, n, "198.18.0.100.4.1");
  n = xstr(m, n, "superuser");
  rs_c(&s, m, n, NULL, 0, SEC);
  t_counters(s.t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_RPC_PORTMAP, 1, PINHOLE_CNT_ALG_UNTRANSLATED, 1,
             -1);
  t_ctx_del(s.t);
}

/* One segment, two records: a GETPORT with a truncated mapping counts as
 * a portmap error, the record after it (not RPC) as a record error: each
 * message counts in its own counter. */
static void test_alg_rpc_counters_per_record(void **state) {
  (void)state;
  rs s;
  rs_open(&s, rpc_ctx(0, 0), PINHOLE_IPPROTO_TCP, 0, 40000);
  uint8_t m[256], r[600];
  size_t n = getport(m, 0x81, 100024, 1, 6) - 4;
  size_t rn = rec(r, m, n);
  static const uint8_t junk[] = {0x80, 0,   0,   8,   'n', 'o',
                                 't',  ' ', 'r', 'p', 'c', '!'};
  memcpy(r + rn, junk, sizeof(junk));
  rn += sizeof(junk);
  rs_c(&s, r, rn, r, rn, SEC);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_ERR_ALG, 2, PINHOLE_CNT_ALG_RPC, 1,
             PINHOLE_CNT_ALG_RPC_PORTMAP, 1, PINHOLE_CNT_ALG_DESYNC, 1, -1);
  t_ctx_del(s.t);
}

/* ---- rules that name programs ------------------------------------------- */

/* A context whose only rule is the portmapper's: from the inside to port
 * 111 with source NAPT to 198.19.0.4-198.19.0.6 ports lo..hi (dnat 0), or
 * from the outside to DNAT_PUB:111 forwarded to SRV_IN (dnat 1); its ALG
 * named "rpc", its allow list progs (NULL-terminated; none: no list). No
 * other rule: a connection nothing announced is dropped ("No matching
 * rule"). */
static tctx *rule_ctx(int dnat, uint16_t lo, uint16_t hi,
                      const char *const *progs) {
  tctx *t = t_ctx_pool3(lo, hi, 0, 0, 0, 0);
  pinhole_rules_clear(t->ctx);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "%s", dnat ? "portmap-in" : "portmap");
  r.dport_lo = r.dport_hi = 111;
  snprintf(r.alg, sizeof(r.alg), "rpc");
  if (dnat) {
    r.side = PINHOLE_SIDE_OUTSIDE;
    r.dst_addr = DNAT_PUB;
    r.dst_plen = 32;
    r.nat = PINHOLE_NAT_DEST;
    r.nat_addr = SRV_IN;
  } else {
    r.side = PINHOLE_SIDE_INSIDE;
    r.nat = PINHOLE_NAT_SOURCE;
    r.pool = 1; /* t_ctx_pool3's pool, after the default one */
  }
  int idx = pinhole_rule_add(t->ctx, &r);
  assert_int_equal(idx, 0);
  for (size_t i = 0; progs != NULL && progs[i] != NULL; i++)
    assert_int_equal(pinhole_rule_alg_allow(t->ctx, idx, progs[i]), 0);
  return t;
}

/* A connection from the client to dst:dport nothing announced: dropped,
 * no rule matches it. */
static void rs_no_data(rs *s, uint8_t proto, uint16_t sport, uint16_t dport) {
  tpkt p;
  if (proto == PINHOLE_IPPROTO_TCP)
    t_tcp_n(&p, s->cli, sport, s->dst, dport, 5, 0, PINHOLE_TCP_SYN, NULL, 0);
  else
    t_udp_n(&p, s->cli, sport, s->dst, dport, "null", 4);
  assert_int_equal(rs_send(s, &p, s->cside, 2 * SEC), PINHOLE_VERDICT_DROP);
}

/* rpcinfo -u through a rule that allows status (100024) and NFS (100003):
 * GETPORT for status opens its pinhole and the call to statd joins the
 * conversation as a Forward flow; GETPORT for mountd (100005) is answered
 * unchanged but opens nothing, counted under "RPC portmap" with an event
 * naming the rule, and a call to mountd's port is dropped. */
static void test_alg_rpc_rule_allows_program(void **state) {
  (void)state;
  static const char *const progs[] = {"100003", "100024", NULL};
  rs s;
  rs_open(&s, rule_ctx(0, 41000, 41003, progs), PINHOLE_IPPROTO_UDP, 0, 901);
  uint8_t m[256];
  size_t n = getport(m, 0x5a5a0001, 100024, 1, 17);
  rs_c(&s, m, n, m, n, SEC);
  n = port_reply(m, 0x5a5a0001, 32765);
  rs_s(&s, m, n, m, n, SEC);
  n = getport(m, 0x5a5a0002, 100005, 3, 17);
  rs_c(&s, m, n, m, n, SEC);
  n = port_reply(m, 0x5a5a0002, 20048);
  rs_s(&s, m, n, m, n, SEC);
  rs_data(&s, PINHOLE_IPPROTO_UDP, 902, 32765, SRV, 2 * SEC);
  rs_no_data(&s, PINHOLE_IPPROTO_UDP, 903, 20048);
  t_listing_is(s.t, "Conversation: ALG protocol: rpc\n"
                    "  Number of initiators: 2, Number of responders: 2\n"
                    "Flow                                          State    "
                    "Dir  Frm count\n"
                    "UDP 198.18.0.100:901 -> 198.19.0.2:111        Watch    "
                    "I          2\n"
                    "    NAT source 198.18.0.100:901 -> 198.19.0.6:41001\n"
                    "UDP 198.18.0.100:902 -> 198.19.0.2:32765      Forward  "
                    "I          1\n"
                    "    NAT source 198.18.0.100:902 -> 198.19.0.6:41002\n"
                    "UDP 198.19.0.2:111 -> 198.19.0.6:41001        Watch    "
                    "O          2\n"
                    "    NAT dest 198.19.0.6:41001 -> 198.18.0.100:901\n"
                    "UDP 198.19.0.2:32765 -> 198.19.0.6:41002      Forward  "
                    "O          1\n"
                    "    NAT dest 198.19.0.6:41002 -> 198.18.0.100:902\n");
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 4, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_RPC_PORTMAP, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  assert_true(t_has_trace(s.t, "rpc ALG conv=1 error \"program 100005 not "
                               "allowed by the rule\""));
  assert_true(t_has_event(s.t, "rule=portmap"));
  assert_true(t_has_event(s.t, "program 100005 not allowed by the rule"));
  assert_false(t_has_trace(s.t, "program 100024 not allowed"));
  t_ctx_del(s.t);
}

/* rpcinfo -T tcp to a server behind destination NAT, through a rule that
 * allows only status: a GETADDR reply for NFS is still rewritten (exact
 * bytes: the inside address becomes the public one) and reaches the
 * client, but opens nothing; the one for status opens its pinhole and the
 * connection reaches the inside server as a Forward flow. */
static void test_alg_rpc_rule_dnat_getaddr(void **state) {
  (void)state;
  static const char *const progs[] = {"100024", NULL};
  rs s;
  rs_open(&s, rule_ctx(1, 20000, 20015, progs), PINHOLE_IPPROTO_TCP, 1, 50411);
  uint8_t m[256], r[260], w[256], wr[260];
  size_t n = getaddr(m, 0x0c0c0001, 3, 100003, 3, "tcp");
  size_t rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = addr_reply(m, 0x0c0c0001, "198.18.0.10.8.1");
  rn = rec(r, m, n);
  size_t wn = addr_reply(w, 0x0c0c0001, "198.19.0.7.8.1");
  size_t wrn = rec(wr, w, wn);
  assert_int_equal(wrn, rn); /* 15 and 14 bytes: both padded to 16 */
  assert_memory_equal(wr + wrn - 16, "198.19.0.7.8.1\0\0", 16);
  rs_s(&s, r, rn, wr, wrn, SEC);
  n = getaddr(m, 0x0c0c0002, 3, 100024, 1, "tcp");
  rn = rec(r, m, n);
  rs_c(&s, r, rn, r, rn, SEC);
  n = addr_reply(m, 0x0c0c0002, "198.18.0.10.127.253");
  rn = rec(r, m, n);
  wn = addr_reply(w, 0x0c0c0002, "198.19.0.7.127.253");
  wrn = rec(wr, w, wn);
  rs_s(&s, r, rn, wr, wrn, SEC);
  assert_int_equal(s.sseq - s.sseen, 0); /* 19 and 18 bytes: both 20 */
  rs_data(&s, PINHOLE_IPPROTO_TCP, 50412, 32765, SRV_IN, 2 * SEC);
  rs_no_data(&s, PINHOLE_IPPROTO_TCP, 50413, 2049);
  t_listing_is(s.t, "Conversation: ALG protocol: rpc\n"
                    "  Number of initiators: 2, Number of responders: 2\n"
                    "Flow                                          State    "
                    "Dir  Frm count\n"
                    "TCP 198.19.0.2:50411 -> 198.19.0.7:111        Watch    "
                    "I          3\n"
                    "    NAT dest 198.19.0.7:111 -> 198.18.0.10:111\n"
                    "TCP 198.19.0.2:50412 -> 198.19.0.7:32765      Forward  "
                    "I          1\n"
                    "    NAT dest 198.19.0.7:32765 -> 198.18.0.10:32765\n"
                    "TCP 198.18.0.10:111 -> 198.19.0.2:50411       Watch    "
                    "O          3\n"
                    "    NAT source 198.18.0.10:111 -> 198.19.0.7:111\n"
                    "TCP 198.18.0.10:32765 -> 198.19.0.2:50412     Forward  "
                    "O          1\n"
                    "    NAT source 198.18.0.10:32765 -> 198.19.0.7:32765\n");
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 6, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_RPC_PORTMAP, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  assert_true(t_has_trace(s.t, "rpc ALG conv=1 translated 198.18.0.10:2049 -> "
                               "198.19.0.7:2049"));
  assert_true(t_has_event(s.t, "rule=portmap-in"));
  assert_true(t_has_event(s.t, "program 100003 not allowed by the rule"));
  t_ctx_del(s.t);
}

/* Without a list every program opens, as before; a rule whose list names
 * other programs opens none of a client's three (GETPORT over TCP split
 * across two segments included), each counted once. */
static void test_alg_rpc_rule_none_listed(void **state) {
  (void)state;
  static const char *const other[] = {"100021", "4294967295", NULL};
  for (int listed = 0; listed < 2; listed++) {
    rs s;
    rs_open(&s,
            rule_ctx(0, (uint16_t)(42000 + 100 * listed), 42107,
                     listed ? other : NULL),
            PINHOLE_IPPROTO_TCP, 0, 700);
    uint8_t m[256], r[260];
    static const uint32_t prog[3] = {100024, 100003, 100005};
    static const uint16_t port[3] = {32765, 2049, 20048};
    for (int i = 0; i < 3; i++) {
      size_t n = getport(m, 0x7000u + (uint32_t)i, prog[i], 1, 6);
      size_t rn = rec(r, m, n);
      rs_c(&s, r, rn, r, rn, SEC);
      n = port_reply(m, 0x7000u + (uint32_t)i, port[i]);
      rn = rec(r, m, n);
      if (i == 1) { /* the reply's record in two segments */
        s.held = 1;
        rs_s(&s, r, 10, NULL, 0, SEC);
        rs_s(&s, r, rn, r, rn, SEC);
      } else {
        rs_s(&s, r, rn, r, rn, SEC);
      }
    }
    assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), listed ? 0 : 3);
    assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_RPC_PORTMAP), listed ? 3 : 0);
    assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), listed ? 3 : 0);
    if (listed)
      rs_no_data(&s, PINHOLE_IPPROTO_TCP, 701, 2049);
    else
      rs_data(&s, PINHOLE_IPPROTO_TCP, 701, 2049, SRV, 2 * SEC);
    t_ctx_del(s.t);
  }
}

/* After pinhole_rules_clear the connection's rule is gone: once any list
 * was set in the context, the portmapper's answers open nothing (fail
 * closed, "the rule is gone"), even when the same rule is added back at
 * the same index; in a context that never had a list they open, as
 * before. */
static void test_alg_rpc_rule_gone(void **state) {
  (void)state;
  static const char *const progs[] = {"100024", NULL};
  for (int listed = 0; listed < 2; listed++) {
    rs s;
    tctx *t = rule_ctx(0, 43000, 43007, listed ? progs : NULL);
    rs_open(&s, t, PINHOLE_IPPROTO_UDP, 0, 611);
    uint8_t m[256];
    size_t n = getport(m, 9, 100024, 1, 17);
    rs_c(&s, m, n, m, n, SEC);
    pinhole_rules_clear(t->ctx);
    pinhole_rule r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    snprintf(r.alg, sizeof(r.alg), "rpc");
    r.side = PINHOLE_SIDE_INSIDE;
    r.dport_lo = r.dport_hi = 111;
    r.nat = PINHOLE_NAT_SOURCE;
    assert_int_equal(pinhole_rule_add(t->ctx, &r), 0);
    n = port_reply(m, 9, 32765);
    rs_s(&s, m, n, m, n, SEC);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), listed ? 0 : 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_RPC_PORTMAP), listed ? 1 : 0);
    assert_int_equal(t_has_trace(t, "program 100024 not allowed: the rule is "
                                    "gone"),
                     listed);
    t_ctx_del(t);
  }
}

/* pinhole_rule_alg_allow's checks: the rule index, an ALG that takes a
 * list (named, not chosen by port), the identifier's syntax, duplicates,
 * the bound. */
static void test_alg_rpc_rule_allow_api(void **state) {
  (void)state;
  tctx *t = rule_ctx(0, 44000, 44007, NULL);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.dport_lo = r.dport_hi = 21;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1); /* ALG by port */
  snprintf(r.alg, sizeof(r.alg), "ftp");
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 2);
  snprintf(r.alg, sizeof(r.alg), "dcerpc");
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 3);
  snprintf(r.alg, sizeof(r.alg), "none");
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 4);
  pinhole_ctx *c = t->ctx;
  assert_int_equal(pinhole_rule_alg_allow(NULL, 0, "1"),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_alg_allow(c, 0, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_alg_allow(c, -1, "1"), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_alg_allow(c, 5, "1"), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_alg_allow(c, 1, "1"), PINHOLE_ERR_UNSUPPORTED);
  assert_int_equal(pinhole_rule_alg_allow(c, 2, "1"), PINHOLE_ERR_UNSUPPORTED);
  assert_int_equal(pinhole_rule_alg_allow(c, 4, "1"), PINHOLE_ERR_UNSUPPORTED);
  static const char *const bad[] = {
      "",        "-1",         "+1",
      " 100003", "100003 ",    "0x186a3",
      "1e5",     "4294967296", "99999999999999999999999"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(pinhole_rule_alg_allow(c, 0, bad[i]), PINHOLE_ERR_PARSE);
  char longid[100];
  memset(longid, '1', sizeof(longid) - 1);
  longid[sizeof(longid) - 1] = '\0';
  assert_int_equal(pinhole_rule_alg_allow(c, 0, longid), PINHOLE_ERR_PARSE);
  /* a UUID is no program, a program no UUID */
  assert_int_equal(
      pinhole_rule_alg_allow(c, 0, "12345678-1234-abcd-ef00-0123456789ab"),
      PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rule_alg_allow(c, 3, "100003"), PINHOLE_ERR_PARSE);
  assert_int_equal(
      pinhole_rule_alg_allow(c, 3, "12345678-1234-ABCD-ef00-0123456789ab"), 0);
  assert_int_equal(
      pinhole_rule_alg_allow(c, 3, "12345678-1234-abcd-ef00-0123456789AB"), 0);
  assert_int_equal(
      pinhole_rule_alg_allow(c, 3, "12345678-1234-abcd-ef00-0123456789a"),
      PINHOLE_ERR_PARSE);
  assert_int_equal(
      pinhole_rule_alg_allow(c, 3, "12345678-1234-abcd-ef00-0123456789abc"),
      PINHOLE_ERR_PARSE);
  assert_int_equal(
      pinhole_rule_alg_allow(c, 3, "12345678+1234-abcd-ef00-0123456789ab"),
      PINHOLE_ERR_PARSE);
  /* PINHOLE_RULE_ALLOW_MAX programs; a repeat is no new entry */
  char id[16];
  for (int i = 0; i < PINHOLE_RULE_ALLOW_MAX; i++) {
    snprintf(id, sizeof(id), "%d", 100000 + i);
    assert_int_equal(pinhole_rule_alg_allow(c, 0, id), 0);
    assert_int_equal(pinhole_rule_alg_allow(c, 0, id), 0);
  }
  assert_int_equal(pinhole_rule_alg_allow(c, 0, "100000"), 0);
  assert_int_equal(pinhole_rule_alg_allow(c, 0, "0"), PINHOLE_ERR_FULL);
  /* gone after clear */
  pinhole_rules_clear(c);
  assert_int_equal(pinhole_rule_alg_allow(c, 0, "1"), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 0);
  assert_int_equal(pinhole_rule_alg_allow(c, 0, "1"), PINHOLE_ERR_UNSUPPORTED);
  t_counters(t, -1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_rpc_udp_getport),
      cmocka_unit_test(test_alg_rpc_tcp_getaddr_dnat),
      cmocka_unit_test(test_alg_rpc_fragments_gathered),
      cmocka_unit_test(test_alg_rpc_third_party_and_low_ports),
      cmocka_unit_test(test_alg_rpc_not_rpc_desync),
      cmocka_unit_test(test_alg_rpc_split_records),
      cmocka_unit_test(test_alg_rpc_long_record_skipped),
      cmocka_unit_test(test_alg_rpc_udp_pending_bound),
      cmocka_unit_test(test_alg_rpc_untranslatable_refused),
      cmocka_unit_test(test_alg_rpc_counters_per_record),
      cmocka_unit_test(test_alg_rpc_rule_allows_program),
      cmocka_unit_test(test_alg_rpc_rule_dnat_getaddr),
      cmocka_unit_test(test_alg_rpc_rule_none_listed),
      cmocka_unit_test(test_alg_rpc_rule_gone),
      cmocka_unit_test(test_alg_rpc_rule_allow_api),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
