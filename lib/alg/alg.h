/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ALG module contract: what an application layer gateway module
 * provides, and the only services of the engine it may use.
 *
 * A module (lib/alg/<proto>.c) defines one const ph_alg descriptor and
 * includes nothing of the engine but this header: no core/ header, no
 * context, connection or table. It sees one packet at a time through an
 * opaque call handle (payload, direction, the control connection's
 * endpoints, its own state slot) and acts through the services below:
 * splice the payload, map an inside endpoint to a public one, open a
 * pinhole, check policy, count an error, trace, refuse a message it cannot
 * translate, end or keep a dialog. Everything shared by all ALGs (splice
 * bookkeeping, IP length, checksums, TCP sequence deltas, where a message
 * can begin in a stream, withholding a split message, pinhole limits,
 * ports below 1024, third parties, fail-closed drops) is the engine's:
 * lib/core/alg.c and lib/core/stream.c. A test (tests/style) fails when a
 * module includes anything else. Copy lib/alg/skeleton.c to start one;
 * docs/adding-an-alg.md walks through it.
 *
 * Vocabulary: the control connection's initiator (I in the listing) is
 * the client, its responder (O) the server. "Real" is an endpoint as its
 * owner sends it, "public" as the other party sees it through the NAT.
 */
#ifndef PH_ALG_ALG_H
#define PH_ALG_ALG_H

#include <pinhole/pinhole.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One ALG invocation on one packet (opaque to modules). */
typedef struct ph_alg_call ph_alg_call;

/* Who sent the packet, or who will send an expected one. */
enum ph_alg_party {
  PH_ALG_CLIENT = 0, /* the control connection's initiator */
  PH_ALG_SERVER = 1  /* its responder */
};

/* What a stream scan found, in bytes of the current (rewritten) payload. */
typedef struct ph_scan {
  size_t consumed; /* end of the last complete message handled */
  uint8_t hold;    /* the rest is the start of a message the module must see
                      whole (a split command): the engine holds it and
                      scans it again from its start with the bytes that
                      follow (docs/reassembly.md); ask the parser's prefix
                      test, never a list of the module's own */
  uint8_t desync;  /* the rest is not this protocol: stop parsing this
                      direction for good (counted by the engine) */
  uint8_t pad_[2];
  uint32_t skip_len; /* the stream's next skip_len bytes need no parsing
                        (a body whose length is known) */
} ph_scan;

/* Per-connection state a module may keep (zeroed when watching starts). */
#define PH_ALG_STATE_SIZE 48

typedef struct ph_alg {
  const char *name;
  uint8_t proto;      /* L4 protocol of the control connection; 0: both */
  uint8_t rule_proto; /* another protocol it inspects when a rule names it
                         (traceroute: ICMP echo); 0: none */
  uint8_t counter;    /* PINHOLE_CNT_ALG_* */
  uint8_t stream;     /* TCP byte stream (the engine's stream driver) */
  uint8_t state_size; /* bytes of pinhole__alg_state() used, at most
                         PH_ALG_STATE_SIZE (checked when the table is built) */
  uint16_t ports[4];  /* default server ports, 0-terminated */
  uint8_t privileged; /* the privileged-port rule (rsh, rlogin): a new TCP
                         connection of this ALG from a source port in
                         512..1023 gets a public port in 512..1023 under
                         source NAT (a separate range of the pool's
                         address, not the pool's own), or is counted and
                         dropped (NAT ports exhausted) when none is free */
  uint8_t ipv6;       /* the module handles IPv6 control connections (it
                         reads pinhole__alg_family and the *6 services;
                         nothing is rewritten on IPv6: no translation) */
  uint8_t nat64;      /* the module handles NAT64 control connections
                         (pinhole__alg_family 64; docs/nat64.md "FTP64"):
                         a NAT64 rule may name it, or pick it by port */
  uint16_t port_lo;   /* default server ports port_lo..port_hi besides
                         ports[] (0, 0: none), for protocols that use a
                         range (traceroute's UDP probes) */
  uint16_t port_hi;
  /* Inspects payload[start..len) of a stream (TCP) or the whole datagram,
   * and says in *res how far it got. */
  void (*inspect)(ph_alg_call *ac, size_t start, ph_scan *res);
  /* Optional (NULL: the ALG takes no allow list): parses text[0..len), an
   * identifier a rule may name for this ALG (pinhole_rule_alg_allow: an
   * RPC program, an interface UUID), into id[0..*len), at most
   * PH_ALG_ID_MAX bytes: the form the module later asks
   * pinhole__alg_allowed about. Returns 0 or PINHOLE_ERR_PARSE. */
  int (*allow_id)(const char *text, size_t len, uint8_t *id, size_t *id_len);
  /* Optional (NULL: every byte pattern of the state is one the module
   * runs on safely): 1 when state[0..state_size), written by this module
   * in another context and carried by state sync (docs/ha.md), is one it
   * may run on (every field that indexes, counts or selects in range),
   * else 0: the import is refused. */
  int (*state_ok)(const void *state);
} ph_alg;

