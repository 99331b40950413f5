/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DCE-RPC / MS-RPC ALG (DCE 1.1 RPC, C706: connection-oriented PDUs,
 * NDR, towers, the endpoint mapper; MS-RPCE): the port the endpoint mapper
 * hands out opens, nothing else does.
 *
 * Watches the endpoint mapper (TCP 135) in both directions. A bind or
 * alter_context offering the endpoint mapper interface (e1af8308-...,
 * v3.0) and its ack tell which presentation contexts are the endpoint
 * mapper and with which transfer syntax; an ept_map request (opnum 3) on
 * such a context is remembered by call id (a few per connection); the
 * response with that call id (all its fragments) is read, and each tower
 * with a TCP or UDP port floor opens one pinhole from the client, any
 * source port, to the server as the client sees it on that port, for the
 * configured lifetime, in the same conversation. Under destination NAT
 * (server inside) an IPv4 address floor naming the inside server is
 * rewritten in place to the public address (same size: nothing moves).
 *
 * Safety: PDUs are parsed only where one can begin (the engine's stream
 * driver); a call the ALG reads is withheld while split across segments
 * when it is at most PH_DCE_MAX_CALL bytes, PDUs it does not need are
 * skipped by their length. The first thing that is not a
 * connection-oriented DCE-RPC PDU of the sender's role stops parsing that
 * direction for good (NAT slipstreaming). A tower naming a third party,
 * port 0 or a port below 1024 (unless configured) opens nothing (counted).
 * A response the ALG cannot read or rewrite (NDR64, packet integrity or
 * privacy) is refused under destination NAT (fail closed) and opens
 * nothing otherwise.
 *
 * Counters: "DCE-RPC" for PDUs and calls, "DCE-RPC portmap" for the
 * endpoint mapper (requests, towers, policy, pinholes).
 *
 * Rules: a rule naming this ALG may list interface UUIDs
 * (pinhole_rule_alg_allow); then only towers whose interface floor is
 * listed open (a tower without one counts as the nil UUID), the others
 * are counted under "DCE-RPC portmap" and open nothing.
 *
 * Limits: connectionless DCE-RPC (UDP 135), ept_lookup and DCOM's
 * OXID resolver are not parsed.
 */
#include "alg/alg.h"
#include "alg/text.h"

#include <pinhole/dcerpc.h>

#include <string.h>

/* Largest call (all its PDUs) read or withheld when split; an ept_map
 * response with a few towers is a few hundred bytes. */
#define PH_DCE_MAX_CALL 4096
#define PH_DCE_MAX_FRAGS 8
/* Outstanding ept_map calls and endpoint mapper contexts remembered. */
#define PH_DCE_PENDING 3
#define PH_DCE_CTX 2
/* Authentication levels (C706 13.1.2.1, MS-RPCE 2.2.1.1.8): from "packet"
 * on, the stub (or the PDU) is signed or sealed and cannot be rewritten;
 * under "privacy" it cannot even be read. */
#define PH_DCE_AUTH_PKT 4
#define PH_DCE_AUTH_PRIVACY 6

enum ph_dce_call_flag {
  PH_DCE_WAITING = 0x1,  /* the response has not been seen */
  PH_DCE_ANSWERED = 0x2, /* seen; kept so a resent one is handled again */
  PH_DCE_OPAQUE = 0x4    /* NDR64 or sealed: the response cannot be read */
};

typedef struct ph_dce_state {
  uint32_t call_id[PH_DCE_PENDING];
  uint8_t call_flags[PH_DCE_PENDING]; /* enum ph_dce_call_flag, 0: free */
  uint8_t next;                       /* the slot a new call replaces */
  uint16_t bind_ctx[PH_DCE_CTX];      /* endpoint mapper contexts offered */
  uint8_t bind_pos[PH_DCE_CTX];       /* ... at this place of the bind */
  uint8_t nbind;
  uint8_t nepm;
  uint16_t epm_ctx[PH_DCE_CTX]; /* endpoint mapper contexts accepted */
  uint8_t epm_ndr64[PH_DCE_CTX];
  uint8_t pad_[2];
} ph_dce_state;

