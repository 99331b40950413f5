/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DCE-RPC ALG scenarios: endpoint mapper sessions (bind, bind_ack,
 * ept_map request and response) through source NAPT (a pool of three
 * addresses, a narrow port range) and destination NAT, with the exact
 * bytes of the tower rewrite (in one PDU and across two fragments), the
 * connection to the returned port through its pinhole, the listing and
 * the counters; and the hostile cases (a third party, a low port, a stream
 * that is not DCE-RPC, a split PDU, a context that is not the endpoint
 * mapper, NDR64 under NAT).
 */
#include "helpers.h"

#include <pinhole/dcerpc.h>

#define CLI IP4(198, 18, 0, 100)
#define SRV OUT_HOST
#define SRV_IN IP4(198, 18, 0, 10)
#define DNAT_PUB IP4(198, 19, 0, 7)

/* ---- PDU builders (little-endian drep) ---------------------------------- */

static const uint8_t uuid_epm[16] = PINHOLE_DCERPC_UUID_EPM;
static const uint8_t uuid_ndr[16] = PINHOLE_DCERPC_UUID_NDR;
static const uint8_t uuid_ndr64[16] = PINHOLE_DCERPC_UUID_NDR64;
/* an interface of the test: 12345678-1234-abcd-ef00-0123456789ab v1.0 */
static const uint8_t uuid_if[16] = {0x12, 0x34, 0x56, 0x78, 0x12, 0x34,
                                    0xab, 0xcd, 0xef, 0x00, 0x01, 0x23,
                                    0x45, 0x67, 0x89, 0xab};

static size_t le16(uint8_t *b, size_t o, uint16_t v) {
  b[o] = (uint8_t)v;
  b[o + 1] = (uint8_t)(v >> 8);
  return o + 2;
}

static size_t le32(uint8_t *b, size_t o, uint32_t v) {
  o = le16(b, o, (uint16_t)v);
  return le16(b, o, (uint16_t)(v >> 16));
}

/* A UUID in NDR little-endian order. */
static size_t uuid(uint8_t *b, size_t o, const uint8_t *u) {
  o = le32(b, o, t_get32(u));
  o = le16(b, o, t_get16(u + 4));
  o = le16(b, o, t_get16(u + 6));
  memcpy(b + o, u + 8, 8);
  return o + 8;
}

static size_t syntax(uint8_t *b, size_t o, const uint8_t *u, uint16_t major) {
  return le32(b, uuid(b, o, u), major);
}

/* The 16-byte header; frag_length is patched by done(). */
static size_t hdr(uint8_t *b, uint8_t ptype, uint32_t call_id) {
  static const uint8_t h[8] = {5, 0, 0, 3, 0x10, 0, 0, 0};
  memcpy(b, h, 8);
  b[2] = ptype;
  le16(b, 8, 0);
  le16(b, 10, 0);
  return le32(b, 12, call_id);
}

static size_t done(uint8_t *b, size_t n) {
  le16(b, 8, (uint16_t)n);
  return n;
}

/* bind offering ctx 0 = the endpoint mapper (NDR, and NDR64 with ndr64)
 * and ctx 1 = the test interface. */
static size_t bind(uint8_t *b, uint32_t call_id, int ndr64) {
  size_t o = hdr(b, PINHOLE_DCERPC_PTYPE_BIND, call_id);
  o = le16(b, o, 4280);
  o = le16(b, o, 4280);
  o = le32(b, o, 0);
  b[o] = 2;
  memset(b + o + 1, 0, 3);
  o += 4;
  o = le16(b, o, 0);
  b[o++] = (uint8_t)(ndr64 ? 2 : 1);
  b[o++] = 0;
  o = syntax(b, o, uuid_epm, 3);
  o = syntax(b, o, uuid_ndr, 2);
  if (ndr64)
    o = syntax(b, o, uuid_ndr64, 1);
  o = le16(b, o, 1);
  b[o++] = 1;
  b[o++] = 0;
  o = syntax(b, o, uuid_if, 1);
  o = syntax(b, o, uuid_ndr, 2);
  return done(b, o);
}

