/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Sun RPC ALG (ONC RPC RFC 5531; portmap v2 and rpcbind v3/v4 RFC 1833;
 * universal addresses RFC 5665): the port a portmapper hands out opens,
 * nothing else does.
 *
 * Watches the portmapper (UDP and TCP 111) in both directions. A GETPORT,
 * GETADDR or GETVERSADDR call from the client is remembered by xid with
 * the program and protocol it asks for (a few per connection); the
 * server's SUCCESS reply with that xid gives the port (GETPORT's number,
 * or the universal address "h1.h2.h3.h4.p1.p2"), and one pinhole opens
 * from the client, any source port, to the server as the client sees it
 * on that port and protocol, for the configured lifetime, in the same
 * conversation. Under destination NAT (server inside) a universal address
 * naming the server's inside address is rewritten to the public one (the
 * message changes length: XDR padding, a new record mark on TCP, the
 * engine fixes IP/UDP lengths and sequence numbers).
 *
 * Safety: over TCP a record is parsed only where one can begin (the
 * engine's stream driver) and only when it is whole; a record split
 * across segments is withheld only when it can still become a call or
 * reply the ALG reads and is at most PH_RPC_MAX_RECORD bytes; records the
 * ALG does not need are skipped fragment by fragment. The first thing
 * that is not an RPC call to program 100000 (client) or an RPC reply
 * (server) stops parsing that direction for good (NAT slipstreaming). A
 * universal address naming a third party, IPv6, port 0 or a malformed one
 * opens nothing (counted); ports below 1024 follow the contract's policy.
 * A reply from an inside server that still names its inside address (one
 * the ALG cannot rewrite: a v3/v4 DUMP, TADDR2UADDR, a malformed address)
 * is refused, and so is a SET/UNSET naming a NATed client's inside
 * address (fail closed).
 *
 * Rules: a rule naming this ALG may list RPC programs
 * (pinhole_rule_alg_allow); then only a reply to a call for a listed
 * program opens its pinhole, the others pass (rewritten as above) and are
 * counted under "RPC portmap", opening nothing.
 *
 * Counters: "RPC" for records and headers, "RPC portmap" for the
 * procedures (arguments, results, addresses, policy, rules, pinholes).
 */
#include "alg/alg.h"
#include "alg/text.h"

#include <pinhole/rpc.h>

#include <string.h>

/* Longest record parsed or withheld when split; portmapper messages are
 * small (a GETADDR reply is under 100 bytes). */
#define PH_RPC_MAX_RECORD 4096
/* Most fragments of a record walked before it counts as hostile. */
#define PH_RPC_MAX_FRAGS 64
/* Outstanding portmapper calls remembered per connection. */
#define PH_RPC_PENDING 3

enum ph_rpc_slot { PH_RPC_FREE = 0, PH_RPC_WAITING = 1, PH_RPC_ANSWERED = 2 };

/* A GETPORT / GETADDR / GETVERSADDR call, by xid. An answered call stays
 * until its slot is needed, so a retransmitted reply is handled again the
 * same way (same rewrite, the pinhole refreshed). */
typedef struct ph_rpc_call {
  uint32_t xid;
  uint32_t prog; /* the program asked for */
  uint8_t op;    /* enum pinhole_rpc_op */
  uint8_t proto; /* the protocol asked for: 6 or 17 */
  uint8_t state; /* enum ph_rpc_slot */
  uint8_t vers_; /* unused */
} ph_rpc_call;

typedef struct ph_rpc_state {
  ph_rpc_call call[PH_RPC_PENDING];
  uint8_t cont[2]; /* per direction: the stream is inside a record being
                      skipped, the next bytes are a fragment mark */
  uint8_t next;    /* the waiting slot a new call replaces when all are */
  uint8_t pad_;
} ph_rpc_state;

_Static_assert(sizeof(ph_rpc_state) <= PH_ALG_STATE_SIZE,
               "Sun RPC state fits the ALG slot");

/* Where the message being handled sits: what a rewrite replaces. */
typedef struct ph_rpc_where {
  size_t at;   /* payload offset: the datagram, or the record's first mark */
  size_t span; /* bytes replaced: the datagram, or the whole record */
  int marked;  /* TCP: the rewritten message goes out as one fragment */
} ph_rpc_where;

/* What the ALG wants of a record whose header it has seen. */
enum ph_rpc_want {
  PH_RPC_NOT = 0,  /* not Sun RPC to the portmapper: desynchronise */
  PH_RPC_WAIT = 1, /* the header is not whole yet */
  PH_RPC_SKIP = 2, /* a message the ALG does not need */
  PH_RPC_NEED = 3  /* a call or reply the ALG reads whole */
};

static ph_rpc_state *ph_rpc_st(ph_alg_call *ac) {
  return pinhole__alg_state(ac);
}

static ph_rpc_call *ph_rpc_find(ph_rpc_state *st, uint32_t xid) {
  for (int i = 0; i < PH_RPC_PENDING; i++)
    if (st->call[i].state != PH_RPC_FREE && st->call[i].xid == xid)
      return &st->call[i];
  return NULL;
}

static int ph_rpc_op_reads(int op) {
  return op == PINHOLE_RPC_OP_GETPORT || op == PINHOLE_RPC_OP_GETADDR ||
         op == PINHOLE_RPC_OP_GETVERSADDR || op == PINHOLE_RPC_OP_SET ||
         op == PINHOLE_RPC_OP_UNSET;
}

/* Remembers a call (a resent one keeps its slot). */
static void ph_rpc_remember(ph_alg_call *ac, uint32_t xid, uint32_t prog,
                            int op, uint8_t proto) {
  ph_rpc_state *st = ph_rpc_st(ac);
  ph_rpc_call *c = ph_rpc_find(st, xid);
  for (int i = 0; c == NULL && i < PH_RPC_PENDING; i++)
    if (st->call[i].state == PH_RPC_FREE)
      c = &st->call[i];
  for (int i = 0; c == NULL && i < PH_RPC_PENDING; i++)
    if (st->call[i].state == PH_RPC_ANSWERED)
      c = &st->call[i];
  if (c == NULL) {
    pinhole__alg_error(ac, "too many outstanding portmapper calls", NULL, 0);
    c = &st->call[st->next];
    st->next = (uint8_t)((st->next + 1) % PH_RPC_PENDING);
  }
  c->xid = xid;
  c->prog = prog;
  c->op = (uint8_t)op;
  c->proto = proto;
  c->state = PH_RPC_WAITING;
}

/* "GETPORT 100024 v1 tcp": the trace text of a remembered call. */
static size_t ph_rpc_describe(uint8_t *b, int op, uint32_t prog, uint32_t vers,
                              uint8_t proto) {
  const char *name = pinhole_rpc_op_name(op);
  size_t n = strlen(name);
  memcpy(b, name, n);
  b[n++] = ' ';
  n += ph_fmt_u32(b + n, prog);
  b[n++] = ' ';
  b[n++] = 'v';
  n += ph_fmt_u32(b + n, vers);
  memcpy(b + n, proto == PINHOLE_IPPROTO_TCP ? " tcp" : " udp", 4);
  return n + 4;
}

/* ---- calls (client to server) --------------------------------------- */

/* A universal address a client's SET/UNSET registers: under source NAT it
 * must not leave naming the client's inside address (there is no public
 * endpoint to put there). Returns nonzero when the message is refused. */
static int ph_rpc_client_uaddr(ph_alg_call *ac, const uint8_t *msg,
                               const pinhole_rpc_string *s) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  const uint8_t *text = msg + s->off + 4;
  if (e.client.addr == e.client_pub.addr ||
      !ph_has_ipv4(text, s->len, e.client.addr, '.'))
    return 0;
  return pinhole__alg_refuse(ac, "registration names an inside address", text,
                             s->len);
}