/* Longest identifier of an allow list (a UUID). */
#define PH_ALG_ID_MAX 16

/* ---- the packet -------------------------------------------------------- */

/* The payload as it is now (rewrites change it) and its length. */
uint8_t *pinhole__alg_payload(const ph_alg_call *ac);
size_t pinhole__alg_payload_len(const ph_alg_call *ac);
/* PH_ALG_CLIENT or PH_ALG_SERVER: who sent this packet. */
int pinhole__alg_from(const ph_alg_call *ac);
/* The control connection's L4 protocol (SIP runs over UDP and TCP). */
uint8_t pinhole__alg_l4(const ph_alg_call *ac);
/* Nonzero once a rewrite did not fit or a message was refused: the packet
 * will be dropped, stop working on it. */
int pinhole__alg_failed(const ph_alg_call *ac);
/* The module's state slot (state_size bytes) for this connection. */
void *pinhole__alg_state(ph_alg_call *ac);
/* Where the payload's byte 0 lies in this direction's TCP byte stream:
 * *off = its offset from the stream's first data byte (the byte after the
 * SYN; original numbering, before any rewrite), modulo 2^32. Returns 0, or
 * PINHOLE_ERR_NOMATCH (*off 0) when the stream's start was not seen (the
 * watch began after the SYN) or the connection is not TCP. For protocols
 * whose one message sits at the very start of the stream (rsh): a
 * segment with *off 0 is that message, or its retransmission. */
int pinhole__alg_stream_at(const ph_alg_call *ac, uint32_t *off);
/* Nonzero when payload[start..) is the very first data of the client's
 * byte stream (start 0 and pinhole__alg_stream_at offset 0): where a
 * protocol whose one message opens the connection (rsh, PNA) parses it,
 * or its retransmission. */
static inline int ph_alg_client_stream_start(const ph_alg_call *ac,
                                             size_t start) {
  uint32_t off;
  return pinhole__alg_from(ac) == PH_ALG_CLIENT && start == 0 &&
         pinhole__alg_stream_at(ac, &off) == 0 && off == 0;
}
/* A scratch buffer for building rewrites; *len is its size. Its content
 * does not survive the call. */
uint8_t *pinhole__alg_scratch(ph_alg_call *ac, size_t *len);

/* The control connection's endpoints. */
typedef struct ph_ends {
  pinhole_endpoint client;     /* the client as it sends */
  pinhole_endpoint client_pub; /* the client as the server sees it */
  pinhole_endpoint server;     /* the server as it sends */
  pinhole_endpoint server_pub; /* the server as the client sees it */
} ph_ends;
void pinhole__alg_ends(const ph_alg_call *ac, ph_ends *e);

