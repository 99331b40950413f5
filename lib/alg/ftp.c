/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * FTP ALG (RFC 959, RFC 2428): PORT, EPRT, 227 and 229 through NAT.
 *
 * Watches the control connection (TCP 21 by default) in both directions.
 * The client's PORT/EPRT names the client's data endpoint: it is mapped to
 * a public one (NAPT, endpoint-independent, same public address as the
 * control connection), rewritten in the payload, and a pinhole lets the
 * server's data connection in. The server's 227/229 names its data
 * endpoint: a pinhole lets the client's data connection in, and a 227 from
 * a server behind destination NAT is rewritten to the public address.
 *
 * Safety (NAT slipstreaming, FTP bounce): a command is honoured only in a
 * session that looks like FTP - the server's 220 greeting came first, every
 * client line is a known command and every server line a reply of bounded
 * length (pinhole_ftp_classify); the first line that is not desynchronises
 * the control connection for good (counted: "ALG control connection
 * desynchronised"), so an HTTP POST to port 21 whose body holds a PORT
 * opens nothing. Lines are parsed only where a line begins in the byte
 * stream (the engine's stream driver); a line split across segments is
 * withheld only when the parser's own prefix test says it can still become
 * a PORT/EPRT/227/229 (pinhole_ftp_prefix). PORT/EPRT must name the
 * client's own address, 227/229 the server's (pinhole__alg_policy), data
 * ports are 1024 or above unless configured, a 227/229 from the client is
 * not FTP, at most max_pinholes_per_conv pinholes.
 *
 * Fail closed: a PORT/EPRT (or a 227 from a server behind destination NAT)
 * that the parser rejects while it names the sender's inside address is
 * dropped (the TCP sender resends it, and it is dropped again): it never
 * leaves untranslated. A rejected one that names no inside address passes,
 * counted. On an IPv4 connection an EPRT |2| is counted and left alone.
 *
 * IPv6 control connections (the firewall, no translation; docs/ipv6.md):
 * EPRT |2|addr|port| must name the client's own IPv6 address (a third
 * party only with PINHOLE_CFG_ALG_THIRD_PARTY) and opens a pinhole for the
 * server's data connection from the server's address; a 229 opens one for
 * the client's to the server's address. PORT, 227 and EPRT |1| name IPv4
 * endpoints (RFC 2428): counted, nothing opened. Nothing is rewritten; a
 * command split across segments is withheld as on IPv4, an EPRT |2| as
 * far as it has come too (ph_ftp_eprt2_start).
 *
 * NAT64 control connections (FTP64, RFC 6384; docs/nat64.md): the module
 * sees the IPv4 form of each packet. EPRT |2| naming the client's own
 * IPv6 address becomes EPRT |1|<pool address>|<public port>| and opens a
 * pinhole whose IPv4 data connection from the server becomes a NAT64
 * connection to the client; EPSV and 229 pass untouched. A split command
 * is withheld as on IPv6; a partial EPRT |2| that outgrows a line (it may
 * hold the client's address) is dropped, fail closed.
 */
#include "alg/alg.h"
#include "alg/text.h"

#include <pinhole/ftp.h>

#include <string.h>

/* The session, as the classifier's rule needs it (pinhole_ftp_classify,
 * RFC 959 4.2 and 5.4). */
typedef struct ph_ftp_state {
  uint8_t greeted;     /* the server's 220 came: the session is FTP */
  uint8_t dead;        /* something was not FTP: nothing is honoured */
  uint16_t multi_code; /* inside a multi-line reply with this code */
} ph_ftp_state;

static const char *ph_ftp_reason(int rc) {
  switch (rc) {
  case PINHOLE_ERR_RANGE:
    return "number out of range";
  case PINHOLE_ERR_UNSUPPORTED:
    return "IPv6 address left alone";
  default:
    return "malformed command";
  }
}

/* Rewrites m's argument to announce pub; returns the new line length. */
static int ph_ftp_rewrite(ph_alg_call *ac, size_t pos, const pinhole_ftp_msg *m,
                          const pinhole_endpoint *pub) {
  char rep[64];
  int n = pinhole_ftp_format(m, pub->addr, pub->port, rep, sizeof(rep));
  if (n < 0)
    return n;
  return pinhole__alg_splice(ac, pos + m->arg_off, m->arg_len, rep, (size_t)n);
}

/* PORT / EPRT from the client. */
static void ph_ftp_client(ph_alg_call *ac, size_t pos, size_t n,
                          const pinhole_ftp_msg *m) {
  const uint8_t *line = pinhole__alg_payload(ac) + pos;
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  pinhole_endpoint real = {m->addr, m->port, 0};
  pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &real, NULL, 0, line, n);
  int whose =
      pinhole__alg_policy(ac, PH_ALG_CLIENT, m->addr, m->port, "data", line, n);
  if (whose < 0)
    return;
  if (whose == PH_ALG_PUBLIC) {
    /* the client announced our public address: no inside port to map */
    pinhole__alg_error(ac, "data address is the client's public one", line, n);
    return;
  }
  pinhole_endpoint pub;
  uint32_t mref;
  if (pinhole__alg_map(ac, PINHOLE_IPPROTO_TCP, m->addr, m->port, 0, &pub,
                       &mref, NULL) != 0) {
    /* no public port: the inside address must not leave (fail closed) */
    pinhole__alg_refuse(ac, "no public port for the data connection", line, n);
    return;
  }
  if ((pub.addr != m->addr || pub.port != m->port) &&
      ph_ftp_rewrite(ac, pos, m, &pub) != 0) {
    pinhole__alg_unmap(ac, mref);
    return;
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &real, &pub, 0, NULL, 0);
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.proto = PINHOLE_IPPROTO_TCP;
  x.from = PH_ALG_SERVER;
  x.src = e.server.addr;
  x.sport = 0; /* port 20, or any (RFC 959 leaves it to the server) */
  x.dst = pub.addr;
  x.dport = pub.port;
  x.to_addr = m->addr;
  x.to_port = m->port;
  x.mapping = mref;
  pinhole__alg_open_pinhole(ac, &x);
}

/* 227 / 229 from the server. */
static void ph_ftp_server(ph_alg_call *ac, size_t pos, size_t n,
                          const pinhole_ftp_msg *m) {
  const uint8_t *line = pinhole__alg_payload(ac) + pos;
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  uint32_t addr = m->kind == PINHOLE_FTP_229 ? e.server.addr : m->addr;
  pinhole_endpoint real = {addr, m->port, 0};
  pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &real, NULL, 0, line, n);
  /* the server may announce its own address or the public one it knows */
  int whose =
      pinhole__alg_policy(ac, PH_ALG_SERVER, addr, m->port, "passive", line, n);
  if (whose < 0)
    return;
  /* the client reaches the server at the address it uses for control */
  pinhole_endpoint seen = {whose == PH_ALG_REAL ? e.server_pub.addr : addr,
                           m->port, 0};
  if (m->kind == PINHOLE_FTP_227 && seen.addr != m->addr &&
      ph_ftp_rewrite(ac, pos, m, &seen) != 0)
    return;
  if (seen.addr != addr)
    pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &real, &seen, 0, NULL, 0);
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.proto = PINHOLE_IPPROTO_TCP;
  x.from = PH_ALG_CLIENT;
  x.src = e.client.addr;
  x.sport = 0;
  x.dst = seen.addr;
  x.dport = seen.port;
  x.to_addr = whose == PH_ALG_PUBLIC ? e.server.addr : addr;
  x.to_port = m->port;
  x.snat = 1; /* a NATed client's data connection gets its source mapped */
  pinhole__alg_open_pinhole(ac, &x);
}