/* The arguments of a call to the portmapper. */
static void ph_rpc_call_args(ph_alg_call *ac, const uint8_t *msg, size_t len,
                             const pinhole_rpc_msg *m, int op) {
  uint8_t text[48];
  pinhole__alg_error_counter(ac, PINHOLE_CNT_ALG_RPC_PORTMAP);
  if (m->vers == 2) {
    pinhole_rpc_mapping mp;
    int rc = pinhole_rpc_pmap_mapping_parse(msg, len, m->body_off, &mp);
    if (rc != 0) {
      pinhole__alg_error(ac, "malformed portmap mapping", msg + m->body_off,
                         len - m->body_off);
      return;
    }
    if (op != PINHOLE_RPC_OP_GETPORT)
      return; /* v2 SET/UNSET carry no address */
    size_t n = ph_rpc_describe(text, op, mp.prog, mp.vers, (uint8_t)mp.prot);
    pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, text, n);
    ph_rpc_remember(ac, m->xid, mp.prog, op, (uint8_t)mp.prot);
    return;
  }
  pinhole_rpc_rpcb r;
  if (pinhole_rpc_rpcb_parse(msg, len, m->body_off, &r) != 0) {
    pinhole__alg_error(ac, "malformed rpcbind arguments", msg + m->body_off,
                       len - m->body_off);
    return;
  }
  if (op == PINHOLE_RPC_OP_SET || op == PINHOLE_RPC_OP_UNSET) {
    ph_rpc_client_uaddr(ac, msg, &r.addr);
    return;
  }
  if (r.family != 4)
    return; /* another transport (tcp6, local): nothing will open */
  size_t n = ph_rpc_describe(text, op, r.prog, r.vers, r.proto);
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, text, n);
  ph_rpc_remember(ac, m->xid, r.prog, op, r.proto);
}

