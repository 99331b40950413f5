/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NetShow ALG, pure part: MMS (Microsoft Media Server protocol) packets
 * from the client over TCP, and the funnel it announces.
 *
 * Protocol: [MS-MMSP] (Microsoft Open Specifications): TcpMessageHeader
 * (2.2.3), MMS message layout (2.2.4: chunkLen, MID, padding to 8),
 * LinkViewerToMacConnectFunnel (2.2.4.18: fixed fields, then funnelName
 * "\\ip\proto\port" in UTF-16LE). Rewritten: the address and port of
 * funnelName, with the message and packet lengths following.
 *
 * Known limits: IPv4 funnels only (IPv6 is reported UNSUPPORTED); one
 * funnel message per packet; the server's direction (Data packets with
 * their own header over the same connection) is not parsed here.
 */
#include <pinhole/mms.h>

#include <string.h>

#include "alg/text.h"

/* TcpMessageHeader fixed bytes: which must match, and their values. */
static const uint8_t ph_mms_fixed[PINHOLE_MMS_HEADER_LEN] = {
    1,    0,    0,    0,    0xce, 0xfa, 0x0b, 0xb0, 0, 0, 0, 0,
    0x4d, 0x4d, 0x53, 0x20, 0,    0,    0,    0,    0, 0, 0, 0};
static const uint8_t ph_mms_mask[PINHOLE_MMS_HEADER_LEN] = {
    1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0};

#define PH_MMS_LEN_OFF 8u
#define PH_MMS_CHUNKS_OFF 16u
#define PH_MMS_SEQ_OFF 20u
#define PH_MMS_FUNNEL_FIXED 28u

static uint32_t ph_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static void ph_put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

int pinhole_mms_frame(const uint8_t *p, size_t len, pinhole_mms_pkt *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  size_t n = len < PINHOLE_MMS_HEADER_LEN ? len : PINHOLE_MMS_HEADER_LEN;
  for (size_t i = 0; i < n; i++)
    if (ph_mms_mask[i] && p[i] != ph_mms_fixed[i])
      return PINHOLE_ERR_PARSE;
  if (len >= PH_MMS_LEN_OFF + 4) {
    uint32_t ml = ph_le32(p + PH_MMS_LEN_OFF);
    if (ml < 16 || ml % 8 != 0)
      return PINHOLE_ERR_PARSE;
#if SIZE_MAX <= UINT32_MAX
    if (ml > SIZE_MAX - 16)
      return PINHOLE_ERR_PARSE;
#endif
  }
  if (len < PINHOLE_MMS_HEADER_LEN)
    return PINHOLE_ERR_PARTIAL;
  m->message_len = ph_le32(p + PH_MMS_LEN_OFF);
  m->chunk_count = ph_le32(p + PH_MMS_CHUNKS_OFF);
  m->seq = (uint16_t)(p[PH_MMS_SEQ_OFF] | p[PH_MMS_SEQ_OFF + 1] << 8);
  m->total_len = 16 + (size_t)m->message_len;
  return len < m->total_len ? PINHOLE_ERR_PARTIAL : 0;
}

/* funnelName as ASCII, with character spans of its parts. */
typedef struct ph_funnel {
  uint8_t text[PINHOLE_MMS_MAX_FUNNEL];
  size_t n;
  size_t addr_at, addr_n, proto_at, proto_n, port_at, port_n;
} ph_funnel;

/* Reads the name's UTF-16LE characters into fu->text. */
static int ph_funnel_chars(const uint8_t *p, pinhole_mms_funnel *f,
                           ph_funnel *fu) {
  size_t at = f->msg_off + PH_MMS_FUNNEL_FIXED;
  size_t end = f->msg_off + f->msg_len;
  f->name_off = at;
  fu->n = 0;
  for (; at + 1 < end; at += 2) {
    uint16_t u = (uint16_t)(p[at] | p[at + 1] << 8);
    if (u == 0) {
      f->flags |= PINHOLE_MMS_FUNNEL_TERMINATED;
      break;
    }
    if (u > 0x7f || fu->n == PINHOLE_MMS_MAX_FUNNEL)
      return PINHOLE_ERR_PARSE;
    fu->text[fu->n++] = (uint8_t)u;
  }
  f->name_len = 2 * fu->n;
  return 0;
}

