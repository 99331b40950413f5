/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PPTP ALG (TCP 1723, RFC 2637): the control connection's call IDs and
 * the calls' GRE data flows through NAPT.
 *
 * Roles: the client (the control connection's initiator) is the PNS, the
 * server the PAC (RFC 2637's VPN use: the client asks for an outgoing
 * call). A GRE data packet's key carries only its receiver's call ID, so
 * two inside clients that chose the same call ID for calls to the same
 * server would be told apart by nothing once NATed to one address: the
 * client's call ID is translated to a public one, unique at the public
 * address (a mapping of protocol GRE, pinhole__alg_gre_open), wherever
 * the client sends it, and back wherever the server names it:
 *
 *   client -> server  Outgoing-Call-Request  Call ID: the call is set up,
 *                     its GRE flow opened (the server's call ID unknown)
 *                     Incoming-Call-Reply    Call ID: the same, the
 *                     server's call ID (Peer's Call ID) known
 *                     Call-Clear-Request     Call ID
 *   server -> client  Outgoing-Call-Reply    Peer's Call ID; its Call ID
 *                     (the server's) completes the GRE flow; a result
 *                     other than Connected (1) ends the call
 *                     Incoming-Call-Connected, WAN-Error-Notify:
 *                     Peer's Call ID
 *                     Call-Disconnect-Notify: ends the call (its Call ID
 *                     is the server's own: nothing to translate)
 *
 * The server's call IDs (Incoming-Call-Request, Set-Link-Info) and the
 * messages without call IDs pass as they are. A call's GRE flow is a
 * Forward connection of this conversation with its own idle timeout
 * (pinhole_config.gre_timeout_s); the short closed-flow timeout once its
 * call ends. At most PH_PPTP_CALLS calls per control connection (pptp
 * clients make one).
 *
 * Honoured only inside a PPTP session: the first message of each
 * direction must be a Start-Control-Connection-Request or -Reply, every
 * message must frame (pinhole_pptp_frame: length, type, magic cookie) and
 * come from the side RFC 2637 names as its sender.
 *
 * What happens to a message the ALG cannot handle (each counted as a PPTP
 * ALG error): a message split across segments is withheld until whole
 * (the stream driver); bytes that do not frame (a length that disagrees
 * with its type, an unknown type, a wrong cookie) or a session that does
 * not start with Start-Control-Connection desynchronise the direction for
 * good (nothing more is parsed or opened; a later call's GRE has no flow
 * and is dropped); a message from the wrong side, a call ID that
 * collides, no free call slot or public call ID, or a reply naming no
 * call the ALG set up is refused (dropped: it would carry a call ID the
 * NAT did not translate) and opens nothing.
 */
#include "alg/alg.h"

#include <pinhole/pptp.h>

#include <string.h>

#define PH_PPTP_CALLS 3

/* One call of the control connection. */
typedef struct ph_pptp_call {
  uint32_t flow;       /* its GRE flow (pinhole__alg_gre_open); 0: free */
  uint16_t client_cid; /* the client's (PNS's) call ID */
  uint16_t public_cid; /* as the server sees it */
  uint16_t server_cid; /* the server's (PAC's); 0 until it replied */
  uint16_t pad_;
} ph_pptp_call;

enum ph_pptp_flag {
  PH_PPTP_STARTED_C = 0x1, /* the client's session start was seen */
  PH_PPTP_STARTED_S = 0x2  /* the server's */
};

typedef struct ph_pptp_state {
  ph_pptp_call call[PH_PPTP_CALLS];
  uint8_t flags;
} ph_pptp_state;

/* The slot of the call whose field at `which` (offsetof) holds id. */
static ph_pptp_call *ph_pptp_find(ph_pptp_state *st, size_t which,
                                  uint16_t id) {
  for (int i = 0; i < PH_PPTP_CALLS; i++) {
    ph_pptp_call *k = &st->call[i];
    uint16_t v;
    memcpy(&v, (const uint8_t *)k + which, sizeof(v));
    if (k->flow != 0 && v == id)
      return k;
  }
  return NULL;
}

#define PH_BY_CLIENT offsetof(ph_pptp_call, client_cid)
#define PH_BY_PUBLIC offsetof(ph_pptp_call, public_cid)
#define PH_BY_SERVER offsetof(ph_pptp_call, server_cid)

/* Writes call ID id over the 2-byte field at payload[off]. */
static int ph_pptp_put(ph_alg_call *ac, size_t off, uint16_t id) {
  uint8_t rep[2] = {(uint8_t)(id >> 8), (uint8_t)id};
  const uint8_t *p = pinhole__alg_payload(ac) + off;
  if (p[0] == rep[0] && p[1] == rep[1])
    return 0;
  return pinhole__alg_splice(ac, off, 2, rep, 2);
}

static void ph_pptp_trace_cid(ph_alg_call *ac, uint16_t from, uint16_t to) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  int client = pinhole__alg_from(ac) == PH_ALG_CLIENT;
  pinhole_endpoint a = {client ? e.client.addr : e.client_pub.addr, from, 0};
  pinhole_endpoint b = {client ? e.client_pub.addr : e.client.addr, to, 0};
  pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &a, &b, 0, NULL, 0);
}

/* A new call of the client: its GRE flow, its Call ID field at `at`
 * rewritten to the public call ID. */
static void ph_pptp_call_new(ph_alg_call *ac, ph_pptp_state *st, size_t at,
                             const pinhole_pptp_msg *m, uint16_t server_cid) {
  ph_pptp_call *k = ph_pptp_find(st, PH_BY_CLIENT, m->call_id);
  if (k != NULL && k->server_cid == 0 && server_cid == 0) {
    /* the request again (retransmitted): the same translation */
    ph_pptp_put(ac, at + m->call_id_off, k->public_cid);
    return;
  }
  for (int i = 0; k == NULL && i < PH_PPTP_CALLS; i++)
    if (st->call[i].flow == 0)
      k = &st->call[i];
  if (k == NULL) {
    pinhole__alg_refuse(ac, "too many calls on the control connection", NULL,
                        0);
    return;
  }
  uint16_t pub;
  uint32_t flow;
  int rc = pinhole__alg_gre_open(ac, m->call_id, server_cid, &pub, &flow);
  if (rc != 0) {
    pinhole__alg_refuse(ac,
                        rc == PINHOLE_ERR_EXISTS ? "call ID collision"
                                                 : "no public call ID",
                        NULL, 0);
    return;
  }
  k->flow = flow;
  k->client_cid = m->call_id;
  k->public_cid = pub;
  k->server_cid = server_cid;
  ph_pptp_put(ac, at + m->call_id_off, pub); /* traced by the service */
}

static void ph_pptp_call_end(ph_alg_call *ac, ph_pptp_call *k) {
  pinhole__alg_gre_close(ac, k->flow, k->public_cid);
  memset(k, 0, sizeof(*k));
}

/* A message of the client (PNS) at payload[at]. */
static void ph_pptp_from_client(ph_alg_call *ac, ph_pptp_state *st, size_t at,
                                const pinhole_pptp_msg *m) {
  switch (m->type) {
  case PINHOLE_PPTP_OUT_CALL_REQUEST:
    ph_pptp_call_new(ac, st, at, m, 0);
    return;
  case PINHOLE_PPTP_IN_CALL_REPLY:
    if (m->peer_call_id == 0) {
      pinhole__alg_refuse(ac, "server call ID 0", NULL, 0);
      return;
    }
    ph_pptp_call_new(ac, st, at, m, m->peer_call_id);
    return;
  case PINHOLE_PPTP_CALL_CLEAR_REQUEST: {
    ph_pptp_call *k = ph_pptp_find(st, PH_BY_CLIENT, m->call_id);
    if (k == NULL) {
      pinhole__alg_refuse(ac, "Call-Clear-Request for no known call", NULL, 0);
      return;
    }
    if (ph_pptp_put(ac, at + m->call_id_off, k->public_cid) == 0)
      ph_pptp_trace_cid(ac, k->client_cid, k->public_cid);
    return;
  }
  default:
    return; /* no call ID of the client's (Set-Link-Info names the
               server's) */
  }
}

/* The server's reply to an Outgoing-Call-Request: the call's server call
 * ID, or its end. */
static void ph_pptp_out_reply(ph_alg_call *ac, ph_pptp_call *k,
                              const pinhole_pptp_msg *m) {
  if (m->result != 1) {
    ph_pptp_call_end(ac, k); /* not connected: no call */
    return;
  }
  if (k->server_cid == m->call_id)
    return; /* the reply again */
  int rc = pinhole__alg_gre_peer(ac, k->flow, k->public_cid, m->call_id);
  if (rc != 0) {
    pinhole__alg_refuse(ac,
                        rc == PINHOLE_ERR_EXISTS ? "call ID collision"
                                                 : "no GRE flow for the call",
                        NULL, 0);
    ph_pptp_call_end(ac, k);
    return;
  }
  k->server_cid = m->call_id;
}

/* A message of the server (PAC) at payload[at]. */
static void ph_pptp_from_server(ph_alg_call *ac, ph_pptp_state *st, size_t at,
                                const pinhole_pptp_msg *m) {
  if (m->type == PINHOLE_PPTP_CALL_DISCONNECT_NOTIFY) {
    ph_pptp_call *k = ph_pptp_find(st, PH_BY_SERVER, m->call_id);
    if (k != NULL)
      ph_pptp_call_end(ac, k);
    return;
  }
  if (!(m->flags & PINHOLE_PPTP_MSG_PEER_CALL_ID))
    return; /* Incoming-Call-Request: the server's own call ID */
  ph_pptp_call *k = ph_pptp_find(st, PH_BY_PUBLIC, m->peer_call_id);
  if (k == NULL) {
    pinhole__alg_refuse(ac, "message for no known call", NULL, 0);
    return;
  }
  uint16_t client_cid = k->client_cid, public_cid = k->public_cid;
  if (m->type == PINHOLE_PPTP_OUT_CALL_REPLY) {
    ph_pptp_out_reply(ac, k, m);
    if (pinhole__alg_failed(ac))
      return;
  }
  if (ph_pptp_put(ac, at + m->peer_call_id_off, client_cid) == 0)
    ph_pptp_trace_cid(ac, public_cid, client_cid);
}

/* One framed message at payload[at]. Returns 0, or -1 to desynchronise. */
static int ph_pptp_msg(ph_alg_call *ac, ph_pptp_state *st, size_t at,
                       const pinhole_pptp_msg *m) {
  int client = pinhole__alg_from(ac) == PH_ALG_CLIENT;
  uint8_t started = client ? PH_PPTP_STARTED_C : PH_PPTP_STARTED_S;
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     (const uint8_t *)pinhole_pptp_type_name(m->type),
                     strlen(pinhole_pptp_type_name(m->type)));
  if (!(st->flags & started)) {
    if (m->type != PINHOLE_PPTP_START_CTRL_REQUEST &&
        m->type != PINHOLE_PPTP_START_CTRL_REPLY) {
      pinhole__alg_error(ac, "not a PPTP session start", NULL, 0);
      return -1;
    }
    st->flags |= started;
    return 0;
  }
  if (m->sender != PINHOLE_PPTP_SENDER_EITHER &&
      m->sender !=
          (client ? PINHOLE_PPTP_SENDER_PNS : PINHOLE_PPTP_SENDER_PAC)) {
    pinhole__alg_refuse(ac, "message from the wrong side", NULL, 0);
    return 0;
  }
  if (client)
    ph_pptp_from_client(ac, st, at, m);
  else
    ph_pptp_from_server(ac, st, at, m);
  return 0;
}