_Static_assert(sizeof(ph_dce_state) <= PH_ALG_STATE_SIZE,
               "DCE-RPC state fits the ALG slot");

/* What the ALG wants of a PDU whose header it has read. */
enum ph_dce_want {
  PH_DCE_SKIP = 0, /* not needed: step over frag_len bytes */
  PH_DCE_WAIT = 1, /* need the whole PDU to know */
  PH_DCE_NEED = 2  /* read the whole call */
};

static const uint8_t ph_dce_epm[16] = PINHOLE_DCERPC_UUID_EPM;
static const uint8_t ph_dce_ndr[16] = PINHOLE_DCERPC_UUID_NDR;
static const uint8_t ph_dce_ndr64[16] = PINHOLE_DCERPC_UUID_NDR64;

static ph_dce_state *ph_dce_st(ph_alg_call *ac) {
  return pinhole__alg_state(ac);
}

static int ph_dce_find(const ph_dce_state *st, uint32_t call_id) {
  for (int i = 0; i < PH_DCE_PENDING; i++)
    if (st->call_flags[i] != 0 && st->call_id[i] == call_id)
      return i;
  return -1;
}

/* The endpoint mapper context ctx_id, as its slot, or -1. */
static int ph_dce_epm_ctx(const ph_dce_state *st, uint16_t ctx_id) {
  for (int i = 0; i < st->nepm; i++)
    if (st->epm_ctx[i] == ctx_id)
      return i;
  return -1;
}

static void ph_dce_remember(ph_alg_call *ac, uint32_t call_id, uint8_t flags) {
  ph_dce_state *st = ph_dce_st(ac);
  int k = ph_dce_find(st, call_id);
  for (int i = 0; k < 0 && i < PH_DCE_PENDING; i++)
    if (!(st->call_flags[i] & PH_DCE_WAITING))
      k = i;
  if (k < 0) {
    pinhole__alg_error(ac, "too many outstanding ept_map calls", NULL, 0);
    k = st->next;
    st->next = (uint8_t)((st->next + 1) % PH_DCE_PENDING);
  }
  st->call_id[k] = call_id;
  st->call_flags[k] = (uint8_t)(PH_DCE_WAITING | flags);
}

/* ---- presentation contexts ------------------------------------------ */

static int ph_dce_is(const pinhole_dcerpc_syntax *s, const uint8_t *uuid,
                     uint16_t major) {
  return memcmp(s->uuid, uuid, 16) == 0 && s->major == major && s->minor == 0;
}

/* bind / alter_context: which offered contexts are the endpoint mapper. */
static void ph_dce_bind(ph_alg_call *ac, const uint8_t *p, size_t len) {
  ph_dce_state *st = ph_dce_st(ac);
  pinhole_dcerpc_bind b;
  st->nbind = 0;
  if (pinhole_dcerpc_bind_parse(p, len, &b) != 0) {
    pinhole__alg_error(ac, "malformed bind", p, len < 64 ? len : 64);
    return;
  }
  for (size_t i = 0; i < b.ncontexts && st->nbind < PH_DCE_CTX; i++) {
    if (!ph_dce_is(&b.ctx[i].abstract, ph_dce_epm, 3))
      continue;
    st->bind_ctx[st->nbind] = b.ctx[i].ctx_id;
    st->bind_pos[st->nbind++] = (uint8_t)i;
  }
}

/* bind_ack / alter_context_resp: the contexts accepted, and with what. */
static void ph_dce_bind_ack(ph_alg_call *ac, const uint8_t *p, size_t len) {
  ph_dce_state *st = ph_dce_st(ac);
  pinhole_dcerpc_bind_ack a;
  if (pinhole_dcerpc_bind_ack_parse(p, len, &a) != 0) {
    pinhole__alg_error(ac, "malformed bind_ack", p, len < 64 ? len : 64);
    st->nbind = 0;
    return;
  }
  for (int i = 0; i < st->nbind; i++) {
    const pinhole_dcerpc_result *r = &a.result[st->bind_pos[i]];
    if (st->bind_pos[i] >= a.nresults || r->result != 0)
      continue;
    int ndr64 = ph_dce_is(&r->transfer, ph_dce_ndr64, 1);
    if (!ndr64 && !ph_dce_is(&r->transfer, ph_dce_ndr, 2))
      continue;
    int k = ph_dce_epm_ctx(st, st->bind_ctx[i]);
    if (k < 0 && st->nepm < PH_DCE_CTX)
      k = st->nepm++;
    if (k < 0)
      k = PH_DCE_CTX - 1; /* a third one replaces the last */
    st->epm_ctx[k] = st->bind_ctx[i];
    st->epm_ndr64[k] = (uint8_t)ndr64;
  }
  st->nbind = 0;
}

