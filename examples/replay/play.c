/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-replay: playing both endpoints of a capture (see play.h).
 *
 * Tables, all keyed by what the capture shows (the untranslated packets):
 *
 *   conn:     an inside packet's 5-tuple -> the tuple the library forwards
 *             it with (from FLOW_CREATED, dropped at FLOW_CLOSED), plus the
 *             history of the sequence delta the library applied to that
 *             direction (learned by comparing SEQ before and after, at the
 *             end of every forwarded segment; kept only once non-zero);
 *   endpoint: inside (proto, addr, port) -> public (addr, port), from
 *             MAPPING_CREATED, dropped at MAPPING_RELEASED. Used for
 *             outside packets that belong to no connection yet (a
 *             server's active-mode data SYN, a TFTP server answering from
 *             a new port, RTSP/SIP media sent before the client sent any).
 *
 * An outside packet is rewritten from the conn entry of the inside packet
 * it answers (source and destination both, so destination NAT rules play
 * too), failing that from the endpoint entry of its destination, failing
 * that from a static or destination NAT rule whose inside address is its
 * destination. Failing all, it is fed as it is.
 */
#include "play.h"
#include "seq.h"

#include <pinhole/pptp.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tuple {
  uint32_t src, dst;
  uint16_t sport, dport;
  uint8_t proto;
} tuple;

#define BUCKETS 65536u
#define BUFLEN (65536 + 4096)

typedef struct conn {
  struct conn *next;
  tuple key; /* inside packet as captured */
  tuple out; /* as the library forwards it */
  hist *h;   /* NULL while the delta has been 0 */
} conn;

typedef struct endpoint {
  struct endpoint *next;
  uint32_t addr, pub_addr; /* addr: 0 for an IPv6 (NAT64) endpoint */
  uint8_t addr6[16];       /* an IPv6 endpoint's address, else zero */
  uint16_t port, pub_port;
  uint8_t proto;
} endpoint;

/* An outside datagram in fragments whose first fragment was played: the
 * later ones (no ports) go to the address the first one went to. */
typedef struct frag {
  uint32_t src, dst, pub_dst;
  uint16_t id;
  uint8_t proto, used;
} frag;

#define FRAGS 64 /* datagrams remembered, the oldest forgotten first */

/* A NAT64 connection the library made (its FLOW_CREATED event): the IPv6
 * client and the server's IPv6 (embedded) address as captured, and the
 * IPv4 endpoints the library translated them to. Echo: ports = id. */
typedef struct conn64 {
  struct conn64 *next;
  uint8_t proto;
  uint8_t c6[16], s6[16];
  uint16_t cport, sport;
  pinhole_endpoint pub, srv; /* IPv4: the pool's endpoint, the server's */
  hist *h;   /* the client's direction, as conn.h; NULL while 0 */
  int watch; /* its ALG may rewrite the client's payload */
} conn64;

#define BUCKETS64 4096u

/* A direction whose bytes the library holds (PINHOLE_VERDICT_HELD): the
 * frames' captured tuple (ports 0 and the IP id for fragments), the tuple
 * the library sends them on with, what is held, and what the library sent
 * for it through emit during the current packet. An IPv6 TCP direction
 * (six: the IPv6 firewall's or a NAT64 connection's) has its captured
 * addresses in a6/b6 (key's are 0, its ports and protocol set); its bytes
 * leave as IPv6 to the same endpoints (out6: the firewall's, a NAT64
 * server's), or as IPv4 with the tuple out (a NAT64 client's). */
typedef struct held {
  tuple key, out;
  uint16_t id;
  uint8_t used, frag, inside, release;
  uint8_t six, out6;
  uint8_t a6[16], b6[16];
  uint64_t bytes, frames;
  uint32_t cap_start; /* TCP: captured sequence number of the first held */
  uint32_t cap_end;   /* TCP: captured sequence number after the held ones */
  uint32_t out_end;   /* TCP: sent on up to here (through emit) */
  uint64_t emitted;   /* packets emitted for it during this packet */
  uint8_t out_end_ok; /* out_end is known */
} held;

#define HELDS 64 /* directions holding bytes at once */

/* An inside TCP message the library held and sent on: its captured
 * sequence range. An outside ACK inside it acknowledges a segment
 * boundary of the capture, which the library's re-segmented, rewritten
 * message does not have: it is translated back to somewhere inside the
 * same message, not to the same number. A NAT64 client's (six: key is
 * the IPv4 tuple it leaves with): a piece of it the client sends again
 * leaves without its payload. */
typedef struct resent {
  tuple key;
  uint32_t start, end;
  uint8_t six;
} resent;

#define RESENTS 16 /* messages remembered, the oldest forgotten first */

struct play {
  pinhole_ctx *ctx;
  play_host host;
  play_prefix *pfx;
  size_t npfx;
  play_prefix6 *pfx6;
  size_t npfx6;
  play_prefix6 nat64; /* plen 0: no NAT64 */
  conn64 **c64;
  pinhole_rule *rules;
  size_t nrules;
  int fix;
  conn **conns;
  endpoint **eps;
  frag frags[FRAGS];
  size_t frag_next;
  held held[HELDS];
  resent msgs[RESENTS];
  size_t msg_next;
  int feeding;       /* inside pinhole_process() */
  const char *label; /* the frame being played, for emits in a tick */
  play_totals tot;
  uint64_t *cnt_before, *cnt_after;
  size_t ncnt;
  uint8_t buf[BUFLEN];     /* the packet fed to the library */
  uint8_t fixed[BUFLEN];   /* a frame with its checksums recomputed */
  uint8_t scratch[BUFLEN]; /* checksum computations */
};

static uint32_t mix(uint32_t h, uint32_t v) {
  h ^= v;
  h *= 0x01000193u;
  h ^= h >> 15;
  return h;
}

static uint32_t tuple_hash(const tuple *t) {
  uint32_t h = 0x811c9dc5u;
  h = mix(h, t->src);
  h = mix(h, t->dst);
  h = mix(h, (uint32_t)t->sport << 16 | t->dport);
  h = mix(h, t->proto);
  return h % BUCKETS;
}

static int tuple_eq(const tuple *a, const tuple *b) {
  return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
         a->dport == b->dport && a->proto == b->proto;
}

static conn *conn_find(const play *p, const tuple *k) {
  for (conn *c = p->conns[tuple_hash(k)]; c; c = c->next)
    if (tuple_eq(&c->key, k))
      return c;
  return NULL;
}

static void conn_set(play *p, const tuple *k, const tuple *out) {
  conn *c = conn_find(p, k);
  if (!c) {
    c = calloc(1, sizeof(*c));
    if (!c)
      return; /* a miss is reported when a packet needs it */
    c->key = *k;
    uint32_t h = tuple_hash(k);
    c->next = p->conns[h];
    p->conns[h] = c;
    p->tot.conns++;
  }
  /* a new connection: no sequence delta yet */
  free(c->h);
  c->h = NULL;
  c->out = *out;
}

static void conn_forget(play *p, const tuple *k) {
  for (conn **pc = &p->conns[tuple_hash(k)]; *pc; pc = &(*pc)->next) {
    conn *c = *pc;
    if (!tuple_eq(&c->key, k))
      continue;
    *pc = c->next;
    free(c->h);
    free(c);
    p->tot.conns--;
    return;
  }
}

/* An endpoint's address: IPv4 (a6 NULL), or the IPv6 one of a NAT64
 * client (a6; addr is then 0). */
static const uint8_t no_addr6[16];

static uint32_t ep_hash(uint8_t proto, uint32_t addr, const uint8_t *a6,
                        uint16_t port) {
  tuple t = {addr, 0, port, 0, proto};
  for (size_t i = 0; a6 && i < 16; i += 4)
    t.dst = mix(t.dst, get32(a6 + i));
  return tuple_hash(&t);
}

static int ep_is(const endpoint *e, uint8_t proto, uint32_t addr,
                 const uint8_t *a6, uint16_t port) {
  return e->proto == proto && e->addr == addr && e->port == port &&
         !memcmp(e->addr6, a6 ? a6 : no_addr6, 16);
}

static endpoint *ep_find(const play *p, uint8_t proto, uint32_t addr,
                         const uint8_t *a6, uint16_t port) {
  for (endpoint *e = p->eps[ep_hash(proto, addr, a6, port)]; e; e = e->next)
    if (ep_is(e, proto, addr, a6, port))
      return e;
  return NULL;
}

/* A mapping made of in (in6: its IPv6 address, NULL for IPv4) to pub (the
 * newest one of an endpoint wins a lookup). */
static void ep_add(play *p, uint8_t proto, const pinhole_endpoint *in,
                   const uint8_t *in6, const pinhole_endpoint *pub) {
  endpoint *e = calloc(1, sizeof(*e));
  if (!e)
    return;
  e->proto = proto;
  e->addr = in6 ? 0 : in->addr;
  if (in6)
    memcpy(e->addr6, in6, 16);
  e->port = in->port;
  e->pub_addr = pub->addr;
  e->pub_port = pub->port;
  uint32_t h = ep_hash(proto, e->addr, in6, in->port);
  e->next = p->eps[h];
  p->eps[h] = e;
  p->tot.endpoints++;
}

static void ep_forget(play *p, uint8_t proto, const pinhole_endpoint *in,
                      const uint8_t *in6, const pinhole_endpoint *pub) {
  uint32_t addr = in6 ? 0 : in->addr;
  uint32_t h = ep_hash(proto, addr, in6, in->port);
  for (endpoint **pe = &p->eps[h]; *pe; pe = &(*pe)->next) {
    endpoint *e = *pe;
    if (!ep_is(e, proto, addr, in6, in->port) || e->pub_addr != pub->addr ||
        e->pub_port != pub->port)
      continue;
    *pe = e->next;
    free(e);
    p->tot.endpoints--;
    return;
  }
}