/* 4 or 6: the control connection's IP version; 64: a NAT64 connection
 * (only for a module whose descriptor sets nat64): the client IPv6, the
 * server IPv4, and the payload the module sees is the IPv4 packet's
 * (the client's after its translation, the server's before it), so
 * splices work as on IPv4. On an IPv6 or NAT64 connection (only for a
 * module whose descriptor sets ipv6) the 32-bit client addresses of
 * ph_ends are keyed folds, not addresses: compare and announce IPv6
 * addresses with the *6 services, which see the full ones (on NAT64,
 * ph_ends.client_pub and server are the IPv4 pool and server addresses). */
int pinhole__alg_family(const ph_alg_call *ac);

/* An IPv6 control connection's endpoints (no translation: each party is
 * seen as it sends; on NAT64 the server as the client addresses it,
 * under the NAT64 prefix). All zero on an IPv4 connection. */
typedef struct ph_ends6 {
  uint8_t client[16];
  uint8_t server[16];
  uint16_t client_port;
  uint16_t server_port;
} ph_ends6;
void pinhole__alg_ends6(const ph_alg_call *ac, ph_ends6 *e);

/* ---- rewriting ---------------------------------------------------------- */

/* Replaces payload[off..off+oldlen) by rep[0..replen). The engine fixes
 * the packet's length, IP total length, checksums and TCP sequence deltas.
 * Returns 0, or PINHOLE_ERR_NOBUF when the packet would exceed its cap /
 * PINHOLE_ERR_INVALID_ARG for a range outside the payload (then the packet
 * is dropped and counted, nothing changed). */
int pinhole__alg_splice(ph_alg_call *ac, size_t off, size_t oldlen,
                        const void *rep, size_t replen);

/* Replaces the 4-byte IPv4 address at payload[off] by addr (same length:
 * no length or sequence change) and traces it (TRANSLATED old -> addr).
 * Returns as pinhole__alg_splice. */
int pinhole__alg_put_addr(ph_alg_call *ac, size_t off, uint32_t addr);

/* Fail closed: the message cannot be handled and would leave carrying an
 * address the NAT did not translate. Counts an error of this ALG with the
 * reason and drops the packet (counted as "dropped untranslated"), unless
 * the operator configured PINHOLE_CFG_ALG_PASS_UNTRANSLATED: then it is
 * counted and passes. Returns nonzero when the packet will be dropped. */
int pinhole__alg_refuse(ph_alg_call *ac, const char *reason,
                        const uint8_t *text, size_t text_len);
/* The same with the reason "<what>: <why>" (why: a parser's reason name,
 * e.g. "malformed message" and "pointer"). */
int pinhole__alg_refuse_why(ph_alg_call *ac, const char *what, const char *why);

/* A message names more pinholes than the ALG may open (SIP media lines
 * past the limit): counted as "Pinhole limit reached". */
void pinhole__alg_limit(ph_alg_call *ac);

/* ---- policy ------------------------------------------------------------- */

/* What pinhole__alg_policy found an announced address to be. */
enum ph_alg_whose {
  PH_ALG_REAL = 0,   /* the party's own address as it sends it */
  PH_ALG_PUBLIC = 1, /* the party's address as the other side sees it */
  PH_ALG_OTHER = 2   /* a third party, allowed by configuration */
};

/* The one policy check for an endpoint a message of party `who` announces
 * as its own (a data or media endpoint): the address must be who's real or
 * public address (a third party only with PINHOLE_CFG_ALG_THIRD_PARTY; 0 =
 * not announced, counts as real), the port 1024 or above (below only with
 * PINHOLE_CFG_ALG_LOW_PORTS; 0 = not checked). Returns a ph_alg_whose, or
 * PINHOLE_ERR_POLICY after counting an ALG error "<what> address is not
 * the client's" / "<what> port below 1024" (what names the field, e.g.
 * "data", "media", "destination"); text as for pinhole__alg_error. */
int pinhole__alg_policy(ph_alg_call *ac, int who, uint32_t addr, uint16_t port,
                        const char *what, const uint8_t *text, size_t text_len);

