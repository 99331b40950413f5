/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The engine's side of the ALG contract: the ALG table, what a module
 * sees of a packet, and the services it acts through (lib/alg/alg.h). The
 * stream driver is in core/stream.c.
 */
#include "core/alg_call.h"
#include "core/engine.h"
#include "pkt/bytes.h"

#include <stdio.h>
#include <string.h>

/* one entry a line, whatever clang-format would pack */
/* clang-format off */
const ph_alg *const pinhole__algs[] = {
    &pinhole__alg_ftp,
    &pinhole__alg_tftp,
    &pinhole__alg_rtsp,
    &pinhole__alg_sip,
    &pinhole__alg_rpc,
    &pinhole__alg_dcerpc,
    &pinhole__alg_dns,
    &pinhole__alg_netbios,
    &pinhole__alg_snmp,
    &pinhole__alg_bootp,
    &pinhole__alg_sqlnet,
    &pinhole__alg_mms,
    &pinhole__alg_iiop,
    &pinhole__alg_rsh,
    &pinhole__alg_rexec,
    &pinhole__alg_rlogin,
    &pinhole__alg_pna,
    &pinhole__alg_pptp,
    &pinhole__alg_traceroute,
    &pinhole__alg_h323,
};
/* clang-format on */
const int pinhole__nalgs =
    (int)(sizeof(pinhole__algs) / sizeof(pinhole__algs[0]));

int pinhole_alg_count(void) {
  return pinhole__nalgs;
}

const char *pinhole_alg_name(int i) {
  return i >= 0 && i < pinhole__nalgs ? pinhole__algs[i]->name : NULL;
}

const char *pinhole__alg_name(uint8_t id1) {
  return id1 && id1 <= pinhole__nalgs ? pinhole__algs[id1 - 1]->name : NULL;
}

uint8_t pinhole__alg_by_port(uint8_t proto, uint16_t port) {
  for (int i = 0; i < pinhole__nalgs; i++) {
    const ph_alg *a = pinhole__algs[i];
    if (a->proto != proto && a->proto != 0)
      continue;
    for (int k = 0; k < 4 && a->ports[k]; k++)
      if (a->ports[k] == port)
        return (uint8_t)(i + 1);
    if (a->port_lo && port >= a->port_lo && port <= a->port_hi)
      return (uint8_t)(i + 1);
  }
  return 0;
}

/* The home slot of a port in the context's ALG port table. */
static uint32_t ph_alg_port_home(uint16_t port) {
  return ((uint32_t)port * 40503u >> 8) & (PH_ALG_PORT_SLOTS - 1);
}

/* Files (proto, port) -> id1 unless an earlier ALG has that key; 0, or -1
 * when the table is half full. */
static int ph_alg_port_add(pinhole_ctx *ctx, uint8_t proto, uint16_t port,
                           uint8_t id1, uint32_t *used) {
  uint32_t s = ph_alg_port_home(port);
  for (uint32_t n = 0; n < PH_ALG_PORT_SLOTS; n++) {
    ph_alg_port *e = &ctx->alg_ports[s];
    if (e->id == 0) {
      if (2 * (*used + 1) > PH_ALG_PORT_SLOTS)
        return -1;
      e->port = port;
      e->proto = proto;
      e->id = id1;
      ++*used;
      return 0;
    }
    if (e->port == port && e->proto == proto)
      return 0; /* the earlier ALG wins, as in the scan */
    s = (s + 1) & (PH_ALG_PORT_SLOTS - 1);
  }
  return -1;
}

/* Marks the groups of ports lo..hi in the ALG ports' filter. */
static void ph_alg_any_add(pinhole_ctx *ctx, uint16_t lo, uint16_t hi) {
  for (uint32_t g = (uint32_t)lo >> PH_ALG_PORT_GROUP_SHIFT;
       g <= (uint32_t)hi >> PH_ALG_PORT_GROUP_SHIFT; g++)
    ctx->alg_port_any[g >> 6] |= 1ull << (g & 63);
}

/* Is some ALG's port in port's group (else: no ALG has port)? */
static int ph_alg_any(const pinhole_ctx *ctx, uint16_t port) {
  uint32_t g = (uint32_t)port >> PH_ALG_PORT_GROUP_SHIFT;
  return (int)((ctx->alg_port_any[g >> 6] >> (g & 63)) & 1);
}

void pinhole__alg_ports_build(pinhole_ctx *ctx) {
  memset(ctx->alg_ports, 0, sizeof(ctx->alg_ports));
  memset(ctx->alg_port_any, 0, sizeof(ctx->alg_port_any));
  ctx->nalg_ranges = 0;
  ctx->alg_ports_scan = 0;
  uint32_t used = 0;
  for (int i = 0; i < pinhole__nalgs; i++) {
    const ph_alg *a = pinhole__algs[i];
    for (int k = 0; k < 4 && a->ports[k]; k++)
      ph_alg_any_add(ctx, a->ports[k], a->ports[k]);
    if (a->port_lo)
      ph_alg_any_add(ctx, a->port_lo, a->port_hi);
    for (int k = 0; k < 4 && a->ports[k]; k++)
      if (ph_alg_port_add(ctx, a->proto, a->ports[k], (uint8_t)(i + 1),
                          &used) != 0)
        ctx->alg_ports_scan = 1;
    if (a->port_lo) {
      if (ctx->nalg_ranges < PH_ALG_RANGES)
        ctx->alg_ranges[ctx->nalg_ranges++] = (uint8_t)(i + 1);
      else
        ctx->alg_ports_scan = 1;
    }
  }
}

uint8_t pinhole__alg_for_port(const pinhole_ctx *ctx, uint8_t proto,
                              uint16_t port) {
  /* the common case, a port no ALG names: one load (the filter holds
   * every port pinhole__alg_by_port can answer for, table or scan) */
  if (!ph_alg_any(ctx, port))
    return 0;
  if (ctx->alg_ports_scan)
    return pinhole__alg_by_port(proto, port);
  /* the lowest id among the exact ports of this protocol or of both */
  uint8_t best = 0;
  uint32_t s = ph_alg_port_home(port);
  for (uint32_t n = 0; n < PH_ALG_PORT_SLOTS; n++) {
    const ph_alg_port *e = &ctx->alg_ports[s];
    if (e->id == 0)
      break;
    if (e->port == port && (e->proto == proto || e->proto == 0) &&
        (best == 0 || e->id < best))
      best = e->id;
    s = (s + 1) & (PH_ALG_PORT_SLOTS - 1);
  }
  /* an earlier ALG whose range holds the port comes first */
  for (uint32_t i = 0; i < ctx->nalg_ranges; i++) {
    uint8_t id1 = ctx->alg_ranges[i];
    if (best != 0 && id1 > best)
      break;
    const ph_alg *a = pinhole__algs[id1 - 1];
    if ((a->proto == proto || a->proto == 0) && port >= a->port_lo &&
        port <= a->port_hi)
      return id1;
  }
  return best;
}