play *play_new(pinhole_ctx *ctx, const play_config *cfg, const play_host *h) {
  play *p = calloc(1, sizeof(*p));
  if (!p)
    return NULL;
  p->ctx = ctx;
  if (h)
    p->host = *h;
  p->fix = cfg->fix_cksums;
  p->npfx = cfg->ninside;
  p->nrules = cfg->nrules;
  p->npfx6 = cfg->ninside6;
  p->pfx = calloc(p->npfx ? p->npfx : 1, sizeof(*p->pfx));
  p->pfx6 = calloc(p->npfx6 ? p->npfx6 : 1, sizeof(*p->pfx6));
  p->rules = calloc(p->nrules ? p->nrules : 1, sizeof(*p->rules));
  p->conns = calloc(BUCKETS, sizeof(*p->conns));
  p->eps = calloc(BUCKETS, sizeof(*p->eps));
  p->nat64 = cfg->nat64;
  p->c64 = calloc(BUCKETS64, sizeof(*p->c64));
  int n = pinhole_counter_count();
  p->ncnt = n > 0 ? (size_t)n : 0;
  p->cnt_before = calloc(p->ncnt + 1, sizeof(uint64_t));
  p->cnt_after = calloc(p->ncnt + 1, sizeof(uint64_t));
  if (!p->pfx || !p->pfx6 || !p->rules || !p->conns || !p->eps || !p->c64 ||
      !p->cnt_before || !p->cnt_after) {
    play_del(p);
    return NULL;
  }
  if (p->npfx)
    memcpy(p->pfx, cfg->inside, p->npfx * sizeof(*p->pfx));
  if (p->npfx6)
    memcpy(p->pfx6, cfg->inside6, p->npfx6 * sizeof(*p->pfx6));
  if (p->nrules)
    memcpy(p->rules, cfg->rules, p->nrules * sizeof(*p->rules));
  return p;
}

void play_del(play *p) {
  if (!p)
    return;
  for (size_t i = 0; p->conns && i < BUCKETS; i++)
    while (p->conns[i]) {
      conn *c = p->conns[i];
      p->conns[i] = c->next;
      free(c->h);
      free(c);
    }
  for (size_t i = 0; p->eps && i < BUCKETS; i++)
    while (p->eps[i]) {
      endpoint *e = p->eps[i];
      p->eps[i] = e->next;
      free(e);
    }
  for (size_t i = 0; p->c64 && i < BUCKETS64; i++)
    while (p->c64[i]) {
      conn64 *c = p->c64[i];
      p->c64[i] = c->next;
      free(c->h);
      free(c);
    }
  free(p->conns);
  free(p->eps);
  free(p->c64);
  free(p->pfx);
  free(p->pfx6);
  free(p->rules);
  free(p->cnt_before);
  free(p->cnt_after);
  free(p);
}

const play_totals *play_get_totals(const play *p) {
  return &p->tot;
}