/* pinhole__alg_policy for an IPv6 address addr[16] on an IPv6 control
 * connection: PH_ALG_REAL when it is who's own address (or all zero: not
 * announced), PH_ALG_OTHER for a third party the configuration allows,
 * else PINHOLE_ERR_POLICY counted as there (the same reasons). */
int pinhole__alg_policy6(ph_alg_call *ac, int who, const uint8_t addr[16],
                         uint16_t port, const char *what, const uint8_t *text,
                         size_t text_len);

/* An address a message carries (not announced for a pinhole: a NetBIOS
 * NB address, an SNMP agent-addr, a BOOTP giaddr) as the packet's
 * receiver must see it: the sender's own address becomes its public one
 * (*to, PH_ALG_REAL); the receiver's public address its real one
 * (PH_ALG_PUBLIC); an address a static 1:1 rule maps, the mapped one, and
 * any other address unchanged (PH_ALG_OTHER). Returns PINHOLE_ERR_POLICY
 * (not counted: the caller refuses the message) when the sender is behind
 * NAT and the address is neither its own, nor its public one, nor mapped,
 * nor 0: it would leave the NAT untranslated. */
int pinhole__alg_carried(const ph_alg_call *ac, uint32_t addr, uint32_t *to);

/* ---- mappings and pinholes ---------------------------------------------- */

/* pinhole__alg_map's flags. */
enum ph_alg_map_flag {
  PH_ALG_MAP_PAIR = 0x01,      /* an even public port, and port+1 mapped
                                  too (RTP/RTCP, *mapref2) */
  PH_ALG_MAP_PRIVILEGED = 0x02 /* the privileged-port rule: a TCP port in
                                  512..1023 gets a public port in 512..1023
                                  (or PINHOLE_ERR_FULL); ignored for other
                                  ports, other protocols and with PAIR */
};

/* Maps the client's endpoint (addr, port) to a public one with the NAPT of
 * the control connection (same public address). Without source NAT the
 * endpoint maps to itself and *mapref is 0. flags: ph_alg_map_flag (0 for
 * an ordinary port from the pool's range; 1 still means PAIR). Returns 0,
 * or PINHOLE_ERR_FULL when no port is free (counted and logged; with
 * PRIVILEGED also when the endpoint already has a mapping outside
 * 512..1023). The caller owns the references and passes each to
 * pinhole__alg_open_pinhole or releases it with pinhole__alg_unmap. */
int pinhole__alg_map(ph_alg_call *ac, uint8_t proto, uint32_t addr,
                     uint16_t port, unsigned flags, pinhole_endpoint *pub,
                     uint32_t *mapref, uint32_t *mapref2);
/* pinhole__alg_map for an IPv6 client endpoint addr[16]:port on a NAT64
 * control connection: a public IPv4 endpoint from the control
 * connection's pool. Returns as pinhole__alg_map; PINHOLE_ERR_INVALID_ARG
 * (nothing counted) on a connection that is not NAT64. */
int pinhole__alg_map6(ph_alg_call *ac, uint8_t proto, const uint8_t addr[16],
                      uint16_t port, pinhole_endpoint *pub, uint32_t *mapref);
/* pinhole__alg_map6 for an RTP/RTCP pair (RTSP over NAT64): an even
 * public port for addr[16]:port and the next one for port + 1 (*mapref2),
 * as pinhole__alg_map with PH_ALG_MAP_PAIR (core/alg6.c). Returns as
 * pinhole__alg_map6. */
int pinhole__alg_map6_pair(ph_alg_call *ac, uint8_t proto,
                           const uint8_t addr[16], uint16_t port,
                           pinhole_endpoint *pub, uint32_t *mapref,
                           uint32_t *mapref2);
void pinhole__alg_unmap(ph_alg_call *ac, uint32_t mapref);
/* A new reference to the control connection's own mapping (0: none). */
uint32_t pinhole__alg_own_mapping(ph_alg_call *ac);
/* The client endpoint that the client's public port `port` (proto) maps
 * back to, when that mapping belongs to this client. Returns 0 and fills
 * *real, or PINHOLE_ERR_NOMATCH. */