int pinhole__alg_fits(uint8_t id1, uint8_t proto) {
  if (id1 == 0 || id1 > pinhole__nalgs)
    return 0;
  const ph_alg *a = pinhole__algs[id1 - 1];
  return a->proto == 0 || a->proto == proto || a->rule_proto == proto;
}

uint8_t pinhole__alg_by_name(const char *name) {
  for (int i = 0; i < pinhole__nalgs; i++)
    if (strcmp(pinhole__algs[i]->name, name) == 0)
      return (uint8_t)(i + 1);
  return 0;
}

int pinhole__alg_allow_id(uint8_t id1, const char *text, uint8_t *id,
                          size_t *len) {
  if (id1 == 0 || id1 > pinhole__nalgs || ph_alg_get(id1)->allow_id == NULL)
    return PINHOLE_ERR_UNSUPPORTED;
  size_t n = 0;
  while (n <= 64 && text[n] != '\0') /* bounded: ids are short */
    n++;
  if (n > 64)
    return PINHOLE_ERR_PARSE;
  *len = 0;
  if (ph_alg_get(id1)->allow_id(text, n, id, len) != 0 || *len == 0 ||
      *len > PH_ALG_ID_MAX)
    return PINHOLE_ERR_PARSE;
  return 0;
}

int pinhole__alg_privileged(uint8_t id1, uint8_t proto, uint16_t sport) {
  return id1 && id1 <= pinhole__nalgs && ph_alg_get(id1)->privileged &&
         proto == PINHOLE_IPPROTO_TCP && sport >= PH_PRIV_LO &&
         sport <= PH_PRIV_HI;
}

/* ---- the packet -------------------------------------------------------- */

uint8_t *pinhole__alg_payload(const ph_alg_call *ac) {
  return ac->pkt->data + ac->v->payload_off;
}

size_t pinhole__alg_payload_len(const ph_alg_call *ac) {
  return ac->v->payload_len;
}

int pinhole__alg_from(const ph_alg_call *ac) {
  return ac->dir == 0 ? PH_ALG_CLIENT : PH_ALG_SERVER;
}

uint8_t pinhole__alg_l4(const ph_alg_call *ac) {
  return ac->conn->proto;
}

int pinhole__alg_failed(const ph_alg_call *ac) {
  return ac->failed || ac->refused;
}

void *pinhole__alg_state(ph_alg_call *ac) {
  return ac->w->alg_state;
}

int pinhole__alg_stream_at(const ph_alg_call *ac, uint32_t *off) {
  const ph_stream *st = ac->w ? &ac->w->st[ac->dir] : NULL;
  *off = 0;
  if (st == NULL || !st->synced || ac->v->proto != PINHOLE_IPPROTO_TCP)
    return PINHOLE_ERR_NOMATCH;
  *off = ac->seq - st->data_seq;
  return 0;
}

uint8_t *pinhole__alg_scratch(ph_alg_call *ac, size_t *len) {
  *len = PH_SCRATCH;
  return ac->ctx->scratch;
}

void pinhole__alg_ends(const ph_alg_call *ac, ph_ends *e) {
  ph_tuple a = ph_conn_tuple(ac->ctx, ac->conn, 0);
  ph_tuple b = ph_conn_tuple(ac->ctx, ac->conn, 1);
  memset(e, 0, sizeof(*e));
  e->client.addr = a.src;
  e->client.port = a.sport;
  e->client_pub.addr = b.dst;
  e->client_pub.port = b.dport;
  e->server.addr = b.src;
  e->server.port = b.sport;
  e->server_pub.addr = a.dst;
  e->server_pub.port = a.dport;
}

int pinhole__alg_family(const ph_alg_call *ac) {
  if (!ph_conn_is6(ac->ctx, ac->conn))
    return 4;
  return ph_conn_is64(ac->ctx, ac->conn) ? 64 : 6;
}

void pinhole__alg_ends6(const ph_alg_call *ac, ph_ends6 *e) {
  memset(e, 0, sizeof(*e));
  if (!ph_conn_is6(ac->ctx, ac->conn))
    return;
  ph_tuple a = ph_conn_tuple(ac->ctx, ac->conn, 0);
  ph_tuple b = ph_conn_tuple(ac->ctx, ac->conn, 1);
  /* NAT64: side B's are IPv4-mapped; the client sees the server under
   * the prefix */
  pinhole__conn6_addrs(ac->ctx, ac->conn, 0, e->client, e->server);
  e->client_port = a.sport;
  e->server_port = b.sport;
}

/* ---- rewriting ---------------------------------------------------------- */

int pinhole__alg_splice(ph_alg_call *ac, size_t off, size_t oldlen,
                        const void *rep, size_t replen) {
  pinhole_pkt *pkt = ac->pkt;
  pinhole_pkt_view *v = ac->v;
  size_t plen = v->payload_len;
  if (off > plen || oldlen > plen - off || pinhole__alg_family(ac) == 6) {
    /* IPv6 is not translated: nothing to rewrite (alg6.c); NAT64's
     * payload is its IPv4 packet's */
    ac->failed = 1;
    return PINHOLE_ERR_INVALID_ARG;
  }
  size_t newlen = (size_t)v->ip_len - oldlen + replen;
  if (newlen > pkt->cap || newlen > 65535) {
    ac->failed = 1;
    return PINHOLE_ERR_NOBUF;
  }
  uint8_t *p = pkt->data + v->payload_off;
  memmove(p + off + replen, p + off + oldlen, plen - off - oldlen);
  if (replen)
    memcpy(p + off, rep, replen);
  /* bytes past ip_len (link padding) are dropped with the old length */
  uint16_t old_ip_len = v->ip_len;
  v->ip_len = (uint16_t)newlen;
  v->payload_len = (uint16_t)(plen - oldlen + replen);
  v->l4_len = (uint16_t)(v->ip_len - v->l4_off);
  pkt->len = (uint32_t)newlen;
  ph_put16(pkt->data + PH_IP_TOTLEN, v->ip_len);
  uint16_t ck = ph_get16(pkt->data + PH_IP_CKSUM);
  ph_put16(pkt->data + PH_IP_CKSUM,
           pinhole_cksum_update16(ck, old_ip_len, v->ip_len));
  if (v->proto == PINHOLE_IPPROTO_UDP)
    ph_put16(pkt->data + v->l4_off + PH_UDP_LEN, v->l4_len);
  int32_t d = (int32_t)replen - (int32_t)oldlen;
  if (ac->replay && off < ac->replay_end) {
    /* resent data: the correction for it was recorded the first time */
    ac->replay_growth += d;
    ac->replay_end = (size_t)((int64_t)ac->replay_end + d);
  } else {
    ac->growth += d;
  }
  ac->rewrote = 1;
  return 0;
}