static int ph_not_backslash(uint8_t ch) {
  return ch != '\\';
}

/* "\\" addr "\" proto "\" port over fu->text. */
static int ph_funnel_syntax(pinhole_mms_funnel *f, ph_funnel *fu) {
  ph_cur c = ph_cur_make(fu->text, fu->n);
  if (!ph_cur_eat(&c, '\\') || !ph_cur_eat(&c, '\\'))
    return PINHOLE_ERR_PARSE;
  fu->addr_at = c.pos;
  fu->addr_n = ph_cur_span(&c, ph_not_backslash);
  if (fu->addr_n == 0 || !ph_cur_eat(&c, '\\'))
    return PINHOLE_ERR_PARSE;
  fu->proto_at = c.pos;
  fu->proto_n = ph_cur_span(&c, ph_not_backslash);
  const uint8_t *proto = fu->text + fu->proto_at;
  int udp = ph_ieq(proto, fu->proto_n, "udp");
  if ((!udp && !ph_ieq(proto, fu->proto_n, "tcp")) || !ph_cur_eat(&c, '\\'))
    return PINHOLE_ERR_PARSE;
  fu->port_at = c.pos;
  uint32_t port;
  fu->port_n = ph_cur_number(&c, &port);
  if (fu->port_n == 0 || fu->port_n > 5 || c.pos != c.end)
    return PINHOLE_ERR_PARSE;
  if (port == 0 || port > 65535)
    return PINHOLE_ERR_RANGE;
  const uint8_t *a = fu->text + fu->addr_at;
  if (memchr(a, ':', fu->addr_n) != NULL)
    return PINHOLE_ERR_UNSUPPORTED;
  if (ph_ipv4_text(a, fu->addr_n, &f->addr) != 0)
    return PINHOLE_ERR_PARSE;
  f->port = (uint16_t)port;
  f->flags |= udp ? PINHOLE_MMS_FUNNEL_UDP : 0u;
  f->addr_off = f->name_off + 2 * fu->addr_at;
  f->addr_len = 2 * fu->addr_n;
  f->port_off = f->name_off + 2 * fu->port_at;
  f->port_len = 2 * fu->port_n;
  return 0;
}

/* Finds the one funnel message among the packet's messages. */
static int ph_funnel_find(const uint8_t *p, size_t len, pinhole_mms_funnel *f) {
  size_t pos = PINHOLE_MMS_HEADER_LEN;
  int found = 0;
  while (pos < len) {
    if (len - pos < 8)
      return PINHOLE_ERR_PARSE;
    uint32_t chunks = ph_le32(p + pos);
    if (chunks == 0 || chunks > (len - pos) / 8)
      return PINHOLE_ERR_PARSE;
    if (ph_le32(p + pos + 4) == PINHOLE_MMS_MID_CONNECT_FUNNEL) {
      if (found)
        return PINHOLE_ERR_PARSE;
      found = 1;
      f->msg_off = pos;
      f->msg_len = (size_t)chunks * 8;
    }
    pos += (size_t)chunks * 8;
  }
  if (!found)
    return PINHOLE_ERR_NOMATCH;
  return f->msg_len < 32 ? PINHOLE_ERR_PARSE : 0;
}