int pinhole__alg_unmap_public(ph_alg_call *ac, uint8_t proto, uint16_t port,
                              pinhole_endpoint *real);

/* A pinhole request: the first packet of a connection the control
 * connection announced, as it will arrive. */
typedef struct ph_pinhole_req {
  uint8_t proto;
  uint8_t from;   /* PH_ALG_CLIENT / PH_ALG_SERVER: who sends it */
  uint16_t sport; /* 0 = any; with sport_hi: the lowest allowed */
  uint32_t src;
  uint32_t dst;
  uint16_t dport;
  uint16_t to_port; /* destination after translation */
  uint32_t to_addr;
  uint32_t mapping;   /* mapping reference to hold (handed over), or 0 */
  uint8_t snat;       /* map the new connection's source with the control
                         connection's pool (a data connection opened from
                         the NATed side) */
  uint8_t privileged; /* the only exception to "ports below 1024 unless
                         configured": honoured when `mapping` is a TCP
                         mapping the engine allocated in 512..1023
                         (pinhole__alg_map with PH_ALG_MAP_PRIVILEGED), dst
                         and dport are its public endpoint, to_addr and
                         to_port its inside one, and that is the control
                         connection's client; otherwise ignored */
  uint16_t sport_hi;  /* nonzero: any source port in sport..sport_hi (rsh's
                         stderr connection comes from 512-1023) */
  uint8_t watch;      /* the connection it admits is a Watch connection of
                         this ALG (H.323's H.245 and call signalling
                         connections), in the same conversation; its
                         client (ph_ends) is the conversation's initiator
                         side whoever opens it */
  uint8_t family;     /* 0 or 4: src, dst; 6: src6, dst6 (an IPv6 control
                         connection's data connection; no translation:
                         to_addr, to_port, mapping and snat unused);
                         64 (a NAT64 control connection): the expected
                         packet is IPv4 (src, sport, dst, dport, from the
                         server), the connection it admits NAT64 to the
                         client's IPv6 endpoint dst6:to_port (to_addr,
                         snat, src6 unused; mapping as for IPv4) */
  uint8_t pad_[2];
  uint8_t src6[16];
  uint8_t dst6[16];
} ph_pinhole_req;

/* Opens a pinhole in the call's conversation with the configured
 * lifetime. Enforces the contract's policy (ports below 1024 unless
 * configured or e->privileged holds, the per-conversation bound, table space)
 * and takes over e->mapping whatever happens. A pinhole identical to a pending
 * one refreshes it. Returns 0 or PINHOLE_ERR_POLICY / PINHOLE_ERR_FULL (counted
 * and traced by the service). */
int pinhole__alg_open_pinhole(ph_alg_call *ac, const ph_pinhole_req *e);

/* ---- GRE calls (PPTP) --------------------------------------------------- */

/* Opens the GRE data flow of a PPTP call (RFC 2637 enhanced GRE, whose key
 * carries the receiver's call ID) in this conversation: a Forward
 * connection with its own idle timeout (pinhole_config.gre_timeout_s),
 * translated both ways. The client's call ID client_cid gets a public
 * call ID, *public_cid, with the NAPT of the control connection (a
 * mapping of protocol GRE at the same public address, held by the flow;
 * without source NAT, client_cid itself). GRE from the server to the
 * client's public address with key *public_cid reaches the client with
 * its key set back to client_cid; GRE from the client to the server with
 * key server_cid leaves from the public address. server_cid 0: not known
 * yet (an Outgoing-Call-Request), set later with pinhole__alg_gre_peer;
 * until then the client's GRE has no flow. A flow of the same client and
 * call left over in this conversation is replaced. *flow names the flow
 * for the services below. Returns 0; PINHOLE_ERR_EXISTS when another
 * flow has one of its keys (a call ID collision: nothing opened, not
 * counted); PINHOLE_ERR_FULL when no public call ID or no table space is
 * free (counted and logged). */
int pinhole__alg_gre_open(ph_alg_call *ac, uint16_t client_cid,
                          uint16_t server_cid, uint16_t *public_cid,
                          uint32_t *flow);