/* ---- ept_map ------------------------------------------------------------ */

/* An ept_map request (whole call c at p). */
static void ph_dce_request(ph_alg_call *ac, const uint8_t *p,
                           const pinhole_dcerpc_call *c,
                           const pinhole_dcerpc_pdu *h) {
  ph_dce_state *st = ph_dce_st(ac);
  int k = ph_dce_epm_ctx(st, h->ctx_id);
  pinhole__alg_error_counter(ac, PINHOLE_CNT_ALG_DCERPC_PORTMAP);
  if (k < 0)
    return;
  if (st->epm_ndr64[k] ||
      (h->auth_len > 0 && h->auth_level >= PH_DCE_AUTH_PRIVACY)) {
    ph_dce_remember(ac, c->call_id, PH_DCE_OPAQUE);
    return;
  }
  size_t cap;
  uint8_t *stub = pinhole__alg_scratch(ac, &cap);
  int n = pinhole_dcerpc_stub_copy(p, c->stream_len, c, stub, cap);
  pinhole_dcerpc_ept_map m;
  if (n < 0 || pinhole_dcerpc_ept_map_request_parse(stub, (size_t)n, 0,
                                                    c->big_endian, &m) != 0) {
    pinhole__alg_error(ac, "malformed ept_map request", NULL, 0);
    return;
  }
  uint8_t text[64] = "ept_map";
  size_t tl = 7;
  if (m.ntowers == 1 && (m.tower[0].flags & PINHOLE_DCERPC_TOWER_IFACE)) {
    text[tl++] = ' ';
    tl += (size_t)pinhole_dcerpc_uuid_format(m.tower[0].iface.uuid,
                                             (char *)text + tl, 36);
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, text, tl);
  ph_dce_remember(ac, c->call_id, 0);
}

/* Does the rule let the tower's interface open (counted when not)? A
 * tower without an interface floor counts as the nil UUID. */
static int ph_dce_allowed(ph_alg_call *ac, const pinhole_dcerpc_tower *t,
                          const uint8_t *text, size_t tl) {
  static const uint8_t nil[16] = {0};
  int iface = (t->flags & PINHOLE_DCERPC_TOWER_IFACE) != 0;
  if (!iface)
    tl = 0;
  return pinhole__alg_allowed(ac, iface ? t->iface.uuid : nil, 16, "interface",
                              tl ? text : (const uint8_t *)"-", tl ? tl : 1);
}

/* One tower of a response in buf: the pinhole, and the address floor
 * rewritten under NAT. Returns 1 when buf changed. */