/* bind_ack accepting both contexts; ctx 0 with NDR64 when ndr64. */
static size_t bind_ack(uint8_t *b, uint32_t call_id, int ndr64) {
  size_t o = hdr(b, PINHOLE_DCERPC_PTYPE_BIND_ACK, call_id);
  o = le16(b, o, 4280);
  o = le16(b, o, 4280);
  o = le32(b, o, 0x1234);
  o = le16(b, o, 4);
  memcpy(b + o, "135\0\0\0", 6); /* "135" NUL, padded to 4 */
  o += 6;
  b[o] = 2;
  memset(b + o + 1, 0, 3);
  o += 4;
  o = le32(b, o, 0);
  o = ndr64 ? syntax(b, o, uuid_ndr64, 1) : syntax(b, o, uuid_ndr, 2);
  o = le32(b, o, 0);
  o = syntax(b, o, uuid_ndr, 2);
  return done(b, o);
}

/* Tower octets for interface iface: TCP port, IPv4 address. */
static size_t tower_if(uint8_t *b, size_t o, uint16_t port, uint32_t addr,
                       const uint8_t *iface) {
  o = le16(b, o, 5);
  o = le16(b, o, 19);
  b[o++] = 0x0d;
  o = uuid(b, o, iface);
  o = le16(b, o, 1);
  o = le16(b, o, 2);
  o = le16(b, o, 0);
  o = le16(b, o, 19);
  b[o++] = 0x0d;
  o = uuid(b, o, uuid_ndr);
  o = le16(b, o, 2);
  o = le16(b, o, 2);
  o = le16(b, o, 0);
  o = le16(b, o, 1);
  b[o++] = 0x0b;
  o = le16(b, o, 2);
  o = le16(b, o, 0);
  o = le16(b, o, 1);
  b[o++] = 0x07;
  o = le16(b, o, 2);
  t_put16(b + o, port);
  o += 2;
  o = le16(b, o, 1);
  b[o++] = 0x09;
  o = le16(b, o, 4);
  t_put32(b + o, addr);
  return o + 4;
}

#define TOWER_LEN 75

static size_t twr_if(uint8_t *b, size_t o, uint16_t port, uint32_t addr,
                     const uint8_t *iface) {
  while (o % 4)
    b[o++] = 0;
  o = le32(b, o, TOWER_LEN);
  o = le32(b, o, TOWER_LEN);
  return tower_if(b, o, port, addr, iface);
}

static size_t twr(uint8_t *b, size_t o, uint16_t port, uint32_t addr) {
  return twr_if(b, o, port, addr, uuid_if);
}

/* ept_map request (opnum 3) on context ctx, asking for the test
 * interface. */
static size_t ept_map(uint8_t *b, uint32_t call_id, uint16_t ctx) {
  size_t o = hdr(b, PINHOLE_DCERPC_PTYPE_REQUEST, call_id);
  size_t hint = o;
  o = le32(b, o, 0);
  o = le16(b, o, ctx);
  o = le16(b, o, 3);
  size_t stub = o;
  o = le32(b, o, 1); /* object */
  memset(b + o, 0, 16);
  o += 16;
  o = le32(b, o, 2); /* map_tower */
  o = twr(b, o, 0, 0);
  while ((o - stub) % 4)
    b[o++] = 0;
  memset(b + o, 0, 20); /* entry_handle */
  o += 20;
  o = le32(b, o, 4);
  le32(b, hint, (uint32_t)(o - stub));
  return done(b, o);
}

/* The response's stub: one tower naming port and addr, status 0. */
static size_t ept_stub(uint8_t *b, uint16_t port, uint32_t addr) {
  memset(b, 0, 20);
  size_t o = le32(b, 20, 1);
  o = le32(b, o, 4);
  o = le32(b, o, 0);
  o = le32(b, o, 1);
  o = le32(b, o, 3); /* referent */
  o = twr(b, o, port, addr);
  while (o % 4)
    b[o++] = 0;
  return le32(b, o, 0);
}