/* A whole call. Returns -1 when it is not a call to the portmapper. */
static int ph_rpc_call_msg(ph_alg_call *ac, const uint8_t *msg, size_t len) {
  pinhole_rpc_msg m;
  int rc = pinhole_rpc_msg_parse(msg, len, &m);
  if (rc != 0 || m.type != PINHOLE_RPC_MSG_CALL ||
      m.prog != PINHOLE_RPC_PROG_PORTMAP) {
    pinhole__alg_error(ac, "not an RPC call to the portmapper", msg,
                       len < 64 ? len : 64);
    return -1;
  }
  int op = pinhole_rpc_pmap_op(m.vers, m.proc);
  if (ph_rpc_op_reads(op))
    ph_rpc_call_args(ac, msg, len, &m, op);
  return 0;
}

/* ---- replies (server to client) ------------------------------------- */

/* Replaces the message by out[0..n) (TCP: with a new single mark). */
static int ph_rpc_replace(ph_alg_call *ac, const ph_rpc_where *w, uint8_t *out,
                          size_t n) {
  if (w->marked) {
    /* out was written 4 bytes in, leaving room for the mark */
    pinhole_rpc_record_mark(out - 4, n, 1);
    return pinhole__alg_splice(ac, w->at, w->span, out - 4, n + 4);
  }
  return pinhole__alg_splice(ac, w->at, w->span, out, n);
}

/* Rewrites universal address s of msg to addr (same port). */
static int ph_rpc_rewrite(ph_alg_call *ac, const uint8_t *msg, size_t len,
                          const pinhole_rpc_string *s, uint32_t addr,
                          uint16_t port, const ph_rpc_where *w) {
  size_t cap;
  uint8_t *scratch = pinhole__alg_scratch(ac, &cap);
  /* a gathered record sits in the scratch's first half */
  uint8_t *out = scratch + cap / 2 + 4;
  int n = pinhole_rpc_uaddr_rewrite(msg, len, s, addr, port, out, cap / 2 - 4);
  if (n < 0)
    return n;
  return ph_rpc_replace(ac, w, out, (size_t)n);
}

/* The universal address of a GETADDR/GETVERSADDR reply: the port to open,
 * the address the client will use, and the rewrite under NAT (*rewrote).
 * Returns the port, or 0 when nothing opens. */
static uint16_t ph_rpc_uaddr(ph_alg_call *ac, const uint8_t *msg, size_t len,
                             size_t off, const ph_rpc_where *w, uint32_t *seen,
                             uint32_t *to, int *rewrote) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  pinhole_rpc_string s;
  if (pinhole_rpc_rpcb_addr_parse(msg, len, off, &s) != 0) {
    pinhole__alg_error(ac, "malformed universal address", msg + off, len - off);
    return 0;
  }
  const uint8_t *text = msg + s.off + 4;
  uint32_t addr;
  uint16_t port;
  int rc = pinhole_rpc_uaddr_parse(text, s.len, &addr, &port);
  if (rc == PINHOLE_ERR_NOMATCH)
    return 0; /* not registered */
  if (rc != 0) {
    pinhole__alg_error(ac,
                       rc == PINHOLE_ERR_UNSUPPORTED
                           ? "IPv6 universal address left alone"
                           : "malformed universal address",
                       text, s.len);
    return 0;
  }
  pinhole_endpoint real = {addr, port, 0};
  pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &real, NULL, 0, text, s.len);
  /* 0.0.0.0 and loopback name the server itself (rpcbind answers a
   * client it cannot place on any of its networks with 127.0.0.1) */
  if (addr == 0 || (addr >> 24) == 127)
    addr = e.server.addr;
  /* the inside server's own address is translated whether or not a
   * pinhole opens (msg is stale after it) */
  pinhole_endpoint pub = {e.server_pub.addr, port, 0};
  if (addr == e.server.addr && addr != pub.addr) {
    *rewrote = 1;
    if (ph_rpc_rewrite(ac, msg, len, &s, pub.addr, port, w) != 0)
      return 0;
    pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &real, &pub, 0, NULL, 0);
  }
  if (port == e.server.port &&
      (addr == e.server.addr || addr == e.server_pub.addr))
    return 0; /* the portmapper itself: the client reaches it already */
  int whose = pinhole__alg_policy(ac, PH_ALG_SERVER, addr, port,
                                  "universal address", NULL, 0);
  if (whose < 0)
    return 0;
  *seen = whose == PH_ALG_REAL ? e.server_pub.addr : addr;
  *to = whose == PH_ALG_PUBLIC ? e.server.addr : addr;
  return port;
}

