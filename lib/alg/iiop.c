/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IIOP ALG (CORBA GIOP 1.0-1.3 over TCP, 683 and any port a rule names
 * with alg "iiop"): object references of a server behind NAT.
 *
 * Watches both directions, one GIOP message at a time
 * (pinhole_giop_frame). A server's Reply or LocateReply may carry an
 * interoperable object reference (IOR): always for a forward
 * (LOCATION_FORWARD, OBJECT_FORWARD and their _PERM forms, at the body's
 * start), and often for NO_EXCEPTION: resolve() returns one, list()
 * returns a BindingIterator after the bindings, so a result is tried at
 * each 4-aligned offset where a repository id "IDL:" begins (at most
 * PH_IIOP_MAX_TRIES; what does not parse is not a reference). Each IIOP profile
 * whose host is the server's address (its inside one under static or
 * destination NAT, or the public one it knows) is checked against the
 * contract's policy; an inside host is rewritten to the server's public address
 * in the profile's own byte order, with the encapsulation's padding and lengths
 * and the message size kept right (pinhole_iiop_ior_rewrite), and a pinhole
 * lets the client alone reach the referenced port (its source mapped like the
 * control connection's). A host given as a name is left alone and traced;
 * a third party's address is counted (unless configured) and opens
 * nothing.
 *
 * Safety: a server's reply is honoured only after the client sent a
 * Request or LocateRequest; bytes that do not frame as GIOP desynchronise
 * that direction for good. A Reply or LocateReply split across segments
 * is withheld when the framer says PARTIAL and it is at most
 * PH_IIOP_HOLD_MAX bytes; every other message is skipped by its size.
 *
 * Fail closed (dropped; the server resends it, dropped again) when it
 * carries the server's inside address as text: a forward whose IOR does
 * not parse, an IOR the rewriter refuses (a size change that would
 * misalign what follows, a fragmented message), a profile with alternate
 * addresses (TAG_ALTERNATE_IIOP_ADDRESS, not rewritten), a reply too long
 * to hold. Without the inside address it is counted and passes. IORs in
 * Requests (an inside server registering with an outside naming service)
 * are not looked at.
 */
#include "alg/alg.h"
#include "alg/text.h"

#include <pinhole/iiop.h>

#include <string.h>

/* Longest Reply or LocateReply withheld until it arrives whole. */
#define PH_IIOP_HOLD_MAX 4096u
/* Most places a result is tried as an object reference. */
#define PH_IIOP_MAX_TRIES 16u

typedef struct ph_iiop_state {
  uint8_t requested; /* the client sent a Request or LocateRequest */
} ph_iiop_state;

/* Is the server behind NAT, its inside address visible in text? */
static int ph_iiop_leaks(const ph_alg_call *ac, const uint8_t *p, size_t n) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  return e.server.addr != e.server_pub.addr &&
         ph_has_ipv4(p, n, e.server.addr, '.');
}

/* A reply the ALG cannot translate: refused when it names the server's
 * inside address, else counted. */
static void ph_iiop_unhandled(ph_alg_call *ac, const char *why,
                              const uint8_t *p, size_t n) {
  if (ph_iiop_leaks(ac, p, n))
    pinhole__alg_refuse(ac, why, NULL, 0);
  else
    pinhole__alg_error(ac, why, NULL, 0);
}

/* One profile: fills rw and x; 1 when a pinhole is to be opened. */
static int ph_iiop_profile(ph_alg_call *ac, const uint8_t *p,
                           const pinhole_iiop_profile *pr,
                           pinhole_iiop_rewrite_profile *rw,
                           ph_pinhole_req *x) {
  if (!(pr->flags & PINHOLE_IIOP_PROFILE_IIOP))
    return 0;
  const uint8_t *host = p + pr->host_off;
  if (!(pr->flags & PINHOLE_IIOP_PROFILE_HOST_IPV4)) {
    pinhole__alg_trace(ac, PINHOLE_TRACE_SKIPPED, NULL, NULL, 0, host,
                       pr->host_len);
    return 0; /* a name: left alone */
  }
  uint32_t seen;
  int rc = ph_alg_server_endpoint(ac, pr->addr, pr->port, "object", host,
                                  pr->host_len, &seen, x);
  if (rc >= 0 && seen != pr->addr) {
    rw->flags = PINHOLE_IIOP_REWRITE_HOST;
    rw->addr = seen;
  }
  return rc > 0;
}