/* The response's stub: two towers, port[i] on addr for iface[i]. */
static size_t ept_stub2(uint8_t *b, const uint16_t *port, uint32_t addr,
                        const uint8_t *const *iface) {
  memset(b, 0, 20);
  size_t o = le32(b, 20, 2);
  o = le32(b, o, 4);
  o = le32(b, o, 0);
  o = le32(b, o, 2);
  o = le32(b, o, 3); /* referents */
  o = le32(b, o, 4);
  for (int i = 0; i < 2; i++)
    o = twr_if(b, o, port[i], addr, iface[i]);
  while (o % 4)
    b[o++] = 0;
  return le32(b, o, 0);
}

/* A response PDU carrying stub[0..n) with the given flags. */
static size_t response(uint8_t *b, uint32_t call_id, uint8_t flags,
                       const uint8_t *stub, size_t n) {
  size_t o = hdr(b, PINHOLE_DCERPC_PTYPE_RESPONSE, call_id);
  b[3] = flags;
  o = le32(b, o, (uint32_t)n);
  o = le16(b, o, 0);
  b[o++] = 0;
  b[o++] = 0;
  memcpy(b + o, stub, n);
  return done(b, o + n);
}

/* ---- contexts and sessions ---------------------------------------------- */

/* Source NAPT to 198.19.0.4-198.19.0.6, ports 30000-30007; with dnat,
 * also DNAT_PUB:135 to the inside server SRV_IN. */
static tctx *dce_ctx(int dnat) {
  return t_ctx_pool3(30000, 30007, 0, dnat ? 135 : 0, DNAT_PUB, SRV_IN);
}

/* One endpoint mapper connection, from both ends' view. */
typedef struct ds {
  tctx *t;
  int cside, sside;
  uint32_t cli, dst, srv, cpub;
  uint16_t cport, cpport;
  uint32_t cseq, sseq;
  int held; /* a message sent with want NULL is held, not dropped */
} ds;