/* Does the rule let program prog open (counted when not)? */
static int ph_rpc_allowed(ph_alg_call *ac, uint32_t prog) {
  uint8_t id[4], text[10];
  memcpy(id, &prog, 4); /* host order: the id never leaves the process */
  size_t n = ph_fmt_u32(text, prog);
  return pinhole__alg_allowed(ac, id, 4, "program", text, n);
}

/* The port a SUCCESS reply to call c names, and the pinhole for it.
 * Returns 1 when the message was rewritten (msg is stale then). */
static int ph_rpc_result(ph_alg_call *ac, const uint8_t *msg, size_t len,
                         const pinhole_rpc_msg *m, const ph_rpc_call *c,
                         const ph_rpc_where *w) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  uint32_t seen = e.server_pub.addr, to = e.server.addr;
  uint16_t port = 0;
  int rewrote = 0;
  pinhole__alg_error_counter(ac, PINHOLE_CNT_ALG_RPC_PORTMAP);
  if (c->op == PINHOLE_RPC_OP_GETPORT) {
    if (pinhole_rpc_pmap_port_parse(msg, len, m->body_off, &port) != 0) {
      pinhole__alg_error(ac, "malformed GETPORT result", msg + m->body_off,
                         len - m->body_off);
      return 0;
    }
    pinhole_endpoint real = {e.server.addr, port, 0};
    if (port == e.server.port)
      return 0; /* the portmapper itself: the client reaches it already */
    if (port != 0)
      pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &real, NULL, 0, NULL, 0);
    if (port != 0 &&
        pinhole__alg_policy(ac, PH_ALG_SERVER, 0, port, "GETPORT", NULL, 0) < 0)
      port = 0;
  } else {
    port = ph_rpc_uaddr(ac, msg, len, m->body_off, w, &seen, &to, &rewrote);
  }
  if (port == 0 || pinhole__alg_failed(ac) || !ph_rpc_allowed(ac, c->prog))
    return rewrote;
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.proto = c->proto;
  x.from = PH_ALG_CLIENT;
  x.src = e.client.addr;
  x.sport = 0;
  x.dst = seen;
  x.dport = port;
  x.to_addr = to;
  x.to_port = port;
  x.snat = 1; /* a NATed client's connection gets its source mapped */
  pinhole__alg_open_pinhole(ac, &x);
  return rewrote;
}

/* Under destination NAT a reply must not leave naming the inside server
 * (fail closed). Returns nonzero when refused. */
static int ph_rpc_leaks(ph_alg_call *ac, const uint8_t *msg, size_t len) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  if (e.server.addr == e.server_pub.addr ||
      !ph_has_ipv4(msg, len, e.server.addr, '.'))
    return 0;
  pinhole__alg_error_counter(ac, PINHOLE_CNT_ALG_RPC_PORTMAP);
  return pinhole__alg_refuse(ac, "reply names the inside server", msg,
                             len < 64 ? len : 64);
}

/* A whole reply. Returns -1 when it is not an RPC reply. */
static int ph_rpc_reply_msg(ph_alg_call *ac, const uint8_t *msg, size_t len,
                            const ph_rpc_where *w) {
  pinhole_rpc_msg m;
  int rc = pinhole_rpc_msg_parse(msg, len, &m);
  if (rc != 0 || m.type != PINHOLE_RPC_MSG_REPLY) {
    pinhole__alg_error(ac, "not an RPC reply", msg, len < 64 ? len : 64);
    return -1;
  }
  ph_rpc_call *c = ph_rpc_find(ph_rpc_st(ac), m.xid);
  if (c != NULL) {
    c->state = PH_RPC_ANSWERED;
    if (m.reply_stat == PINHOLE_RPC_REPLY_ACCEPTED &&
        m.accept_stat == PINHOLE_RPC_ACCEPT_SUCCESS) {
      if (ph_rpc_result(ac, msg, len, &m, c, w) || pinhole__alg_failed(ac))
        return 0; /* rewritten (msg is stale now), or dropped */
    }
  }
  ph_rpc_leaks(ac, msg, len);
  return 0;
}

