/*
 * The ALG table and the services every ALG shares: the payload splice, the
 * stream driver that decides where a message can begin (and withholds a
 * message split across segments until it arrives whole), port mapping,
 * pinholes, errors and traces.
 */
#include "alg/alg.h"
#include "core/engine.h"
#include "pkt/bytes.h"

#include <string.h>

const ph_alg *const pinhole__algs[] = {
    &pinhole__alg_ftp,
    &pinhole__alg_tftp,
    &pinhole__alg_rtsp,
    &pinhole__alg_sip,
};
const int pinhole__nalgs =
    (int)(sizeof(pinhole__algs) / sizeof(pinhole__algs[0]));

int pinhole_alg_count(void) {
  return pinhole__nalgs;
}

const char *pinhole_alg_name(int i) {
  return i >= 0 && i < pinhole__nalgs ? pinhole__algs[i]->name : NULL;
}

uint8_t pinhole__alg_by_port(uint8_t proto, uint16_t port) {
  for (int i = 0; i < pinhole__nalgs; i++) {
    const ph_alg *a = pinhole__algs[i];
    if (a->proto != proto && !(a->proto == 0))
      continue;
    for (int k = 0; k < 4 && a->ports[k]; k++)
      if (a->ports[k] == port)
        return (uint8_t)(i + 1);
  }
  return 0;
}

uint8_t pinhole__alg_by_name(const char *name) {
  for (int i = 0; i < pinhole__nalgs; i++)
    if (strcmp(pinhole__algs[i]->name, name) == 0)
      return (uint8_t)(i + 1);
  return 0;
}

/* ---- services -------------------------------------------------------- */