int pinhole__alg_put_addr(ph_alg_call *ac, size_t off, uint32_t addr) {
  if (off > ac->v->payload_len || ac->v->payload_len - off < 4) {
    ac->failed = 1;
    return PINHOLE_ERR_INVALID_ARG;
  }
  uint8_t rep[4];
  uint32_t old = ph_get32(pinhole__alg_payload(ac) + off);
  ph_put32(rep, addr);
  int rc = pinhole__alg_splice(ac, off, 4, rep, 4);
  if (rc == 0) {
    pinhole_endpoint a = {old, 0, 0}, b = {addr, 0, 0};
    pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &a, &b, 0, NULL, 0);
  }
  return rc;
}

int pinhole__alg_refuse_why(ph_alg_call *ac, const char *what,
                            const char *why) {
  char reason[96];
  snprintf(reason, sizeof(reason), "%s: %s", what, why);
  return pinhole__alg_refuse(ac, reason, NULL, 0);
}

int pinhole__alg_refuse(ph_alg_call *ac, const char *reason,
                        const uint8_t *text, size_t text_len) {
  pinhole__alg_error(ac, reason, text, text_len);
  if (ac->ctx->cfg.flags & PINHOLE_CFG_ALG_PASS_UNTRANSLATED)
    return 0;
  if (!ac->refused)
    ph_count(ac->ctx, PINHOLE_CNT_ALG_UNTRANSLATED);
  ac->refused = 1;
  return 1;
}

void pinhole__alg_limit(ph_alg_call *ac) {
  ph_count(ac->ctx, PINHOLE_CNT_DROP_PINHOLE_FULL);
}

/* ---- policy ------------------------------------------------------------- */

static int ph_low_port_ok(const ph_alg_call *ac, uint16_t port) {
  return port == 0 || port >= 1024 ||
         (ac->ctx->cfg.flags & PINHOLE_CFG_ALG_LOW_PORTS);
}

/* The policy's verdict once whose address it is (PH_ALG_OTHER: a third
 * party) is known. */
static int ph_policy_end(ph_alg_call *ac, int who, int whose, uint16_t port,
                         const char *what, const uint8_t *text,
                         size_t text_len) {
  char reason[96];
  if (whose == PH_ALG_OTHER &&
      !(ac->ctx->cfg.flags & PINHOLE_CFG_ALG_THIRD_PARTY)) {
    snprintf(reason, sizeof(reason), "%s address is not the %s's", what,
             who == PH_ALG_CLIENT ? "client" : "server");
    pinhole__alg_error(ac, reason, text, text_len);
    return PINHOLE_ERR_POLICY;
  }
  if (!ph_low_port_ok(ac, port)) {
    snprintf(reason, sizeof(reason), "%s port below 1024", what);
    pinhole__alg_error(ac, reason, text, text_len);
    return PINHOLE_ERR_POLICY;
  }
  return whose;
}

int pinhole__alg_policy(ph_alg_call *ac, int who, uint32_t addr, uint16_t port,
                        const char *what, const uint8_t *text,
                        size_t text_len) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  const pinhole_endpoint *real = who == PH_ALG_CLIENT ? &e.client : &e.server;
  const pinhole_endpoint *pub =
      who == PH_ALG_CLIENT ? &e.client_pub : &e.server_pub;
  int whose = PH_ALG_OTHER;
  if (addr == 0 || addr == real->addr)
    whose = PH_ALG_REAL;
  else if (addr == pub->addr)
    whose = PH_ALG_PUBLIC;
  return ph_policy_end(ac, who, whose, port, what, text, text_len);
}

int pinhole__alg_policy6(ph_alg_call *ac, int who, const uint8_t addr[16],
                         uint16_t port, const char *what, const uint8_t *text,
                         size_t text_len) {
  static const uint8_t zero[16];
  ph_ends6 e;
  pinhole__alg_ends6(ac, &e);
  const uint8_t *real = who == PH_ALG_CLIENT ? e.client : e.server;
  int whose = memcmp(addr, zero, 16) == 0 || memcmp(addr, real, 16) == 0
                  ? PH_ALG_REAL
                  : PH_ALG_OTHER;
  if (pinhole__alg_family(ac) == 4)
    whose = PH_ALG_OTHER; /* no IPv6 address is an IPv4 party's */
  return ph_policy_end(ac, who, whose, port, what, text, text_len);
}

int pinhole__alg_carried(const ph_alg_call *ac, uint32_t addr, uint32_t *to) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  int client = pinhole__alg_from(ac) == PH_ALG_CLIENT;
  const pinhole_endpoint *sr = client ? &e.client : &e.server;
  const pinhole_endpoint *sp = client ? &e.client_pub : &e.server_pub;
  const pinhole_endpoint *rr = client ? &e.server : &e.client;
  const pinhole_endpoint *rp = client ? &e.server_pub : &e.client_pub;
  int sender_nat = sr->addr != sp->addr;
  *to = addr;
  if (sender_nat && addr == sr->addr) {
    *to = sp->addr;
    return PH_ALG_REAL;
  }
  if (rp->addr != rr->addr && addr == rp->addr) {
    *to = rr->addr;
    return PH_ALG_PUBLIC;
  }
  if (pinhole__alg_static_addr(ac, addr, 0, to) == 0)
    return PH_ALG_OTHER;
  if (sender_nat && addr != sp->addr && addr != 0)
    return PINHOLE_ERR_POLICY;
  return PH_ALG_OTHER;
}

/* ---- mappings and pinholes ---------------------------------------------- */

static uint32_t ph_own_map(const ph_alg_call *ac) {
  return pinhole__conn_mapping(ac->ctx, ac->conn);
}

/* No public port (or call ID) for an ALG mapping: counted and logged. */
static int ph_no_port(ph_alg_call *ac, int counter, const char *reason) {
  ph_count(ac->ctx, counter);
  pinhole__event(ac->ctx, PINHOLE_EVENT_NAT_PORTS_EXHAUSTED, ac->v, ac->side,
                 PH_NIL, PINHOLE_FLOW_WATCH, ac->conn, ac->dir, NULL,
                 ph_alg_get(ac->conn->alg)->name, reason);
  return PINHOLE_ERR_FULL;
}