static int ph_dce_tower(ph_alg_call *ac, uint8_t *buf, size_t len,
                        const pinhole_dcerpc_tower *t) {
  if (!(t->flags & PINHOLE_DCERPC_TOWER_PORT))
    return 0; /* a named pipe or another transport: nothing to open */
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  uint32_t addr = (t->flags & PINHOLE_DCERPC_TOWER_ADDR) ? t->addr : 0;
  pinhole_endpoint real = {addr, t->port, 0};
  /* no address floor, 0.0.0.0 or loopback: the server itself */
  int floor = (t->flags & PINHOLE_DCERPC_TOWER_ADDR) != 0;
  if (addr == 0 || (addr >> 24) == 127)
    addr = e.server.addr;
  uint8_t text[36];
  size_t tl = 0;
  if (t->flags & PINHOLE_DCERPC_TOWER_IFACE)
    tl = (size_t)pinhole_dcerpc_uuid_format(t->iface.uuid, (char *)text, 36);
  pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &real, NULL, 0, text, tl);
  /* the inside server's own address is translated whether or not a
   * pinhole opens */
  int changed = 0;
  pinhole_endpoint pub = {e.server_pub.addr, t->port, 0};
  if (floor && addr == e.server.addr && addr != pub.addr) {
    if (pinhole_dcerpc_tower_rewrite(buf, len, t, PINHOLE_DCERPC_REWRITE_ADDR,
                                     pub.addr, 0) != 0)
      return 0;
    pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &real, &pub, 0, NULL, 0);
    changed = 1;
  }
  if (t->port == 0) {
    pinhole__alg_error(ac, "endpoint port 0", text, tl);
    return changed;
  }
  int whose = pinhole__alg_policy(ac, PH_ALG_SERVER, addr, t->port, "endpoint",
                                  text, tl);
  if (whose < 0 || !ph_dce_allowed(ac, t, text, tl))
    return changed;
  uint32_t seen = whose == PH_ALG_REAL ? e.server_pub.addr : addr;
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.proto = t->proto;
  x.from = PH_ALG_CLIENT;
  x.src = e.client.addr;
  x.dst = seen;
  x.dport = t->port;
  x.to_addr = whose == PH_ALG_PUBLIC ? e.server.addr : addr;
  x.to_port = t->port;
  x.snat = 1;
  pinhole__alg_open_pinhole(ac, &x);
  return changed;
}

/* A response the ALG cannot read or rewrite: refused under destination
 * NAT, counted otherwise. */
static void ph_dce_unreadable(ph_alg_call *ac, const char *why) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  if (e.server.addr != e.server_pub.addr)
    pinhole__alg_refuse(ac, why, NULL, 0);
  else
    pinhole__alg_error(ac, why, NULL, 0);
}

/* The towers of an ept_map response (whole call c at payload[pos]). */
static void ph_dce_response(ph_alg_call *ac, size_t pos,
                            const pinhole_dcerpc_call *c,
                            const pinhole_dcerpc_pdu *h, uint8_t flags) {
  pinhole__alg_error_counter(ac, PINHOLE_CNT_ALG_DCERPC_PORTMAP);
  if (flags & PH_DCE_OPAQUE) {
    ph_dce_unreadable(ac, "ept_map response not readable (NDR64, sealed)");
    return;
  }
  if (h->auth_len > 0 && h->auth_level >= PH_DCE_AUTH_PKT) {
    ph_dce_unreadable(ac, "ept_map response signed: cannot be rewritten");
    return;
  }
  /* the call's PDUs in the scratch's first half, its stub in the second */
  size_t cap;
  uint8_t *pdus = pinhole__alg_scratch(ac, &cap);
  uint8_t *stub = pdus + cap / 2;
  memcpy(pdus, pinhole__alg_payload(ac) + pos, c->stream_len);
  int n = pinhole_dcerpc_stub_copy(pdus, c->stream_len, c, stub, cap / 2);
  pinhole_dcerpc_ept_map m;
  if (n < 0 || pinhole_dcerpc_ept_map_response_parse(stub, (size_t)n, 0,
                                                     c->big_endian, &m) != 0) {
    ph_dce_unreadable(ac, "malformed ept_map response");
    return;
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     (const uint8_t *)"ept_map response", 16);
  if (m.status != 0)
    return; /* not registered: nothing opens */
  int changed = 0;
  for (size_t i = 0; i < m.ntowers && !pinhole__alg_failed(ac); i++)
    changed |= ph_dce_tower(ac, stub, (size_t)n, &m.tower[i]);
  if (!changed)
    return;
  if (pinhole_dcerpc_stub_write(pdus, c->stream_len, c, 0, stub, (size_t)n) !=
      0) {
    ph_dce_unreadable(ac, "ept_map response rewrite failed");
    return;
  }
  pinhole__alg_splice(ac, pos, c->stream_len, pdus, c->stream_len);
}

/* ---- the stream ------------------------------------------------------- */

