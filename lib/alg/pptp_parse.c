/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PPTP ALG, pure part: control message framing and the enhanced GRE
 * header.
 *
 * Protocol: PPTP, RFC 2637 (control connection on TCP 1723, section 2;
 * enhanced GRE, section 4.1). Nothing is rewritten here: the parser
 * reports the offsets of the Call ID and Peer's Call ID fields (control
 * messages) and of the Call ID in the GRE key, which the glue translates
 * in place (two bytes; lengths never change).
 *
 * Known limits: management messages (PPTP Message Type 2, never defined)
 * are refused; reserved fields, host/vendor names and phone numbers are
 * not checked.
 */
#include <pinhole/pptp.h>

#include <string.h>

#include "alg/text.h"

/* One control message type: its length, sender and field offsets (0 when
 * the message has no such field). */
typedef struct ph_pptp_kind {
  uint8_t len;
  uint8_t sender;
  uint8_t call_id_off;
  uint8_t peer_off;
  uint8_t result_off;
  const char *name;
} ph_pptp_kind;

#define PH_EITHER PINHOLE_PPTP_SENDER_EITHER
#define PH_PNS PINHOLE_PPTP_SENDER_PNS
#define PH_PAC PINHOLE_PPTP_SENDER_PAC

/* Indexed by control message type; lengths of 220 fit in uint8_t. */
static const ph_pptp_kind ph_kinds[16] = {
    [1] = {156, PH_EITHER, 0, 0, 0, "Start-Control-Connection-Request"},
    [2] = {156, PH_EITHER, 0, 0, 14, "Start-Control-Connection-Reply"},
    [3] = {16, PH_EITHER, 0, 0, 0, "Stop-Control-Connection-Request"},
    [4] = {16, PH_EITHER, 0, 0, 12, "Stop-Control-Connection-Reply"},
    [5] = {16, PH_EITHER, 0, 0, 0, "Echo-Request"},
    [6] = {20, PH_EITHER, 0, 0, 16, "Echo-Reply"},
    [7] = {168, PH_PNS, 12, 0, 0, "Outgoing-Call-Request"},
    [8] = {32, PH_PAC, 12, 14, 16, "Outgoing-Call-Reply"},
    [9] = {220, PH_PAC, 12, 0, 0, "Incoming-Call-Request"},
    [10] = {24, PH_PNS, 12, 14, 16, "Incoming-Call-Reply"},
    [11] = {28, PH_PAC, 0, 12, 0, "Incoming-Call-Connected"},
    [12] = {16, PH_PNS, 12, 0, 0, "Call-Clear-Request"},
    [13] = {148, PH_PAC, 12, 0, 14, "Call-Disconnect-Notify"},
    [14] = {40, PH_PAC, 0, 12, 0, "WAN-Error-Notify"},
    [15] = {24, PH_PNS, 0, 12, 0, "Set-Link-Info"},
};

const char *pinhole_pptp_type_name(int type) {
  if (type < 1 || type > 15)
    return "unknown";
  return ph_kinds[type].name;
}

/* Reads and checks the 12-byte header, as far as the bytes go. Returns 0
 * with the header complete, PINHOLE_ERR_PARTIAL or PINHOLE_ERR_PARSE. */
static int ph_pptp_header(ph_cur *c, uint16_t *length, uint16_t *type) {
  uint16_t msg_type, reserved;
  uint32_t magic;
  if (ph_cur_be16(c, length) != 0)
    return PINHOLE_ERR_PARTIAL;
  if (*length < PINHOLE_PPTP_HEADER_LEN || *length > PINHOLE_PPTP_MAX_MSG)
    return PINHOLE_ERR_PARSE;
  if (ph_cur_be16(c, &msg_type) != 0)
    return PINHOLE_ERR_PARTIAL;
  if (msg_type != 1)
    return PINHOLE_ERR_PARSE;
  if (ph_cur_be32(c, &magic) != 0) {
    static const uint8_t cookie[4] = {0x1a, 0x2b, 0x3c, 0x4d};
    return memcmp(c->p + c->pos, cookie, ph_cur_left(c)) != 0
               ? PINHOLE_ERR_PARSE
               : PINHOLE_ERR_PARTIAL;
  }
  if (magic != PINHOLE_PPTP_MAGIC)
    return PINHOLE_ERR_PARSE;
  if (ph_cur_be16(c, type) != 0)
    return ph_cur_left(c) > 0 && c->p[c->pos] != 0 ? PINHOLE_ERR_PARSE
                                                   : PINHOLE_ERR_PARTIAL;
  if (*type < 1 || *type > 15 || ph_kinds[*type].len != *length)
    return PINHOLE_ERR_PARSE;
  if (ph_cur_be16(c, &reserved) != 0)
    return PINHOLE_ERR_PARTIAL;
  return 0;
}