static int is_inside(const play *p, uint32_t addr) {
  for (size_t i = 0; i < p->npfx; i++) {
    uint32_t mask = p->pfx[i].plen ? UINT32_MAX << (32 - p->pfx[i].plen) : 0;
    if ((addr & mask) == (p->pfx[i].addr & mask))
      return 1;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Learning from the library's events                                  */

/*
 * A connection event names the packet that made it (or, for FLOW_CLOSED,
 * the initiator's) as it arrived on ev->side (src -> dst) and as it left
 * (nat_src -> nat_dst). The inside packets of the connection are that
 * packet itself when it came from the inside, else its answer: they
 * arrive as nat_dst -> nat_src and leave as dst -> src.
 */
static void conn_of_event(const pinhole_event *ev, tuple *key, tuple *out) {
  tuple arrived = {ev->src.addr, ev->dst.addr, ev->src.port, ev->dst.port,
                   ev->proto};
  tuple left = {ev->nat_src.addr, ev->nat_dst.addr, ev->nat_src.port,
                ev->nat_dst.port, ev->proto};
  if (ev->side == PINHOLE_SIDE_INSIDE) {
    *key = arrived;
    *out = left;
    return;
  }
  *key = (tuple){left.dst, left.src, left.dport, left.sport, ev->proto};
  *out = (tuple){arrived.dst, arrived.src, arrived.dport, arrived.sport,
                 ev->proto};
}

static void conn64_event(play *p, const pinhole_event *ev);

void play_event(play *p, const pinhole_event *ev) {
  tuple key, out;
  /* a NAT64 mapping (an ALG's, for the server's data connection too)
   * names its IPv6 client in src6 */
  const uint8_t *in6 = ev->family == 6 ? ev->src6 : NULL;
  if (ev->family == 6 && ev->type != PINHOLE_EVENT_MAPPING_CREATED &&
      ev->type != PINHOLE_EVENT_MAPPING_RELEASED) {
    conn64_event(p, ev); /* only NAT64 translates IPv6 */
    return;
  }
  switch (ev->type) {
  case PINHOLE_EVENT_FLOW_CREATED:
    conn_of_event(ev, &key, &out);
    conn_set(p, &key, &out);
    break;
  case PINHOLE_EVENT_FLOW_CLOSED:
    conn_of_event(ev, &key, &out);
    conn_forget(p, &key);
    break;
  case PINHOLE_EVENT_MAPPING_CREATED:
    ep_add(p, ev->proto, &ev->src, in6, &ev->nat_src);
    break;
  case PINHOLE_EVENT_MAPPING_RELEASED:
    ep_forget(p, ev->proto, &ev->src, in6, &ev->nat_src);
    break;
  default:
    break;
  }
}

/* The public address an outside host reaches an inside server addr:port
 * at, by a static or destination NAT rule that leads there. Returns 1 and
 * fills *pub and *pub_port, or 0. */
static int rule_public(const play *p, uint8_t proto, uint32_t addr,
                       uint16_t port, uint32_t *pub, uint16_t *pub_port) {
  for (size_t i = 0; i < p->nrules; i++) {
    const pinhole_rule *r = &p->rules[i];
    if (r->side == PINHOLE_SIDE_INSIDE || r->action != PINHOLE_ACTION_ACCEPT ||
        (r->proto && r->proto != proto))
      continue;
    uint32_t mask = r->dst_plen ? UINT32_MAX << (32 - r->dst_plen) : 0;
    if (r->nat == PINHOLE_NAT_STATIC && r->dst_plen &&
        (addr & mask) == (r->nat_addr & mask)) {
      *pub = (r->dst_addr & mask) | (addr & ~mask);
      *pub_port = port;
      return 1;
    }
    if (r->nat == PINHOLE_NAT_DEST && r->dst_plen == 32 &&
        addr == r->nat_addr && (!r->nat_port || port == r->nat_port) &&
        (!r->nat_port || r->dport_lo == r->dport_hi)) {
      *pub = r->dst_addr;
      *pub_port = r->nat_port ? r->dport_lo : port;
      return 1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

static const char *proto_name(uint8_t proto) {
  switch (proto) {
  case PINHOLE_IPPROTO_TCP:
    return "TCP";
  case PINHOLE_IPPROTO_UDP:
    return "UDP";
  case PINHOLE_IPPROTO_ICMP:
    return "ICMP";
  case PINHOLE_IPPROTO_GRE:
    return "GRE";
  default:
    return "IP";
  }
}

static void fmt_ep(char *buf, size_t len, uint32_t addr, uint16_t port,
                   int with_port) {
  char a[16];
  if (pinhole_addr_format(addr, a, sizeof(a)) < 0)
    strcpy(a, "?");
  if (with_port)
    snprintf(buf, len, "%s:%u", a, (unsigned)port);
  else
    snprintf(buf, len, "%s", a);
}

/* "UDP", or "IP proto 47" */
static void fmt_proto(char *buf, size_t len, uint8_t proto) {
  if (proto == PINHOLE_IPPROTO_TCP || proto == PINHOLE_IPPROTO_UDP ||
      proto == PINHOLE_IPPROTO_ICMP)
    snprintf(buf, len, "%s", proto_name(proto));
  else
    snprintf(buf, len, "IP proto %u", (unsigned)proto);
}

/* "TCP 198.18.0.2:41207 -> 198.19.0.2:20", "ICMP 198.18.0.2 -> ... id 7",
 * "UDP fragment 198.18.0.2 -> 198.19.0.2 id 60898 offset 1480" */
static void fmt_pkt(char *buf, size_t len, const pinhole_pkt_view *v) {
  char s[32], d[32], pr[16];
  int ports =
      (v->flags & PINHOLE_PKTF_L4) &&
      (v->proto == PINHOLE_IPPROTO_TCP || v->proto == PINHOLE_IPPROTO_UDP);
  fmt_ep(s, sizeof(s), v->src, v->sport, ports);
  fmt_ep(d, sizeof(d), v->dst, v->dport, ports);
  fmt_proto(pr, sizeof(pr), v->proto);
  if ((v->flags & PINHOLE_PKTF_FRAGMENT) && !ports)
    snprintf(buf, len, "%s fragment %s -> %s id %u offset %u", pr, s, d,
             (unsigned)v->ip_id, (unsigned)v->frag_off);
  else if (v->flags & PINHOLE_PKTF_ICMP_QUERY)
    snprintf(buf, len, "ICMP %s -> %s id %u", s, d, (unsigned)v->sport);
  else if (v->proto == PINHOLE_IPPROTO_ICMP)
    snprintf(buf, len, "ICMP %s -> %s type %u code %u", s, d,
             (unsigned)v->icmp_type, (unsigned)v->icmp_code);
  else
    snprintf(buf, len, "%s %s -> %s", pr, s, d);
  if ((v->flags & PINHOLE_PKTF_FRAGMENT) && ports) {
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, " (first fragment, id %u)", (unsigned)v->ip_id);
  }
}

/* A packet pinhole_pkt_parse refused (reason bad; *v holds what was
 * parsed before the failed check). */
static void fmt_malformed(char *buf, size_t len, const pinhole_pkt_view *v,
                          int bad) {
  char s[16], d[16], pr[16];
  if (v->ihl == 0) {
    snprintf(buf, len, "malformed packet (%s)", pinhole_pkt_reason_name(bad));
    return;
  }
  fmt_ep(s, sizeof(s), v->src, 0, 0);
  fmt_ep(d, sizeof(d), v->dst, 0, 0);
  fmt_proto(pr, sizeof(pr), v->proto);
  snprintf(buf, len, "malformed %s %s -> %s (%s)", pr, s, d,
           pinhole_pkt_reason_name(bad));
}

/* Counters that count normal work, not a reason to drop. */
static int counter_is_work(size_t i) {
  return i == PINHOLE_CNT_NEW_ACCEPT || i == PINHOLE_CNT_EXIST_ACCEPT ||
         i == PINHOLE_CNT_PINHOLE_CREATED || i == PINHOLE_CNT_PINHOLE_USED ||
         i == PINHOLE_CNT_PINHOLE_EXPIRED || i == PINHOLE_CNT_FLOWS_EXPIRED;
}

/* Names of the counters that moved during the packet (the library's
 * reason for a drop), those that count normal work only when nothing else
 * moved. */
static void drop_reason(const play *p, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int pass = 0; pass < 2 && !used; pass++)
    for (size_t i = 0; i < p->ncnt; i++) {
      if (p->cnt_after[i] <= p->cnt_before[i] || counter_is_work(i) != pass)
        continue;
      const char *name = pinhole_counter_name((int)i);
      if (!name || used + strlen(name) + 3 >= len)
        continue;
      int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
      if (n > 0)
        used += (size_t)n;
    }
  if (!used)
    snprintf(buf, len, "no counter moved");
}

/* ------------------------------------------------------------------ */
/* Checksums                                                           */

enum { CK_IP = 1, CK_L4 = 2 };

/* Which checksums of the frame data[0..len) (parsed as v, result bad) are
 * wrong: CK_IP, CK_L4 or both. */
static int cksum_state(play *p, const uint8_t *data, size_t len, int bad,
                       const pinhole_pkt_view *v) {
  if (bad == 0)
    return pinhole_pkt_l4_cksum_ok(data, v) == 1 ? 0 : CK_L4;
  if (bad != PINHOLE_PKT_IP_CKSUM)
    return 0;
  memcpy(p->scratch, data, len);
  if (pinhole_pkt_fix_all_cksums(p->scratch, len) < 2)
    return CK_IP;
  return CK_IP | CK_L4;
}

/* The L4 checksum field of a parsed packet, or NULL. */
static uint8_t *l4_cksum_field(uint8_t *pkt, const pinhole_pkt_view *v) {
  if (v->flags & PINHOLE_PKTF_FRAGMENT)
    return NULL;
  switch (v->proto) {
  case PINHOLE_IPPROTO_TCP:
    return pkt + v->l4_off + 16;
  case PINHOLE_IPPROTO_UDP:
    return pkt + v->l4_off + 6;
  case PINHOLE_IPPROTO_ICMP:
    return pkt + v->l4_off + 2;
  default:
    return NULL;
  }
}

/* One's complement 16-bit addition. */
static uint16_t oc_add(uint16_t a, uint16_t b) {
  uint32_t s = (uint32_t)a + b;
  return (uint16_t)((s & 0xffffu) + (s >> 16));
}

/*
 * After the outside packet orig (parsed as v) was rewritten into buf:
 * recomputes its checksums, but keeps a wrong L4 checksum as wrong as the
 * capture had it (same one's complement distance from the right value), so
 * only --fix-cksums repairs what the outside host sent.
 */
static void fix_rewritten(play *p, const uint8_t *orig, size_t len,
                          const pinhole_pkt_view *v, int ck) {
  pinhole_pkt_fix_all_cksums(p->buf, len);
  uint8_t *now = l4_cksum_field(p->buf, v);
  if (!(ck & CK_L4) || !now)
    return;
  memcpy(p->scratch, orig, len);
  pinhole_pkt_fix_all_cksums(p->scratch, len);
  /* the same field in the copy: the same offset */
  uint16_t right_before = get16(p->scratch + (now - p->buf));
  uint16_t stored = get16(orig + (now - p->buf));
  uint16_t right_now = get16(now);
  put16(now, oc_add(stored, oc_add(right_now, (uint16_t)~right_before)));
}

/* ------------------------------------------------------------------ */
/* Learning from forwarded inside packets                              */

static tuple view_tuple(const pinhole_pkt_view *v) {
  tuple t = {v->src, v->dst, v->sport, v->dport, v->proto};
  return t;
}

static uint32_t seq_len(const pinhole_pkt_view *v) {
  return (uint32_t)v->payload_len + !!(v->tcp_flags & PINHOLE_TCP_SYN) +
         !!(v->tcp_flags & PINHOLE_TCP_FIN);
}

/* The sequence delta of a forwarded inside TCP segment b (as captured),
 * forwarded as a. */
static void learn(play *p, const pinhole_pkt_view *b, const pinhole_pkt_view *a,
                  int merged) {
  if (b->proto != PINHOLE_IPPROTO_TCP || !(b->flags & PINHOLE_PKTF_L4))
    return;
  tuple k = view_tuple(b);
  conn *c = conn_find(p, &k);
  if (!c)
    return;
  /* held bytes merged in: a starts where they did, not where b does (the
   * end was learned when they were sent on) */
  if (merged)
    return;
  hist_learn(&c->h, b->seq, seq_len(b), a->seq, seq_len(a));
}

/* ------------------------------------------------------------------ */
/* Rewriting outside packets                                           */

/* How the library forwarded the inside packet k answers, or would have:
 * fills *t and returns the conn when known; NULL with *known 0 when
 * nothing is known. */
static const conn *translation(const play *p, const tuple *k, tuple *t,
                               int *known) {
  const conn *c = conn_find(p, k);
  const endpoint *e;
  *known = 1;
  *t = *k;
  if (c)
    *t = c->out;
  else if ((e = ep_find(p, k->proto, k->src, NULL, k->sport)) != NULL) {
    t->src = e->pub_addr;
    t->sport = e->pub_port;
  } else if (!rule_public(p, k->proto, k->src, k->sport, &t->src, &t->sport)) {
    *known = 0;
  }
  return c;
}

static void miss_text(char *miss, size_t len, const tuple *k) {
  char ep[32];
  int ports =
      k->proto == PINHOLE_IPPROTO_TCP || k->proto == PINHOLE_IPPROTO_UDP;
  fmt_ep(ep, sizeof(ep), k->src, k->sport, ports);
  if (k->proto == PINHOLE_IPPROTO_ICMP)
    snprintf(miss, len, "no translation known for ICMP %s id %u", ep,
             (unsigned)k->sport);
  else
    snprintf(miss, len, "no translation known for %s %s", proto_name(k->proto),
             ep);
}

/* An ICMP error from the outside: its outer destination and the packet it
 * quotes (an inside packet as the library forwarded it). */
static void rewrite_icmp_error(uint8_t *buf, const pinhole_pkt_view *v,
                               const tuple *t) {
  uint8_t *in = buf + v->inner_off;
  put32(buf + 16, t->src);
  put32(in + 12, t->src);
  put32(in + 16, t->dst);
  if (v->inner_proto == PINHOLE_IPPROTO_ICMP) {
    if ((size_t)v->inner_l4_off + 8 <= v->ip_len)
      put16(buf + v->inner_l4_off + 4, t->sport);
  } else if ((size_t)v->inner_l4_off + 4 <= v->ip_len) {
    put16(buf + v->inner_l4_off, t->sport);
    put16(buf + v->inner_l4_off + 2, t->dport);
  }
  put16(in + 10, 0);
  put16(in + 10, pinhole_cksum(in, v->inner_ihl));
}

/*
 * A PPTP server (TCP 1723) answers with the call ID it was told: a
 * Peer's Call ID in its control messages is the client's call ID as the
 * NAT translated it (a GRE mapping, from MAPPING_CREATED), while the
 * capture shows the inside one. Rewritten here as the server would have
 * sent it; the payload length never changes.
 */
static void rewrite_pptp(const play *p, uint8_t *buf,
                         const pinhole_pkt_view *v) {
  if (v->proto != PINHOLE_IPPROTO_TCP || v->sport != 1723)
    return;
  uint8_t *pl = buf + v->payload_off;
  size_t pos = 0, len = v->payload_len;
  pinhole_pptp_msg m;
  while (pos < len && pinhole_pptp_frame(pl + pos, len - pos, &m) == 0) {
    const endpoint *e;
    if ((m.flags & PINHOLE_PPTP_MSG_PEER_CALL_ID) &&
        (e = ep_find(p, PINHOLE_IPPROTO_GRE, v->dst, NULL, m.peer_call_id)) !=
            NULL)
      put16(pl + pos + m.peer_call_id_off, e->pub_port);
    pos += m.length;
  }
}

/* Rewrites the outside packet in buf (parsed as v). Returns 1 when a
 * translation was known, 0 when not (miss says which). */
static int rewrite_outside(play *p, uint8_t *buf, const pinhole_pkt_view *v,
                           char *miss, size_t misslen) {
  tuple k; /* the inside packet this one answers */
  int err = (v->flags & PINHOLE_PKTF_ICMP_ERROR) != 0;
  if (err)
    k = (tuple){v->inner_src, v->inner_dst, v->inner_sport, v->inner_dport,
                v->inner_proto};
  else
    k = (tuple){v->dst, v->src, v->dport, v->sport, v->proto};
  tuple t; /* the packet the library forwarded, as the outside host saw it */
  int known;
  const conn *c = translation(p, &k, &t, &known);
  if (!known) {
    miss_text(miss, misslen, &k);
    return 0;
  }
  if (err) {
    rewrite_icmp_error(buf, v, &t);
    return 1;
  }
  rewrite_pptp(p, buf, v);
  put32(buf + 12, t.dst);
  put32(buf + 16, t.src);
  uint8_t *l4 = buf + v->l4_off;
  if (v->flags & PINHOLE_PKTF_ICMP_QUERY) {
    put16(l4 + 4, t.sport);
  } else if (v->proto == PINHOLE_IPPROTO_TCP ||
             v->proto == PINHOLE_IPPROTO_UDP) {
    put16(l4, t.dport);
    put16(l4 + 2, t.sport);
  } else if (v->flags & PINHOLE_PKTF_GRE) {
    /* enhanced GRE (PPTP): the key names the receiver's call ID, which
     * the view holds in dport and k, reversed, in sport */
    put16(l4 + 6, t.sport);
  }
  if (v->proto == PINHOLE_IPPROTO_TCP && c) {
    if (v->tcp_flags & PINHOLE_TCP_ACK)
      put32(l4 + 8, v->ack + hist_delta(c->h, v->ack));
    shift_sack(l4, v->tcp_hlen, c->h);
  }
  return 1;
}

/* After the library forwarded a rewritten outside packet, it must look as
 * the capture shows it arriving at the inside host. */
static int translated_back(const pinhole_pkt_view *orig,
                           const pinhole_pkt_view *out, char *why,
                           size_t whylen) {
  char o[96], n[96];
  int same = orig->src == out->src && orig->dst == out->dst &&
             orig->sport == out->sport && orig->dport == out->dport &&
             orig->proto == out->proto;
  int ack_ok = orig->proto != PINHOLE_IPPROTO_TCP ||
               !(orig->tcp_flags & PINHOLE_TCP_ACK) || orig->ack == out->ack;
  if (same && ack_ok)
    return 1;
  fmt_pkt(o, sizeof(o), orig);
  fmt_pkt(n, sizeof(n), out);
  if (!same)
    snprintf(why, whylen, "library forwarded %s, the capture has %s", n, o);
  else
    snprintf(why, whylen,
             "%s: library forwarded ack %" PRIu32 ", the capture has %" PRIu32,
             o, out->ack, orig->ack);
  return 0;
}

/* ------------------------------------------------------------------ */
/* One packet                                                          */

static int feed(play *p, size_t len, int side, uint64_t now, int *verdict) {
  if (p->ncnt)
    pinhole_stats(p->ctx, p->cnt_before, p->ncnt);
  pinhole_pkt pk = {p->buf, (uint32_t)len, (uint32_t)sizeof(p->buf)};
  p->feeding = 1;
  *verdict = pinhole_process(p->ctx, &pk, side, now);
  p->feeding = 0;
  if (p->ncnt)
    pinhole_stats(p->ctx, p->cnt_after, p->ncnt);
  return (int)pk.len;
}

static int report(play *p, const char *label, int problem, const char *what,
                  const char *detail) {
  switch (problem) {
  case PLAY_DROPPED:
    p->tot.dropped++;
    break;
  case PLAY_UNMATCHED:
    p->tot.unmatched++;
    break;
  case PLAY_MISMATCH:
    p->tot.mismatched++;
    break;
  default:
    p->tot.unplayable++;
    break;
  }
  if (p->host.report)
    p->host.report(p->host.user, label, what, detail);
  return problem;
}

static const char *verdict_name(int verdict) {
  switch (verdict) {
  case PINHOLE_VERDICT_DROP:
    return "dropped";
  case PINHOLE_VERDICT_REJECT:
    return "rejected";
  default:
    return "error";
  }
}

/* The frame as it will be played: the captured bytes, or with
 * --fix-cksums a copy with its checksums recomputed. Parses it into *v,
 * trims link-layer padding and returns the parse result; *ck says which
 * checksums the capture had wrong. */
static int prepare(play *p, const uint8_t **data, size_t *len,
                   pinhole_pkt_view *v, int *ck) {
  int bad = pinhole_pkt_parse(*data, *len, v);
  if (bad == 0 && v->ip_len < *len)
    *len = v->ip_len; /* link-layer padding */
  *ck = cksum_state(p, *data, *len, bad, v);
  if (*ck)
    p->tot.bad_cksum++;
  if (!*ck || !p->fix)
    return bad;
  memcpy(p->fixed, *data, *len);
  pinhole_pkt_fix_all_cksums(p->fixed, *len);
  *data = p->fixed;
  bad = pinhole_pkt_parse(*data, *len, v);
  if (bad == 0 && v->ip_len < *len)
    *len = v->ip_len;
  *ck = 0;
  return bad;
}

/* A frame as it was played: the captured view (v, bad), the packet fed
 * (fed, fed_bad), where from, and whether its translation was known (why
 * not, otherwise). */
typedef struct frame {
  const char *label;
  pinhole_pkt_view v, fed;
  int bad, fed_bad, ck, inside, matched;
  char why[320];
} frame;

/* "TCP 198.18.0.2:41207 -> 198.19.0.2:20 from inside": the packet fed. */
static void describe(char *buf, size_t len, const frame *f) {
  char d[160];
  if (f->fed_bad == 0)
    fmt_pkt(d, sizeof(d), &f->fed);
  else
    fmt_malformed(d, sizeof(d), &f->fed, f->fed_bad);
  snprintf(buf, len, "%s from %s", d, f->inside ? "inside" : "outside");
}

/* ------------------------------------------------------------------ */
/* Held bytes (PINHOLE_VERDICT_HELD)                                   */

/* A line that is not a problem: what the library did with held bytes. */
static void info(const play *p, const char *label, const char *what,
                 const char *detail) {
  if (p->host.report)
    p->host.report(p->host.user, label, what, detail);
}

/* The direction a frame's bytes travel in: its captured tuple, with the
 * IP identification (ports 0) for a fragment. */
static void held_key(const pinhole_pkt_view *v, tuple *k, uint16_t *id,
                     uint8_t *isfrag) {
  *k = view_tuple(v);
  *isfrag = (v->flags & PINHOLE_PKTF_FRAGMENT) != 0;
  *id = *isfrag ? v->ip_id : 0;
  if (*isfrag)
    k->sport = k->dport = 0;
}

static held *held_find(play *p, const pinhole_pkt_view *v) {
  tuple k;
  uint16_t id;
  uint8_t fr;
  held_key(v, &k, &id, &fr);
  for (size_t i = 0; i < HELDS; i++)
    if (p->held[i].used && p->held[i].frag == fr && p->held[i].id == id &&
        tuple_eq(&p->held[i].key, &k))
      return &p->held[i];
  return NULL;
}

/* The payload bytes of a frame as the library holds them: TCP or UDP
 * payload, the IP payload of a fragment. */
static uint64_t held_len(const pinhole_pkt_view *v) {
  if (v->flags & PINHOLE_PKTF_FRAGMENT)
    return (uint64_t)v->ip_len - v->ihl;
  return v->payload_len;
}

/* A free slot for a new direction holding bytes, cleared and in use;
 * NULL when all HELDS are taken (the frame is still counted). */
static held *held_new(play *p) {
  for (size_t i = 0; i < HELDS; i++)
    if (!p->held[i].used) {
      held *h = &p->held[i];
      memset(h, 0, sizeof(*h));
      h->used = 1;
      return h;
    }
  return NULL;
}

/* A held frame of n payload bytes (TCP: captured at seq with sequence
 * length slen) added to its direction h (NULL: none) and reported as
 * desc. */
static int held_frame(play *p, held *h, const char *label, const char *desc,
                      uint64_t n, int tcp, uint32_t seq, uint32_t slen) {
  char line[320];
  p->tot.held++;
  p->tot.held_bytes += n;
  if (h) {
    h->frames++;
    h->bytes += n;
    if (tcp && !h->frag) {
      if (h->frames == 1)
        h->cap_start = seq;
      h->cap_end = seq + slen;
    }
  }
  snprintf(line, sizeof(line),
           "%s: %" PRIu64 " bytes kept by the library (%" PRIu64 " in %" PRIu64
           " frames of this %s held now)",
           desc, n, h ? h->bytes : n, h ? h->frames : 1,
           h && h->frag ? "datagram" : "stream");
  info(p, label, "held", line);
  return PLAY_HELD;
}

/* The frame f was held: remembered with its direction. */
static int on_held(play *p, const frame *f) {
  char desc[192];
  held *h = held_find(p, &f->v);
  if (!h && (h = held_new(p)) != NULL) {
    held_key(&f->v, &h->key, &h->id, &h->frag);
    h->inside = (uint8_t)f->inside;
    const conn *c = f->inside && !h->frag ? conn_find(p, &h->key) : NULL;
    h->out = c ? c->out : h->key;
  }
  describe(desc, sizeof(desc), f);
  return held_frame(p, h, f->label, desc, held_len(&f->v),
                    f->v.proto == PINHOLE_IPPROTO_TCP, f->v.seq,
                    seq_len(&f->v));
}

static conn64 **conn64_slot(play *p, uint8_t proto, const uint8_t *c6,
                            uint16_t cport, const uint8_t *s6, uint16_t sport);

/* Where the library has sent h's bytes on up to: end, if further. */
static void held_sent(held *h, uint32_t end) {
  if (!h->out_end_ok || end - h->out_end < 0x80000000u)
    h->out_end = end;
  h->out_end_ok = 1;
}

/* The delta history of the direction h holds bytes of, when the replay
 * keeps one: an inside IPv4 connection's, a NAT64 client's; else NULL. */
static hist **held_hist(play *p, const held *h, conn **c) {
  *c = NULL;
  if (!h->inside || h->frag || (h->six && h->out6))
    return NULL;
  if (!h->six) {
    *c = conn_find(p, &h->key);
    return *c ? &(*c)->h : NULL;
  }
  conn64 *c64 =
      *conn64_slot(p, h->key.proto, h->a6, h->key.sport, h->b6, h->key.dport);
  return c64 ? &c64->h : NULL;
}

/* The held bytes of h were sent on (with the frame played, whose TCP
 * segment as forwarded ends at *fwd_end, or through emit): reported, and
 * for an inside TCP stream (IPv4 or a NAT64 client's) the sequence delta
 * at their end learned (the sent-on end from the frame forwarded or the
 * segments emitted, whichever reaches further). */
static void release(play *p, held *h, const char *label, int merged,
                    const uint32_t *fwd_end) {
  char line[320];
  p->tot.delivered_bytes += h->bytes;
  if (merged && fwd_end)
    held_sent(h, *fwd_end);
  conn *c;
  hist **hh = held_hist(p, h, &c);
  if (hh && h->out_end_ok)
    hist_push(hh, h->cap_end, h->out_end - h->cap_end);
  if (c || (hh && h->six)) {
    p->msgs[p->msg_next] =
        (resent){h->six ? h->out : h->key, h->cap_start, h->cap_end, h->six};
    p->msg_next = (p->msg_next + 1) % RESENTS;
  }
  if (merged && h->emitted)
    snprintf(line, sizeof(line),
             "%" PRIu64
             " held bytes sent on: merged into this packet and %" PRIu64
             " more through emit",
             h->bytes, h->emitted);
  else if (merged)
    snprintf(line, sizeof(line),
             "%" PRIu64 " held bytes sent on: merged into this packet",
             h->bytes);
  else
    snprintf(line, sizeof(line),
             "%" PRIu64 " held bytes sent on through emit (%" PRIu64
             " packets)",
             h->bytes, h->emitted);
  info(p, label, "delivered", line);
  h->used = 0;
}

void play_held_timeout(play *p, const char *label) {
  char line[200];
  for (size_t i = 0; i < HELDS; i++) {
    held *h = &p->held[i];
    if (!h->used)
      continue;
    p->tot.timed_out_bytes += h->bytes;
    snprintf(line, sizeof(line),
             "%" PRIu64 " held bytes of this %s (%" PRIu64
             " frames) never completed: let go at the hold timeout",
             h->bytes, h->frag ? "datagram" : "stream", h->frames);
    info(p, label, "timed out", line);
    h->used = 0;
  }
}

/* Does the emitted IPv4 packet e (parsed) carry bytes of h? */
static int emit_matches(const held *h, const pinhole_pkt_view *e,
                        const uint8_t *pkt) {
  if (e->proto != h->key.proto || h->out6)
    return 0;
  if (h->frag) /* the datagram again: same id, same destination host */
    return get16(pkt + 4) == h->id && e->dst == h->out.dst;
  /* a bare ACK is the held segment's acknowledgement going on without
   * its bytes (the library holds the bytes, not the packet) */
  if (e->proto == PINHOLE_IPPROTO_TCP && seq_len(e) == 0)
    return 0;
  tuple t = view_tuple(e);
  return tuple_eq(&t, &h->out);
}

static uint32_t seq_len6(const pinhole_pkt6_view *v);

/* Does the emitted IPv6 packet e (parsed) carry bytes of h (an IPv6 TCP
 * segment with data to the endpoints h's frames have)? */
static int emit_matches6(const held *h, const pinhole_pkt6_view *e) {
  return h->out6 && e->proto == h->key.proto &&
         e->proto == PINHOLE_IPPROTO_TCP && seq_len6(e) != 0 &&
         !(e->flags & PINHOLE_PKT6F_FRAGMENT) && e->sport == h->key.sport &&
         e->dport == h->key.dport && !memcmp(e->src, h->a6, 16) &&
         !memcmp(e->dst, h->b6, 16);
}

/* The emitted packet (IPv4 or IPv6) of h's bytes: counted, the end of
 * what was sent on learned (TCP: tcp, ending at end). */
static void emitted_for(play *p, held *h, int tcp, uint32_t end) {
  h->emitted++;
  h->release = 1;
  if (tcp)
    held_sent(h, end);
  if (!p->feeding) /* at a tick: a timeout sending the bytes on */
    release(p, h, p->label ? p->label : "tick", 0, NULL);
}

void play_emitted(play *p, int side, const uint8_t *pkt, size_t len) {
  pinhole_pkt_view e;
  pinhole_pkt6_view e6;
  (void)side;
  if (len && pkt[0] >> 4 == 6) {
    if (pinhole_pkt6_parse(pkt, len, &e6) != 0)
      return;
    for (size_t i = 0; i < HELDS; i++)
      if (p->held[i].used && emit_matches6(&p->held[i], &e6)) {
        emitted_for(p, &p->held[i], 1, e6.seq + seq_len6(&e6));
        return;
      }
    return;
  }
  if (pinhole_pkt_parse(pkt, len, &e) != 0)
    return;
  for (size_t i = 0; i < HELDS; i++) {
    held *h = &p->held[i];
    if (!h->used || !emit_matches(h, &e, pkt))
      continue;
    emitted_for(p, h,
                e.proto == PINHOLE_IPPROTO_TCP &&
                    !(e.flags & PINHOLE_PKTF_FRAGMENT),
                e.seq + seq_len(&e));
    return;
  }
}

/* After a frame of the direction own (NULL: none holding bytes) was
 * played, ending at cap_end (TCP, captured): the held bytes it sent on.
 * carries: a packet was forwarded with data (its TCP segment ending at
 * *fwd_end), which then carries own's bytes. Returns 1 when own's bytes
 * were sent on with it. */
static int settle_dir(play *p, const char *label, held *own, int carries,
                      uint32_t cap_end, const uint32_t *fwd_end) {
  int merged = 0;
  int own_tcp = own && own->key.proto == PINHOLE_IPPROTO_TCP && !own->frag;
  if (own && carries) {
    if (own_tcp)
      own->cap_end = cap_end;
    release(p, own, label, 1, fwd_end);
    merged = 1;
  }
  for (size_t i = 0; i < HELDS; i++)
    if (p->held[i].used && p->held[i].release) {
      if (&p->held[i] == own && own_tcp)
        own->cap_end = cap_end;
      release(p, &p->held[i], label, 0, NULL);
    }
  for (size_t i = 0; i < HELDS; i++)
    p->held[i].emitted = 0;
  return merged;
}

/* After a frame was played: the held bytes it sent on. fwd is the packet
 * forwarded (NULL when none); a forwarded frame of a direction holding
 * bytes carries them, unless it is a bare TCP acknowledgement. Returns 1
 * when bytes of the frame's own direction were sent on with it. */
static int settle(play *p, const frame *f, const pinhole_pkt_view *fwd) {
  held *own = f->bad == 0 ? held_find(p, &f->v) : NULL;
  int carries =
      fwd && (held_len(fwd) > 0 || (fwd->tcp_flags & PINHOLE_TCP_FIN) ||
              (own && own->frag));
  uint32_t end = fwd ? fwd->seq + seq_len(fwd) : 0;
  int tcp = fwd && fwd->proto == PINHOLE_IPPROTO_TCP;
  return settle_dir(p, f->label, own, carries, f->v.seq + seq_len(&f->v),
                    tcp ? &end : NULL);
}

/* An outside TCP ACK (captured as v, forwarded as out) that acknowledges
 * a point strictly inside an inside message the library held and sent on
 * re-segmented: translated back inside the same message is right. */
static int ack_inside_message(const play *p, const pinhole_pkt_view *v,
                              const pinhole_pkt_view *out) {
  if (v->proto != PINHOLE_IPPROTO_TCP || !(v->tcp_flags & PINHOLE_TCP_ACK) ||
      v->src != out->src || v->dst != out->dst || v->sport != out->sport ||
      v->dport != out->dport)
    return 0;
  tuple k = {v->dst, v->src, v->dport, v->sport, v->proto};
  for (size_t i = 0; i < RESENTS; i++) {
    const resent *m = &p->msgs[i];
    uint32_t len = m->end - m->start;
    if (len && !m->six && tuple_eq(&m->key, &k) &&
        v->ack - m->start - 1 < len - 1 && out->ack - m->start <= len)
      return 1;
  }
  return 0;
}

/* What happened to a packet the library did not forward. */
static int not_forwarded(play *p, const frame *f, int verdict) {
  char desc[192], reason[256], line[800];
  describe(desc, sizeof(desc), f);
  if (verdict < 0)
    snprintf(reason, sizeof(reason), "%s", pinhole_strerror(verdict));
  else
    drop_reason(p, reason, sizeof(reason));
  if (!f->matched) {
    snprintf(line, sizeof(line), "%s, fed unchanged: %s (%s)", desc, f->why,
             reason);
    return report(p, f->label, PLAY_UNMATCHED, "unmatched", line);
  }
  snprintf(line, sizeof(line), "%s (%s)", desc, reason);
  return report(p, f->label, PLAY_DROPPED, verdict_name(verdict), line);
}

/* A packet the library forwarded, now olen bytes in p->buf: hands it to
 * the host, learns from it (inside) or checks it (outside). */
static int forwarded(play *p, const frame *f, int verdict, int olen) {
  char desc[192], line[512];
  int side = f->inside ? PINHOLE_SIDE_INSIDE : PINHOLE_SIDE_OUTSIDE;
  int to = verdict == PINHOLE_VERDICT_HAIRPIN ? side : !side;
  if (olen > 0 && p->host.output)
    p->host.output(p->host.user, to, p->buf, (size_t)olen);
  pinhole_pkt_view after;
  if (olen <= 0 || pinhole_pkt_parse(p->buf, (size_t)olen, &after) != 0) {
    describe(desc, sizeof(desc), f);
    snprintf(line, sizeof(line), "%s: forwarded packet does not parse", desc);
    return report(p, f->label, PLAY_MISMATCH, "mismatch", line);
  }
  int merged = settle(p, f, &after);
  if (f->inside) {
    if (f->bad == 0)
      learn(p, &f->v, &after, merged);
    return PLAY_OK;
  }
  if (verdict == PINHOLE_VERDICT_HAIRPIN)
    return PLAY_OK;
  if (ack_inside_message(p, &f->v, &after))
    return PLAY_OK;
  if (merged && (f->v.flags & PINHOLE_PKTF_FRAGMENT) &&
      (after.flags & PINHOLE_PKTF_FRAGMENT)) {
    /* the frame completed a reassembled datagram: the library sends it
     * on in its own order, first fragment first (the others went through
     * emit); the same datagram, to the same inside host */
    if (after.src == f->v.src && after.dst == f->v.dst &&
        after.proto == f->v.proto && after.ip_id == f->v.ip_id)
      return PLAY_OK;
  }
  if (!translated_back(&f->v, &after, line, sizeof(line)))
    return report(p, f->label, PLAY_MISMATCH, "mismatch", line);
  return PLAY_OK;
}

/* ------------------------------------------------------------------ */
/* Fragments from the outside                                          */

/* Adds to the one's complement checksum field at ck the change of the
 * bytes [off, off + n) from orig to now (n even, off even: RFC 1624). */
static void cksum_follow(uint8_t *ck, const uint8_t *orig, const uint8_t *now,
                         size_t off, size_t n) {
  cksum_adjust(ck, orig + off, now + off, n);
}

/* The first fragment of an outside datagram, rewritten in buf from orig:
 * its TCP or UDP checksum covers the whole datagram, so it follows the
 * rewritten addresses, ports (and ACK) incrementally, as wrong as it was;
 * the later fragments are remembered to go to the same address. */
static void first_fragment(play *p, uint8_t *buf, const uint8_t *orig,
                           const pinhole_pkt_view *v) {
  size_t l4 = v->l4_off;
  uint8_t *ck = NULL;
  if (v->proto == PINHOLE_IPPROTO_TCP)
    ck = buf + l4 + 16;
  else if (v->proto == PINHOLE_IPPROTO_UDP && get16(buf + l4 + 6) != 0)
    ck = buf + l4 + 6;
  if (ck) {
    cksum_follow(ck, orig, buf, 12, 8);
    cksum_follow(ck, orig, buf, l4, 4);
    if (v->proto == PINHOLE_IPPROTO_TCP)
      cksum_follow(ck, orig, buf, l4 + 8, 4);
    if (v->proto == PINHOLE_IPPROTO_UDP && get16(ck) == 0)
      put16(ck, 0xffff);
  }
  frag *f = &p->frags[p->frag_next];
  p->frag_next = (p->frag_next + 1) % FRAGS;
  *f = (frag){v->src, v->dst, get32(buf + 16), v->ip_id, v->proto, 1};
}

/* A later fragment of an outside datagram: to where its first fragment
 * went. Returns 1, or 0 with why filled when its first fragment was not
 * played (the library cannot match it either: it is fed unchanged). */
static int later_fragment(const play *p, uint8_t *buf,
                          const pinhole_pkt_view *v, char *why, size_t len) {
  for (size_t i = 0; i < FRAGS; i++) {
    const frag *f = &p->frags[i];
    if (f->used && f->src == v->src && f->dst == v->dst && f->id == v->ip_id &&
        f->proto == v->proto) {
      put32(buf + 16, f->pub_dst);
      return 1;
    }
  }
  snprintf(why, len, "no first fragment of id %u played before it",
           (unsigned)v->ip_id);
  return 0;
}

/* Rewrites the outside frame in p->buf (captured as data[0..len), f->v)
 * to what the outside host would have sent through the NAT. Returns 1
 * when a translation was known. */
static int outside_frame(play *p, frame *f, const uint8_t *data, size_t len) {
  const pinhole_pkt_view *v = &f->v;
  int m;
  if ((v->flags & PINHOLE_PKTF_FRAGMENT) && !(v->flags & PINHOLE_PKTF_L4))
    m = later_fragment(p, p->buf, v, f->why, sizeof(f->why));
  else
    m = rewrite_outside(p, p->buf, v, f->why, sizeof(f->why));
  if (m && (v->flags & PINHOLE_PKTF_FRAGMENT) && (v->flags & PINHOLE_PKTF_L4))
    first_fragment(p, p->buf, data, v);
  if (m)
    fix_rewritten(p, data, len, v, f->ck);
  return m;
}

int play_packet(play *p, const uint8_t *data, size_t len, uint64_t now_ns,
                const char *label) {
  char desc[160], line[256];
  frame f;
  f.label = label;
  p->label = label;
  if (len > 65535 || len > sizeof(p->buf))
    return report(p, label, PLAY_UNPLAYABLE, "unplayable",
                  "longer than 65535 bytes");
  f.bad = prepare(p, &data, &len, &f.v, &f.ck);
  /* A malformed packet goes in from the side its raw source is on. */
  uint32_t src = f.bad == 0 || len < 20 ? f.v.src : get32(data + 12);
  f.inside = is_inside(p, src);
  if (f.bad == 0 && !f.inside && !is_inside(p, f.v.dst)) {
    fmt_pkt(desc, sizeof(desc), &f.v);
    snprintf(line, sizeof(line), "%s: neither endpoint is inside", desc);
    return report(p, label, PLAY_UNPLAYABLE, "skipped", line);
  }
  memcpy(p->buf, data, len);
  f.matched = 1;
  f.why[0] = '\0';
  if (f.bad == 0 && !f.inside)
    f.matched = outside_frame(p, &f, data, len);
  f.fed_bad = pinhole_pkt_parse(p->buf, len, &f.fed);
  if (f.inside)
    p->tot.inside++;
  else
    p->tot.outside++;
  int verdict;
  int olen = feed(p, len, f.inside ? PINHOLE_SIDE_INSIDE : PINHOLE_SIDE_OUTSIDE,
                  now_ns, &verdict);
  if (verdict == PINHOLE_VERDICT_HELD) {
    int r = on_held(p, &f);
    settle(p, &f, NULL); /* what it completed may have gone through emit */
    return r;
  }
  if (verdict != PINHOLE_VERDICT_FORWARD &&
      verdict != PINHOLE_VERDICT_HAIRPIN) {
    settle(p, &f, NULL);
    return not_forwarded(p, &f, verdict);
  }
  return forwarded(p, &f, verdict, olen);
}

/* ------------------------------------------------------------------ */
/* IPv6: filtered, not translated                                      */

static int is_inside6(const play *p, const uint8_t *addr) {
  for (size_t i = 0; i < p->npfx6; i++) {
    const play_prefix6 *x = &p->pfx6[i];
    size_t full = x->plen / 8u, bits = x->plen % 8u;
    if (memcmp(addr, x->addr, full))
      continue;
    if (!bits || ((addr[full] ^ x->addr[full]) & (0xFFu << (8 - bits))) == 0)
      return 1;
  }
  return 0;
}

/* "TCP [2001:db8:1::2]:41000 -> [2001:db8:2::5]:80", "ICMPv6 2001:db8:1::2
 * -> 2001:db8:2::5 type 128 id 7", "IPv6 proto 50 a -> b" */
static void fmt_pkt6(char *buf, size_t len, const pinhole_pkt6_view *v) {
  char s[PINHOLE_ENDPOINT6_STRLEN], d[PINHOLE_ENDPOINT6_STRLEN];
  if ((v->flags & PINHOLE_PKT6F_FRAGMENT) && v->frag_off != 0) {
    /* a later fragment: no ports */
    pinhole_addr6_format(v->src, s, sizeof(s));
    pinhole_addr6_format(v->dst, d, sizeof(d));
    snprintf(buf, len, "IPv6 fragment %s -> %s id 0x%08x offset %u", s, d,
             (unsigned)v->frag_id, (unsigned)v->frag_off);
    return;
  }
  if (v->proto == PINHOLE_IPPROTO_TCP || v->proto == PINHOLE_IPPROTO_UDP) {
    pinhole_endpoint6_format(v->src, v->sport, s, sizeof(s));
    pinhole_endpoint6_format(v->dst, v->dport, d, sizeof(d));
    snprintf(buf, len, "%s %s -> %s", proto_name(v->proto), s, d);
    return;
  }
  pinhole_addr6_format(v->src, s, sizeof(s));
  pinhole_addr6_format(v->dst, d, sizeof(d));
  if (v->proto == PINHOLE_IP6_NH_ICMPV6)
    snprintf(buf, len, "ICMPv6 %s -> %s type %u id %u", s, d,
             (unsigned)v->icmp_type, (unsigned)v->sport);
  else
    snprintf(buf, len, "IPv6 proto %u %s -> %s", (unsigned)v->proto, s, d);
}

/* The frame's view and checksum state, as prepare() for IPv4: with
 * --fix-cksums a copy with the checksum recomputed. */
static int prepare6(play *p, const uint8_t **data, size_t *len,
                    pinhole_pkt6_view *v) {
  int bad = pinhole_pkt6_parse(*data, *len, v);
  if (bad != 0)
    return bad;
  if (v->ip_len < *len)
    *len = v->ip_len; /* link-layer padding */
  if (pinhole_pkt6_l4_cksum_ok(*data, v) == 1)
    return 0;
  p->tot.bad_cksum++;
  if (p->fix) {
    memcpy(p->fixed, *data, *len);
    pinhole_pkt6_fix_cksums(p->fixed, v);
    *data = p->fixed;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Held bytes on IPv6 and NAT64 connections                            */

static uint32_t seq_len6(const pinhole_pkt6_view *v) {
  return (uint32_t)v->payload_len + !!(v->tcp_flags & PINHOLE_TCP_SYN) +
         !!(v->tcp_flags & PINHOLE_TCP_FIN);
}

/* Is v (parsed) a TCP segment that is not a fragment? */
static int is_tcp6(const pinhole_pkt6_view *v) {
  return v->proto == PINHOLE_IPPROTO_TCP && (v->flags & PINHOLE_PKT6F_L4) &&
         !(v->flags & PINHOLE_PKT6F_FRAGMENT);
}

/* The IPv6 TCP direction of the frame v (as captured) holding bytes, or
 * NULL. */
static held *held6_find(play *p, const pinhole_pkt6_view *v) {
  for (size_t i = 0; i < HELDS; i++) {
    held *h = &p->held[i];
    if (h->used && h->six && h->key.proto == v->proto &&
        h->key.sport == v->sport && h->key.dport == v->dport &&
        !memcmp(h->a6, v->src, 16) && !memcmp(h->b6, v->dst, 16))
      return h;
  }
  return NULL;
}

/* The IPv6 TCP frame v (desc) was held: remembered with its direction,
 * whose bytes leave as IPv4 with c's endpoints when c (a NAT64 client's
 * connection) is given, else as IPv6 to the same endpoints. */
static int on_held6(play *p, const char *label, const char *desc,
                    const pinhole_pkt6_view *v, int inside, const conn64 *c) {
  held *h = held6_find(p, v);
  if (!h && (h = held_new(p)) != NULL) {
    h->six = 1;
    h->out6 = c == NULL;
    h->inside = (uint8_t)inside;
    h->key = (tuple){0, 0, v->sport, v->dport, v->proto};
    memcpy(h->a6, v->src, 16);
    memcpy(h->b6, v->dst, 16);
    if (c)
      h->out =
          (tuple){c->pub.addr, c->srv.addr, c->pub.port, c->srv.port, v->proto};
  }
  return held_frame(p, h, label, desc, v->payload_len, 1, v->seq, seq_len6(v));
}

/* The direction of the IPv6 frame v (NULL: it did not parse) holding
 * bytes, or NULL. */
static held *own6(play *p, const pinhole_pkt6_view *v) {
  return v && is_tcp6(v) ? held6_find(p, v) : NULL;
}

/* After the IPv6 frame v (NULL: it did not parse) was played: the held
 * bytes sent on. own: v's direction holding bytes (own6), which the
 * forwarded TCP segment (its sequence numbers: out, NULL when none or
 * not TCP) carries when it has data. Returns 1 when it does (merged: it
 * starts where the held bytes did). */
static int settle6(play *p, const char *label, const pinhole_pkt6_view *v,
                   held *own, int tcp_out, uint32_t out_seq, uint32_t out_len) {
  uint32_t end = out_seq + out_len;
  uint32_t cap_end = v ? v->seq + seq_len6(v) : 0;
  return settle_dir(p, label, own, own && tcp_out && out_len != 0, cap_end,
                    tcp_out ? &end : NULL);
}

/* The IPv6 TCP frame v held (on_held6), then what it completed that
 * went on through emit (a merged message too long for one segment). */
static int held6(play *p, const char *label, const char *desc,
                 const pinhole_pkt6_view *v, int inside, const conn64 *c) {
  int r = on_held6(p, label, desc, v, inside, c);
  settle6(p, label, v, own6(p, v), 0, 0, 0);
  return r;
}

/* The IPv6 frame data[0..len) (v) completed the message own held, and
 * the library sent it on merged as out[0..olen): it must be the frame
 * with the message's first sequence number and another payload (every
 * other header byte the same, its checksum right); on the IPv6 firewall
 * (nothing rewritten: same, 1) the payload is the held bytes and the
 * frame's. 1 when it is. */
static int merged6_ok(play *p, const uint8_t *data, size_t len,
                      const pinhole_pkt6_view *v, const held *own,
                      const uint8_t *out, size_t olen, int same) {
  pinhole_pkt6_view o;
  memcpy(p->scratch, data, len);
  seq_set(p->scratch, len, own->cap_start);
  if (!payload_rewritten6(p->scratch, len, out, olen) ||
      pinhole_pkt6_parse(out, olen, &o) != 0)
    return 0;
  return !same || (o.payload_len == own->bytes + v->payload_len &&
                   !memcmp(out + o.payload_off + own->bytes,
                           data + v->payload_off, v->payload_len));
}

/* The IPv6 packet the library forwarded (olen bytes in p->buf) for the
 * IPv6 frame data[0..len) (v; NULL: it did not parse): is it the frame,
 * byte for byte, or, when it completes a message held (*merged set), the
 * merged segment (merged6_ok; same: nothing was rewritten)? 1 or 0; the
 * held bytes it sent on settled either way. */
static int back6(play *p, const char *label, const uint8_t *data, size_t len,
                 const pinhole_pkt6_view *v, int olen, int same, int *merged) {
  pinhole_pkt6_view o;
  held *own = own6(p, v);
  int tcp = olen > 0 && pinhole_pkt6_parse(p->buf, (size_t)olen, &o) == 0 &&
            is_tcp6(&o);
  *merged = own && tcp && seq_len6(&o) != 0;
  int ok = *merged
               ? merged6_ok(p, data, len, v, own, p->buf, (size_t)olen, same)
               : olen == (int)len && !memcmp(p->buf, data, len);
  settle6(p, label, v, own, tcp, tcp ? o.seq : 0, tcp ? seq_len6(&o) : 0);
  return ok;
}

/* The packet the library forwarded (olen bytes in p->buf) must be the
 * frame fed (data[0..len), v when it parsed, else NULL): no translation;
 * a segment that completes a held message leaves merged with it. */
static int forwarded6(play *p, const char *label, const char *desc,
                      const uint8_t *data, size_t len,
                      const pinhole_pkt6_view *v, int to, int olen) {
  char line[512];
  if (olen > 0 && p->host.output)
    p->host.output(p->host.user, to, p->buf, (size_t)olen);
  int merged;
  if (back6(p, label, data, len, v, olen, 1, &merged))
    return PLAY_OK;
  if (merged) {
    snprintf(line, sizeof(line),
             "%s: library forwarded %d bytes that are not the held message "
             "and this segment's bytes, merged at its first sequence number",
             desc, olen);
    return report(p, label, PLAY_MISMATCH, "mismatch", line);
  }
  size_t at = 0;
  while (olen > 0 && at < len && at < (size_t)olen && p->buf[at] == data[at])
    at++;
  snprintf(line, sizeof(line),
           "%s: library forwarded %d bytes, the capture has %zu, first "
           "difference at byte %zu (IPv6 is not translated)",
           desc, olen, len, at);
  return report(p, label, PLAY_MISMATCH, "mismatch", line);
}

/* ------------------------------------------------------------------ */
/* NAT64: an IPv6 inside, IPv4 servers behind a prefix                 */

static int in_nat64(const play *p, const uint8_t *addr, uint32_t *v4) {
  return p->nat64.plen &&
         pinhole_nat64_extract(addr, p->nat64.addr, p->nat64.plen, v4) == 0;
}

/* The NAT64 connection of client c6:cport with the server at s6:sport
 * (IPv6, as captured): its slot in p->c64, *slot NULL when unknown. */
static conn64 **conn64_slot(play *p, uint8_t proto, const uint8_t *c6,
                            uint16_t cport, const uint8_t *s6, uint16_t sport) {
  uint32_t h = proto;
  for (size_t i = 0; i < 16; i += 4)
    h = mix(mix(h, get32(c6 + i)), get32(s6 + i));
  h = mix(h, (uint32_t)cport << 16 | sport);
  conn64 **pp = &p->c64[h % BUCKETS64];
  while (*pp && ((*pp)->proto != proto || (*pp)->cport != cport ||
                 (*pp)->sport != sport || memcmp((*pp)->c6, c6, 16) ||
                 memcmp((*pp)->s6, s6, 16)))
    pp = &(*pp)->next;
  return pp;
}

/* A NAT64 connection's event: family 6, its IPv6 side in src6/dst6 and
 * its IPv4 side in nat_src/nat_dst (docs/nat64.md), whichever side opened
 * it (the server's data connection through an FTP64 pinhole too). */
static void conn64_event(play *p, const pinhole_event *ev) {
  if (!p->nat64.plen || !ev->nat_src.addr)
    return;
  if (ev->type != PINHOLE_EVENT_FLOW_CREATED &&
      ev->type != PINHOLE_EVENT_FLOW_CLOSED)
    return;
  /* an echo connection's events name ICMP, its IPv6 packets ICMPv6 */
  uint8_t proto =
      ev->proto == PINHOLE_IPPROTO_ICMP ? PINHOLE_IP6_NH_ICMPV6 : ev->proto;
  conn64 **pp =
      conn64_slot(p, proto, ev->src6, ev->src.port, ev->dst6, ev->dst.port);
  conn64 *c = *pp;
  if (ev->type == PINHOLE_EVENT_FLOW_CLOSED) {
    if (c) {
      *pp = c->next;
      free(c->h);
      free(c);
    }
    return;
  }
  /* out of memory: its packets are reported unmatched */
  if (!c && !(c = *pp = calloc(1, sizeof(*c))))
    return;
  /* a new connection: no sequence delta yet */
  free(c->h);
  c->h = NULL;
  c->watch = ev->flow_state == PINHOLE_FLOW_WATCH;
  c->proto = proto;
  memcpy(c->c6, ev->src6, 16);
  memcpy(c->s6, ev->dst6, 16);
  c->cport = ev->src.port;
  c->sport = ev->dst.port;
  c->pub = ev->nat_src;
  c->srv = ev->nat_dst;
}

/* The translation map of a packet of c from the server (to_client) or
 * from the client, into IPv4. */
static void map64(pinhole_xlat_map *m, const conn64 *c, int to_client) {
  memset(m, 0, sizeof(*m));
  int echo = c->proto == PINHOLE_IP6_NH_ICMPV6;
  m->src4 = to_client ? c->srv.addr : c->pub.addr;
  m->dst4 = to_client ? c->pub.addr : c->srv.addr;
  if (echo)
    m->sport = c->pub.port; /* the identifier, both ways */
  else if (to_client)
    m->dport = c->pub.port;
  else
    m->sport = c->pub.port;
}

static int mismatch64(play *p, const char *label, const char *desc,
                      const uint8_t *want, size_t wlen, int olen,
                      const char *what) {
  char line[512];
  size_t at = 0;
  while (olen > 0 && at < wlen && at < (size_t)olen && p->buf[at] == want[at])
    at++;
  snprintf(line, sizeof(line),
           "%s: library forwarded %d bytes, %s has %zu, first difference "
           "at byte %zu",
           desc, olen, what, wlen, at);
  return report(p, label, PLAY_MISMATCH, "mismatch", line);
}

/* Does the NAT64 client segment of c captured at seq (sequence length
 * len) send again part of a message the library held and sent on merged,
 * and did the library send it on at out_seq, moved by the delta before
 * or after that message (where its rewrite begins or ends)? */
static int resent64(const play *p, const conn64 *c, uint32_t seq, uint32_t len,
                    uint32_t out_seq) {
  tuple k = {c->pub.addr, c->srv.addr, c->pub.port, c->srv.port, c->proto};
  for (size_t i = 0; i < RESENTS; i++) {
    const resent *m = &p->msgs[i];
    uint32_t mlen = m->end - m->start;
    if (!m->six || !mlen || !tuple_eq(&m->key, &k) || seq - m->start >= mlen ||
        len > mlen - (seq - m->start))
      continue;
    if (out_seq == seq + hist_delta(c->h, m->start - 1) ||
        out_seq == seq + hist_delta(c->h, m->end))
      return 1;
  }
  return 0;
}

/* An inside frame to the NAT64 prefix, forwarded (olen bytes in p->buf):
 * it must be the frame translated by RFC 7915 to the IPv4 endpoints of
 * the connection the library announced, with the library's IPv4 id. */
static int out64(play *p, const char *label, const char *desc,
                 const uint8_t *data, size_t len, const pinhole_pkt6_view *v,
                 int olen) {
  char line[512];
  if (olen > 0 && p->host.output)
    p->host.output(p->host.user, PINHOLE_SIDE_OUTSIDE, p->buf, (size_t)olen);
  conn64 *c = *conn64_slot(p, v->proto, v->src, v->sport, v->dst, v->dport);
  pinhole_pkt_view v4;
  if (!c || olen < 20 || pinhole_pkt_parse(p->buf, (size_t)olen, &v4) != 0) {
    snprintf(line, sizeof(line),
             "%s: the library forwarded %d bytes that are not the IPv4 "
             "packet of a NAT64 connection it announced",
             desc, olen);
    return report(p, label, PLAY_MISMATCH, "mismatch", line);
  }
  pinhole_xlat_map m;
  map64(&m, c, 0);
  m.ip_id = get16(p->buf + 4);
  size_t wlen = 0;
  int tcp = is_tcp6(v) && v4.proto == PINHOLE_IPPROTO_TCP &&
            (v4.flags & PINHOLE_PKTF_L4) && !(v4.flags & PINHOLE_PKTF_FRAGMENT);
  /* the segment that completed a held message (a split EPRT) leaves
   * merged with it, from the message's first sequence number */
  held *own = own6(p, v);
  int merged = own && tcp && seq_len(&v4) != 0;
  /* a piece of such a message sent again leaves without its payload */
  int again = !own && tcp && v->payload_len && seq_len(&v4) == 0 &&
              resent64(p, c, v->seq, seq_len6(v), v4.seq);
  int ok = pinhole_xlat_6to4(data, len, p->scratch, sizeof(p->scratch), &m,
                             &wlen) == 0;
  if (ok && merged)
    seq_set(p->scratch, wlen, own->cap_start);
  if (ok)
    seq_to_server(p->scratch, wlen, c->h);
  if (ok && again)
    seq_set(p->scratch, wlen, v4.seq);
  int same = ok && wlen == (size_t)olen && !memcmp(p->scratch, p->buf, wlen);
  /* an ALG's rewrite (FTP64's EPRT): the same segment, another payload */
  if (ok && !same)
    ok = (c->watch || merged || again) &&
         payload_rewritten(p->scratch, wlen, p->buf, (size_t)olen);
  if (tcp && !merged && !again)
    hist_learn(&c->h, v->seq, seq_len6(v), v4.seq, seq_len(&v4));
  settle6(p, label, v, own, tcp, v4.seq, tcp ? seq_len(&v4) : 0);
  if (!ok)
    return mismatch64(p, label, desc, p->scratch, wlen, olen,
                      merged ? "its RFC 7915 translation merged with the "
                               "held message"
                             : "its RFC 7915 translation");
  return PLAY_OK;
}

/* An outside frame from an address under the NAT64 prefix: played as
 * the IPv4 packet its server sent to the pool's endpoint (an ICMPv6
 * error: the router's, quoting the client's packet as it left in IPv4);
 * the library must give back the captured frame. */
static int in64(play *p, const char *label, const char *desc,
                const uint8_t *data, size_t len, const pinhole_pkt6_view *v,
                uint32_t src4, uint64_t now_ns) {
  char line[512], reason[256];
  int err = v->proto == PINHOLE_IP6_NH_ICMPV6 && v->icmp_type < 128;
  const conn64 *c =
      err ? *conn64_slot(p, v->inner_proto, v->inner_src, v->inner_sport,
                         v->inner_dst, v->inner_dport)
          : *conn64_slot(p, v->proto, v->dst, v->dport, v->src, v->sport);
  conn64 opened; /* a server opening a connection to a mapping of an ALG */
  const endpoint *e;
  if (!c && !err && (e = ep_find(p, v->proto, 0, v->dst, v->dport)) != NULL) {
    memset(&opened, 0, sizeof(opened));
    opened.proto = v->proto;
    opened.pub = (pinhole_endpoint){e->pub_addr, e->pub_port, 0};
    opened.srv = (pinhole_endpoint){src4, v->sport, 0};
    c = &opened;
  }
  if (!c) {
    snprintf(line, sizeof(line),
             "%s: no NAT64 connection or mapping of the library's for it",
             desc);
    return report(p, label, PLAY_UNMATCHED, "unmatched", line);
  }
  pinhole_xlat_map m;
  map64(&m, c, 1);
  if (err) {
    m.src4 = src4; /* the router's */
    m.sport = m.dport = 0;
    m.inner_src4 = c->pub.addr;
    m.inner_dst4 = c->srv.addr;
    m.inner_sport = c->pub.port;
  }
  size_t ilen = 0;
  int rc = pinhole_xlat_6to4(data, len, p->buf, sizeof(p->buf), &m, &ilen);
  if (rc < 0) {
    snprintf(line, sizeof(line), "%s: not translatable to IPv4 (%s)", desc,
             pinhole_strerror(rc));
    return report(p, label, PLAY_UNPLAYABLE, "unplayable", line);
  }
  if (!err)
    ack_to_server(p->buf, ilen, c->h);
  int verdict;
  int olen = feed(p, ilen, PINHOLE_SIDE_OUTSIDE, now_ns, &verdict);
  if (verdict == PINHOLE_VERDICT_HELD && is_tcp6(v))
    return held6(p, label, desc, v, 0, NULL);
  if (verdict != PINHOLE_VERDICT_FORWARD) {
    settle6(p, label, v, NULL, 0, 0, 0);
    if (verdict < 0)
      snprintf(reason, sizeof(reason), "%s", pinhole_strerror(verdict));
    else
      drop_reason(p, reason, sizeof(reason));
    snprintf(line, sizeof(line), "%s (%s)", desc, reason);
    return report(p, label, PLAY_DROPPED, verdict_name(verdict), line);
  }
  if (olen > 0 && p->host.output)
    p->host.output(p->host.user, PINHOLE_SIDE_INSIDE, p->buf, (size_t)olen);
  /* a server's message the library held goes on merged (translated) */
  int merged;
  if (back6(p, label, data, len, v, olen, 0, &merged))
    return PLAY_OK;
  return mismatch64(p, label, desc, data, len, olen,
                    merged ? "the capture (merged with the held message)"
                           : "the capture");
}

int play_packet6(play *p, const uint8_t *data, size_t len, uint64_t now_ns,
                 const char *label) {
  char desc[192], reason[256], line[512];
  pinhole_pkt6_view v;
  p->label = label;
  if (len > sizeof(p->buf))
    return report(p, label, PLAY_UNPLAYABLE, "unplayable",
                  "longer than the player's buffer");
  int bad = prepare6(p, &data, &len, &v);
  /* A malformed packet goes in from the side its raw source is on. */
  int inside = len >= 24 && is_inside6(p, data + 8);
  if (bad == 0) {
    fmt_pkt6(desc, sizeof(desc), &v);
    if (!inside && !is_inside6(p, v.dst)) {
      snprintf(line, sizeof(line), "%s: neither endpoint is inside", desc);
      return report(p, label, PLAY_UNPLAYABLE, "skipped", line);
    }
  } else if (len >= 40) {
    char sa[PINHOLE_ADDR6_STRLEN], da[PINHOLE_ADDR6_STRLEN];
    pinhole_addr6_format(data + 8, sa, sizeof(sa));
    pinhole_addr6_format(data + 24, da, sizeof(da));
    snprintf(desc, sizeof(desc), "malformed IPv6 packet %s -> %s (%s)", sa, da,
             pinhole_pkt_reason_name(bad));
  } else {
    snprintf(desc, sizeof(desc), "malformed IPv6 packet (%s)",
             pinhole_pkt_reason_name(bad));
  }
  size_t dl = strlen(desc);
  snprintf(desc + dl, sizeof(desc) - dl, " from %s",
           inside ? "inside" : "outside");
  if (inside)
    p->tot.inside++;
  else
    p->tot.outside++;
  p->tot.ipv6++;
  uint32_t src4;
  if (bad == 0 &&
      (inside ? in_nat64(p, v.dst, &src4) : in_nat64(p, v.src, &src4)))
    p->tot.nat64++;
  if (bad == 0 && !inside && in_nat64(p, v.src, &src4))
    return in64(p, label, desc, data, len, &v, src4, now_ns);
  memcpy(p->buf, data, len);
  int side = inside ? PINHOLE_SIDE_INSIDE : PINHOLE_SIDE_OUTSIDE, verdict;
  int olen = feed(p, len, side, now_ns, &verdict);
  int to64 = bad == 0 && inside && in_nat64(p, v.dst, &src4);
  if (to64 && verdict == PINHOLE_VERDICT_FORWARD)
    return out64(p, label, desc, data, len, &v, olen);
  if (verdict == PINHOLE_VERDICT_FORWARD || verdict == PINHOLE_VERDICT_HAIRPIN)
    return forwarded6(p, label, desc, data, len, bad == 0 ? &v : NULL,
                      verdict == PINHOLE_VERDICT_HAIRPIN ? side : !side, olen);
  if (verdict == PINHOLE_VERDICT_HELD && bad == 0 && is_tcp6(&v))
    return held6(p, label, desc, &v, inside,
                 to64 ? *conn64_slot(p, v.proto, v.src, v.sport, v.dst, v.dport)
                      : NULL);
  settle6(p, label, bad == 0 ? &v : NULL, NULL, 0, 0, 0);
  if (verdict == PINHOLE_VERDICT_HELD) {
    snprintf(line, sizeof(line),
             "%s: held by the library (a fragment of a datagram being "
             "reassembled; the replay follows held IPv6 bytes of TCP "
             "streams only)",
             desc);
    return report(p, label, PLAY_MISMATCH, "mismatch", line);
  }
  if (verdict < 0)
    snprintf(reason, sizeof(reason), "%s", pinhole_strerror(verdict));
  else
    drop_reason(p, reason, sizeof(reason));
  snprintf(line, sizeof(line), "%s (%s)", desc, reason);
  return report(p, label, PLAY_DROPPED, verdict_name(verdict), line);
}