/* May this party send a PDU of this type? */
static int ph_dce_role_ok(int from, uint8_t ptype) {
  /* request, bind, alter_context, auth3, co_cancel, orphaned */
  static const uint32_t client =
      1u << 0 | 1u << 11 | 1u << 14 | 1u << 16 | 1u << 18 | 1u << 19;
  /* response, fault, bind_ack, bind_nak, alter_context_resp, shutdown */
  static const uint32_t server =
      1u << 2 | 1u << 3 | 1u << 12 | 1u << 13 | 1u << 15 | 1u << 17;
  return ptype < 32 &&
         ((from == PH_ALG_CLIENT ? client : server) >> ptype & 1u) != 0;
}

static int ph_dce_want(ph_alg_call *ac, const pinhole_dcerpc_pdu *h,
                       int whole) {
  ph_dce_state *st = ph_dce_st(ac);
  int first = (h->flags & PINHOLE_DCERPC_PFC_FIRST_FRAG) != 0;
  switch (h->ptype) {
  case PINHOLE_DCERPC_PTYPE_BIND:
  case PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT:
  case PINHOLE_DCERPC_PTYPE_BIND_NAK:
    return PH_DCE_NEED;
  case PINHOLE_DCERPC_PTYPE_BIND_ACK:
  case PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT_RESP:
    return st->nbind ? PH_DCE_NEED : PH_DCE_SKIP;
  case PINHOLE_DCERPC_PTYPE_REQUEST:
    if (!first)
      return PH_DCE_SKIP;
    if (!whole)
      return PH_DCE_WAIT; /* context and opnum follow the header */
    return ph_dce_epm_ctx(st, h->ctx_id) >= 0 &&
                   h->opnum == PINHOLE_DCERPC_OPNUM_EPT_MAP
               ? PH_DCE_NEED
               : PH_DCE_SKIP;
  case PINHOLE_DCERPC_PTYPE_RESPONSE:
  case PINHOLE_DCERPC_PTYPE_FAULT: {
    int k = ph_dce_find(st, h->call_id);
    return first && k >= 0 ? PH_DCE_NEED : PH_DCE_SKIP;
  }
  default:
    return PH_DCE_SKIP;
  }
}

/* A whole call the ALG reads, at payload[pos]. */
static void ph_dce_call(ph_alg_call *ac, size_t pos,
                        const pinhole_dcerpc_call *c) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  ph_dce_state *st = ph_dce_st(ac);
  pinhole_dcerpc_pdu h;
  (void)pinhole_dcerpc_pdu_parse(p, c->stream_len, &h);
  int k;
  switch (c->ptype) {
  case PINHOLE_DCERPC_PTYPE_BIND:
  case PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT:
    ph_dce_bind(ac, p, c->stream_len);
    break;
  case PINHOLE_DCERPC_PTYPE_BIND_ACK:
  case PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT_RESP:
    ph_dce_bind_ack(ac, p, c->stream_len);
    break;
  case PINHOLE_DCERPC_PTYPE_BIND_NAK:
    st->nbind = 0;
    break;
  case PINHOLE_DCERPC_PTYPE_REQUEST:
    ph_dce_request(ac, p, c, &h);
    break;
  default: /* response or fault to a remembered call */
    k = ph_dce_find(st, c->call_id);
    if (k < 0)
      break;
    uint8_t flags = st->call_flags[k];
    st->call_flags[k] = (uint8_t)(PH_DCE_ANSWERED | (flags & PH_DCE_OPAQUE));
    if (c->ptype == PINHOLE_DCERPC_PTYPE_RESPONSE)
      ph_dce_response(ac, pos, c, &h, flags);
    break;
  }
}

/* A call the ALG needs at payload[pos] whose first PDU is h: read it,
 * withhold it, or skip it. Returns the bytes to step over (0: res says). */