int pinhole__alg_map(ph_alg_call *ac, uint8_t proto, uint32_t addr,
                     uint16_t port, unsigned flags, pinhole_endpoint *pub,
                     uint32_t *mapref, uint32_t *mapref2) {
  pinhole_ctx *ctx = ac->ctx;
  int pair = (flags & PH_ALG_MAP_PAIR) != 0;
  unsigned priv = (flags & PH_ALG_MAP_PRIVILEGED) && !pair &&
                          proto == PINHOLE_IPPROTO_TCP && port >= PH_PRIV_LO &&
                          port <= PH_PRIV_HI
                      ? PH_MAP_PRIV
                      : 0;
  *mapref = 0;
  if (mapref2)
    *mapref2 = 0;
  memset(pub, 0, sizeof(*pub));
  uint32_t cmap = ph_own_map(ac);
  if (cmap == 0) {
    /* no source NAT on the control connection: the endpoint is public */
    pub->addr = addr;
    pub->port = port;
    return 0;
  }
  uint32_t pool = ph_map_at(ctx, cmap)->pool;
  int why = 0;
  ph_ref r = pinhole__map_get(ctx, pool, proto, addr, port, 0,
                              pair ? PH_MAP_EVEN : priv, &why);
  uint32_t r2 = 0;
  if (r != 0 && pair) {
    r2 = pinhole__map_get(ctx, pool, proto, addr, (uint16_t)(port + 1),
                          (uint16_t)(ph_map_at(ctx, r)->pport + 1), 0, &why);
    if (r2 == 0) {
      pinhole__map_put(ctx, r);
      r = 0;
    }
  }
  if (r == 0 && why == PH_MAP_REMOVED)
    return ph_no_port(ac, PINHOLE_CNT_NAT_POOL_REMOVED, "NAT pool removed");
  if (r == 0)
    return ph_no_port(ac, PINHOLE_CNT_DROP_NAT_PORTS,
                      "no port for ALG mapping");
  pub->addr = ph_map_at(ctx, r)->paddr;
  pub->port = ph_map_at(ctx, r)->pport;
  *mapref = r;
  if (mapref2)
    *mapref2 = r2;
  else
    pinhole__map_put(ctx, r2);
  return 0;
}

int pinhole__alg_map6(ph_alg_call *ac, uint8_t proto, const uint8_t addr[16],
                      uint16_t port, pinhole_endpoint *pub, uint32_t *mapref) {
  return pinhole__alg_map6_flags(ac, proto, addr, port, 0, pub, mapref, NULL);
}

void pinhole__alg_unmap(ph_alg_call *ac, uint32_t mapref) {
  pinhole__map_put(ac->ctx, mapref);
}

uint32_t pinhole__alg_own_mapping(ph_alg_call *ac) {
  ph_ref r = ph_own_map(ac);
  pinhole__map_ref(ac->ctx, r);
  return r;
}

int pinhole__alg_unmap_public(ph_alg_call *ac, uint8_t proto, uint16_t port,
                              pinhole_endpoint *real) {
  const ph_conn *c = ac->conn;
  ph_ref m = pinhole__map_find_public(ac->ctx, proto, c->b.dst, port);
  if (m == 0 || ph_map_at(ac->ctx, m)->iaddr != c->a.src)
    return PINHOLE_ERR_NOMATCH;
  memset(real, 0, sizeof(*real));
  real->addr = ph_map_at(ac->ctx, m)->iaddr;
  real->port = ph_map_at(ac->ctx, m)->iport;
  return 0;
}

/* A trace record of this call's ALG and conversation (t set up). */
static void ph_trace_send(ph_alg_call *ac, pinhole_trace *t) {
  pinhole_ctx *ctx = ac->ctx;
  t->alg = ph_alg_get(ac->conn->alg)->name;
  t->conv_id = ph_conn_conv_id(ctx, ac->conn);
  t->seq = ac->seq;
  t->ack = ac->ack;
  t->side = (uint8_t)ac->side;
  ctx->cb.trace(ctx, t, ctx->user);
}

/* Pinhole h opened (a6: its IPv6 addresses, PH_HOLE_V6 only). */
static void ph_trace_created(ph_alg_call *ac, const ph_pinhole *h,
                             const ph_pinhole6 *a6, uint32_t lifetime_ms) {
  if (ac->ctx->cb.trace == NULL)
    return;
  pinhole_trace t;
  pinhole__trace_init(ac->ctx, &t, PINHOLE_TRACE_PINHOLE_CREATED);
  t.proto = h->proto;
  t.a = (pinhole_endpoint){h->v6 == PH_HOLE_V6 ? 0 : h->src, h->sport, 0};
  t.b = (pinhole_endpoint){h->v6 == PH_HOLE_V6 ? 0 : h->dst, h->dport, 0};
  if (a6 != NULL)
    pinhole__trace_addrs6(&t, a6);
  t.a_port_hi = h->sport_hi;
  t.pinhole_side = h->side;
  t.lifetime_ms = lifetime_ms;
  ph_trace_send(ac, &t);
}

/* The stream's sequence offset went from old to new. */
static void ph_trace_seq_diff(ph_alg_call *ac, int32_t old, int32_t new_) {
  if (ac->ctx->cb.trace == NULL)
    return;
  pinhole_trace t;
  pinhole__trace_init(ac->ctx, &t, PINHOLE_TRACE_SEQ_DIFF);
  t.proto = ac->conn->proto;
  t.diff_old = old;
  t.diff_new = new_;
  ph_trace_send(ac, &t);
}

/* A trace of endpoints a and b (either may be NULL), each IPv6 when its
 * a6 or b6 is given (its addr then 0). */
static void ph_trace(ph_alg_call *ac, int kind, uint8_t proto,
                     const pinhole_endpoint *a, const uint8_t *a6,
                     const pinhole_endpoint *b, const uint8_t *b6,
                     uint32_t lifetime_ms, const uint8_t *text,
                     size_t text_len) {
  pinhole_ctx *ctx = ac->ctx;
  if (ctx->cb.trace == NULL)
    return;
  pinhole_trace t;
  pinhole__trace_init(ctx, &t, kind);
  t.proto = proto;
  if (a)
    t.a = *a;
  if (b)
    t.b = *b;
  if (a && a6) {
    t.a.addr = 0;
    t.a_family = 6;
    memcpy(t.a6, a6, 16);
  }
  if (b && b6) {
    t.b.addr = 0;
    t.b_family = 6;
    memcpy(t.b6, b6, 16);
  }
  t.lifetime_ms = lifetime_ms;
  t.text = (const char *)text;
  t.text_len = text_len;
  ph_trace_send(ac, &t);
}