int pinhole__alg_splice(ph_alg_call *ac, size_t off, size_t oldlen,
                        const void *rep, size_t replen) {
  pinhole_pkt *pkt = ac->pkt;
  pinhole_pkt_view *v = ac->v;
  size_t plen = v->payload_len;
  if (off > plen || oldlen > plen - off) {
    ac->failed = 1;
    return PINHOLE_ERR_INVALID_ARG;
  }
  size_t newlen = (size_t)v->ip_len - oldlen + replen;
  if (newlen > pkt->cap || newlen > 65535) {
    ac->failed = 1;
    return PINHOLE_ERR_NOBUF;
  }
  uint8_t *p = pkt->data + v->payload_off;
  size_t tail = plen - off - oldlen;
  memmove(p + off + replen, p + off + oldlen, tail);
  if (replen)
    memcpy(p + off, rep, replen);
  /* bytes past ip_len (link padding) are dropped with the old length */
  uint16_t old_ip_len = v->ip_len;
  v->ip_len = (uint16_t)newlen;
  v->payload_len = (uint16_t)(plen - oldlen + replen);
  v->l4_len = (uint16_t)(v->ip_len - v->l4_off);
  pkt->len = (uint32_t)newlen;
  ph_put16(pkt->data + 2, v->ip_len);
  uint16_t ck = ph_get16(pkt->data + 10);
  ph_put16(pkt->data + 10, pinhole_cksum_update16(ck, old_ip_len, v->ip_len));
  if (v->proto == PINHOLE_IPPROTO_UDP)
    ph_put16(pkt->data + v->l4_off + 4, v->l4_len);
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

void pinhole__alg_ends(const ph_alg_call *ac, ph_ends *e) {
  const ph_conn *c = ac->conn;
  memset(e, 0, sizeof(*e));
  e->a_real.addr = c->a.src;
  e->a_real.port = c->a.sport;
  e->a_pub.addr = c->b.dst;
  e->a_pub.port = c->b.dport;
  e->b_real.addr = c->b.src;
  e->b_real.port = c->b.sport;
  e->b_pub.addr = c->a.dst;
  e->b_pub.port = c->a.dport;
}

int pinhole__alg_map(ph_alg_call *ac, uint8_t proto, uint32_t iaddr,
                     uint16_t iport, int pair, pinhole_endpoint *pub,
                     uint32_t *mapref, uint32_t *mapref2) {
  pinhole_ctx *ctx = ac->ctx;
  const ph_conn *c = ac->conn;
  *mapref = 0;
  if (mapref2)
    *mapref2 = 0;
  memset(pub, 0, sizeof(*pub));
  uint32_t cmap = ph_cold(ctx, c)->mapping;
  if (cmap == 0) {
    /* no source NAT on the control connection: the endpoint is public */
    pub->addr = iaddr;
    pub->port = iport;
    return 0;
  }
  uint32_t pool = ctx->maps[cmap - 1].pool;
  int why = 0;
  uint32_t r = pinhole__map_get(ctx, pool, proto, iaddr, iport, 0,
                                pair ? PH_MAP_EVEN : 0, &why);
  if (r == 0 && pair) {
    /* the endpoint is mapped already with an odd port: take any pair */
    r = 0;
  }
  if (r == 0) {
    ph_count(ctx, PINHOLE_CNT_DROP_NAT_PORTS);
    pinhole__event(ctx, PINHOLE_EVENT_NAT_PORTS_EXHAUSTED, ac->v, ac->side,
                   ph_cold(ctx, c)->conv, PINHOLE_FLOW_WATCH, c, ac->dir, NULL,
                   ph_alg_get(c->alg)->name, "no port for ALG mapping");
    return PINHOLE_ERR_FULL;
  }
  const ph_mapping *m = &ctx->maps[r - 1];
  pub->addr = m->paddr;
  pub->port = m->pport;
  if (pair && mapref2) {
    uint32_t r2 =
        pinhole__map_get(ctx, pool, proto, iaddr, (uint16_t)(iport + 1),
                         (uint16_t)(m->pport + 1), 0, &why);
    if (r2 == 0) {
      pinhole__map_put(ctx, r);
      ph_count(ctx, PINHOLE_CNT_DROP_NAT_PORTS);
      return PINHOLE_ERR_FULL;
    }
    *mapref2 = r2;
  }
  *mapref = r;
  return 0;
}

void pinhole__alg_unmap(ph_alg_call *ac, uint32_t mapref) {
  pinhole__map_put(ac->ctx, mapref);
}

static void ph_trace(ph_alg_call *ac, int kind, uint8_t proto,
                     const pinhole_endpoint *a, const pinhole_endpoint *b,
                     uint32_t lifetime_ms, const uint8_t *text,
                     size_t text_len) {
  pinhole_ctx *ctx = ac->ctx;
  if (ctx->cb.trace == NULL)
    return;
  pinhole_trace t;
  pinhole__trace_init(ctx, &t, kind);
  t.alg = ph_alg_get(ac->conn->alg)->name;
  t.conv_id = ctx->convs[ph_cold(ctx, ac->conn)->conv].id;
  t.seq = ac->seq;
  t.ack = ac->ack;
  t.proto = proto;
  t.side = (uint8_t)ac->side;
  if (a)
    t.a = *a;
  if (b)
    t.b = *b;
  t.lifetime_ms = lifetime_ms;
  t.text = (const char *)text;
  t.text_len = text_len;
  ctx->cb.trace(ctx, &t, ctx->user);
}

void pinhole__alg_trace(ph_alg_call *ac, int kind, const pinhole_endpoint *a,
                        const pinhole_endpoint *b, uint32_t lifetime_ms,
                        const uint8_t *text, size_t text_len) {
  ph_trace(ac, kind, ac->conn->proto, a, b, lifetime_ms, text, text_len);
}

int pinhole__alg_expect(ph_alg_call *ac, const ph_expect *e) {
  pinhole_ctx *ctx = ac->ctx;
  /* both the port the peer is told and the one it reaches inside */
  if ((e->dport < 1024 || (e->to_addr && e->to_port < 1024)) &&
      !(ctx->cfg.flags & PINHOLE_CFG_ALG_LOW_PORTS)) {
    pinhole__map_put(ctx, e->mapping);
    pinhole__alg_error(ac, "pinhole port below 1024", NULL, 0);
    return PINHOLE_ERR_POLICY;
  }
  ph_expect x = *e;
  x.snat = 0;
  uint32_t cmap = ph_cold(ctx, ac->conn)->mapping;
  if (e->snat && cmap)
    x.snat = (uint8_t)(ctx->maps[cmap - 1].pool + 1);
  int rv =
      pinhole__hole_open(ctx, ph_cold(ctx, ac->conn)->conv, ac->conn->alg, &x);
  if (rv == PINHOLE_ERR_FULL) {
    pinhole__alg_error(ac, "pinhole limit reached", NULL, 0);
    return rv;
  }
  pinhole_endpoint from = {e->src, e->sport, 0};
  pinhole_endpoint to = {e->dst, e->dport, 0};
  ph_trace(ac, PINHOLE_TRACE_PINHOLE_CREATED, e->proto, &from, &to,
           ctx->cfg.pinhole_timeout_ms, NULL, 0);
  return rv;
}

void pinhole__alg_error(ph_alg_call *ac, const char *reason,
                        const uint8_t *text, size_t text_len) {
  pinhole_ctx *ctx = ac->ctx;
  const ph_alg *alg = ph_alg_get(ac->conn->alg);
  ph_count(ctx, PINHOLE_CNT_ERR_ALG);
  ph_count(ctx, alg->counter);
  pinhole__event(ctx, PINHOLE_EVENT_ALG_ERROR, ac->v, ac->side,
                 ph_cold(ctx, ac->conn)->conv, PINHOLE_FLOW_WATCH, ac->conn,
                 ac->dir, NULL, alg->name, reason);
  if (text == NULL) {
    text = (const uint8_t *)reason;
    text_len = strlen(reason);
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_ERROR, NULL, NULL, 0, text, text_len);
}

/* ---- the stream driver ---------------------------------------------- */

#define PH_HOLD_TRIES 4

static int32_t ph_seq_diff(uint32_t a, uint32_t b) {
  return (int32_t)(a - b);
}

/*
 * Runs a stream ALG over one TCP segment from direction dir. Returns 1
 * when the packet must be dropped (withheld tail with nothing else to
 * send, or a rewrite that does not fit), 0 to forward it.
 */
static int ph_stream_run(ph_alg_call *ac, const ph_alg *alg) {
  ph_stream *st = &ac->w->st[ac->dir];
  pinhole_pkt_view *v = ac->v;
  uint32_t seq = v->seq;
  size_t len = v->payload_len;
  int syn = (v->tcp_flags & PINHOLE_TCP_SYN) != 0;
  int fin = (v->tcp_flags & PINHOLE_TCP_FIN) != 0;

  if (syn) {
    st->msg_seq = seq + 1; /* data starts after the SYN */
    st->synced = 1;
    st->skip_line = 0;
    st->skip_len = 0;
  }
  if (len == 0 || !st->synced)
    return 0;

  int32_t at = ph_seq_diff(seq, st->msg_seq);
  if (at > 0) {
    /* a gap: an earlier segment is missing, so where a message begins in
     * this one is unknown, and passing it unparsed could let a message
     * through untranslated. Drop it: the receiver never acknowledges it,
     * so the sender sends it again after the missing one (the same holds
     * for the segments after a withheld split message). */
    if (!st->holding)
      pinhole__alg_trace(ac, PINHOLE_TRACE_SKIPPED, NULL, NULL, 0,
                         (const uint8_t *)"out of order: dropped", 21);
    return 1;
  }
  size_t start = (size_t)(-at);
  if (start > 0 && start < len && st->rw_valid && seq == st->rw_seq) {
    /* the rewritten segment sent again with new data behind it: rewrite
     * the old part the same way (new growth in this segment is then not
     * recorded; request/response protocols do not send more before the
     * answer, so this does not arise in practice) */
    ac->replay = 1;
    ac->replay_end = start;
    start = 0;
  }
  if (start >= len) {
    /* a retransmission of data already handled; if it is the segment that
     * was rewritten, rewrite it the same way again */
    if (st->rw_valid && seq == st->rw_seq) {
      ph_scan res;
      memset(&res, 0, sizeof(res));
      ac->replay = 1;
      ac->replay_end = len;
      alg->inspect(ac, 0, &res);
      return ac->failed;
    }
    return 0;
  }

  /* finish a body or line being skipped */
  if (st->skip_len) {
    size_t n = len - start < st->skip_len ? len - start : st->skip_len;
    st->skip_len -= (uint32_t)n;
    start += n;
    st->msg_seq += (uint32_t)n;
    if (start >= len)
      return 0;
  }
  if (st->skip_line) {
    const uint8_t *p = ph_payload(ac);
    size_t i = start;
    while (i < len && p[i] != '\n')
      i++;
    if (i == len) {
      st->msg_seq += (uint32_t)(len - start);
      return 0;
    }
    st->skip_line = 0;
    st->msg_seq += (uint32_t)(i + 1 - start);
    start = i + 1;
    if (start >= len)
      return 0;
  }

  ph_scan res;
  memset(&res, 0, sizeof(res));
  int32_t growth0 = ac->growth + ac->replay_growth;
  alg->inspect(ac, start, &res);
  if (ac->failed)
    return 1;
  size_t now_len = ac->v->payload_len;
  /* the scan's consumed end, in original stream numbering */
  int32_t grew = ac->growth + ac->replay_growth - growth0;
  size_t consumed_orig = (size_t)((int64_t)res.consumed - grew);
  if (res.consumed < start) {
    consumed_orig = start;
    res.consumed = start;
  }
  st->msg_seq = seq + (uint32_t)consumed_orig;
  if (res.desync) {
    st->synced = 0;
    st->holding = 0;
    return 0;
  }
  if (res.consumed >= now_len) {
    st->holding = 0;
    st->hold_tries = 0;
    st->skip_len = res.skip_len;
    return 0;
  }
  if (res.hold && !fin) {
    if (st->holding && st->held_seq == st->msg_seq)
      st->hold_tries++;
    else
      st->hold_tries = 1;
    if (st->hold_tries < PH_HOLD_TRIES) {
      /* withhold the partial message: trim it, the sender retransmits it
       * with the rest (the receiver never acknowledged it) */
      st->holding = 1;
      st->held_seq = st->msg_seq;
      size_t cut = now_len - res.consumed;
      pinhole__alg_trace(ac, PINHOLE_TRACE_SKIPPED, NULL, NULL, 0,
                         (const uint8_t *)"split message withheld", 22);
      if (res.consumed == 0)
        return 1;
      uint8_t rewrote = ac->rewrote, replay = ac->replay;
      ac->replay = 0;
      if (pinhole__alg_splice(ac, res.consumed, cut, NULL, 0) != 0)
        return 1;
      /* the cut is not a rewrite: it must not shift sequence numbers */
      ac->growth += (int32_t)cut;
      ac->rewrote = rewrote;
      ac->replay = replay;
      ac->trimmed = 1;
      return 0;
    }
    pinhole__alg_error(ac, "split message never completed", NULL, 0);
  }
  st->holding = 0;
  st->hold_tries = 0;
  st->skip_line = 1;
  st->msg_seq = seq + (uint32_t)consumed_orig;
  /* skip to the end of the partial line within this segment */
  st->msg_seq += (uint32_t)(now_len - res.consumed);
  return 0;
}

int pinhole__alg_run(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                     ph_conn *c, int dir, int side, int *changed) {
  const ph_alg *alg = ph_alg_get(c->alg);
  ph_alg_call ac;
  memset(&ac, 0, sizeof(ac));
  ac.ctx = ctx;
  ac.conn = c;
  ac.w = &ctx->watch[c->watch - 1];
  ac.pkt = pkt;
  ac.v = v;
  ac.dir = dir;
  ac.side = side;
  ac.seq = v->seq;
  ac.ack = v->ack;
  int drop;
  if (alg->stream && v->proto == PINHOLE_IPPROTO_TCP) {
    drop = ph_stream_run(&ac, alg);
    ph_stream *st = &ac.w->st[dir];
    if (!drop && ac.rewrote) {
      /* growth counts rewrites of new data only (a withheld tail is added
       * back, resent data was corrected the first time) */
      if (!ac.replay) {
        st->rw_seq = v->seq;
        st->rw_valid = 1;
      }
      if (ac.growth != 0)
        pinhole__tcp_seq_record(st, v->seq, ac.growth);
    }
    *changed = ac.rewrote || ac.trimmed;
  } else {
    ph_scan res;
    memset(&res, 0, sizeof(res));
    if (v->payload_len > 0 || alg->proto == PINHOLE_IPPROTO_UDP)
      alg->inspect(&ac, 0, &res);
    drop = ac.failed;
    *changed = ac.rewrote;
  }
  if (ac.failed)
    ph_count(ctx, PINHOLE_CNT_DROP_TOO_BIG);
  return drop;
}

void pinhole__alg_frag(pinhole_ctx *ctx, pinhole_pkt_view *v, ph_conn *c,
                       int dir, int side) {
  ph_alg_call ac;
  memset(&ac, 0, sizeof(ac));
  ac.ctx = ctx;
  ac.conn = c;
  ac.v = v;
  ac.dir = dir;
  ac.side = side;
  /* a rewrite would move the later fragments' offsets: not inspected */
  pinhole__alg_error(&ac, "fragmented message not inspected", NULL, 0);
}
