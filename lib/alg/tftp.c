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
#include "core/engine.h"

#include <pinhole/tftp.h>

#include <string.h>

static void ph_tftp_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  (void)start;
  (void)res;
  if (ac->dir != 0)
    return; /* only requests from the client open pinholes */
  const uint8_t *p = ph_payload(ac);
  size_t len = ac->v->payload_len;
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
  const uint8_t *name = p + m.filename_off;
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, name,
                     m.filename_len);
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  ph_expect x;
  memset(&x, 0, sizeof(x));
  x.proto = PINHOLE_IPPROTO_UDP;
  x.side = (uint8_t)(ac->conn->a_side ^ 1);
  x.src = e.b_real.addr;
  x.sport = 0; /* the server answers from a new port */
  x.dst = e.a_pub.addr;
  x.dport = e.a_pub.port;
  x.to_addr = e.a_real.addr;
  x.to_port = e.a_real.port;
  x.mapping = ph_cold(ac->ctx, ac->conn)->mapping;
  pinhole__map_ref(ac->ctx, x.mapping);
  pinhole__alg_expect(ac, &x);
}

const ph_alg pinhole__alg_tftp = {
    .name = "tftp",
    .proto = PINHOLE_IPPROTO_UDP,
    .counter = PINHOLE_CNT_ALG_TFTP,
    .stream = 0,
    .ports = {69, 0, 0, 0},
    .inspect = ph_tftp_inspect,
};