/* A PORT/EPRT/227/229 the parser rejects: it fails closed when it names
 * the sender's inside address (it would leave the NAT untranslated), else
 * it is only counted. */
static void ph_ftp_malformed(ph_alg_call *ac, int rc, const uint8_t *line,
                             size_t n) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  const pinhole_endpoint *in, *out;
  if (pinhole__alg_from(ac) == PH_ALG_CLIENT)
    in = &e.client, out = &e.client_pub;
  else
    in = &e.server, out = &e.server_pub;
  if (in->addr != out->addr && (ph_has_ipv4(line, n, in->addr, ',') ||
                                ph_has_ipv4(line, n, in->addr, '.')))
    pinhole__alg_refuse(ac, ph_ftp_reason(rc), line, n);
  else
    pinhole__alg_error(ac, ph_ftp_reason(rc), line, n);
}

/* ---- IPv6 control connections (RFC 2428; no translation) ---------------- */

/* The pinhole for an IPv6 data connection from `from` (src) to dst:port. */
static void ph_ftp_pinhole6(ph_alg_call *ac, int from, const uint8_t src[16],
                            const uint8_t dst[16], uint16_t port) {
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.family = 6;
  x.proto = PINHOLE_IPPROTO_TCP;
  x.from = (uint8_t)from;
  x.sport = 0; /* any: RFC 959 leaves the server's port to it */
  memcpy(x.src6, src, 16);
  memcpy(x.dst6, dst, 16);
  x.dport = port;
  pinhole__alg_open_pinhole(ac, &x);
}