/* The IOR at off of the whole reply at pos (total bytes). Returns the
 * reply's length after any rewrite, *next the end of the IOR in it; 0
 * when there is no IOR there, or the reply is refused. */
static size_t ph_iiop_ior(ph_alg_call *ac, size_t pos, size_t total, int little,
                          size_t off, int forward, size_t *next) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  pinhole_iiop_ior ior;
  if (pinhole_iiop_ior_parse(p, total, off, little, &ior) != 0) {
    if (forward)
      ph_iiop_unhandled(ac, "malformed forward reference", p, total);
    return 0; /* a result that is not a reference */
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     p + ior.type_id_off, ior.type_id_len);
  pinhole_iiop_rewrite rw;
  ph_pinhole_req x[PINHOLE_IIOP_MAX_PROFILES];
  int open[PINHOLE_IIOP_MAX_PROFILES], changes = 0, alternates = 0;
  memset(&rw, 0, sizeof(rw));
  for (size_t i = 0; i < ior.nprofiles; i++) {
    open[i] = ph_iiop_profile(ac, p, &ior.profile[i], &rw.profile[i], &x[i]);
    changes += rw.profile[i].flags != 0;
    alternates |= (ior.profile[i].flags & PINHOLE_IIOP_PROFILE_ALTERNATE) != 0;
  }
  const uint8_t *now = p;
  size_t cap, n = total;
  uint8_t *out = pinhole__alg_scratch(ac, &cap);
  if (changes) {
    int rc = pinhole_iiop_ior_rewrite(p, total, off, &rw, out, cap);
    if (rc < 0) {
      ph_iiop_unhandled(ac, "reference rewrite failed", p, total);
      return 0;
    }
    now = out, n = (size_t)rc;
  }
  /* alternate addresses are not rewritten: none may name the inside */
  if (alternates && ph_iiop_leaks(ac, now, n)) {
    pinhole__alg_refuse(ac, "alternate address of an inside host", NULL, 0);
    return 0;
  }
  if (changes && pinhole__alg_splice(ac, pos, total, out, n) != 0)
    return 0;
  for (size_t i = 0; i < ior.nprofiles; i++)
    if (open[i])
      pinhole__alg_open_pinhole(ac, &x[i]);
  *next = ior.off + ior.len + n - total;
  return n;
}

/* A NO_EXCEPTION result: object references may be anywhere in it (a
 * list() returns its BindingIterator after the bindings). Tries each
 * 4-aligned offset where a repository id "IDL:" begins, at most
 * PH_IIOP_MAX_TRIES of them. */
static void ph_iiop_result(ph_alg_call *ac, size_t pos,
                           const pinhole_giop_msg *m) {
  int little = (m->flags & PINHOLE_GIOP_MSG_LITTLE) != 0;
  size_t total = m->total_len, off = (m->body_off + 3) & ~(size_t)3, next;
  unsigned tries = 0;
  while (off + 8 <= total && tries < PH_IIOP_MAX_TRIES &&
         !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    if (memcmp(p + off + 4, "IDL:", 4) != 0) {
      off += 4;
      continue;
    }
    tries++;
    size_t n = ph_iiop_ior(ac, pos, total, little, off, 0, &next);
    if (n == 0) {
      off += 4;
      continue;
    }
    total = n;
    off = (next + 3) & ~(size_t)3;
  }
}