static void ds_open_ctx(ds *s, tctx *t, int dnat, uint16_t cport) {
  memset(s, 0, sizeof(*s));
  s->t = t;
  s->cside = dnat ? PINHOLE_SIDE_OUTSIDE : PINHOLE_SIDE_INSIDE;
  s->sside = dnat ? PINHOLE_SIDE_INSIDE : PINHOLE_SIDE_OUTSIDE;
  s->cli = dnat ? SRV : CLI;
  s->dst = dnat ? DNAT_PUB : SRV;
  s->srv = dnat ? SRV_IN : SRV;
  s->cport = cport;
  s->cseq = 3000;
  s->sseq = 9000;
  tpkt p;
  pinhole_pkt_view v;
  t_tcp_n(&p, s->cli, cport, s->dst, 135, s->cseq++, 0, PINHOLE_TCP_SYN, NULL,
          0);
  assert_int_equal(pinhole_process(s->t->ctx, &p.p, s->cside, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, s->srv);
  s->cpub = v.src;
  s->cpport = v.sport;
  t_tcp_n(&p, s->srv, 135, s->cpub, s->cpport, s->sseq++, s->cseq,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  assert_int_equal(pinhole_process(s->t->ctx, &p.p, s->sside, SEC), 0);
}

static void ds_open(ds *s, int dnat, uint16_t cport) {
  ds_open_ctx(s, dce_ctx(dnat), dnat, cport);
}

static void ds_payload_is(const tpkt *p, const uint8_t *want, size_t n) {
  pinhole_pkt_view v;
  t_view(p, &v);
  if (v.payload_len != n || memcmp(p->b + v.payload_off, want, n) != 0)
    fail_msg("payload of %u bytes differs (want %zu)", v.payload_len, n);
  t_check_cksums(p);
}

/* The client (dir 0) or server (dir 1) sends msg; it must arrive as want,
 * or be dropped (want NULL). Rewrites here never change sizes. */
static void ds_send(ds *s, int dir, const uint8_t *msg, size_t n,
                    const uint8_t *want) {
  tpkt p;
  pinhole_pkt_view v;
  if (dir == 0)
    t_tcp_n(&p, s->cli, s->cport, s->dst, 135, s->cseq, s->sseq,
            PINHOLE_TCP_ACK, msg, n);
  else
    t_tcp_n(&p, s->srv, 135, s->cpub, s->cpport, s->sseq, s->cseq,
            PINHOLE_TCP_ACK, msg, n);
  int verdict =
      pinhole_process(s->t->ctx, &p.p, dir == 0 ? s->cside : s->sside, SEC);
  if (want == NULL) {
    assert_int_equal(verdict,
                     s->held ? PINHOLE_VERDICT_HELD : PINHOLE_VERDICT_DROP);
    return;
  }
  assert_int_equal(verdict, 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, dir == 0 ? s->cseq : s->sseq);
  ds_payload_is(&p, want, n);
  if (dir == 0)
    s->cseq += (uint32_t)n;
  else
    s->sseq += (uint32_t)n;
}

static void ds_pass(ds *s, int dir, const uint8_t *msg, size_t n) {
  ds_send(s, dir, msg, n, msg);
}

/* bind, bind_ack and the ept_map request on context 0. */
static void ds_bind_and_ask(ds *s, int ndr64) {
  uint8_t b[512];
  size_t n = bind(b, 1, ndr64);
  ds_pass(s, 0, b, n);
  n = bind_ack(b, 1, ndr64);
  ds_pass(s, 1, b, n);
  n = ept_map(b, 2, 0);
  ds_pass(s, 0, b, n);
}

/* The client's connection to dst:port through its pinhole, answered. */
static void ds_data(ds *s, uint16_t sport, uint16_t port, uint32_t to) {
  tpkt p;
  pinhole_pkt_view v;
  t_tcp_n(&p, s->cli, sport, s->dst, port, 1, 0, PINHOLE_TCP_SYN, NULL, 0);
  assert_int_equal(pinhole_process(s->t->ctx, &p.p, s->cside, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, to);
  t_check_cksums(&p);
  t_tcp_n(&p, to, port, v.src, v.sport, 50, 2,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  assert_int_equal(pinhole_process(s->t->ctx, &p.p, s->sside, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, s->cli);
  assert_int_equal(v.src, s->dst);
}

/* ---- tests ----------------------------------------------------------------
 */

/* A NATed client asks the outside endpoint mapper where the interface
 * listens: the tower's TCP port opens a pinhole for the client's
 * connection, a Forward flow of the conversation mapped to the same
 * public address. */
static void test_alg_dcerpc_ept_map(void **state) {
  (void)state;
  ds s;
  ds_open(&s, 0, 49800);
  ds_bind_and_ask(&s, 0);
  uint8_t st[256], b[512];
  size_t sn = ept_stub(st, 49664, SRV);
  size_t n = response(b, 2, 3, st, sn);
  ds_pass(&s, 1, b, n);
  ds_data(&s, 49801, 49664, SRV);
  t_listing_is(s.t, "Conversation: ALG protocol: dcerpc\n"
                    "  Number of initiators: 2, Number of responders: 2\n"
                    "Flow                                          State    "
                    "Dir  Frm count\n"
                    "TCP 198.18.0.100:49800 -> 198.19.0.2:135      Watch    "
                    "I          3\n"
                    "    NAT source 198.18.0.100:49800 -> 198.19.0.6:30003\n"
                    "TCP 198.18.0.100:49801 -> 198.19.0.2:49664    Forward  "
                    "I          1\n"
                    "    NAT source 198.18.0.100:49801 -> 198.19.0.6:30004\n"
                    "TCP 198.19.0.2:135 -> 198.19.0.6:30003        Watch    "
                    "O          3\n"
                    "    NAT dest 198.19.0.6:30003 -> 198.18.0.100:49800\n"
                    "TCP 198.19.0.2:49664 -> 198.19.0.6:30004      Forward  "
                    "O          1\n"
                    "    NAT dest 198.19.0.6:30004 -> 198.18.0.100:49801\n");
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  assert_true(t_has_trace(s.t, "dcerpc ALG conv=1 message from inside "
                               "seq=3117 ack=9085 \"ept_map "
                               "12345678-1234-abcd-ef00-0123456789ab\""));
  assert_true(t_has_trace(s.t, "dcerpc ALG conv=1 pinhole created TCP "
                               "198.18.0.100:0 -> 198.19.0.2:49664"));
  t_ctx_del(s.t);
}

/* The endpoint mapper inside, behind destination NAT: the tower's address
 * floor names the inside server and is rewritten in place to the public
 * address (nothing else changes, no length moves), in one PDU and across
 * two fragments that split the address; the client's connections reach
 * the inside server through their pinholes. */
static void test_alg_dcerpc_dnat_rewrite(void **state) {
  (void)state;
  ds s;
  ds_open(&s, 1, 49900);
  ds_bind_and_ask(&s, 0);
  uint8_t st[256], b[512], w[512];
  size_t sn = ept_stub(st, 49665, SRV_IN);
  size_t n = response(b, 2, 3, st, sn);
  memcpy(w, b, n);
  /* the address is the last 4 bytes before the status' alignment */
  size_t at = 24 + sn - 4 - 4 - 1; /* status, padding 1 to 4, address */
  assert_int_equal(t_get32(b + at), SRV_IN);
  t_put32(w + at, DNAT_PUB);
  ds_send(&s, 1, b, n, w);
  /* fragmented: the address split 2 + 2 between two PDUs */
  n = ept_map(b, 3, 0);
  ds_pass(&s, 0, b, n);
  sn = ept_stub(st, 49666, SRV_IN);
  size_t cut = sn - 4 - 1 - 2;
  size_t n1 = response(b, 3, 1, st, cut);
  size_t n2 = response(b + n1, 3, 2, st + cut, sn - cut);
  memcpy(w, b, n1 + n2);
  t_put16(w + n1 - 2, (uint16_t)(DNAT_PUB >> 16));
  t_put16(w + n1 + 24, (uint16_t)DNAT_PUB);
  assert_int_equal(t_get16(b + n1 - 2), (uint16_t)(SRV_IN >> 16));
  ds_send(&s, 1, b, n1 + n2, w);
  ds_data(&s, 50001, 49665, SRV_IN);
  ds_data(&s, 50002, 49666, SRV_IN);
  t_listing_is(s.t, "Conversation: ALG protocol: dcerpc\n"
                    "  Number of initiators: 3, Number of responders: 3\n"
                    "Flow                                          State    "
                    "Dir  Frm count\n"
                    "TCP 198.19.0.2:49900 -> 198.19.0.7:135        Watch    "
                    "I          4\n"
                    "    NAT dest 198.19.0.7:135 -> 198.18.0.10:135\n"
                    "TCP 198.19.0.2:50001 -> 198.19.0.7:49665      Forward  "
                    "I          1\n"
                    "    NAT dest 198.19.0.7:49665 -> 198.18.0.10:49665\n"
                    "TCP 198.19.0.2:50002 -> 198.19.0.7:49666      Forward  "
                    "I          1\n"
                    "    NAT dest 198.19.0.7:49666 -> 198.18.0.10:49666\n"
                    "TCP 198.18.0.10:135 -> 198.19.0.2:49900       Watch    "
                    "O          4\n"
                    "    NAT source 198.18.0.10:135 -> 198.19.0.7:135\n"
                    "TCP 198.18.0.10:49665 -> 198.19.0.2:50001     Forward  "
                    "O          1\n"
                    "    NAT source 198.18.0.10:49665 -> 198.19.0.7:49665\n"
                    "TCP 198.18.0.10:49666 -> 198.19.0.2:50002     Forward  "
                    "O          1\n"
                    "    NAT source 198.18.0.10:49666 -> 198.19.0.7:49666\n");
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 9,
             PINHOLE_CNT_PINHOLE_CREATED, 2, PINHOLE_CNT_PINHOLE_USED, 2, -1);
  assert_true(t_has_trace(s.t, "dcerpc ALG conv=1 translated "
                               "198.18.0.10:49665 -> 198.19.0.7:49665"));
  t_ctx_del(s.t);
}

/* A tower naming a third party and one naming port 135 open nothing and
 * are counted as endpoint mapper errors; a response to a request on a
 * context that is not the endpoint mapper is not read at all. */
static void test_alg_dcerpc_policy(void **state) {
  (void)state;
  ds s;
  ds_open(&s, 0, 49801);
  ds_bind_and_ask(&s, 0);
  uint8_t st[256], b[512];
  size_t sn = ept_stub(st, 49667, IP4(198, 19, 0, 99));
  size_t n = response(b, 2, 3, st, sn);
  ds_pass(&s, 1, b, n);
  n = ept_map(b, 4, 0);
  ds_pass(&s, 0, b, n);
  sn = ept_stub(st, 135, SRV);
  n = response(b, 4, 3, st, sn);
  ds_pass(&s, 1, b, n);
  n = ept_map(b, 5, 1); /* opnum 3 of the test interface */
  ds_pass(&s, 0, b, n);
  sn = ept_stub(st, 49668, SRV);
  n = response(b, 5, 3, st, sn);
  ds_pass(&s, 1, b, n);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 9,
             PINHOLE_CNT_ERR_ALG, 2, PINHOLE_CNT_ALG_DCERPC_PORTMAP, 2, -1);
  assert_true(t_has_event(s.t, "endpoint address is not the server's"));
  assert_true(t_has_event(s.t, "endpoint port below 1024"));
  t_ctx_del(s.t);
}

/* NAT slipstreaming on port 135: HTTP is not a DCE-RPC PDU; the direction
 * stops being parsed, and a bind and ept_map hidden behind it later are
 * never read, so the response opens nothing. */
static void test_alg_dcerpc_not_dcerpc_desync(void **state) {
  (void)state;
  ds s;
  ds_open(&s, 0, 49802);
  const char *get = "GET / HTTP/1.1\r\nHost: 198.19.0.2:135\r\n\r\n";
  ds_pass(&s, 0, (const uint8_t *)get, strlen(get));
  ds_bind_and_ask(&s, 0);
  uint8_t st[256], b[512];
  size_t sn = ept_stub(st, 49669, SRV);
  size_t n = response(b, 2, 3, st, sn);
  ds_pass(&s, 1, b, n);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_DCERPC, 1,
             PINHOLE_CNT_ALG_DESYNC, 1, -1);
  t_ctx_del(s.t);
}

/* A response split across segments is held until it comes whole; a
 * header of fewer than 16 bytes too. Each piece resends the held bytes
 * (a sender that waits for their acknowledgment). */
static void test_alg_dcerpc_split_pdu(void **state) {
  (void)state;
  ds s;
  ds_open(&s, 0, 49803);
  ds_bind_and_ask(&s, 0);
  s.held = 1;
  uint8_t st[256], b[512];
  size_t sn = ept_stub(st, 49670, SRV);
  size_t n = response(b, 2, 3, st, sn);
  ds_send(&s, 1, b, 10, NULL);
  ds_send(&s, 1, b, n - 20, NULL);
  ds_pass(&s, 1, b, n);
  ds_data(&s, 49804, 49670, SRV);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 8,
             PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_RESENT, 2,
             PINHOLE_CNT_REASM_COMPLETED, 1, PINHOLE_CNT_PINHOLE_CREATED, 1,
             PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(s.t);
}

/* Fail closed: the endpoint mapper accepted with NDR64 (which the ALG
 * cannot read) behind destination NAT; its response would carry the
 * inside address out, so it is dropped. */
static void test_alg_dcerpc_ndr64_refused(void **state) {
  (void)state;
  ds s;
  ds_open(&s, 1, 49905);
  ds_bind_and_ask(&s, 1);
  uint8_t st[256], b[512];
  size_t sn = ept_stub(st, 49671, SRV_IN);
  size_t n = response(b, 2, 3, st, sn);
  ds_send(&s, 1, b, n, NULL);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_DCERPC_PORTMAP, 1, PINHOLE_CNT_ALG_UNTRANSLATED, 1,
             -1);
  t_ctx_del(s.t);
}

/* ---- rules that name interfaces ------------------------------------------ */

/* svcctl's interface, 367abb81-9844-35f1-ad32-98f038001003: not allowed */
static const uint8_t uuid_svcctl[16] = {0x36, 0x7a, 0xbb, 0x81, 0x98, 0x44,
                                        0x35, 0xf1, 0xad, 0x32, 0x98, 0xf0,
                                        0x38, 0x00, 0x10, 0x03};

/* A context whose only rule is the endpoint mapper's, its ALG named
 * "dcerpc" with the allow list ids: from the inside to TCP 135 with source
 * NAPT to 198.19.0.4-198.19.0.6 ports lo..hi (dnat 0), or from the
 * outside to DNAT_PUB:135 forwarded to SRV_IN (dnat 1). */
static tctx *rule_ctx(int dnat, uint16_t lo, uint16_t hi,
                      const char *const *ids) {
  tctx *t = t_ctx_pool3(lo, hi, 0, 0, 0, 0);
  pinhole_rules_clear(t->ctx);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "%s", dnat ? "epm-in" : "epm");
  r.proto = PINHOLE_IPPROTO_TCP;
  r.dport_lo = r.dport_hi = 135;
  snprintf(r.alg, sizeof(r.alg), "dcerpc");
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
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 0);
  for (size_t i = 0; ids[i] != NULL; i++)
    assert_int_equal(pinhole_rule_alg_allow(t->ctx, 0, ids[i]), 0);
  return t;
}