/* The address of EPRT <d>2<d>addr<d>port<d> (m from the parser, which
 * checked the delimiters and the port but not the IPv6 text). */
static int ph_ftp_eprt6(const uint8_t *line, const pinhole_ftp_msg *m,
                        uint8_t addr[16]) {
  ph_cur c = {line, m->arg_off + 3, m->arg_off + m->arg_len};
  return ph_cur_ipv6(&c, addr) == 0 && ph_cur_eat(&c, m->delim) ? 0 : -1;
}

/* A recognised line (rc, m from pinhole_ftp_parse) on an IPv6 control
 * connection: EPRT |2| from the client and 229 from the server open an
 * IPv6 pinhole; PORT, 227 and EPRT |1| name IPv4 endpoints, which an IPv6
 * connection's data connection cannot use (RFC 2428 sec. 2, 3): counted,
 * nothing opened, the line passes (no address to translate). */
static void ph_ftp_line6(ph_alg_call *ac, const uint8_t *line, size_t n, int rc,
                         const pinhole_ftp_msg *m) {
  ph_ends6 e;
  pinhole__alg_ends6(ac, &e);
  uint8_t addr[16];
  if (rc == PINHOLE_ERR_UNSUPPORTED && m->kind == PINHOLE_FTP_EPRT &&
      m->family == 2) {
    if (ph_ftp_eprt6(line, m, addr) != 0) {
      pinhole__alg_error(ac, "malformed command", line, n);
      return;
    }
    pinhole_endpoint real = {0, m->port, 0};
    pinhole__alg_trace6(ac, PINHOLE_TRACE_PARSED, &real, addr, NULL, NULL, line,
                        n);
    if (pinhole__alg_policy6(ac, PH_ALG_CLIENT, addr, m->port, "data", line,
                             n) >= 0)
      ph_ftp_pinhole6(ac, PH_ALG_SERVER, e.server, addr, m->port);
  } else if (rc < 0) {
    pinhole__alg_error(ac,
                       rc == PINHOLE_ERR_RANGE ? "number out of range"
                                               : "malformed command",
                       line, n);
  } else if (m->kind == PINHOLE_FTP_229) {
    pinhole_endpoint real = {0, m->port, 0}; /* a port: the server's */
    pinhole__alg_trace6(ac, PINHOLE_TRACE_PARSED, &real, e.server, NULL, NULL,
                        line, n);
    if (pinhole__alg_policy6(ac, PH_ALG_SERVER, e.server, m->port, "passive",
                             line, n) >= 0)
      ph_ftp_pinhole6(ac, PH_ALG_CLIENT, e.client, e.server, m->port);
  } else {
    pinhole__alg_error(ac, "IPv4 endpoint on an IPv6 connection", line, n);
  }
}

