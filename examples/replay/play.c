/*
 * pinhole-replay: playing both endpoints of a capture (see play.h).
 *
 * Tables, all keyed by what the capture shows (the untranslated packets):
 *
 *   conn:     inside packet's 5-tuple -> the tuple the library forwarded
 *             it with, plus the history of the sequence delta the library
 *             applied to that direction (learned by comparing SEQ before
 *             and after, at the end of every forwarded segment);
 *   endpoint: inside (proto, addr, port) -> public (addr, port): the
 *             mapping seen on the connection's packets, or announced in a
 *             forwarded PORT/EPRT. Used for outside packets that belong to
 *             no known connection yet (a server's active-mode data SYN, a
 *             TFTP server answering from a new port).
 *
 * An outside packet is rewritten from the conn entry of the inside packet
 * it answers (source and destination both, so destination NAT rules play
 * too), or failing that from the endpoint entry of its destination.
 */
#include "play.h"

#include <pinhole/ftp.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Big-endian field access (the example uses only the public API). */
static uint32_t get32(const uint8_t *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
         (uint32_t)b[3];
}
static void put16(uint8_t *b, uint16_t v) {
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}
static void put32(uint8_t *b, uint32_t v) {
  put16(b, (uint16_t)(v >> 16));
  put16(b + 2, (uint16_t)v);
}

typedef struct tuple {
  uint32_t src, dst;
  uint16_t sport, dport;
  uint8_t proto;
} tuple;

#define HIST 32
#define BUCKETS 16384u

typedef struct conn {
  struct conn *next;
  tuple key;                 /* inside packet as captured */
  tuple out;                 /* as the library forwarded it */
  uint32_t hist_end[HIST];   /* sequence number (captured space) ... */
  uint32_t hist_delta[HIST]; /* ... from which this delta applies */
  size_t hist_n, hist_next;
} conn;

typedef struct endpoint {
  struct endpoint *next;
  uint32_t addr, pub_addr;
  uint16_t port, pub_port;
  uint8_t proto;
} endpoint;