/* A connection to port nothing announced: dropped, no rule matches. */
static void ds_no_data(ds *s, uint16_t sport, uint16_t port) {
  tpkt p;
  t_tcp_n(&p, s->cli, sport, s->dst, port, 1, 0, PINHOLE_TCP_SYN, NULL, 0);
  assert_int_equal(pinhole_process(s->t->ctx, &p.p, s->cside, 2 * SEC),
                   PINHOLE_VERDICT_DROP);
}

/* A rule that allows the test interface (written in upper case) and
 * another one: of a response's two towers, the test interface's opens
 * its pinhole and the client's bind to it joins the conversation as a
 * Forward flow; svcctl's tower opens nothing, counted under "DCE-RPC
 * portmap" with an event naming the rule, and a connection to its port
 * is dropped. The response passes unchanged. */
static void test_alg_dcerpc_rule_uuid(void **state) {
  (void)state;
  static const char *const ids[] = {"12345678-1234-ABCD-EF00-0123456789AB",
                                    "e3514235-4b06-11d1-ab04-00c04fc2dcd2",
                                    NULL};
  ds s;
  ds_open_ctx(&s, rule_ctx(0, 31000, 31003, ids), 0, 49810);
  ds_bind_and_ask(&s, 0);
  uint8_t st[384], b[512];
  static const uint16_t port[2] = {49700, 49701};
  const uint8_t *const ifs[2] = {uuid_svcctl, uuid_if};
  size_t sn = ept_stub2(st, port, SRV, ifs);
  size_t n = response(b, 2, 3, st, sn);
  ds_pass(&s, 1, b, n);
  ds_no_data(&s, 49811, 49700);
  ds_data(&s, 49812, 49701, SRV);
  t_listing_is(s.t, "Conversation: ALG protocol: dcerpc\n"
                    "  Number of initiators: 2, Number of responders: 2\n"
                    "Flow                                          State    "
                    "Dir  Frm count\n"
                    "TCP 198.18.0.100:49810 -> 198.19.0.2:135      Watch    "
                    "I          3\n"
                    "    NAT source 198.18.0.100:49810 -> 198.19.0.6:31001\n"
                    "TCP 198.18.0.100:49812 -> 198.19.0.2:49701    Forward  "
                    "I          1\n"
                    "    NAT source 198.18.0.100:49812 -> 198.19.0.6:31002\n"
                    "TCP 198.19.0.2:135 -> 198.19.0.6:31001        Watch    "
                    "O          3\n"
                    "    NAT dest 198.19.0.6:31001 -> 198.18.0.100:49810\n"
                    "TCP 198.19.0.2:49701 -> 198.19.0.6:31002      Forward  "
                    "O          1\n"
                    "    NAT dest 198.19.0.6:31002 -> 198.18.0.100:49812\n");
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 6, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_DCERPC_PORTMAP, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  assert_true(t_has_trace(s.t, "dcerpc ALG conv=1 error \"interface "
                               "367abb81-9844-35f1-ad32-98f038001003 not "
                               "allowed by the rule\""));
  assert_true(t_has_event(s.t, "rule=epm"));
  assert_true(t_has_trace(s.t, "dcerpc ALG conv=1 pinhole created TCP "
                               "198.18.0.100:0 -> 198.19.0.2:49701"));
  t_ctx_del(s.t);
}