/* ---- NAT64 control connections (FTP64, RFC 6384) ---------------------- */

/* EPRT |2|addr|port| from a NAT64 client (the line at pos, n bytes; the
 * payload is the IPv4 packet's): addr must be the client's own, the port
 * 1024 or above; the endpoint gets a public one from the pool, the
 * argument becomes |1|pool address|public port| (RFC 6384 sec. 7.2: the
 * IPv4 server reads an IPv4 endpoint; EPRT rather than PORT, so the
 * command the client sent and the reply it expects stay the same) and a
 * pinhole lets the server's IPv4 data connection in as a NAT64
 * connection to addr:port. */
static void ph_ftp_eprt64(ph_alg_call *ac, size_t pos, size_t n,
                          const pinhole_ftp_msg *m) {
  const uint8_t *line = pinhole__alg_payload(ac) + pos;
  uint8_t addr[16];
  if (ph_ftp_eprt6(line, m, addr) != 0) {
    /* it may carry the client's address in a form not read: fail closed */
    pinhole__alg_refuse(ac, "malformed command", line, n);
    return;
  }
  pinhole_endpoint real = {0, m->port, 0};
  pinhole__alg_trace6(ac, PINHOLE_TRACE_PARSED, &real, addr, NULL, NULL, line,
                      n);
  if (pinhole__alg_policy6(ac, PH_ALG_CLIENT, addr, m->port, "data", line, n) <
      0)
    return;
  pinhole_endpoint pub;
  uint32_t mref;
  if (pinhole__alg_map6(ac, PINHOLE_IPPROTO_TCP, addr, m->port, &pub, &mref) !=
      0) {
    pinhole__alg_refuse(ac, "no public port for the data connection", line, n);
    return;
  }
  if (ph_ftp_rewrite(ac, pos, m, &pub) != 0) {
    pinhole__alg_unmap(ac, mref);
    return;
  }
  pinhole__alg_trace6(ac, PINHOLE_TRACE_TRANSLATED, &real, addr, &pub, NULL,
                      NULL, 0);
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.family = 64;
  x.proto = PINHOLE_IPPROTO_TCP;
  x.from = PH_ALG_SERVER;
  x.src = e.server.addr; /* the IPv4 server */
  x.sport = 0;           /* port 20, or any (RFC 959 leaves it to the server) */
  x.dst = pub.addr;
  x.dport = pub.port;
  x.to_port = m->port;
  memcpy(x.dst6, addr, 16);
  x.mapping = mref;
  pinhole__alg_open_pinhole(ac, &x);
}

/* A recognised line (rc, m from pinhole_ftp_parse) on a NAT64 control
 * connection. EPSV and its 229 pass as they are (a port only: the
 * client's data connection is a NAT64 connection of its own under the
 * rule). EPRT |2| is translated (ph_ftp_eprt64). PORT, EPRT |1| and 227
 * name IPv4 endpoints an IPv6 client has none of: counted, passed. A
 * client line the parser rejects is dropped: it may name the client's
 * IPv6 address, which must not reach the server untranslated. */
