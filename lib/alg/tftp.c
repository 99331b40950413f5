/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TFTP ALG (RFC 1350; options RFC 2347-2349).
 *
 * Watches UDP port 69 from the client's side. A read or write request gets
 * its answer from a new server port (the server's transfer identifier), so
 * the request opens a pinhole from the server's address, any source port,
 * to the client's public endpoint; the answer becomes a Forward flow of the
 * TFTP conversation and the DATA/ACK exchange follows it. The data flow
 * holds the client's NAPT mapping, so the transfer outlives the request.
 * Malformed requests (no NUL, unknown opcode, oversize file name, bad mode)
 * are counted as TFTP ALG errors and open nothing.
 */
#include "alg/alg.h"

#include <pinhole/tftp.h>

#include <string.h>

static void ph_tftp_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  (void)start;
  (void)res;
  if (pinhole__alg_from(ac) != PH_ALG_CLIENT)
    return; /* only requests from the client open pinholes */
  const uint8_t *p = pinhole__alg_payload(ac);
  size_t len = pinhole__alg_payload_len(ac);
  pinhole_tftp_msg m;
  int rc = pinhole_tftp_parse(p, len, &m);
  if (rc == PINHOLE_ERR_NOMATCH) {
    pinhole__alg_error(ac, "not a request", NULL, 0);
    return;
  }
  if (rc < 0) {
    pinhole__alg_error(ac, "malformed request", NULL, 0);
    return;
  }
  /* "RRQ name" / "WRQ name": the verb first, as every ALG's message */
  uint8_t text[4 + PINHOLE_TFTP_MAX_FILENAME];
  size_t tl = m.filename_len > PINHOLE_TFTP_MAX_FILENAME
                  ? PINHOLE_TFTP_MAX_FILENAME
                  : m.filename_len;
  memcpy(text, m.opcode == PINHOLE_TFTP_OPCODE_RRQ ? "RRQ " : "WRQ ", 4);
  memcpy(text + 4, p + m.filename_off, tl);
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, text, 4 + tl);
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.proto = PINHOLE_IPPROTO_UDP;
  x.from = PH_ALG_SERVER;
  x.src = e.server.addr;
  x.sport = 0; /* the server answers from a new port */
  x.dst = e.client_pub.addr;
  x.dport = e.client_pub.port;
  x.to_addr = e.client.addr;
  x.to_port = e.client.port;
  x.mapping = pinhole__alg_own_mapping(ac);
  pinhole__alg_open_pinhole(ac, &x);
}

const ph_alg pinhole__alg_tftp = {
    .name = "tftp",
    .proto = PINHOLE_IPPROTO_UDP,
    .counter = PINHOLE_CNT_ALG_TFTP,
    .stream = 0,
    .state_size = 0,
    .ports = {69, 0, 0, 0},
    .inspect = ph_tftp_inspect,
};