/* One whole message at pos; 0, or -1 when it breaks the session rule. */
static int ph_iiop_message(ph_alg_call *ac, ph_iiop_state *st, size_t pos,
                           const pinhole_giop_msg *m) {
  if (pinhole__alg_from(ac) == PH_ALG_CLIENT) {
    if (m->type == PINHOLE_GIOP_REQUEST ||
        m->type == PINHOLE_GIOP_LOCATE_REQUEST)
      st->requested = 1;
    return 0;
  }
  if (m->type != PINHOLE_GIOP_REPLY && m->type != PINHOLE_GIOP_LOCATE_REPLY)
    return 0;
  if (!st->requested)
    return -1; /* a reply to nothing is not this protocol */
  if (!(m->flags & PINHOLE_GIOP_MSG_BODY))
    return 0;
  int forward = (m->flags & PINHOLE_GIOP_MSG_FORWARD) != 0;
  int result =
      m->type == PINHOLE_GIOP_REPLY && m->status == PINHOLE_GIOP_NO_EXCEPTION;
  size_t next;
  if (forward)
    ph_iiop_ior(ac, pos, m->total_len,
                (m->flags & PINHOLE_GIOP_MSG_LITTLE) != 0, m->body_off, 1,
                &next);
  else if (result)
    ph_iiop_result(ac, pos, m);
  return 0;
}

/* A message not held whole at pos: withheld, or skipped by its size. */
static void ph_iiop_partial(ph_alg_call *ac, ph_iiop_state *st, size_t pos,
                            const pinhole_giop_msg *m, ph_scan *res) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  size_t left = pinhole__alg_payload_len(ac) - pos;
  int reply =
      pinhole__alg_from(ac) == PH_ALG_SERVER &&
      (m->type == PINHOLE_GIOP_REPLY || m->type == PINHOLE_GIOP_LOCATE_REPLY);
  res->consumed = pos;
  if (m->type == PINHOLE_GIOP_REQUEST || m->type == PINHOLE_GIOP_LOCATE_REQUEST)
    st->requested |= m->total_len != 0 && !reply; /* a long request */
  if (m->total_len == 0 || (reply && m->total_len <= PH_IIOP_HOLD_MAX)) {
    res->hold = 1; /* the framer says it can still become a message */
    return;
  }
  if (reply) {
    ph_iiop_unhandled(ac, "reply too long to inspect", p, left);
    if (pinhole__alg_failed(ac))
      return;
  }
  res->consumed = pinhole__alg_payload_len(ac);
  res->skip_len = (uint32_t)(m->total_len - left);
}

static void ph_iiop_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  ph_iiop_state *st = pinhole__alg_state(ac);
  size_t pos = start;
  while (pos < pinhole__alg_payload_len(ac) && !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    size_t left = pinhole__alg_payload_len(ac) - pos;
    pinhole_giop_msg m;
    int rc = pinhole_giop_frame(p, left, &m);
    if (rc == PINHOLE_ERR_PARTIAL) {
      ph_iiop_partial(ac, st, pos, &m, res);
      return;
    }
    size_t len0 = pinhole__alg_payload_len(ac);
    if (rc != 0 || ph_iiop_message(ac, st, pos, &m) != 0) {
      pinhole__alg_error(ac, "not a GIOP session", p, left < 80 ? left : 80);
      res->consumed = pos;
      res->desync = 1;
      return;
    }
    pos += m.total_len + pinhole__alg_payload_len(ac) - len0;
  }
  res->consumed = pos;
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_iiop_state_ok(const void *state) {
  const ph_iiop_state *st = state;
  return st->requested <= 1;
}

const ph_alg pinhole__alg_iiop = {
    .name = "iiop",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_IIOP,
    .stream = 1,
    .state_size = sizeof(ph_iiop_state),
    .state_ok = ph_iiop_state_ok,
    .ports = {683, 0, 0, 0},
    .inspect = ph_iiop_inspect,
};