static void ph_ftp_line64(ph_alg_call *ac, size_t pos, size_t n, int rc,
                          const pinhole_ftp_msg *m) {
  const uint8_t *line = pinhole__alg_payload(ac) + pos;
  int from_server = pinhole__alg_from(ac) == PH_ALG_SERVER;
  if (!from_server && rc == PINHOLE_ERR_UNSUPPORTED &&
      m->kind == PINHOLE_FTP_EPRT && m->family == 2) {
    ph_ftp_eprt64(ac, pos, n, m);
  } else if (rc < 0) {
    const char *why =
        rc == PINHOLE_ERR_RANGE ? "number out of range" : "malformed command";
    if (from_server)
      pinhole__alg_error(ac, why, line, n);
    else
      pinhole__alg_refuse(ac, why, line, n);
  } else if (m->kind == PINHOLE_FTP_229) {
    ph_ends6 e6;
    pinhole__alg_ends6(ac, &e6);
    pinhole_endpoint real = {0, m->port, 0}; /* a port: the server's */
    pinhole__alg_trace6(ac, PINHOLE_TRACE_PARSED, &real, e6.server, NULL, NULL,
                        line, n);
  } else {
    pinhole__alg_error(ac, "IPv4 endpoint on an IPv6 connection", line, n);
  }
}

/* Applies the session rule to one complete line (cls from the
 * classifier); returns 1 when it may be parsed for PORT/EPRT/227/229. */
static int ph_ftp_session(ph_ftp_state *st, int from_server, int cls,
                          unsigned code) {
  if (cls == PINHOLE_FTP_LINE_NOT_FTP) {
    st->dead = 1;
    return 0;
  }
  if (!from_server)
    return st->greeted; /* a command before the greeting is not honoured */
  if (st->multi_code) {
    /* a multi-line reply's text, whatever it looks like, until the line
     * with its code ends it */
    if (cls == PINHOLE_FTP_LINE_REPLY && code == st->multi_code)
      st->multi_code = 0;
    return 0;
  }
  if (cls == PINHOLE_FTP_LINE_TEXT) {
    st->dead = 1;
    return 0;
  }
  if (!st->greeted) {
    if (code == PINHOLE_FTP_GREETING_READY)
      st->greeted = 1;
    else if (code != PINHOLE_FTP_GREETING_DELAY &&
             code != PINHOLE_FTP_GREETING_REFUSED)
      st->dead = 1;
    if (cls == PINHOLE_FTP_LINE_REPLY_FIRST && !st->dead)
      st->multi_code = (uint16_t)code;
    return 0;
  }
  if (cls == PINHOLE_FTP_LINE_REPLY_FIRST) {
    st->multi_code = (uint16_t)code;
    return 0;
  }
  return 1;
}

/* A PASV or EPSV command (n bytes, a COMMAND line): it carries no address
 * but asks for the reply that does, so the trace shows it. */
static int ph_ftp_passive_cmd(const uint8_t *p, size_t n) {
  size_t v = 0;
  while (v < n && ph_is_alpha(p[v]))
    v++;
  return ph_ieq(p, v, "PASV") || ph_ieq(p, v, "EPSV");
}

/* One complete line at pos (n bytes with its end). */
static void ph_ftp_line(ph_alg_call *ac, ph_ftp_state *st, size_t pos,
                        size_t n) {
  int from_server = pinhole__alg_from(ac) == PH_ALG_SERVER;
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  unsigned code = 0;
  int cls = pinhole_ftp_classify(p, n, from_server, &code);
  if (!ph_ftp_session(st, from_server, cls, code))
    return;
  pinhole_ftp_msg m;
  memset(&m, 0, sizeof(m)); /* an EPRT of another family leaves it */
  int rc = pinhole_ftp_parse(p, n, from_server, &m);
  if (rc == PINHOLE_ERR_NOMATCH) {
    if (cls == PINHOLE_FTP_LINE_COMMAND && ph_ftp_passive_cmd(p, n))
      pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, p, n);
    return;
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, p, n);
  if (pinhole__alg_family(ac) == 6)
    ph_ftp_line6(ac, p, n, rc, &m);
  else if (pinhole__alg_family(ac) == 64)
    ph_ftp_line64(ac, pos, n, rc, &m);
  else if (rc < 0)
    ph_ftp_malformed(ac, rc, p, n);
  else if (from_server)
    ph_ftp_server(ac, pos, n, &m);
  else
    ph_ftp_client(ac, pos, n, &m);
}