static int ph_rpc_message(ph_alg_call *ac, const uint8_t *msg, size_t len,
                          const ph_rpc_where *w) {
  int rc;
  if (pinhole__alg_from(ac) == PH_ALG_CLIENT)
    rc = ph_rpc_call_msg(ac, msg, len);
  else
    rc = ph_rpc_reply_msg(ac, msg, len, w);
  pinhole__alg_error_counter(ac, 0); /* the next record's errors: "RPC" */
  return rc;
}

/* ---- the stream ------------------------------------------------------- */

/* What the ALG wants of a message from its first avail bytes (whole: the
 * first fragment is all there and still the header is not). */
static int ph_rpc_want(ph_alg_call *ac, const uint8_t *p, size_t avail,
                       int whole) {
  pinhole_rpc_msg m;
  int rc = pinhole_rpc_msg_parse(p, avail, &m);
  int client = pinhole__alg_from(ac) == PH_ALG_CLIENT;
  if (rc != 0 && rc != PINHOLE_ERR_PARTIAL)
    return PH_RPC_NOT;
  if (avail >= 8 &&
      m.type != (client ? PINHOLE_RPC_MSG_CALL : PINHOLE_RPC_MSG_REPLY))
    return PH_RPC_NOT;
  if (!client && avail >= 8)
    return ph_rpc_find(ph_rpc_st(ac), m.xid) ? PH_RPC_NEED : PH_RPC_SKIP;
  if (client && avail >= 24) {
    /* a call's prog, vers and proc are read with 24 bytes */
    if (m.prog != PINHOLE_RPC_PROG_PORTMAP)
      return PH_RPC_NOT;
    return ph_rpc_op_reads(pinhole_rpc_pmap_op(m.vers, m.proc)) ? PH_RPC_NEED
                                                                : PH_RPC_SKIP;
  }
  return whole ? PH_RPC_NOT : PH_RPC_WAIT;
}

/* A whole record of at most PH_RPC_MAX_RECORD bytes at payload[pos]. */
static int ph_rpc_record(ph_alg_call *ac, size_t pos,
                         const pinhole_rpc_record *r) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  const uint8_t *msg = p + 4;
  if (r->nfrags > 1) {
    size_t cap;
    uint8_t *buf = pinhole__alg_scratch(ac, &cap);
    if (pinhole_rpc_record_copy(p, r->stream_len, r, buf, cap / 2) < 0)
      return -1;
    msg = buf;
  }
  ph_rpc_where w = {pos, r->stream_len, 1};
  return ph_rpc_message(ac, msg, r->data_len, &w);
}

/* A record that is not whole here or too long to read: withhold it, skip
 * it, or stop. Returns 1 to go on at pos (skipping), 0 when res says. */
static int ph_rpc_unread(ph_alg_call *ac, size_t pos, int rc,
                         const pinhole_rpc_record *r, ph_scan *res) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  size_t left = pinhole__alg_payload_len(ac) - pos;
  size_t avail = left - 4 < r->frag0_len ? left - 4 : r->frag0_len;
  int want = ph_rpc_want(ac, p + 4, avail, avail == r->frag0_len);
  int fits = rc == PINHOLE_ERR_PARTIAL && r->data_len <= PH_RPC_MAX_RECORD;
  res->consumed = pos;
  if (want == PH_RPC_NOT) {
    pinhole__alg_error(ac, "not Sun RPC", p, left < 64 ? left : 64);
    res->desync = 1;
    return 0;
  }
  if ((want == PH_RPC_WAIT || want == PH_RPC_NEED) && fits) {
    res->hold = 1;
    return 0;
  }
  if (want != PH_RPC_SKIP)
    pinhole__alg_error(ac, "record too long", p, left < 64 ? left : 64);
  ph_rpc_st(ac)->cont[pinhole__alg_from(ac)] = 1;
  return 1;
}

/* Skips one fragment of a record being skipped. Returns the bytes it
 * takes in this segment, or 0 when res says what happens. */