void pinhole__alg_trace(ph_alg_call *ac, int kind, const pinhole_endpoint *a,
                        const pinhole_endpoint *b, uint32_t lifetime_ms,
                        const uint8_t *text, size_t text_len) {
  ph_trace(ac, kind, ac->conn->proto, a, NULL, b, NULL, lifetime_ms, text,
           text_len);
}

void pinhole__alg_trace6(ph_alg_call *ac, int kind, const pinhole_endpoint *a,
                         const uint8_t *a6, const pinhole_endpoint *b,
                         const uint8_t *b6, const uint8_t *text,
                         size_t text_len) {
  ph_trace(ac, kind, ac->conn->proto, a, a6, b, b6, 0, text, text_len);
}

/* The one exception to the low-port policy (ph_pinhole_req.privileged):
 * the pinhole leads exactly to a mapping the engine allocated from the
 * privileged range (pools start at 1024, so a public port below 1024 can
 * only come from there), for the endpoint it maps, from the ALG's own
 * control connection's pool address. */
static int ph_priv_pinhole_ok(const ph_alg_call *ac, const ph_pinhole_req *e) {
  if (!e->privileged || e->mapping == 0 || e->proto != PINHOLE_IPPROTO_TCP)
    return 0;
  const ph_mapping *m = ph_map_at(ac->ctx, e->mapping);
  return m->proto == PINHOLE_IPPROTO_TCP && m->pport >= PH_PRIV_LO &&
         m->pport <= PH_PRIV_HI && m->pport == e->dport && m->paddr == e->dst &&
         m->iaddr == e->to_addr && m->iport == e->to_port &&
         m->iaddr == ac->conn->a.src;
}

/* The addresses of pinhole h for request e: IPv4 as they are; IPv6
 * (family 6, only on an IPv6 control connection, nothing translated)
 * filed under their folds, the addresses in *a6; NAT64 (family 64, only
 * on a NAT64 control connection) IPv4 as they are, the IPv6 ends of the
 * connection it admits in *a6 (the server as the client addresses it,
 * the client). Returns 0 or PINHOLE_ERR_POLICY (counted). */
static int ph_hole_addrs(ph_alg_call *ac, const ph_pinhole_req *e,
                         ph_pinhole *h, ph_pinhole6 *a6) {
  if (e->family == 64) {
    if (pinhole__alg_family(ac) != 64) {
      pinhole__map_put(ac->ctx, e->mapping);
      pinhole__alg_error(ac, "NAT64 pinhole on another connection", NULL, 0);
      return PINHOLE_ERR_POLICY;
    }
    h->src = e->src;
    h->dst = e->dst;
    h->to_port = e->to_port;
    memcpy(a6->src, ph_conn6_addr(ac->ctx, ac->conn, 0, 1), 16);
    memcpy(a6->dst, e->dst6, 16);
    h->v6 = PH_HOLE_NAT64;
    return 0;
  }
  if (e->family != 6) {
    h->src = e->src;
    h->dst = e->dst;
    h->to_addr = e->to_addr;
    h->to_port = e->to_port;
    return 0;
  }
  if (pinhole__alg_family(ac) != 6 || e->mapping != 0) {
    pinhole__map_put(ac->ctx, e->mapping);
    pinhole__alg_error(ac, "IPv6 pinhole on an IPv4 connection", NULL, 0);
    return PINHOLE_ERR_POLICY;
  }
  memcpy(a6->src, e->src6, 16);
  memcpy(a6->dst, e->dst6, 16);
  h->src = pinhole__fold6(ac->ctx, a6->src);
  h->dst = pinhole__fold6(ac->ctx, a6->dst);
  h->v6 = PH_HOLE_V6;
  return 0;
}

int pinhole__alg_open_pinhole(ph_alg_call *ac, const ph_pinhole_req *e) {
  pinhole_ctx *ctx = ac->ctx;
  /* both the port the peer is told and the one it reaches inside */
  if (!ph_priv_pinhole_ok(ac, e) &&
      (!ph_low_port_ok(ac, e->dport) ||
       ((e->to_addr || e->family == 64) && !ph_low_port_ok(ac, e->to_port)))) {
    pinhole__map_put(ctx, e->mapping);
    pinhole__alg_error(ac, "pinhole port below 1024", NULL, 0);
    return PINHOLE_ERR_POLICY;
  }
  ph_pinhole h;
  ph_pinhole6 a6;
  memset(&h, 0, sizeof(h));
  if (ph_hole_addrs(ac, e, &h, &a6) != 0)
    return PINHOLE_ERR_POLICY;
  h.sport = e->sport;
  h.sport_hi = e->sport_hi;
  h.dport = e->dport;
  h.proto = e->proto;
  h.side = (uint8_t)(e->from == PH_ALG_CLIENT ? ac->conn->a_side
                                              : ac->conn->a_side ^ 1);
  h.alg = ac->conn->alg;
  h.mapping = e->mapping;
  h.watch = e->watch != 0;
  uint32_t cmap = ph_own_map(ac);
  if (e->snat && cmap)
    h.snat_pool = (uint8_t)(ph_map_at(ctx, cmap)->pool + 1);
  int rv = pinhole__pinhole_open6(ctx, ph_conn_conv(ctx, ac->conn), &h,
                                  h.v6 ? &a6 : NULL);
  if (rv == PINHOLE_ERR_FULL) {
    pinhole__alg_error(ac, "pinhole limit reached", NULL, 0);
    return rv;
  }
  ph_trace_created(ac, &h, h.v6 == PH_HOLE_V6 ? &a6 : NULL,
                   ctx->cfg.pinhole_timeout_ms);
  return rv;
}

/* ---- GRE calls (PPTP) --------------------------------------------------- */

/* The GRE connection flow names, when it is one of this conversation's
 * with public call ID public_cid; else NULL. */
static int ph_is_gre_flow(const ph_alg_call *ac, const ph_conn *g,
                          uint16_t public_cid) {
  return (g->flags & PH_CONN_LIVE) && g->proto == PINHOLE_IPPROTO_GRE &&
         ph_conn_conv(ac->ctx, g) == ph_conn_conv(ac->ctx, ac->conn) &&
         g->b.dport == public_cid && g->a.src == ac->conn->a.src;
}