/* Sets the server's call ID of a flow opened with server_cid 0 (from an
 * Outgoing-Call-Reply): 0; PINHOLE_ERR_NOMATCH when flow is not this
 * conversation's GRE flow with that public call ID and no server call ID
 * yet; PINHOLE_ERR_EXISTS when another flow has the key (collision);
 * PINHOLE_ERR_INVALID_ARG for call ID 0; PINHOLE_ERR_FULL. */
int pinhole__alg_gre_peer(ph_alg_call *ac, uint32_t flow, uint16_t public_cid,
                          uint16_t server_cid);
/* The call was cleared (Call-Disconnect-Notify): the flow gets the short
 * closed-flow timeout. A no-op when flow is not this conversation's GRE
 * flow with that public call ID. */
void pinhole__alg_gre_close(ph_alg_call *ac, uint32_t flow,
                            uint16_t public_cid);

/* ---- dialogs ------------------------------------------------------------ */

/* The session ended (SIP BYE): pending pinholes of the conversation close,
 * its UDP data flows get the short closed-flow timeout. */
void pinhole__alg_dialog_end(ph_alg_call *ac);
/* Keeps the control connection alive for at least `seconds` of idleness
 * from now (a SIP registration), bounded by the engine to one hour. */
void pinhole__alg_keep(ph_alg_call *ac, uint32_t seconds);
/* Quick teardown: the exchange of a UDP control connection is complete
 * (DNS: every query it carried has its answer). The connection is dead at
 * once (a later packet of the same tuple starts a new one, deadlines being
 * checked at use) and freed by the next pinhole_tick() (its FLOW_CLOSED
 * event says "ALG") instead of waiting for the UDP timeout; counted
 * (PINHOLE_CNT_ALG_QUICK_CLOSE) once. A no-op on TCP (a TCP connection
 * ends with its FIN or RST) and on a connection already closing. */
void pinhole__alg_close_soon(ph_alg_call *ac);
/* Moves this connection into the conversation of the Watch connection of
 * the same ALG from the client's address and client_port to the server's
 * (as the client addresses it) server_port, when there is one, with the
 * same initiator side, and this connection is alone in its conversation
 * (NetBIOS: a host's name service and datagram flows are one
 * conversation). Returns 0 (moved, or already there) or
 * PINHOLE_ERR_NOMATCH. */
int pinhole__alg_join(ph_alg_call *ac, uint16_t client_port,
                      uint16_t server_port);

/* ---- the rule's allow list ---------------------------------------------- */

/* May this control connection open a pinhole for identifier id[0..len)
 * (the form of the module's allow_id hook)? Yes (1) when the rule that
 * accepted the connection lists it, or lists nothing (no list: every
 * program opens). Otherwise 0, after counting an error of this ALG
 * "<what> <text> not allowed by the rule" (or "... not allowed: the rule
 * is gone", after pinhole_rules_clear once lists were in use) whose
 * ALG_ERROR event names the rule, with the same ERROR trace (what names
 * the identifier's kind, e.g. "program", "interface"; text[0..text_len)
 * its value as the operator writes it, at most 40 bytes shown). The
 * message itself is not touched: it passes, answered, opening nothing. */
int pinhole__alg_allowed(ph_alg_call *ac, const uint8_t *id, size_t len,
                         const char *what, const uint8_t *text,
                         size_t text_len);

/* ---- static NAT --------------------------------------------------------- */

/* The address the receiver of this packet must use for addr under the
 * context's static 1:1 rules (PINHOLE_NAT_STATIC, action accept) whose
 * pinhole_rule.flags include rule_flags: for a receiver outside, an inside
 * address a rule maps becomes its public address; for a receiver inside,
 * a public address a rule maps becomes its inside address (either rule
 * side, read both ways; the first rule in order whose prefix holds addr
 * decides). Returns 0 and *out, or PINHOLE_ERR_NOMATCH when no such rule
 * maps addr to another address. */