static size_t ph_dce_needed(ph_alg_call *ac, size_t pos,
                            const pinhole_dcerpc_pdu *h, ph_scan *res) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  size_t left = pinhole__alg_payload_len(ac) - pos;
  pinhole_dcerpc_call c;
  int rc =
      pinhole_dcerpc_call_walk(p, left, PH_DCE_MAX_CALL, PH_DCE_MAX_FRAGS, &c);
  res->consumed = pos;
  if (rc == 0) {
    ph_dce_call(ac, pos, &c);
    return c.stream_len;
  }
  if (rc == PINHOLE_ERR_PARTIAL) {
    /* how long the call is at least: the PDUs seen and the one cut */
    pinhole_dcerpc_pdu cut;
    (void)pinhole_dcerpc_pdu_parse(p + c.stream_len, left - c.stream_len, &cut);
    size_t need = c.stream_len + (cut.frag_len ? cut.frag_len : 16);
    if (need <= PH_DCE_MAX_CALL) {
      res->hold = 1;
      return 0;
    }
  }
  if (rc == PINHOLE_ERR_PARSE) {
    pinhole__alg_error(ac, "malformed fragmented call", p, 16);
    res->desync = 1;
    return 0;
  }
  /* too long to read: counted, the PDU stepped over (a remembered call is
   * answered without a pinhole) */
  pinhole__alg_error(ac, "call too long", p, 16);
  int k = ph_dce_find(ph_dce_st(ac), h->call_id);
  if (k >= 0 && pinhole__alg_from(ac) == PH_ALG_SERVER)
    ph_dce_st(ac)->call_flags[k] = PH_DCE_ANSWERED;
  return SIZE_MAX;
}

static void ph_dce_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  size_t pos = start;
  while (pos < pinhole__alg_payload_len(ac) && !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    size_t left = pinhole__alg_payload_len(ac) - pos;
    pinhole_dcerpc_pdu h;
    int rc = pinhole_dcerpc_pdu_parse(p, left, &h);
    pinhole__alg_error_counter(ac, 0); /* PDU errors: "DCE-RPC" */
    res->consumed = pos;
    if (rc == PINHOLE_ERR_PARTIAL && h.frag_len == 0) {
      res->hold = 1; /* fewer than 16 bytes: the header is split */
      return;
    }
    if ((rc != 0 && rc != PINHOLE_ERR_PARTIAL) ||
        !ph_dce_role_ok(pinhole__alg_from(ac), h.ptype)) {
      pinhole__alg_error(ac, "not a DCE-RPC PDU", p, left < 16 ? left : 16);
      res->desync = 1;
      return;
    }
    int want = ph_dce_want(ac, &h, rc == 0);
    size_t n = h.frag_len;
    if (want == PH_DCE_WAIT && h.frag_len <= PH_DCE_MAX_CALL) {
      res->hold = 1;
      return;
    }
    if (want == PH_DCE_NEED) {
      n = ph_dce_needed(ac, pos, &h, res);
      if (n == 0)
        return;
      if (n == SIZE_MAX)
        n = h.frag_len;
    }
    if (n > left) {
      res->consumed = pinhole__alg_payload_len(ac);
      res->skip_len = (uint32_t)(n - left);
      return;
    }
    pos += n;
  }
  res->consumed = pos;
}

/* A rule's allow list names interfaces by UUID, in text form. */
static int ph_dce_allow_id(const char *text, size_t len, uint8_t *id,
                           size_t *id_len) {
  if (pinhole_dcerpc_uuid_parse(text, len, id) != 0)
    return PINHOLE_ERR_PARSE;
  *id_len = 16;
  return 0;
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_dcerpc_state_ok(const void *state) {
  const ph_dce_state *st = state;
  if (st->next >= PH_DCE_PENDING || st->nbind > PH_DCE_CTX ||
      st->nepm > PH_DCE_CTX)
    return 0;
  for (int i = 0; i < PH_DCE_PENDING; i++)
    if ((st->call_flags[i] &
         ~(PH_DCE_WAITING | PH_DCE_ANSWERED | PH_DCE_OPAQUE)) != 0)
      return 0;
  return 1;
}

const ph_alg pinhole__alg_dcerpc = {
    .name = "dcerpc",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_DCERPC,
    .stream = 1,
    .state_size = sizeof(ph_dce_state),
    .state_ok = ph_dcerpc_state_ok,
    .ports = {135, 0, 0, 0},
    .inspect = ph_dce_inspect,
    .allow_id = ph_dce_allow_id,
};
