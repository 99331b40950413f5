/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BOOTP/DHCP ALG (RFC 951, RFC 1542 relays, RFC 2131, RFC 2132): UDP 67
 * and 68, a relay agent behind NAT talking to a server beyond it.
 *
 * Every message is validated by the pure parser (pinhole_bootp_parse: the
 * fixed header, the option chains of options, file and sname, options 52,
 * 53, 54 and 82); a message it refuses is a BOOTP ALG error and is dropped
 * (passed, counted, with PINHOLE_CFG_ALG_PASS_UNTRANSLATED).
 *
 * A relayed request (giaddr set) from a relay behind NAT: giaddr, where
 * the server sends its replies, becomes the relay's public address, and
 * the request's xid and original giaddr are remembered in the state slot.
 * The server's reply, matched by xid, gets its giaddr back, so that the
 * relay recognises the link it serves. A reply without a remembered xid
 * has a giaddr equal to the relay's public address turned back into the
 * relay's own address.
 *
 * Limits: the server answers to giaddr, port 67 (RFC 2131 4.1). Those
 * answers reach the relay through its own connection only when its public
 * port is 67 too - a static 1:1 rule keeps ports; behind NAPT they need a
 * server that answers the request's source port (RFC 8357). ciaddr,
 * yiaddr, siaddr and option 82's link selection and server override are
 * lease data and pass unchanged.
 */
#include "alg/alg.h"

#include <pinhole/bootp.h>

#include <stdio.h>
#include <string.h>

#define PH_BOOTP_PENDING 5

typedef struct ph_bootp_req {
  uint32_t xid;
  uint32_t giaddr; /* as the relay sent it */
} ph_bootp_req;

typedef struct ph_bootp_state {
  uint8_t next; /* ring position of the next request remembered */
  uint8_t pad_[7];
  ph_bootp_req r[PH_BOOTP_PENDING];
} ph_bootp_state;

_Static_assert(sizeof(ph_bootp_state) <= PH_ALG_STATE_SIZE,
               "BOOTP state fits the slot");

/* A relayed request: giaddr becomes the relay's public address. */
static void ph_bootp_request(ph_alg_call *ac, const pinhole_bootp_msg *m) {
  uint32_t to;
  int whose = pinhole__alg_carried(ac, m->giaddr, &to);
  if (whose == PH_ALG_REAL || whose < 0) {
    /* the relay's address, or another of its inside addresses (the link
     * it serves): replies must come to its public address */
    ph_ends e;
    pinhole__alg_ends(ac, &e);
    to = pinhole__alg_from(ac) == PH_ALG_CLIENT ? e.client_pub.addr
                                                : e.server_pub.addr;
  }
  if (to == m->giaddr)
    return;
  ph_bootp_state *st = pinhole__alg_state(ac);
  ph_bootp_req *r = &st->r[st->next];
  st->next = (uint8_t)((st->next + 1) % PH_BOOTP_PENDING);
  r->xid = m->xid;
  r->giaddr = m->giaddr;
  pinhole__alg_put_addr(ac, PINHOLE_BOOTP_GIADDR_OFF, to);
}

/* A reply to a relay: its giaddr back as the relay sent it. */
static void ph_bootp_reply(ph_alg_call *ac, const pinhole_bootp_msg *m) {
  ph_bootp_state *st = pinhole__alg_state(ac);
  uint32_t to = m->giaddr;
  int found = 0;
  for (unsigned i = 0; i < PH_BOOTP_PENDING && !found; i++) {
    /* the newest first: a relay may reuse an xid */
    const ph_bootp_req *r =
        &st->r[(st->next + PH_BOOTP_PENDING - 1 - i) % PH_BOOTP_PENDING];
    if (r->giaddr != 0 && r->xid == m->xid) {
      to = r->giaddr;
      found = 1;
    }
  }
  if (!found && pinhole__alg_carried(ac, m->giaddr, &to) < 0) {
    pinhole__alg_refuse(ac, "giaddr is not the sender's", NULL, 0);
    return;
  }
  if (to != m->giaddr)
    pinhole__alg_put_addr(ac, PINHOLE_BOOTP_GIADDR_OFF, to);
}

static void ph_bootp_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  (void)start;
  (void)res;
  const uint8_t *p = pinhole__alg_payload(ac);
  size_t len = pinhole__alg_payload_len(ac);
  pinhole_bootp_msg m;
  if (pinhole_bootp_parse(p, len, &m) != 0) {
    pinhole__alg_refuse_why(ac, "malformed message",
                            pinhole_bootp_reason_name((int)m.reason));
    return;
  }
  char text[48];
  int n = snprintf(text, sizeof(text), "%s xid=%08x type=%u",
                   m.op == PINHOLE_BOOTP_OP_REQUEST ? "request" : "reply",
                   (unsigned)m.xid, (unsigned)m.msg_type);
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     (const uint8_t *)text, (size_t)n);
  if (m.giaddr == 0)
    return; /* not relayed: nothing a NAT must change */
  if (m.op == PINHOLE_BOOTP_OP_REQUEST)
    ph_bootp_request(ac, &m);
  else
    ph_bootp_reply(ac, &m);
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_bootp_state_ok(const void *state) {
  const ph_bootp_state *st = state;
  return st->next < PH_BOOTP_PENDING;
}

const ph_alg pinhole__alg_bootp = {
    .name = "bootp",
    .proto = PINHOLE_IPPROTO_UDP,
    .counter = PINHOLE_CNT_ALG_BOOTP,
    .stream = 0,
    .state_size = sizeof(ph_bootp_state),
    .state_ok = ph_bootp_state_ok,
    .ports = {67, 68, 0, 0},
    .inspect = ph_bootp_inspect,
};