/* The endpoint mapper behind destination NAT, a rule allowing only
 * svcctl: the tower for the test interface still has its address floor
 * rewritten to the public address (exact bytes) and reaches the client,
 * but opens nothing; the connection to its port is dropped. */
static void test_alg_dcerpc_rule_dnat(void **state) {
  (void)state;
  static const char *const ids[] = {"367abb81-9844-35f1-ad32-98f038001003",
                                    NULL};
  ds s;
  ds_open_ctx(&s, rule_ctx(1, 30000, 30007, ids), 1, 49910);
  ds_bind_and_ask(&s, 0);
  uint8_t st[256], b[512], w[512];
  size_t sn = ept_stub(st, 49672, SRV_IN);
  size_t n = response(b, 2, 3, st, sn);
  memcpy(w, b, n);
  size_t at = 24 + sn - 4 - 4 - 1; /* status, padding 1 to 4, address */
  assert_int_equal(t_get32(b + at), SRV_IN);
  t_put32(w + at, DNAT_PUB);
  ds_send(&s, 1, b, n, w);
  ds_no_data(&s, 49911, 49672);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 5, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_DCERPC_PORTMAP, 1, -1);
  assert_true(t_has_trace(s.t, "dcerpc ALG conv=1 translated "
                               "198.18.0.10:49672 -> 198.19.0.7:49672"));
  assert_true(t_has_event(s.t, "rule=epm-in"));
  assert_true(t_has_event(s.t, "interface "
                               "12345678-1234-abcd-ef00-0123456789ab not "
                               "allowed by the rule"));
  t_ctx_del(s.t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_dcerpc_ept_map),
      cmocka_unit_test(test_alg_dcerpc_dnat_rewrite),
      cmocka_unit_test(test_alg_dcerpc_policy),
      cmocka_unit_test(test_alg_dcerpc_not_dcerpc_desync),
      cmocka_unit_test(test_alg_dcerpc_split_pdu),
      cmocka_unit_test(test_alg_dcerpc_ndr64_refused),
      cmocka_unit_test(test_alg_dcerpc_rule_uuid),
      cmocka_unit_test(test_alg_dcerpc_rule_dnat),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