/* The GRE flow named by flow, or else (a PPTP state carried by state
 * sync names the active context's slot) the conversation's GRE flow with
 * that public call ID. */
static ph_conn *ph_gre_flow(const ph_alg_call *ac, uint32_t flow,
                            uint16_t public_cid) {
  pinhole_ctx *ctx = ac->ctx;
  if (flow != 0 && flow <= ctx->cfg.max_flows &&
      ph_is_gre_flow(ac, ph_conn_at(ctx, flow), public_cid))
    return ph_conn_at(ctx, flow);
  const ph_conv *cv = ph_conv_at(ctx, ph_conn_conv(ctx, ac->conn));
  for (ph_ref x = cv->first; x; x = ph_cold_at(ctx, x)->conv_next)
    if (ph_is_gre_flow(ac, ph_conn_at(ctx, x), public_cid))
      return ph_conn_at(ctx, x);
  return NULL;
}

/* A GRE flow already filed under key t: a leftover of the same client's
 * same call in this conversation is freed (replaced), anything else is a
 * collision. */
static int ph_gre_free_key(ph_alg_call *ac, const ph_tuple *t,
                           uint16_t client_cid) {
  int dir;
  ph_conn *o = pinhole__gre_lookup(ac->ctx, t->src, t->dst, t->dport, &dir);
  if (o == NULL)
    return 0;
  if (ph_conn_conv(ac->ctx, o) != ph_conn_conv(ac->ctx, ac->conn) ||
      o->a.src != ac->conn->a.src || o->a.sport != client_cid)
    return PINHOLE_ERR_EXISTS;
  pinhole__conn_free(ac->ctx, o);
  return 0;
}

/* A public call ID for the client's call (a GRE mapping at the control
 * connection's public address), or the call ID itself without NAT. */
static int ph_gre_map(ph_alg_call *ac, uint16_t client_cid, uint16_t *pub,
                      uint32_t *mapref) {
  pinhole_ctx *ctx = ac->ctx;
  uint32_t cmap = ph_own_map(ac);
  *mapref = 0;
  *pub = client_cid;
  if (cmap == 0)
    return 0;
  int why = 0;
  uint32_t r =
      pinhole__map_get(ctx, ph_map_at(ctx, cmap)->pool, PINHOLE_IPPROTO_GRE,
                       ac->conn->a.src, client_cid, 0, 0, &why);
  if (r != 0 && ph_map_at(ctx, r)->paddr != ac->conn->b.dst) {
    pinhole__map_put(ctx, r);
    r = 0;
  }
  if (r == 0 && why == PH_MAP_REMOVED)
    return ph_no_port(ac, PINHOLE_CNT_NAT_POOL_REMOVED, "NAT pool removed");
  if (r == 0)
    return ph_no_port(ac, PINHOLE_CNT_DROP_NAT_PORTS, "no public call ID");
  *pub = ph_map_at(ctx, r)->pport;
  *mapref = r;
  return 0;
}

int pinhole__alg_gre_open(ph_alg_call *ac, uint16_t client_cid,
                          uint16_t server_cid, uint16_t *public_cid,
                          uint32_t *flow) {
  pinhole_ctx *ctx = ac->ctx;
  const ph_conn *c = ac->conn;
  uint32_t mref;
  *flow = 0;
  int rc = ph_gre_map(ac, client_cid, public_cid, &mref);
  if (rc != 0)
    return rc;
  /* a: the client's GRE as it arrives; b: the server's */
  ph_tuple a = {c->a.src, c->a.dst, client_cid, server_cid};
  ph_tuple b = {c->b.src, c->b.dst, server_cid, *public_cid};
  if (ph_gre_free_key(ac, &b, client_cid) != 0 ||
      (server_cid != 0 && ph_gre_free_key(ac, &a, client_cid) != 0)) {
    pinhole__map_put(ctx, mref);
    return PINHOLE_ERR_EXISTS;
  }
  ph_ref conv = ph_conn_conv(ctx, c);
  ph_conn *g =
      pinhole__conn_new(ctx, conv, PINHOLE_IPPROTO_GRE, c->a_side, &a, &b);
  if (g == NULL) {
    pinhole__map_put(ctx, mref);
    ph_count(ctx, PINHOLE_CNT_DROP_FLOW_FULL);
    pinhole__event(ctx, PINHOLE_EVENT_TABLE_FULL, ac->v, ac->side, conv, 0,
                   NULL, 0, NULL, ph_alg_get(c->alg)->name, "flow table full");
    return PINHOLE_ERR_FULL;
  }
  ph_cold_set_map(ctx, g, mref);
  ph_cold(ctx, g)->rule = ph_cold(ctx, c)->rule;
  pinhole__gre_file_quotes(ctx, g);
  pinhole__conn_touch_timer(ctx, g);
  *flow = ph_conn_idx(ctx, g) + 1;
  pinhole__event(ctx, PINHOLE_EVENT_FLOW_CREATED, ac->v, ac->side, conv,
                 PINHOLE_FLOW_FORWARD, g, 0, NULL, ph_alg_get(c->alg)->name,
                 "call");
  pinhole_endpoint from = {a.src, client_cid, 0};
  pinhole_endpoint to = {b.dst, *public_cid, 0};
  ph_trace(ac, PINHOLE_TRACE_TRANSLATED, PINHOLE_IPPROTO_GRE, &from, NULL, &to,
           NULL, 0, NULL, 0);
  return 0;
}

int pinhole__alg_gre_peer(ph_alg_call *ac, uint32_t flow, uint16_t public_cid,
                          uint16_t server_cid) {
  ph_conn *g = ph_gre_flow(ac, flow, public_cid);
  if (g == NULL || g->a.dport != 0)
    return PINHOLE_ERR_NOMATCH;
  if (server_cid == 0)
    return PINHOLE_ERR_INVALID_ARG;
  ph_tuple a = g->a;
  a.dport = server_cid;
  if (ph_gre_free_key(ac, &a, g->a.sport) != 0)
    return PINHOLE_ERR_EXISTS;
  return pinhole__gre_set_peer(ac->ctx, g, server_cid);
}

void pinhole__alg_gre_close(ph_alg_call *ac, uint32_t flow,
                            uint16_t public_cid) {
  ph_conn *g = ph_gre_flow(ac, flow, public_cid);
  if (g == NULL || g->tcp_state == PH_TCP_CLOSED)
    return;
  g->tcp_state = PH_TCP_CLOSED; /* a GRE flow: "its call was cleared" */
  pinhole__conn_touch_timer(ac->ctx, g);
}