static uint16_t ph_field16(const uint8_t *p, size_t off) {
  return (uint16_t)(p[off] << 8 | p[off + 1]);
}

int pinhole_pptp_frame(const uint8_t *p, size_t len, pinhole_pptp_msg *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  ph_cur c = ph_cur_make(p, len);
  uint16_t length = 0, type = 0;
  int rc = ph_pptp_header(&c, &length, &type);
  if (rc != 0)
    return rc;
  m->type = type;
  m->length = length;
  if (len < length)
    return PINHOLE_ERR_PARTIAL;
  const ph_pptp_kind *k = &ph_kinds[type];
  m->sender = k->sender;
  if (k->call_id_off != 0) {
    m->flags |= PINHOLE_PPTP_MSG_CALL_ID;
    m->call_id_off = k->call_id_off;
    m->call_id = ph_field16(p, k->call_id_off);
  }
  if (k->peer_off != 0) {
    m->flags |= PINHOLE_PPTP_MSG_PEER_CALL_ID;
    m->peer_call_id_off = k->peer_off;
    m->peer_call_id = ph_field16(p, k->peer_off);
  }
  if (k->result_off != 0) {
    m->flags |= PINHOLE_PPTP_MSG_RESULT;
    m->result = p[k->result_off];
  }
  return 0;
}

/* GRE first two bytes: C R K S s Recur(3) | A Flags(4) Ver(3). */
#define PH_GRE_C 0x8000u
#define PH_GRE_R 0x4000u
#define PH_GRE_K 0x2000u
#define PH_GRE_S 0x1000u
#define PH_GRE_SSR 0x0800u
#define PH_GRE_RECUR 0x0700u
#define PH_GRE_A 0x0080u
#define PH_GRE_FLAGS 0x0078u
#define PH_GRE_VER 0x0007u

/* Reads the optional number when its bit is set. Returns 0, or -1 when
 * it is missing and required. When quoted and cut off, the cursor stays,
 * fewer than 4 bytes are left, so a following number is cut off too. */
static int ph_gre_opt(ph_cur *c, int present, int quoted, uint32_t *v,
                      uint32_t flag, uint32_t *flags) {
  if (!present)
    return 0;
  *flags |= flag;
  if (ph_cur_be32(c, v) == 0 || quoted)
    return 0;
  return -1;
}

int pinhole_pptp_gre_parse(const uint8_t *p, size_t len, int quoted,
                           pinhole_pptp_gre *g) {
  if (g == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(g, 0, sizeof(*g));
  ph_cur c = ph_cur_make(p, len);
  uint16_t bits, proto, plen, call_id;
  if (ph_cur_be16(&c, &bits) != 0)
    return PINHOLE_ERR_PARSE;
  if ((bits & PH_GRE_VER) != 1)
    return PINHOLE_ERR_NOMATCH;
  if ((bits &
       (PH_GRE_C | PH_GRE_R | PH_GRE_SSR | PH_GRE_RECUR | PH_GRE_FLAGS)) != 0 ||
      (bits & PH_GRE_K) == 0)
    return PINHOLE_ERR_PARSE;
  if (ph_cur_be16(&c, &proto) != 0 || proto != PINHOLE_PPTP_GRE_PROTO ||
      ph_cur_be16(&c, &plen) != 0 || ph_cur_be16(&c, &call_id) != 0)
    return PINHOLE_ERR_PARSE;
  int seq = (bits & PH_GRE_S) != 0, ack = (bits & PH_GRE_A) != 0;
  if (!seq && plen != 0)
    return PINHOLE_ERR_PARSE;
  pinhole_pptp_gre t = {0};
  if (ph_gre_opt(&c, seq, quoted, &t.seq, PINHOLE_PPTP_GRE_SEQ, &t.flags) ||
      ph_gre_opt(&c, ack, quoted, &t.ack, PINHOLE_PPTP_GRE_ACK, &t.flags))
    return PINHOLE_ERR_PARSE;
  t.hdr_len = 8 + (seq ? 4u : 0u) + (ack ? 4u : 0u);
  if (!quoted && plen > ph_cur_left(&c))
    return PINHOLE_ERR_PARSE;
  t.payload_len = plen;
  t.call_id = call_id;
  t.call_id_off = 6;
  *g = t;
  return 0;
}