int pinhole__alg_static_addr(const ph_alg_call *ac, uint32_t addr,
                             uint32_t rule_flags, uint32_t *out);
/* Nonzero when the context has a static 1:1 rule whose flags include
 * rule_flags (whether pinhole__alg_static_addr could map anything). */
int pinhole__alg_static_any(const ph_alg_call *ac, uint32_t rule_flags);

/* ---- digests ------------------------------------------------------------ */

/* A keyed hash (SipHash-1-3 under the context's secret hash key) of
 * p[0..len), for a module that keeps a digest of what it saw (a DNS
 * question) in its small state slot instead of the bytes. */
uint64_t pinhole__alg_hash(const ph_alg_call *ac, const void *p, size_t len);

/* ---- errors and traces -------------------------------------------------- */

/* Counts an error of this ALG (Errors: ALG, and the ALG's own counter),
 * sends an ALG_ERROR event and an ERROR trace with the reason and text
 * (the reason itself when text is NULL). */
void pinhole__alg_error(ph_alg_call *ac, const char *reason,
                        const uint8_t *text, size_t text_len);

/* Selects the error counter the rest of this call counts in (through
 * pinhole__alg_error, _refuse, _policy and _open_pinhole): a module with
 * two counters (Sun RPC: "RPC" for records and headers, "RPC portmap" for
 * the portmapper's procedures) switches to the second for the errors of a
 * procedure. counter is a PINHOLE_CNT_ALG_* per-ALG counter (BOOTP ..
 * TRACEROUTE); anything else selects the descriptor's own counter again,
 * as does the start of every call. */
void pinhole__alg_error_counter(ph_alg_call *ac, int counter);

/* Emits a trace record of this ALG (a no-op without a trace callback). */
void pinhole__alg_trace(ph_alg_call *ac, int kind, const pinhole_endpoint *a,
                        const pinhole_endpoint *b, uint32_t lifetime_ms,
                        const uint8_t *text, size_t text_len);

/* ---- shared steps ------------------------------------------------------- */

/* A TCP endpoint the server announces for the client to connect to (an
 * SQLNet redirect, an IIOP object reference): traced, checked with
 * pinhole__alg_policy (the server's own listening port is no new port),
 * and *seen set to where the client must go (the server's public address
 * for its real one). Unless that is the control connection's server
 * endpoint itself, *x is filled with the pinhole for the client alone
 * (its source mapped like the control connection's), forwarded to the
 * server. Returns 1 with *x to open, 0 with nothing to open, -1 when the
 * endpoint is left alone (counted by the policy, or a third party the
 * configuration allows). A module built on the services only. */
static inline int ph_alg_server_endpoint(ph_alg_call *ac, uint32_t addr,
                                         uint16_t port, const char *what,
                                         const uint8_t *text, size_t text_len,
                                         uint32_t *seen, ph_pinhole_req *x) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  pinhole_endpoint real = {addr, port, 0};
  pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &real, NULL, 0, text, text_len);
  int whose = pinhole__alg_policy(ac, PH_ALG_SERVER, addr,
                                  port == e.server.port ? 0 : port, what, text,
                                  text_len);
  if (whose < 0 || whose == PH_ALG_OTHER)
    return -1;
  pinhole_endpoint pub = {whose == PH_ALG_REAL ? e.server_pub.addr : addr, port,
                          0};
  *seen = pub.addr;
  if (pub.addr != addr)
    pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &real, &pub, 0, NULL, 0);
  if (pub.addr == e.server_pub.addr && port == e.server_pub.port)
    return 0; /* the control connection's server: reachable already */
  memset(x, 0, sizeof(*x));
  x->proto = PINHOLE_IPPROTO_TCP;
  x->from = PH_ALG_CLIENT;
  x->src = e.client.addr;
  x->dst = pub.addr;
  x->dport = port;
  x->to_addr = e.server.addr;
  x->to_port = port;
  x->snat = 1;
  return 1;
}

#endif /* PH_ALG_ALG_H */