/* Could the partial client line p[0..n) (no line end) still become an
 * EPRT of family 2 (RFC 2428 sec. 2: EPRT <d>2<d>addr<d>port<d>)? What
 * follows its family is not judged here: the whole line is parsed once
 * it has come (an IPv6 or NAT64 control connection must see it whole). */
static int ph_ftp_eprt2_start(const uint8_t *p, size_t n) {
  if (!ph_iprefix(p, n, "EPRT"))
    return 0;
  if (n <= 4)
    return 1;
  ph_cur c = {p, 4, n};
  if (ph_cur_skip_ws(&c) == 0)
    return 0;
  if (ph_cur_left(&c) == 0)
    return 1;
  uint8_t d = p[c.pos++];
  if (d < 33 || d > 126 || ph_is_digit(d)) /* RFC 2428's delimiters */
    return 0;
  return (ph_cur_left(&c) == 0 || ph_cur_eat(&c, '2')) &&
         (ph_cur_left(&c) == 0 || ph_cur_eat(&c, d));
}

/* Is the partial line p[0..n) one to withhold until it is whole? A line
 * the parser may yet accept (pinhole_ftp_prefix); on IPv6 and NAT64 a
 * client's EPRT |2| too. *eprt2: it is that EPRT. */
static int ph_ftp_hold(ph_alg_call *ac, const ph_ftp_state *st,
                       const uint8_t *p, size_t n, int from_server,
                       int *eprt2) {
  *eprt2 =
      !from_server && pinhole__alg_family(ac) != 4 && ph_ftp_eprt2_start(p, n);
  if (!from_server && !st->greeted)
    return 0;
  return *eprt2 || pinhole_ftp_prefix(p, n, from_server) == 1;
}

static void ph_ftp_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  ph_ftp_state *st = pinhole__alg_state(ac);
  int from_server = pinhole__alg_from(ac) == PH_ALG_SERVER;
  size_t pos = start;
  while (!st->dead && pos < pinhole__alg_payload_len(ac) &&
         !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac);
    size_t left = pinhole__alg_payload_len(ac) - pos;
    size_t n = pinhole_ftp_line_len(p + pos, left);
    if (n == 0) {
      /* a partial line: not FTP already, or withheld when the parser says
       * it can still become a line it translates */
      int eprt2;
      int hold = ph_ftp_hold(ac, st, p + pos, left, from_server, &eprt2);
      if (pinhole_ftp_classify(p + pos, left, from_server, NULL) ==
          PINHOLE_FTP_LINE_NOT_FTP) {
        if (eprt2 && pinhole__alg_family(ac) == 64) {
          /* it may carry the client's address: never passed on */
          size_t show = left < 64 ? left : 64;
          pinhole__alg_refuse(ac, "malformed command", p + pos, show);
          res->consumed = pos;
          return;
        }
        st->dead = 1;
        break;
      }
      res->consumed = pos;
      res->hold = (uint8_t)hold;
      return;
    }
    size_t len0 = pinhole__alg_payload_len(ac);
    ph_ftp_line(ac, st, pos, n);
    pos += n + pinhole__alg_payload_len(ac) - len0; /* it may have grown */
  }
  res->consumed = pos;
  if (st->dead)
    res->desync = 1;
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_ftp_state_ok(const void *state) {
  const ph_ftp_state *st = state;
  return st->greeted <= 1 && st->dead <= 1 && st->multi_code <= 999;
}

const ph_alg pinhole__alg_ftp = {
    .name = "ftp",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_FTP,
    .stream = 1,
    .state_size = sizeof(ph_ftp_state),
    .state_ok = ph_ftp_state_ok,
    .ports = {21, 0, 0, 0},
    .ipv6 = 1,
    .nat64 = 1,
    .inspect = ph_ftp_inspect,
};
