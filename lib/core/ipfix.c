/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAT event logging: IPFIX (RFC 7011) messages with the Information
 * Elements of RFC 8158, and RFC 5424 syslog lines carrying the same facts.
 *
 * The exporter turns pinhole_event records into data records of twelve
 * templates (NAT44 session, NAT44 BIB, ports exhausted, quota exceeded,
 * port block, addresses exhausted, address binding, and the NAT64 forms
 * of session, BIB, port block, address binding and quota, which name the
 * inside host by its IPv6 address) in a host buffer.
 * Interim records (PORT_BLOCK_ACTIVE, ADDRESS_ACTIVE) repeat the
 * allocation's natEvent (16, 14): RFC 8158 has no interim event. A message is:
 * the 16-byte header (version 10, length, export time, sequence number = data
 * records sent before it, observation domain), the template set when templates
 * are due (the first message, then after template_refresh_s or
 * template_refresh_msgs: over UDP a collector that restarts learns them again,
 * RFC 7011 sec. 8.4), then data sets. A record that does not fit the open
 * message sends it and opens the next; one that does not fit an empty one is
 * counted and dropped. No padding, no options templates, no variable-length
 * fields.
 *
 * Pure: no context, no clock (event times plus the host's wall offset).
 */
#include <pinhole/ipv6.h>
#include <pinhole/pinhole.h>

#include "core/syslog.h"

#include <stdio.h>
#include <string.h>

/* Information Element ids (IANA IPFIX registry; RFC 8158 sec. 4). */
enum {
  PH_IE_PROTO = 4,
  PH_IE_SPORT = 7,
  PH_IE_SRC = 8,
  PH_IE_DPORT = 11,
  PH_IE_DST = 12,
  PH_IE_SRC6 = 27,
  PH_IE_DST6 = 28,
  PH_IE_NAT_SRC = 225,
  PH_IE_NAT_DST = 226,
  PH_IE_NAT_SPORT = 227,
  PH_IE_NAT_DPORT = 228,
  PH_IE_NAT_EVENT = 230,
  PH_IE_VRF = 234,
  PH_IE_POOL_ID = 283,
  PH_IE_TIME_MS = 323,
  PH_IE_RANGE_START = 361,
  PH_IE_RANGE_END = 362,
  PH_IE_RANGE_STEP = 363,
  PH_IE_RANGE_PORTS = 364,
  PH_IE_QUOTA_EVENT = 466,
  PH_IE_MAX_PER_USER = 473
};

typedef struct ph_ie {
  uint16_t id, len;
  const char *name; /* IANA name, the syslog SD-PARAM name */
} ph_ie;

#define IE(id, len, name)                                                      \
  { PH_IE_##id, len, name }
static const ph_ie ph_t_session[] = {
    IE(TIME_MS, 8, NULL),
    IE(VRF, 4, "ingressVRFID"),
    IE(SRC, 4, "sourceIPv4Address"),
    IE(NAT_SRC, 4, "postNATSourceIPv4Address"),
    IE(PROTO, 1, "protocolIdentifier"),
    IE(SPORT, 2, "sourceTransportPort"),
    IE(NAT_SPORT, 2, "postNAPTSourceTransportPort"),
    IE(DST, 4, "destinationIPv4Address"),
    IE(NAT_DST, 4, "postNATDestinationIPv4Address"),
    IE(DPORT, 2, "destinationTransportPort"),
    IE(NAT_DPORT, 2, "postNAPTDestinationTransportPort"),
    IE(NAT_EVENT, 1, "natEvent")};
static const ph_ie ph_t_bib[] = {
    IE(TIME_MS, 8, NULL),
    IE(VRF, 4, "ingressVRFID"),
    IE(SRC, 4, "sourceIPv4Address"),
    IE(NAT_SRC, 4, "postNATSourceIPv4Address"),
    IE(PROTO, 1, "protocolIdentifier"),
    IE(SPORT, 2, "sourceTransportPort"),
    IE(NAT_SPORT, 2, "postNAPTSourceTransportPort"),
    IE(NAT_EVENT, 1, "natEvent")};
static const ph_ie ph_t_ports[] = {IE(TIME_MS, 8, NULL),
                                   IE(NAT_EVENT, 1, "natEvent"),
                                   IE(NAT_SRC, 4, "postNATSourceIPv4Address"),
                                   IE(PROTO, 1, "protocolIdentifier")};
static const ph_ie ph_t_quota[] = {
    IE(TIME_MS, 8, NULL), IE(NAT_EVENT, 1, "natEvent"),
    IE(QUOTA_EVENT, 4, "natQuotaExceededEvent"),
    IE(MAX_PER_USER, 4, "maxEntriesPerUser"), IE(SRC, 4, "sourceIPv4Address")};
static const ph_ie ph_t_block[] = {IE(TIME_MS, 8, NULL),
                                   IE(VRF, 4, "ingressVRFID"),
                                   IE(SRC, 4, "sourceIPv4Address"),
                                   IE(NAT_SRC, 4, "postNATSourceIPv4Address"),
                                   IE(RANGE_START, 2, "portRangeStart"),
                                   IE(RANGE_END, 2, "portRangeEnd"),
                                   IE(RANGE_STEP, 2, "portRangeStepSize"),
                                   IE(RANGE_PORTS, 2, "portRangeNumPorts"),
                                   IE(NAT_EVENT, 1, "natEvent")};
/* RFC 8158 sec. 4.4: NAT Addresses Exhausted names the pool; Address
 * Binding (paired pooling, here Basic NAT) the two addresses. */
static const ph_ie ph_t_addrs[] = {IE(TIME_MS, 8, NULL),
                                   IE(NAT_EVENT, 1, "natEvent"),
                                   IE(POOL_ID, 4, "natPoolId")};
static const ph_ie ph_t_binding[] = {
    IE(TIME_MS, 8, NULL), IE(NAT_EVENT, 1, "natEvent"),
    IE(SRC, 4, "sourceIPv4Address"),
    IE(NAT_SRC, 4, "postNATSourceIPv4Address")};
/* NAT64 (RFC 8158 sec. 4.2: the NAT64 forms name the inside host by
 * sourceIPv6Address, and a session the server by destinationIPv6Address,
 * the address the client sent to under the NAT64 prefix); the CGN kinds
 * of a NAT64 subscriber take sourceIPv6Address for sourceIPv4Address. */
static const ph_ie ph_t_session64[] = {
    IE(TIME_MS, 8, NULL),
    IE(VRF, 4, "ingressVRFID"),
    IE(SRC6, 16, "sourceIPv6Address"),
    IE(NAT_SRC, 4, "postNATSourceIPv4Address"),
    IE(PROTO, 1, "protocolIdentifier"),
    IE(SPORT, 2, "sourceTransportPort"),
    IE(NAT_SPORT, 2, "postNAPTSourceTransportPort"),
    IE(DST6, 16, "destinationIPv6Address"),
    IE(NAT_DST, 4, "postNATDestinationIPv4Address"),
    IE(DPORT, 2, "destinationTransportPort"),
    IE(NAT_DPORT, 2, "postNAPTDestinationTransportPort"),
    IE(NAT_EVENT, 1, "natEvent")};
static const ph_ie ph_t_bib64[] = {
    IE(TIME_MS, 8, NULL),
    IE(VRF, 4, "ingressVRFID"),
    IE(SRC6, 16, "sourceIPv6Address"),
    IE(NAT_SRC, 4, "postNATSourceIPv4Address"),
    IE(PROTO, 1, "protocolIdentifier"),
    IE(SPORT, 2, "sourceTransportPort"),
    IE(NAT_SPORT, 2, "postNAPTSourceTransportPort"),
    IE(NAT_EVENT, 1, "natEvent")};
static const ph_ie ph_t_block64[] = {IE(TIME_MS, 8, NULL),
                                     IE(VRF, 4, "ingressVRFID"),
                                     IE(SRC6, 16, "sourceIPv6Address"),
                                     IE(NAT_SRC, 4, "postNATSourceIPv4Address"),
                                     IE(RANGE_START, 2, "portRangeStart"),
                                     IE(RANGE_END, 2, "portRangeEnd"),
                                     IE(RANGE_STEP, 2, "portRangeStepSize"),
                                     IE(RANGE_PORTS, 2, "portRangeNumPorts"),
                                     IE(NAT_EVENT, 1, "natEvent")};
static const ph_ie ph_t_binding64[] = {
    IE(TIME_MS, 8, NULL), IE(NAT_EVENT, 1, "natEvent"),
    IE(SRC6, 16, "sourceIPv6Address"),
    IE(NAT_SRC, 4, "postNATSourceIPv4Address")};
static const ph_ie ph_t_quota64[] = {
    IE(TIME_MS, 8, NULL), IE(NAT_EVENT, 1, "natEvent"),
    IE(QUOTA_EVENT, 4, "natQuotaExceededEvent"),
    IE(MAX_PER_USER, 4, "maxEntriesPerUser"),
    IE(SRC6, 16, "sourceIPv6Address")};
#undef IE

typedef struct ph_tmpl {
  uint16_t id;
  uint16_t nies;
  const ph_ie *ies;
} ph_tmpl;

#define T(id, a)                                                               \
  { PINHOLE_IPFIX_TMPL_##id, sizeof(a) / sizeof(a[0]), a }
static const ph_tmpl ph_tmpls[] = {T(SESSION, ph_t_session),
                                   T(BIB, ph_t_bib),
                                   T(PORTS_EXHAUSTED, ph_t_ports),
                                   T(QUOTA, ph_t_quota),
                                   T(PORT_BLOCK, ph_t_block),
                                   T(ADDRESSES_EXHAUSTED, ph_t_addrs),
                                   T(ADDRESS_BINDING, ph_t_binding),
                                   T(SESSION64, ph_t_session64),
                                   T(BIB64, ph_t_bib64),
                                   T(PORT_BLOCK64, ph_t_block64),
                                   T(ADDRESS_BINDING64, ph_t_binding64),
                                   T(QUOTA64, ph_t_quota64)};
#undef T
#define PH_NTMPL (sizeof(ph_tmpls) / sizeof(ph_tmpls[0]))

/* natEvent values (RFC 8158 sec. 4.1, IANA "natEvent"). */
enum {
  PH_NE_ADDRS_EXHAUSTED = 3,
  PH_NE_SESSION_CREATE = 4,
  PH_NE_SESSION_DELETE = 5,
  PH_NE_SESSION64_CREATE = 6,
  PH_NE_SESSION64_DELETE = 7,
  PH_NE_BIB_CREATE = 8,
  PH_NE_BIB_DELETE = 9,
  PH_NE_BIB64_CREATE = 10,
  PH_NE_BIB64_DELETE = 11,
  PH_NE_PORTS_EXHAUSTED = 12,
  PH_NE_QUOTA = 13,
  PH_NE_BINDING_CREATE = 14,
  PH_NE_BINDING_DELETE = 15,
  PH_NE_BLOCK_ALLOC = 16,
  PH_NE_BLOCK_DEALLOC = 17
};
/* natQuotaExceededEvent: maximum entries per user */
#define PH_QUOTA_PER_USER 3

static int ph_translated(const pinhole_event *ev) {
  return ev->src.addr != ev->nat_src.addr || ev->src.port != ev->nat_src.port ||
         ev->dst.addr != ev->nat_dst.addr || ev->dst.port != ev->nat_dst.port;
}

/* The event names an IPv6 inside host (src6) and, for a connection, its
 * IPv4 side (nat_*): NAT64. An IPv6 connection nothing moved to IPv4
 * (the firewall, NAT64 hairpinning) has no IPv4 side (nat_src.addr 0). */
static int ph_is64(const pinhole_event *ev) {
  return ev->size >= offsetof(pinhole_event, dst6) + sizeof(ev->dst6) &&
         ev->family == 6;
}

static size_t ph_limit_field(const pinhole_event *ev) {
  return ev->size >= offsetof(pinhole_event, limit) + sizeof(ev->limit);
}

static size_t ph_pool_field(const pinhole_event *ev) {
  return ev->size >= offsetof(pinhole_event, pool_id) + sizeof(ev->pool_id);
}

int pinhole_ipfix_nat_event(const pinhole_event *ev) {
  if (ev == NULL || ev->size < offsetof(pinhole_event, port_lo))
    return 0;
  int v6 = ph_is64(ev);
  switch (ev->type) {
  case PINHOLE_EVENT_FLOW_CREATED:
    if (v6)
      return ev->nat_src.addr != 0 ? PH_NE_SESSION64_CREATE : 0;
    return ph_translated(ev) ? PH_NE_SESSION_CREATE : 0;
  case PINHOLE_EVENT_FLOW_CLOSED:
    if (v6)
      return ev->nat_src.addr != 0 ? PH_NE_SESSION64_DELETE : 0;
    return ph_translated(ev) ? PH_NE_SESSION_DELETE : 0;
  case PINHOLE_EVENT_MAPPING_CREATED:
    return v6 ? PH_NE_BIB64_CREATE : PH_NE_BIB_CREATE;
  case PINHOLE_EVENT_MAPPING_RELEASED:
    return v6 ? PH_NE_BIB64_DELETE : PH_NE_BIB_DELETE;
  case PINHOLE_EVENT_NAT_PORTS_EXHAUSTED:
    return ph_limit_field(ev) && ev->limit ? PH_NE_QUOTA
                                           : PH_NE_PORTS_EXHAUSTED;
  case PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED:
    return ph_limit_field(ev) ? PH_NE_QUOTA : 0;
  case PINHOLE_EVENT_PORT_BLOCK_ALLOCATED:
  case PINHOLE_EVENT_PORT_BLOCK_ACTIVE: /* interim: the allocation again */
    return ph_limit_field(ev) ? PH_NE_BLOCK_ALLOC : 0;
  case PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED:
    return ph_pool_field(ev) ? PH_NE_ADDRS_EXHAUSTED : 0;
  case PINHOLE_EVENT_ADDRESS_BOUND:
  case PINHOLE_EVENT_ADDRESS_ACTIVE: /* interim: the binding again */
    return PH_NE_BINDING_CREATE;
  case PINHOLE_EVENT_ADDRESS_RELEASED:
    return PH_NE_BINDING_DELETE;
  case PINHOLE_EVENT_PORT_BLOCK_RELEASED:
    return ph_limit_field(ev) ? PH_NE_BLOCK_DEALLOC : 0;
  default:
    return 0;
  }
}

/* The template of an event exported with nat_event: by the event's
 * family for the kinds that name an inside host. */
static const ph_tmpl *ph_tmpl_for(const pinhole_event *ev, int nat_event) {
  int v6 = ph_is64(ev);
  switch (nat_event) {
  case PH_NE_SESSION64_CREATE:
  case PH_NE_SESSION64_DELETE:
    return &ph_tmpls[7];
  case PH_NE_BIB64_CREATE:
  case PH_NE_BIB64_DELETE:
    return &ph_tmpls[8];
  case PH_NE_SESSION_CREATE:
  case PH_NE_SESSION_DELETE:
    return &ph_tmpls[0];
  case PH_NE_BIB_CREATE:
  case PH_NE_BIB_DELETE:
    return &ph_tmpls[1];
  case PH_NE_PORTS_EXHAUSTED:
    return &ph_tmpls[2];
  case PH_NE_QUOTA:
    return &ph_tmpls[v6 ? 11 : 3];
  case PH_NE_ADDRS_EXHAUSTED:
    return &ph_tmpls[5];
  case PH_NE_BINDING_CREATE:
  case PH_NE_BINDING_DELETE:
    return &ph_tmpls[v6 ? 10 : 6];
  default:
    return &ph_tmpls[v6 ? 9 : 4];
  }
}

/* The value of Information Element ie for an event. */
static uint64_t ph_ie_value(const pinhole_event *ev, uint16_t ie, int ne,
                            uint64_t time_ms) {
  switch (ie) {
  case PH_IE_TIME_MS:
    return time_ms;
  case PH_IE_SRC:
    return ev->src.addr;
  case PH_IE_NAT_SRC:
    return ev->nat_src.addr;
  case PH_IE_PROTO:
    return ev->proto;
  case PH_IE_SPORT:
    return ev->src.port;
  case PH_IE_NAT_SPORT:
    return ev->nat_src.port;
  case PH_IE_DST:
    return ev->dst.addr;
  case PH_IE_NAT_DST:
    return ev->nat_dst.addr;
  case PH_IE_DPORT:
    return ev->dst.port;
  case PH_IE_NAT_DPORT:
    return ev->nat_dst.port;
  case PH_IE_NAT_EVENT:
    return (uint64_t)ne;
  case PH_IE_RANGE_START:
    return ev->port_lo;
  case PH_IE_RANGE_END:
    return ev->port_hi;
  case PH_IE_RANGE_STEP:
    return 1;
  case PH_IE_RANGE_PORTS:
    return ev->port_hi >= ev->port_lo ? ev->port_hi - ev->port_lo + 1u : 0;
  case PH_IE_QUOTA_EVENT:
    return PH_QUOTA_PER_USER;
  case PH_IE_MAX_PER_USER:
    return ev->limit;
  case PH_IE_POOL_ID:
    return ev->pool_id;
  default: /* PH_IE_VRF: one routing context */
    return 0;
  }
}

static void ph_put(uint8_t *p, uint64_t v, size_t len) {
  for (size_t i = len; i > 0; i--) {
    p[i - 1] = (uint8_t)v;
    v >>= 8;
  }
}

static size_t ph_rec_len(const ph_tmpl *t) {
  size_t n = 0;
  for (size_t i = 0; i < t->nies; i++)
    n += t->ies[i].len;
  return n;
}

/* ---- the exporter ---------------------------------------------------- */

#define PH_IPFIX_MAX_MSG 65535u

int pinhole_ipfix_init(pinhole_ipfix *x, const pinhole_ipfix_config *cfg) {
  if (x == NULL || cfg == NULL || cfg->size < sizeof(size_t))
    return PINHOLE_ERR_INVALID_ARG;
  pinhole_ipfix_config c;
  if (cfg->size > sizeof(c)) {
    const uint8_t *tail = (const uint8_t *)cfg + sizeof(c);
    for (size_t i = 0; i < cfg->size - sizeof(c); i++)
      if (tail[i] != 0)
        return PINHOLE_ERR_STRUCT_SIZE;
  }
  memset(&c, 0, sizeof(c));
  memcpy(&c, cfg, cfg->size < sizeof(c) ? cfg->size : sizeof(c));
  c.size = sizeof(c);
  if (c.buf == NULL || c.send == NULL || c.pad_ != 0 ||
      c.buf_len < PINHOLE_IPFIX_HEADER_LEN + 4)
    return PINHOLE_ERR_INVALID_ARG;
  if (c.buf_len > PH_IPFIX_MAX_MSG)
    c.buf_len = PH_IPFIX_MAX_MSG;
  if (c.template_refresh_s == 0)
    c.template_refresh_s = 600;
  memset(x, 0, sizeof(*x));
  x->cfg = c;
  return 0;
}

static int ph_templates_due(const pinhole_ipfix *x, uint64_t now_ns) {
  return !x->templates_sent ||
         now_ns - x->templates_ns >=
             (uint64_t)x->cfg.template_refresh_s * 1000000000u ||
         (x->cfg.template_refresh_msgs != 0 &&
          x->since_templates >= x->cfg.template_refresh_msgs);
}

static size_t ph_write_templates(uint8_t *p) {
  size_t at = 4;
  for (size_t t = 0; t < PH_NTMPL; t++) {
    ph_put(p + at, ph_tmpls[t].id, 2);
    ph_put(p + at + 2, ph_tmpls[t].nies, 2);
    at += 4;
    for (size_t i = 0; i < ph_tmpls[t].nies; i++, at += 4) {
      ph_put(p + at, ph_tmpls[t].ies[i].id, 2);
      ph_put(p + at + 2, ph_tmpls[t].ies[i].len, 2);
    }
  }
  ph_put(p, 2, 2); /* Set ID 2: template set */
  ph_put(p + 2, at, 2);
  return at;
}

static void ph_open(pinhole_ipfix *x, uint64_t now_ns) {
  uint8_t *p = x->cfg.buf;
  ph_put(p, 10, 2); /* version */
  ph_put(p + 8, x->seq, 4);
  ph_put(p + 12, x->cfg.observation_domain, 4);
  x->used = PINHOLE_IPFIX_HEADER_LEN;
  x->set_id = 0;
  x->open_records = 0;
  if (ph_templates_due(x, now_ns)) {
    x->used += ph_write_templates(p + x->used);
    x->templates_sent = 1;
    x->templates_ns = now_ns;
    x->since_templates = 0;
    x->stats.templates++;
  } else {
    x->since_templates++;
  }
}

static void ph_send(pinhole_ipfix *x) {
  uint8_t *p = x->cfg.buf;
  uint64_t wall_s = (x->cfg.wall_offset_ns + x->last_ns) / 1000000000u;
  ph_put(p + 2, x->used, 2);
  ph_put(p + 4, (uint32_t)wall_s, 4);
  x->cfg.send(p, x->used, x->cfg.user);
  x->stats.messages++;
  x->stats.records += x->open_records;
  x->seq += x->open_records;
  x->used = 0;
  x->set_id = 0;
  x->open_records = 0;
}

int pinhole_ipfix_event(pinhole_ipfix *x, const pinhole_event *ev) {
  if (x == NULL || ev == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  int ne = pinhole_ipfix_nat_event(ev);
  if (ne == 0) {
    x->stats.ignored++;
    return 0;
  }
  const ph_tmpl *t = ph_tmpl_for(ev, ne);
  size_t rec = ph_rec_len(t);
  uint64_t now = ev->time_ns > x->last_ns ? ev->time_ns : x->last_ns;
  size_t fresh = PINHOLE_IPFIX_HEADER_LEN + 4 + rec +
                 (ph_templates_due(x, now) ? PINHOLE_IPFIX_TEMPLATES_LEN : 0);
  if (fresh > x->cfg.buf_len) {
    x->stats.dropped++;
    return PINHOLE_ERR_NOBUF;
  }
  size_t need = rec + (x->set_id == t->id ? 0 : 4);
  if (x->used != 0 && x->used + need > x->cfg.buf_len)
    ph_send(x);
  x->last_ns = now;
  if (x->used == 0)
    ph_open(x, now);
  uint8_t *p = x->cfg.buf;
  if (x->set_id != t->id) {
    x->set_at = x->used;
    x->set_id = t->id;
    ph_put(p + x->used, t->id, 2);
    x->used += 4;
  }
  uint64_t ms = (x->cfg.wall_offset_ns + ev->time_ns) / 1000000u;
  for (size_t i = 0; i < t->nies; i++) {
    if (t->ies[i].len == 16) /* sourceIPv6Address, destinationIPv6Address */
      memcpy(p + x->used, t->ies[i].id == PH_IE_SRC6 ? ev->src6 : ev->dst6, 16);
    else
      ph_put(p + x->used, ph_ie_value(ev, t->ies[i].id, ne, ms), t->ies[i].len);
    x->used += t->ies[i].len;
  }
  ph_put(p + x->set_at + 2, x->used - x->set_at, 2);
  x->open_records++;
  return 1;
}

int pinhole_ipfix_flush(pinhole_ipfix *x, uint64_t now_ns) {
  if (x == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (x->used == 0 || x->open_records == 0)
    return 0;
  if (now_ns > x->last_ns)
    x->last_ns = now_ns;
  int n = (int)x->open_records;
  ph_send(x);
  return n;
}

/* ---- syslog (RFC 5424) ----------------------------------------------- */

/* Unix seconds -> civil date (proleptic Gregorian), days since 1970. */
static void ph_civil(uint64_t days, unsigned *y, unsigned *m, unsigned *d) {
  uint64_t z = days + 719468; /* days since 0000-03-01 */
  uint64_t era = z / 146097;
  uint64_t doe = z - era * 146097;
  uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  uint64_t mp = (5 * doy + 2) / 153;
  *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  *y = (unsigned)(yoe + era * 400 + (*m <= 2));
}

void pinhole__syslog_head(char *tmp, size_t n, int warn, uint64_t ns) {
  uint64_t s = ns / 1000000000u;
  unsigned y, mo, d;
  ph_civil(s / 86400, &y, &mo, &d);
  snprintf(tmp, n, "<%u>1 %04u-%02u-%02uT%02u:%02u:%02u.%03uZ ",
           16u * 8u + (warn ? 4u : 6u), y % 10000u, mo, d,
           (unsigned)(s % 86400 / 3600), (unsigned)(s % 3600 / 60),
           (unsigned)(s % 60), (unsigned)(ns / 1000000u % 1000u));
}

int pinhole__hostname_ok(const char *h) {
  size_t n = 0;
  for (; h[n] != '\0'; n++)
    if (n >= 255 || (unsigned char)h[n] < 33 || (unsigned char)h[n] > 126)
      return 0;
  return n > 0;
}

static void ph_sd_ip(char *b, size_t n, uint64_t v) {
  snprintf(b, n, "%u.%u.%u.%u", (unsigned)(v >> 24) & 255,
           (unsigned)(v >> 16) & 255, (unsigned)(v >> 8) & 255,
           (unsigned)v & 255);
}

/* Appends s as an SD-PARAM value: '"', '\\' and ']' escaped (RFC 5424
 * sec. 6.3.3), bytes outside printable ASCII as '?'. */
static void ph_sd_escaped(char *buf, size_t len, size_t *used, const char *s) {
  for (size_t i = 0; s[i] != '\0' && i < 256; i++) {
    char c = s[i];
    if (c == '"' || c == '\\' || c == ']') {
      if (*used + 1 < len)
        buf[*used] = '\\';
      (*used)++;
    }
    if ((unsigned char)c < 32 || (unsigned char)c > 126)
      c = '?';
    if (*used + 1 < len)
      buf[*used] = c;
    (*used)++;
  }
}

static size_t ph_app(char *buf, size_t len, size_t used, const char *s) {
  size_t n = strlen(s);
  if (used < len) {
    size_t room = len - used - 1;
    memcpy(buf + used, s, n < room ? n : room);
  }
  return used + n;
}

int pinhole_syslog_format(const pinhole_event *ev, uint64_t wall_offset_ns,
                          const char *hostname, char *buf, size_t len) {
  if (ev == NULL || (buf == NULL && len != 0) ||
      (hostname != NULL && !pinhole__hostname_ok(hostname)))
    return PINHOLE_ERR_INVALID_ARG;
  int ne = pinhole_ipfix_nat_event(ev);
  int warn = ev->type == PINHOLE_EVENT_NAT_PORTS_EXHAUSTED ||
             ev->type == PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED ||
             ev->type == PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED ||
             ev->type == PINHOLE_EVENT_TABLE_FULL;
  uint64_t ns = wall_offset_ns + ev->time_ns;
  char tmp[160];
  pinhole__syslog_head(tmp, sizeof(tmp), warn, ns);
  size_t used = ph_app(buf, len, 0, tmp);
  used = ph_app(buf, len, used, hostname ? hostname : "-");
  snprintf(tmp, sizeof(tmp), " pinhole - %s [nat@32473",
           pinhole_event_name(ev->type));
  used = ph_app(buf, len, used, tmp);
  const ph_tmpl *t = ne ? ph_tmpl_for(ev, ne) : &ph_tmpls[0];
  uint64_t ms = ns / 1000000u;
  for (size_t i = 0; i < t->nies; i++) {
    const ph_ie *ie = &t->ies[i];
    if (ie->name == NULL || (ie->id == PH_IE_NAT_EVENT && ne == 0))
      continue;
    uint64_t v = ph_ie_value(ev, ie->id, ne, ms);
    char val[PINHOLE_ADDR6_STRLEN];
    if (ie->len == 16) {
      if (pinhole_addr6_format(ie->id == PH_IE_SRC6 ? ev->src6 : ev->dst6, val,
                               sizeof(val)) < 0)
        val[0] = '\0';
    } else if (ie->len == 4 && ie->id != PH_IE_VRF &&
               ie->id != PH_IE_QUOTA_EVENT && ie->id != PH_IE_MAX_PER_USER &&
               ie->id != PH_IE_POOL_ID)
      ph_sd_ip(val, sizeof(val), v);
    else
      snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
    snprintf(tmp, sizeof(tmp), " %s=\"%s\"", ie->name, val);
    used = ph_app(buf, len, used, tmp);
  }
  if (ev->reason != NULL) {
    used = ph_app(buf, len, used, " reason=\"");
    ph_sd_escaped(buf, len, &used, ev->reason);
    used = ph_app(buf, len, used, "\"");
  }
  used = ph_app(buf, len, used, "]");
  if (len > 0)
    buf[used < len ? used : len - 1] = '\0';
  return used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)used;
}