static size_t ph_rpc_skip_frag(ph_alg_call *ac, size_t pos, ph_scan *res) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  size_t left = pinhole__alg_payload_len(ac) - pos;
  size_t flen;
  int last;
  int rc = pinhole_rpc_fragment_mark(p, left, &flen, &last);
  res->consumed = pos;
  if (rc == PINHOLE_ERR_PARTIAL) {
    res->hold = 1; /* the mark itself is split */
    return 0;
  }
  if (rc != 0) {
    pinhole__alg_error(ac, "empty record fragment", p, 4);
    res->desync = 1;
    return 0;
  }
  ph_rpc_st(ac)->cont[pinhole__alg_from(ac)] = !last;
  if (flen > left - 4) {
    res->consumed = pinhole__alg_payload_len(ac);
    res->skip_len = (uint32_t)(flen - (left - 4));
    return 0;
  }
  return 4 + flen;
}

static void ph_rpc_stream(ph_alg_call *ac, size_t start, ph_scan *res) {
  ph_rpc_state *st = ph_rpc_st(ac);
  int dir = pinhole__alg_from(ac);
  size_t pos = start;
  while (pos < pinhole__alg_payload_len(ac) && !pinhole__alg_failed(ac)) {
    if (st->cont[dir]) {
      size_t n = ph_rpc_skip_frag(ac, pos, res);
      if (n == 0)
        return;
      pos += n;
      continue;
    }
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    size_t left = pinhole__alg_payload_len(ac) - pos;
    pinhole_rpc_record r;
    int rc = pinhole_rpc_record_walk(p, left, PINHOLE_RPC_RECORD_LIMIT,
                                     PH_RPC_MAX_FRAGS, &r);
    if (rc == PINHOLE_ERR_PARTIAL && r.nfrags == 0) {
      res->consumed = pos;
      res->hold = 1; /* the first mark is split */
      return;
    }
    if (rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_RANGE) {
      /* an empty fragment, or more than 16 MiB or 64 fragments: on the
       * portmapper's port that is not Sun RPC ("GET /" is a 1 GB mark) */
      pinhole__alg_error(ac, "not Sun RPC records", p, left < 64 ? left : 64);
      res->consumed = pos;
      res->desync = 1;
      return;
    }
    if (rc != 0 || r.data_len > PH_RPC_MAX_RECORD) {
      if (!ph_rpc_unread(ac, pos, rc, &r, res))
        return;
      continue;
    }
    size_t len0 = pinhole__alg_payload_len(ac);
    if (ph_rpc_record(ac, pos, &r) != 0) {
      res->consumed = pos;
      res->desync = !pinhole__alg_failed(ac);
      return;
    }
    /* the record may have been rewritten to another length */
    pos += r.stream_len + pinhole__alg_payload_len(ac) - len0;
  }
  res->consumed = pos;
}

static void ph_rpc_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  if (pinhole__alg_l4(ac) == PINHOLE_IPPROTO_TCP) {
    ph_rpc_stream(ac, start, res);
    return;
  }
  /* a datagram is one message; what is not RPC is counted, no more */
  size_t len = pinhole__alg_payload_len(ac);
  ph_rpc_where w = {0, len, 0};
  ph_rpc_message(ac, pinhole__alg_payload(ac), len, &w);
}

/* A rule's allow list names programs by number, in decimal. */
static int ph_rpc_allow_id(const char *text, size_t len, uint8_t *id,
                           size_t *id_len) {
  uint32_t prog;
  if (ph_dec((const uint8_t *)text, len, UINT32_MAX, &prog) != 0)
    return PINHOLE_ERR_PARSE;
  memcpy(id, &prog, 4); /* host order: the id never leaves the process */
  *id_len = 4;
  return 0;
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_rpc_state_ok(const void *state) {
  const ph_rpc_state *st = state;
  if (st->next >= PH_RPC_PENDING || st->cont[0] > 1 || st->cont[1] > 1)
    return 0;
  for (int i = 0; i < PH_RPC_PENDING; i++)
    if (st->call[i].state > PH_RPC_ANSWERED)
      return 0;
  return 1;
}

const ph_alg pinhole__alg_rpc = {
    .name = "rpc",
    .proto = 0, /* UDP and TCP */
    .counter = PINHOLE_CNT_ALG_RPC,
    .stream = 1,
    .state_size = sizeof(ph_rpc_state),
    .state_ok = ph_rpc_state_ok,
    .ports = {111, 0, 0, 0},
    .inspect = ph_rpc_inspect,
    .allow_id = ph_rpc_allow_id,
};