struct play {
  pinhole_ctx *ctx;
  play_prefix *pfx;
  size_t npfx;
  conn **conns;
  endpoint **eps;
  play_totals tot;
  uint64_t *cnt_before, *cnt_after;
  size_t ncnt;
  uint8_t buf[65536 + 4096];
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

static conn *conn_get(play *p, const tuple *k) {
  conn *c = conn_find(p, k);
  if (c)
    return c;
  c = calloc(1, sizeof(*c));
  if (!c)
    return NULL;
  c->key = *k;
  uint32_t h = tuple_hash(k);
  c->next = p->conns[h];
  p->conns[h] = c;
  return c;
}

static uint32_t ep_hash(uint8_t proto, uint32_t addr, uint16_t port) {
  tuple t = {addr, 0, port, 0, proto};
  return tuple_hash(&t);
}

static endpoint *ep_find(const play *p, uint8_t proto, uint32_t addr,
                         uint16_t port) {
  for (endpoint *e = p->eps[ep_hash(proto, addr, port)]; e; e = e->next)
    if (e->proto == proto && e->addr == addr && e->port == port)
      return e;
  return NULL;
}

static void ep_set(play *p, uint8_t proto, uint32_t addr, uint16_t port,
                   uint32_t pub_addr, uint16_t pub_port) {
  endpoint *e = ep_find(p, proto, addr, port);
  if (!e) {
    e = calloc(1, sizeof(*e));
    if (!e)
      return; /* the table is a best effort; a miss is reported later */
    e->proto = proto;
    e->addr = addr;
    e->port = port;
    uint32_t h = ep_hash(proto, addr, port);
    e->next = p->eps[h];
    p->eps[h] = e;
  }
  e->pub_addr = pub_addr;
  e->pub_port = pub_port;
}

/* Records that from captured sequence number seq on, the library adds delta. */
static void hist_push(conn *c, uint32_t seq, uint32_t delta) {
  for (size_t i = 0; i < c->hist_n; i++)
    if (c->hist_end[i] == seq) {
      c->hist_delta[i] = delta;
      return;
    }
  c->hist_end[c->hist_next] = seq;
  c->hist_delta[c->hist_next] = delta;
  c->hist_next = (c->hist_next + 1) % HIST;
  if (c->hist_n < HIST)
    c->hist_n++;
}

/* The delta for captured sequence number x: that of the closest recorded
 * point at or before x (mod 2^32); 0 when none is known. */
static uint32_t hist_delta(const conn *c, uint32_t x) {
  uint32_t best = 0, bestd = UINT32_MAX;
  for (size_t i = 0; i < c->hist_n; i++) {
    uint32_t d = x - c->hist_end[i];
    if (d < 0x80000000u && d < bestd) {
      bestd = d;
      best = c->hist_delta[i];
    }
  }
  return best;
}

play *play_new(pinhole_ctx *ctx, const play_prefix *prefixes, size_t nprefix) {
  play *p = calloc(1, sizeof(*p));
  if (!p)
    return NULL;
  p->ctx = ctx;
  p->npfx = nprefix;
  p->pfx = calloc(nprefix ? nprefix : 1, sizeof(*p->pfx));
  p->conns = calloc(BUCKETS, sizeof(*p->conns));
  p->eps = calloc(BUCKETS, sizeof(*p->eps));
  int n = pinhole_counter_count();
  p->ncnt = n > 0 ? (size_t)n : 0;
  p->cnt_before = calloc(p->ncnt + 1, sizeof(uint64_t));
  p->cnt_after = calloc(p->ncnt + 1, sizeof(uint64_t));
  if (!p->pfx || !p->conns || !p->eps || !p->cnt_before || !p->cnt_after) {
    play_del(p);
    return NULL;
  }
  if (nprefix)
    memcpy(p->pfx, prefixes, nprefix * sizeof(*prefixes));
  return p;
}

void play_del(play *p) {
  if (!p)
    return;
  for (size_t i = 0; p->conns && i < BUCKETS; i++)
    while (p->conns[i]) {
      conn *c = p->conns[i];
      p->conns[i] = c->next;
      free(c);
    }
  for (size_t i = 0; p->eps && i < BUCKETS; i++)
    while (p->eps[i]) {
      endpoint *e = p->eps[i];
      p->eps[i] = e->next;
      free(e);
    }
  free(p->conns);
  free(p->eps);
  free(p->pfx);
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
/* Text                                                                */

static const char *proto_name(uint8_t proto) {
  switch (proto) {
  case PINHOLE_IPPROTO_TCP:
    return "TCP";
  case PINHOLE_IPPROTO_UDP:
    return "UDP";
  case PINHOLE_IPPROTO_ICMP:
    return "ICMP";
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

/* "TCP 198.18.0.2:41207 -> 198.19.0.2:20", "ICMP 198.18.0.2 -> ... id 7" */
static void fmt_pkt(char *buf, size_t len, const pinhole_pkt_view *v) {
  char s[32], d[32];
  int ports =
      (v->flags & PINHOLE_PKTF_L4) &&
      (v->proto == PINHOLE_IPPROTO_TCP || v->proto == PINHOLE_IPPROTO_UDP);
  fmt_ep(s, sizeof(s), v->src, v->sport, ports);
  fmt_ep(d, sizeof(d), v->dst, v->dport, ports);
  if (v->flags & PINHOLE_PKTF_ICMP_QUERY)
    snprintf(buf, len, "%s %s -> %s id %u", proto_name(v->proto), s, d,
             (unsigned)v->sport);
  else if (v->proto == PINHOLE_IPPROTO_ICMP)
    snprintf(buf, len, "ICMP %s -> %s type %u code %u", s, d,
             (unsigned)v->icmp_type, (unsigned)v->icmp_code);
  else if (ports || v->proto == 0)
    snprintf(buf, len, "%s %s -> %s", proto_name(v->proto), s, d);
  else
    snprintf(buf, len, "IP proto %u %s -> %s", (unsigned)v->proto, s, d);
}

/* Names of the counters that moved during the packet, except the ones that
 * count normal work: the library's reason for a drop. */
static void drop_reason(const play *p, char *buf, size_t len) {
  static const int normal[] = {
      PINHOLE_CNT_NEW_ACCEPT,      PINHOLE_CNT_EXIST_ACCEPT,
      PINHOLE_CNT_PINHOLE_CREATED, PINHOLE_CNT_PINHOLE_USED,
      PINHOLE_CNT_PINHOLE_EXPIRED, PINHOLE_CNT_FLOWS_EXPIRED,
      PINHOLE_CNT_FRAGMENTS};
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < p->ncnt; i++) {
    if (p->cnt_after[i] <= p->cnt_before[i])
      continue;
    int skip = 0;
    for (size_t j = 0; j < sizeof(normal) / sizeof(normal[0]); j++)
      skip |= (size_t)normal[j] == i;
    const char *name = pinhole_counter_name((int)i);
    if (skip || !name || used + strlen(name) + 3 >= len)
      continue;
    int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
    if (n > 0)
      used += (size_t)n;
  }
  if (!used)
    snprintf(buf, len, "no counter moved");
}

/* ------------------------------------------------------------------ */
/* FTP PORT/EPRT                                                       */

/* The nth PORT or IPv4 EPRT command among the complete lines of
 * text[0..len), read with the library's FTP parser. */
int play_ftp_announce(const uint8_t *text, size_t len, size_t nth,
                      uint32_t *addr, uint16_t *port) {
  size_t off = 0, llen;
  while (off < len && (llen = pinhole_ftp_line_len(text + off, len - off))) {
    pinhole_ftp_msg m;
    if (pinhole_ftp_parse(text + off, llen, 0, &m) == 0 && m.family == 1 &&
        (m.kind == PINHOLE_FTP_PORT || m.kind == PINHOLE_FTP_EPRT) &&
        nth-- == 0) {
      *addr = m.addr;
      *port = m.port;
      return 1;
    }
    off += llen;
  }
  return 0;
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

static void learn(play *p, const pinhole_pkt_view *b, const uint8_t *bdata,
                  const pinhole_pkt_view *a, const uint8_t *adata) {
  if (!(b->flags & (PINHOLE_PKTF_L4 | PINHOLE_PKTF_ICMP_QUERY)) ||
      (b->flags & PINHOLE_PKTF_ICMP_ERROR))
    return;
  tuple k = view_tuple(b);
  conn *c = conn_get(p, &k);
  if (!c)
    return;
  c->out = view_tuple(a);
  ep_set(p, b->proto, b->src, b->sport, a->src, a->sport);
  if (b->proto != PINHOLE_IPPROTO_TCP)
    return;
  hist_push(c, b->seq, a->seq - b->seq);
  hist_push(c, b->seq + seq_len(b), a->seq + seq_len(a) - b->seq - seq_len(b));
  uint32_t oaddr, naddr;
  uint16_t oport, nport;
  for (size_t i = 0; play_ftp_announce(bdata + b->payload_off, b->payload_len,
                                       i, &oaddr, &oport) &&
                     play_ftp_announce(adata + a->payload_off, a->payload_len,
                                       i, &naddr, &nport);
       i++)
    ep_set(p, PINHOLE_IPPROTO_TCP, oaddr, oport, naddr, nport);
}

/* ------------------------------------------------------------------ */
/* Rewriting outside packets                                           */

/* Shifts the SACK blocks of the TCP header at tcp by the connection's
 * delta (they acknowledge the inside host's sequence space). */
static void shift_sack(uint8_t *tcp, size_t hlen, const conn *c) {
  size_t i = 20;
  while (i < hlen) {
    uint8_t kind = tcp[i];
    if (kind == 0)
      break;
    if (kind == 1) {
      i++;
      continue;
    }
    if (i + 1 >= hlen || tcp[i + 1] < 2 || i + tcp[i + 1] > hlen)
      break;
    size_t olen = tcp[i + 1];
    if (kind == 5)
      for (size_t e = i + 2; e + 4 <= i + olen; e += 4) {
        uint32_t x = get32(tcp + e);
        put32(tcp + e, x + hist_delta(c, x));
      }
    i += olen;
  }
}

/* Rewrites the outside packet in buf (parsed as v). Returns 1 when a
 * translation was known, 0 when not. */
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
  const conn *c = conn_find(p, &k);
  const endpoint *e = NULL;
  if (c) {
    t = c->out;
  } else if ((e = ep_find(p, k.proto, k.src, k.sport)) != NULL) {
    t = k;
    t.src = e->pub_addr;
    t.sport = e->pub_port;
  } else {
    char ep[32];
    int ports =
        k.proto == PINHOLE_IPPROTO_TCP || k.proto == PINHOLE_IPPROTO_UDP;
    fmt_ep(ep, sizeof(ep), k.src, k.sport, ports);
    if (k.proto == PINHOLE_IPPROTO_ICMP)
      snprintf(miss, misslen, "no translation known for ICMP %s id %u", ep,
               (unsigned)k.sport);
    else
      snprintf(miss, misslen, "no translation known for %s %s",
               proto_name(k.proto), ep);
    return 0;
  }
  if (err) {
    uint8_t *in = buf + v->inner_off;
    put32(buf + 16, t.src);
    put32(in + 12, t.src);
    put32(in + 16, t.dst);
    if (v->inner_proto == PINHOLE_IPPROTO_ICMP) {
      if ((size_t)v->inner_l4_off + 8 <= v->ip_len)
        put16(buf + v->inner_l4_off + 4, t.sport);
    } else if ((size_t)v->inner_l4_off + 4 <= v->ip_len) {
      put16(buf + v->inner_l4_off, t.sport);
      put16(buf + v->inner_l4_off + 2, t.dport);
    }
    put16(in + 10, 0);
    put16(in + 10, pinhole_cksum(in, v->inner_ihl));
    return 1;
  }
  put32(buf + 12, t.dst);
  put32(buf + 16, t.src);
  uint8_t *l4 = buf + v->l4_off;
  if (v->flags & PINHOLE_PKTF_ICMP_QUERY) {
    put16(l4 + 4, t.sport);
  } else if (v->proto == PINHOLE_IPPROTO_TCP ||
             v->proto == PINHOLE_IPPROTO_UDP) {
    put16(l4, t.dport);
    put16(l4 + 2, t.sport);
  }
  if (v->proto == PINHOLE_IPPROTO_TCP && c) {
    if (v->tcp_flags & PINHOLE_TCP_ACK)
      put32(l4 + 8, v->ack + hist_delta(c, v->ack));
    shift_sack(l4, v->tcp_hlen, c);
  }
  return 1;
}

/* After the library forwarded a rewritten outside packet, it must look as
 * the capture shows it arriving at the inside host. */
static int translated_back(const pinhole_pkt_view *orig,
                           const pinhole_pkt_view *out, char *why,
                           size_t whylen) {
  char o[96], n[96];
  fmt_pkt(o, sizeof(o), orig);
  fmt_pkt(n, sizeof(n), out);
  if (orig->src != out->src || orig->dst != out->dst ||
      orig->sport != out->sport || orig->dport != out->dport ||
      orig->proto != out->proto) {
    snprintf(why, whylen, "library forwarded %s, the capture has %s", n, o);
    return 0;
  }
  if (orig->proto == PINHOLE_IPPROTO_TCP &&
      (orig->tcp_flags & PINHOLE_TCP_ACK) && orig->ack != out->ack) {
    snprintf(why, whylen,
             "%s: library forwarded ack %" PRIu32 ", the capture has %" PRIu32,
             o, out->ack, orig->ack);
    return 0;
  }
  return 1;
}

/* ------------------------------------------------------------------ */
/* One packet                                                          */

static int feed(play *p, size_t len, int side, uint64_t now, int *verdict) {
  if (p->ncnt)
    pinhole_stats(p->ctx, p->cnt_before, p->ncnt);
  pinhole_pkt pk = {p->buf, (uint32_t)len, (uint32_t)sizeof(p->buf)};
  *verdict = pinhole_process(p->ctx, &pk, side, now);
  if (p->ncnt)
    pinhole_stats(p->ctx, p->cnt_after, p->ncnt);
  return (int)pk.len;
}

static int report(play *p, FILE *out, const char *label, int problem,
                  const char *what, const char *detail) {
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
  fprintf(out, "%s: %s: %s\n", label, what, detail);
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

int play_packet(play *p, const uint8_t *data, size_t len, uint64_t now_ns,
                const char *label, FILE *out) {
  char desc[128], why[320], line[512];
  if (len > 65535 || len > sizeof(p->buf))
    return report(p, out, label, PLAY_UNPLAYABLE, "unplayable",
                  "longer than 65535 bytes");
  pinhole_pkt_view v;
  int bad = pinhole_pkt_parse(data, len, &v);
  if (bad == 0 && v.ip_len < len)
    len = v.ip_len; /* link-layer padding */
  /* A malformed packet goes in from the side its raw source is on. */
  uint32_t src = bad == 0 || len < 20 ? v.src : get32(data + 12);
  int inside = is_inside(p, src);
  if (bad == 0 && !inside && !is_inside(p, v.dst)) {
    fmt_pkt(desc, sizeof(desc), &v);
    snprintf(line, sizeof(line), "%s: neither endpoint is inside", desc);
    return report(p, out, label, PLAY_UNPLAYABLE, "skipped", line);
  }
  memcpy(p->buf, data, len);
  int matched = 1;
  why[0] = '\0';
  if (bad == 0 && !inside) {
    if (v.flags & PINHOLE_PKTF_FRAGMENT) {
      fmt_pkt(desc, sizeof(desc), &v);
      snprintf(line, sizeof(line), "%s: fragment from outside (not replayed)",
               desc);
      return report(p, out, label, PLAY_UNPLAYABLE, "skipped", line);
    }
    matched = rewrite_outside(p, p->buf, &v, why, sizeof(why));
    pinhole_pkt_view nv;
    if (matched && pinhole_pkt_parse(p->buf, len, &nv) == 0)
      pinhole_pkt_fix_cksums(p->buf, &nv);
  }
  pinhole_pkt_view fed;
  if (pinhole_pkt_parse(p->buf, len, &fed) == 0)
    fmt_pkt(desc, sizeof(desc), &fed);
  else
    snprintf(desc, sizeof(desc), "malformed (%s)",
             pinhole_pkt_reason_name(bad));
  int side = inside ? PINHOLE_SIDE_INSIDE : PINHOLE_SIDE_OUTSIDE;
  if (side == PINHOLE_SIDE_INSIDE)
    p->tot.inside++;
  else
    p->tot.outside++;
  int verdict;
  int olen = feed(p, len, side, now_ns, &verdict);
  const char *from = inside ? "from inside" : "from outside";
  if (!matched) {
    char reason[256] = "forwarded";
    if (verdict != PINHOLE_VERDICT_FORWARD)
      drop_reason(p, reason, sizeof(reason));
    snprintf(line, sizeof(line), "%s %s, fed unchanged: %s (%s)", desc, from,
             why, verdict == PINHOLE_VERDICT_FORWARD ? "forwarded" : reason);
    return report(p, out, label, PLAY_UNMATCHED, "unmatched", line);
  }
  if (verdict != PINHOLE_VERDICT_FORWARD) {
    char reason[256];
    if (verdict < 0)
      snprintf(reason, sizeof(reason), "%s", pinhole_strerror(verdict));
    else
      drop_reason(p, reason, sizeof(reason));
    snprintf(line, sizeof(line), "%s %s (%s)", desc, from, reason);
    return report(p, out, label, PLAY_DROPPED, verdict_name(verdict), line);
  }
  pinhole_pkt_view after;
  if (olen <= 0 || pinhole_pkt_parse(p->buf, (size_t)olen, &after) != 0) {
    snprintf(line, sizeof(line), "%s %s: forwarded packet does not parse", desc,
             from);
    return report(p, out, label, PLAY_MISMATCH, "mismatch", line);
  }
  if (inside) {
    if (bad == 0)
      learn(p, &v, data, &after, p->buf);
    return PLAY_OK;
  }
  if (!translated_back(&v, &after, why, sizeof(why)))
    return report(p, out, label, PLAY_MISMATCH, "mismatch", why);
  return PLAY_OK;
}