static int ph_funnel_parse(const uint8_t *p, size_t len, pinhole_mms_funnel *f,
                           ph_funnel *fu) {
  if (f == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(f, 0, sizeof(*f));
  pinhole_mms_pkt m;
  int rc = pinhole_mms_frame(p, len, &m);
  if (rc == 0 && len != m.total_len)
    rc = PINHOLE_ERR_PARSE;
  if (rc == 0)
    rc = ph_funnel_find(p, len, f);
  if (rc == 0)
    rc = ph_funnel_chars(p, f, fu);
  if (rc == 0)
    rc = ph_funnel_syntax(f, fu);
  if (rc != 0)
    memset(f, 0, sizeof(*f));
  return rc;
}

int pinhole_mms_funnel_parse(const uint8_t *p, size_t len,
                             pinhole_mms_funnel *f) {
  ph_funnel fu;
  return ph_funnel_parse(p, len, f, &fu);
}

/* The new funnelName in ASCII; returns its length. */
static size_t ph_funnel_name(const ph_funnel *fu, uint32_t addr, uint16_t port,
                             uint8_t *t) {
  size_t n = 0;
  t[n++] = '\\';
  t[n++] = '\\';
  n += ph_fmt_ipv4(t + n, addr);
  t[n++] = '\\';
  memcpy(t + n, fu->text + fu->proto_at, fu->proto_n);
  n += fu->proto_n;
  t[n++] = '\\';
  n += ph_fmt_u32(t + n, port);
  return n;
}

/* Writes the rebuilt funnel message (msg_len bytes) at o. */
static void ph_funnel_write(const uint8_t *p, const pinhole_mms_funnel *f,
                            const uint8_t *name, size_t n, size_t msg_len,
                            uint8_t *o) {
  memset(o, 0, msg_len);
  ph_put_le32(o, (uint32_t)(msg_len / 8));
  memcpy(o + 4, p + f->msg_off + 4, PH_MMS_FUNNEL_FIXED - 4);
  for (size_t i = 0; i < n; i++)
    o[PH_MMS_FUNNEL_FIXED + 2 * i] = name[i];
}

int pinhole_mms_funnel_rewrite(const uint8_t *p, size_t len, uint32_t addr,
                               uint16_t port, uint8_t *out, size_t cap) {
  if (port == 0 || (out == NULL && cap > 0))
    return PINHOLE_ERR_INVALID_ARG;
  pinhole_mms_funnel f;
  ph_funnel fu;
  int rc = ph_funnel_parse(p, len, &f, &fu);
  if (rc != 0)
    return rc;
  uint8_t name[PINHOLE_MMS_MAX_FUNNEL];
  size_t n = ph_funnel_name(&fu, addr, port, name);
  size_t body = PH_MMS_FUNNEL_FIXED + 2 * n +
                ((f.flags & PINHOLE_MMS_FUNNEL_TERMINATED) ? 2u : 0u);
  size_t msg_len = (body + 7) / 8 * 8;
  size_t total = len - f.msg_len + msg_len;
  int64_t ml = (int64_t)ph_le32(p + PH_MMS_LEN_OFF) +
               ((int64_t)msg_len - (int64_t)f.msg_len);
  int64_t cc = (int64_t)ph_le32(p + PH_MMS_CHUNKS_OFF) +
               ((int64_t)msg_len - (int64_t)f.msg_len) / 8;
  if (ml > UINT32_MAX || cc < 0 || cc > UINT32_MAX)
    return PINHOLE_ERR_RANGE;
  if (total > (size_t)INT32_MAX)
    return PINHOLE_ERR_INVALID_ARG;
  if (total > cap)
    return PINHOLE_ERR_NOBUF;
  memcpy(out, p, f.msg_off);
  ph_put_le32(out + PH_MMS_LEN_OFF, (uint32_t)ml);
  ph_put_le32(out + PH_MMS_CHUNKS_OFF, (uint32_t)cc);
  ph_funnel_write(p, &f, name, n, msg_len, out + f.msg_off);
  size_t after = f.msg_off + f.msg_len;
  memcpy(out + f.msg_off + msg_len, p + after, len - after);
  return (int)total;
}