static void ph_pptp_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  ph_pptp_state *st = pinhole__alg_state(ac);
  size_t pos = start, len = pinhole__alg_payload_len(ac);
  while (pos < len && !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    pinhole_pptp_msg m;
    int rc = pinhole_pptp_frame(p, len - pos, &m);
    if (rc == PINHOLE_ERR_PARTIAL) {
      res->consumed = pos;
      res->hold = 1; /* the framer says it can still become a message */
      return;
    }
    if (rc != 0) {
      size_t shown = len - pos < 16 ? len - pos : 16;
      pinhole__alg_error(ac, "malformed PPTP message", p, shown);
      res->consumed = pos;
      res->desync = 1;
      return;
    }
    if (ph_pptp_msg(ac, st, pos, &m) != 0) {
      res->consumed = pos;
      res->desync = 1;
      return;
    }
    pos += m.length; /* rewrites keep lengths */
  }
  res->consumed = pos;
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_pptp_state_ok(const void *state) {
  const ph_pptp_state *st = state;
  return (st->flags & ~(PH_PPTP_STARTED_C | PH_PPTP_STARTED_S)) == 0;
}

const ph_alg pinhole__alg_pptp = {
    .name = "pptp",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_PPTP,
    .stream = 1,
    .state_size = sizeof(ph_pptp_state),
    .state_ok = ph_pptp_state_ok,
    .ports = {1723, 0, 0, 0},
    .inspect = ph_pptp_inspect,
};