/* ---- dialogs ------------------------------------------------------------ */

void pinhole__alg_dialog_end(ph_alg_call *ac) {
  pinhole_ctx *ctx = ac->ctx;
  ph_ref conv = ph_conn_conv(ctx, ac->conn);
  pinhole__conv_pinholes_free(ctx, conv);
  for (ph_ref r = ph_conv_at(ctx, conv)->first; r;
       r = ph_cold_at(ctx, r)->conv_next) {
    ph_conn *c = ph_conn_at(ctx, r);
    if (c == ac->conn || c->proto != PINHOLE_IPPROTO_UDP)
      continue;
    c->tcp_state = PH_TCP_CLOSED; /* a UDP flow: "its dialog ended" */
    pinhole__conn_touch_timer(ctx, c);
  }
}

#define PH_KEEP_MAX_S 3600u

void pinhole__alg_keep(ph_alg_call *ac, uint32_t seconds) {
  pinhole_ctx *ctx = ac->ctx;
  if (seconds > PH_KEEP_MAX_S)
    seconds = PH_KEEP_MAX_S;
  uint64_t ticks = ((uint64_t)seconds * 1000000000u) >> ctx->tick_shift;
  ac->w->keep_ticks = (uint32_t)ticks;
  pinhole__conn_touch_timer(ctx, ac->conn);
}

void pinhole__alg_close_soon(ph_alg_call *ac) {
  pinhole_ctx *ctx = ac->ctx;
  ph_conn *c = ac->conn;
  if (c->proto != PINHOLE_IPPROTO_UDP || c->tcp_state == PH_TCP_CLOSED)
    return;
  c->tcp_state = PH_TCP_CLOSED; /* a UDP flow: "its ALG closed it" */
  /* idle for its whole (closed) timeout already: due at the next tick */
  c->last_seen = ctx->now_tick - pinhole__conn_timeout(ctx, c);
  pinhole__conn_touch_timer(ctx, c);
  ph_count(ctx, PINHOLE_CNT_ALG_QUICK_CLOSE);
  static const char why[] = "exchange complete: quick teardown";
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     (const uint8_t *)why, sizeof(why) - 1);
}

const char *pinhole__conn_close_reason(const ph_conn *c) {
  return ph_conn_watched(c) && c->proto == PINHOLE_IPPROTO_UDP &&
                 c->tcp_state == PH_TCP_CLOSED
             ? "ALG"
             : "idle timeout";
}

/* Moves connection c (alone in its conversation) to conversation to. */
static void ph_conv_move(pinhole_ctx *ctx, ph_conn *c, ph_ref to) {
  ph_conn_cold *k = ph_cold(ctx, c);
  ph_ref from = k->conv, r = ph_conn_ref(ctx, c);
  ph_conv *f = ph_conv_at(ctx, from), *t = ph_conv_at(ctx, to);
  f->first = f->last = 0;
  f->nconns = 0;
  pinhole__conv_maybe_free(ctx, from);
  k->conv = to;
  k->conv_next = 0;
  if (t->last)
    ph_cold_at(ctx, t->last)->conv_next = r;
  else
    t->first = r;
  t->last = r;
  t->nconns++;
}

int pinhole__alg_join(ph_alg_call *ac, uint16_t client_port,
                      uint16_t server_port) {
  pinhole_ctx *ctx = ac->ctx;
  ph_conn *c = ac->conn;
  ph_tuple a = ph_conn_tuple(ctx, c, 0);
  uint64_t h =
      pinhole__key_hash(ctx, c->proto, a.src, a.dst, client_port, server_port);
  int dir = 0;
  ph_conn *o = pinhole__conn_lookup(ctx, c->proto, a.src, a.dst, client_port,
                                    server_port, h, &dir);
  if (o == NULL || dir != 0 || !ph_conn_watched(o) || o->alg != c->alg ||
      o->a_side != c->a_side)
    return PINHOLE_ERR_NOMATCH;
  ph_ref from = ph_conn_conv(ctx, c), to = ph_conn_conv(ctx, o);
  if (from == to)
    return 0;
  const ph_conv *f = ph_conv_at(ctx, from);
  if (f->nconns != 1 || f->npinholes != 0)
    return PINHOLE_ERR_NOMATCH;
  ph_conv_move(ctx, c, to);
  char text[40];
  int n = snprintf(text, sizeof(text), "joined conversation %u",
                   (unsigned)ph_conv_at(ctx, to)->id);
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     (const uint8_t *)text, (size_t)n);
  return 0;
}

/* ---- static NAT --------------------------------------------------------- */

/* Rule pr's inside and public prefixes (same mask); 0 when it has none. */
static uint32_t ph_static_nets(const ph_rule *pr, uint32_t *in_net,
                               uint32_t *pub_net) {
  const pinhole_rule *r = &pr->r;
  if (r->side == PINHOLE_SIDE_INSIDE) {
    *in_net = r->src_addr;
    *pub_net = r->nat_addr & pr->src_mask;
    return pr->src_mask;
  }
  *pub_net = r->dst_addr;
  *in_net = r->nat_addr & pr->dst_mask;
  return pr->dst_mask;
}

static int ph_static_rule(const ph_rule *pr, uint32_t rule_flags) {
  return !pr->gone && pr->r.nat == PINHOLE_NAT_STATIC &&
         pr->r.action == PINHOLE_ACTION_ACCEPT &&
         (pr->r.flags & rule_flags) == rule_flags;
}

int pinhole__alg_static_addr(const ph_alg_call *ac, uint32_t addr,
                             uint32_t rule_flags, uint32_t *out) {
  const pinhole_ctx *ctx = ac->ctx;
  int to_side = (ac->conn->flags & PH_CONN_HAIRPIN) ? ac->side : ac->side ^ 1;
  for (uint32_t i = 0; i < ctx->nrules; i++) {
    const ph_rule *pr = &ctx->rules[i];
    uint32_t in_net, pub_net, mask;
    if (!ph_static_rule(pr, rule_flags) ||
        (mask = ph_static_nets(pr, &in_net, &pub_net)) == 0)
      continue;
    uint32_t from = to_side == PINHOLE_SIDE_INSIDE ? pub_net : in_net;
    uint32_t to = to_side == PINHOLE_SIDE_INSIDE ? in_net : pub_net;
    if ((addr & mask) != from)
      continue;
    *out = to | (addr & ~mask);
    return *out == addr ? PINHOLE_ERR_NOMATCH : 0;
  }
  return PINHOLE_ERR_NOMATCH;
}

int pinhole__alg_static_any(const ph_alg_call *ac, uint32_t rule_flags) {
  for (uint32_t i = 0; i < ac->ctx->nrules; i++)
    if (ph_static_rule(&ac->ctx->rules[i], rule_flags))
      return 1;
  return 0;
}

/* ---- the rule's allow list ---------------------------------------------- */

static void ph_alg_error_rule(ph_alg_call *ac, const char *rule,
                              const char *reason, const uint8_t *text,
                              size_t text_len);

int pinhole__alg_allowed(ph_alg_call *ac, const uint8_t *id, size_t len,
                         const char *what, const uint8_t *text,
                         size_t text_len) {
  const pinhole_ctx *ctx = ac->ctx;
  const ph_conn_cold *k = ph_cold(ctx, ac->conn);
  const char *rule = NULL, *why = ": the rule is gone";
  char reason[112];
  if (!ph_cold_gen_is(k, ctx->rules_gen) || k->rule >= ctx->nrules ||
      ctx->rules[k->rule].gone) {
    if (!ctx->allow_used)
      return 1; /* no list was ever set: everything opens, as always */
  } else {
    const ph_rule_allow *a = &ctx->allow[k->rule];
    if (a->n == 0)
      return 1;
    for (uint8_t i = 0; i < a->n; i++)
      if (a->len[i] == len && memcmp(a->id[i], id, len) == 0)
        return 1;
    rule = ctx->rules[k->rule].r.name;
    why = " by the rule";
  }
  int tl = text_len > 40 ? 40 : (int)text_len;
  snprintf(reason, sizeof(reason), "%s %.*s not allowed%s", what, tl,
           (const char *)text, why);
  ph_alg_error_rule(ac, rule, reason, NULL, 0);
  return 0;
}

/* ---- digests ------------------------------------------------------------ */

uint64_t pinhole__alg_hash(const ph_alg_call *ac, const void *p, size_t len) {
  return pinhole_siphash13(&ac->ctx->cfg.hash_key, p, len);
}

/* ---- errors ------------------------------------------------------------- */

void pinhole__alg_error_counter(ph_alg_call *ac, int counter) {
  int ok = (counter >= PINHOLE_CNT_ALG_BOOTP &&
            counter <= PINHOLE_CNT_ALG_TRACEROUTE) ||
           counter == PINHOLE_CNT_ALG_PPTP;
  ac->counter = ok ? (uint8_t)counter : 0;
}

/* An ALG error whose event names a rule (NULL: none). */
static void ph_alg_error_rule(ph_alg_call *ac, const char *rule,
                              const char *reason, const uint8_t *text,
                              size_t text_len) {
  pinhole_ctx *ctx = ac->ctx;
  const ph_alg *alg = ph_alg_get(ac->conn->alg);
  ph_count(ctx, PINHOLE_CNT_ERR_ALG);
  ph_count(ctx, ac->counter ? ac->counter : alg->counter);
  pinhole__event(ctx, PINHOLE_EVENT_ALG_ERROR, ac->v, ac->side, PH_NIL,
                 PINHOLE_FLOW_WATCH, ac->conn, ac->dir, rule, alg->name,
                 reason);
  if (text == NULL) {
    text = (const uint8_t *)reason;
    text_len = strlen(reason);
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_ERROR, NULL, NULL, 0, text, text_len);
}

void pinhole__alg_error(ph_alg_call *ac, const char *reason,
                        const uint8_t *text, size_t text_len) {
  ph_alg_error_rule(ac, NULL, reason, text, text_len);
}

/* ---- the engine's entry points ------------------------------------------ */

static void ph_call_init(ph_alg_call *ac, pinhole_ctx *ctx, pinhole_pkt *pkt,
                         pinhole_pkt_view *v, ph_conn *c, int dir, int side) {
  memset(ac, 0, sizeof(*ac));
  ac->ctx = ctx;
  ac->conn = c;
  ac->w = ph_conn_watched(c) ? ph_watch_at(ctx, ph_conn_watch(ctx, c)) : NULL;
  ac->pkt = pkt;
  ac->v = v;
  ac->dir = dir;
  ac->side = side;
  ac->seq = v->seq;
  ac->ack = v->ack;
}

ph_status pinhole__alg_run(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           pinhole_pkt_view *v, ph_conn *c, int dir, int side,
                           int *changed) {
  const ph_alg *alg = ph_alg_get(c->alg);
  ph_alg_call ac;
  ph_call_init(&ac, ctx, pkt, v, c, dir, side);
  ph_status drop;
  if (alg->stream && v->proto == PINHOLE_IPPROTO_TCP) {
    drop = pinhole__stream_run(&ac, alg);
    ph_stream *st = &ac.w->st[dir];
    if (drop == PH_PASS && ac.rewrote) {
      /* growth counts rewrites of new data only (a held tail is added
       * back, resent data was corrected the first time); ac.seq is where
       * the segment, or the reassembled message, begins */
      if (!ac.replay) {
        st->rw_seq = ac.seq;
        st->rw_valid = 1;
      }
      if (ac.growth != 0) {
        int32_t old = st->off_after;
        pinhole__tcp_seq_record(st, ac.seq, ac.growth);
        ph_trace_seq_diff(&ac, old, st->off_after);
      }
    }
    *changed = (ac.rewrote || ac.trimmed) ? PH_ALG_CHANGED : 0;
    if (drop == PH_PASS && ac.held_all)
      *changed = PH_ALG_HELD;
    else if (drop == PH_PASS && ac.merged)
      *changed = PH_ALG_MERGED;
  } else {
    ph_scan res;
    memset(&res, 0, sizeof(res));
    /* datagrams are judged one by one: a desync has nothing to stop */
    if (v->payload_len > 0 || v->proto == PINHOLE_IPPROTO_UDP)
      alg->inspect(&ac, 0, &res);
    drop = ac.failed || ac.refused ? PH_DROP : PH_PASS;
    *changed = ac.rewrote;
  }
  if (ac.failed)
    ph_count(ctx, PINHOLE_CNT_DROP_TOO_BIG);
  return drop;
}

void pinhole__alg_frag(pinhole_ctx *ctx, pinhole_pkt_view *v, ph_conn *c,
                       int dir, int side) {
  ph_alg_call ac;
  pinhole_pkt none = {NULL, 0, 0};
  ph_call_init(&ac, ctx, &none, v, c, dir, side);
  /* a rewrite would move the later fragments' offsets: not inspected */
  pinhole__alg_error(&ac, "fragmented message not inspected", NULL, 0);
}
