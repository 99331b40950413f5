/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The operator's view and session management (operator.h): the whole
 * statistics listing in its grouped layout, labels, pending pinholes as
 * Forward rows, conversation filters, clearing with its events, flow
 * look-up by either side's tuple, and run-time timeouts.
 */
#include "helpers.h"

#define CLI IP4(198, 18, 0, 100)
#define CLI2 IP4(198, 18, 0, 7)
#define SRV OUT_HOST
#define PEER IP4(198, 19, 0, 9)

/* An FTP control connection from CLI:40000 that announced PORT
 * 198.18.0.100:40001 (a pending pinhole), and a UDP flow from
 * CLI2:41000 to PEER:5000 answered once. */
static tctx *two_convs(void) {
  tctx *t = t_ctx();
  tpkt p;
  uint32_t c = 100, s = 900;
  t_tcp(&p, CLI, 40000, SRV, 21, c++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_tcp(&p, SRV, 21, PUB, 40000, s++, c, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_tcp(&p, CLI, 40000, SRV, 21, c, s, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_tcp(&p, SRV, 21, PUB, 40000, s, c, PINHOLE_TCP_ACK, T_FTP_GREETING);
  assert_int_equal(t_out(t, &p, SEC), 0);
  s += T_FTP_GREETING_LEN;
  t_tcp(&p, CLI, 40000, SRV, 21, c, s, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\n");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_payload_is(&p, "PORT 198,19,0,1,156,65\r\n");
  t_udp(&p, CLI2, 41000, PEER, 5000, "q");
  assert_int_equal(t_in(t, &p, 2 * SEC), 0);
  t_udp(&p, PEER, 5000, PUB, 41000, "answer");
  assert_int_equal(t_out(t, &p, 2 * SEC), 0);
  return t;
}

static char *fmt_filter(tctx *t, const pinhole_conv_filter *f) {
  int n = pinhole_conversations_format_filter(t->ctx, f, NULL, 0);
  assert_true(n >= 0);
  char *s = malloc((size_t)n + 1);
  assert_int_equal(
      pinhole_conversations_format_filter(t->ctx, f, s, (size_t)n + 1), n);
  return s;
}

static void filter_is(tctx *t, const pinhole_conv_filter *f, const char *want) {
  char *s = fmt_filter(t, f);
  if (strcmp(s, want) != 0) {
    fprintf(stderr, "listing:\n%s---- want:\n%s----\n", s, want);
    free(s);
    fail();
  }
  free(s);
}

#define FTP_CONV                                                               \
  "Conversation: ALG protocol: ftp\n"                                          \
  "  Number of initiators: 1, Number of responders: 1\n"                       \
  "Flow                                          State    Dir  Frm count\n"    \
  "TCP 198.18.0.100:40000 -> 198.19.0.2:21       Watch    I          3\n"      \
  "    NAT source 198.18.0.100:40000 -> 198.19.0.1:40000\n"                    \
  "TCP 198.19.0.2:21 -> 198.19.0.1:40000         Watch    O          2\n"      \
  "    NAT dest 198.19.0.1:40000 -> 198.18.0.100:40000\n"                      \
  "TCP 198.19.0.2:0 -> 198.19.0.1:40001          Forward  O          0\n"      \
  "    NAT dest 198.19.0.1:40001 -> 198.18.0.100:40001\n"
#define UDP_CONV                                                               \
  "Conversation: ALG protocol: none\n"                                         \
  "  Number of initiators: 1, Number of responders: 1\n"                       \
  "Flow                                          State    Dir  Frm count\n"    \
  "UDP 198.18.0.7:41000 -> 198.19.0.9:5000       Forward  I          1\n"      \
  "    NAT source 198.18.0.7:41000 -> 198.19.0.1:41000\n"                      \
  "UDP 198.19.0.9:5000 -> 198.19.0.1:41000       Forward  O          1\n"      \
  "    NAT dest 198.19.0.1:41000 -> 198.18.0.7:41000\n"

static void test_listing_labels_and_pending_pinholes(void **state) {
  (void)state;
  tctx *t = two_convs();
  t_listing_is(t, FTP_CONV UDP_CONV);
  assert_int_equal(pinhole_labels_set(t->ctx, "ms-1/3/0", "sset1"), 0);
  t_listing_is(t,
               "Interface: ms-1/3/0, Service set: sset1\n" FTP_CONV UDP_CONV);
  /* bad labels change nothing */
  char big[PINHOLE_LABEL_MAX + 1];
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  assert_int_equal(pinhole_labels_set(t->ctx, big, "x"), PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_labels_set(t->ctx, "a\nb", NULL), PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_labels_set(NULL, "a", "b"), PINHOLE_ERR_INVALID_ARG);
  t_listing_is(t,
               "Interface: ms-1/3/0, Service set: sset1\n" FTP_CONV UDP_CONV);
  big[PINHOLE_LABEL_MAX - 1] = '\0'; /* 63 bytes: the longest */
  assert_int_equal(pinhole_labels_set(t->ctx, big, NULL), 0);
  assert_int_equal(pinhole_labels_set(t->ctx, NULL, ""), 0);
  t_listing_is(t, FTP_CONV UDP_CONV);
  /* the pending pinhole has gone with its lifetime (10 s) */
  tpkt p;
  t_udp(&p, CLI2, 41000, PEER, 5000, "q2");
  assert_int_equal(t_in(t, &p, 12 * SEC), 0);
  char *s = t_listing(t);
  assert_null(strstr(s, "40001"));
  free(s);
  t_ctx_del(t);
}

static void test_filters(void **state) {
  (void)state;
  tctx *t = two_convs();
  pinhole_conv_filter f;
  memset(&f, 0, sizeof(f));
  f.size = sizeof(f);
  filter_is(t, &f, FTP_CONV UDP_CONV);
  f.alg = "ftp";
  filter_is(t, &f, FTP_CONV);
  f.alg = "none";
  filter_is(t, &f, UDP_CONV);
  f.alg = "sip";
  filter_is(t, &f, "");
  f.alg = NULL;
  f.state = PINHOLE_FLOW_WATCH;
  filter_is(t, &f, FTP_CONV);
  f.state = PINHOLE_FLOW_FORWARD;
  filter_is(t, &f, UDP_CONV);
  f.state = 0;
  f.port = 5000;
  filter_is(t, &f, UDP_CONV);
  f.port = 21;
  filter_is(t, &f, FTP_CONV);
  f.port = 0;
  f.addr = IP4(198, 18, 0, 100); /* the inside host's own address */
  f.prefix = 32;
  filter_is(t, &f, FTP_CONV);
  f.addr = IP4(198, 19, 0, 8); /* 198.19.0.8/31 holds the UDP peer */
  f.prefix = 31;
  filter_is(t, &f, UDP_CONV);
  f.addr = IP4(198, 19, 0, 0); /* the public address: both */
  f.prefix = 24;
  filter_is(t, &f, FTP_CONV UDP_CONV);
  f.prefix = 0;
  f.conv_id = 2;
  filter_is(t, &f, UDP_CONV);
  f.prefix = 33;
  assert_int_equal(pinhole_conversations_format_filter(t->ctx, &f, NULL, 0),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_conversations_clear(t->ctx, &f), PINHOLE_ERR_RANGE);
  f.prefix = 0;
  f.size = sizeof(f) - 1;
  assert_int_equal(pinhole_conversations_format_filter(t->ctx, &f, NULL, 0),
                   PINHOLE_ERR_STRUCT_SIZE);
  assert_int_equal(pinhole_conversations_clear(t->ctx, &f),
                   PINHOLE_ERR_STRUCT_SIZE);
  t_ctx_del(t);
}

typedef struct holes {
  int n;
  pinhole_pinhole_info last;
} holes;

static int on_hole(const pinhole_pinhole_info *pi, void *user) {
  holes *h = user;
  h->n++;
  h->last = *pi;
  return 0;
}

static void test_pending_pinholes(void **state) {
  (void)state;
  tctx *t = two_convs();
  holes h;
  memset(&h, 0, sizeof(h));
  assert_int_equal(pinhole_pinholes_visit(t->ctx, on_hole, &h), 1);
  assert_int_equal(h.n, 1);
  assert_int_equal(h.last.conv_id, 1);
  assert_string_equal(h.last.alg, "ftp");
  assert_int_equal(h.last.proto, PINHOLE_IPPROTO_TCP);
  assert_int_equal(h.last.side, PINHOLE_SIDE_OUTSIDE);
  assert_int_equal(h.last.src.addr, SRV);
  assert_int_equal(h.last.src.port, 0);
  assert_int_equal(h.last.dst.addr, PUB);
  assert_int_equal(h.last.dst.port, 40001);
  assert_int_equal(h.last.to.addr, CLI);
  assert_int_equal(h.last.to.port, 40001);
  /* opened at 1 s for 10 s, now 2 s: 9 s left (to the wheel's tick) */
  assert_in_range(h.last.expires_ms, 9000, 9020);
  assert_int_equal(pinhole_pinholes_visit(NULL, on_hole, &h),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pinholes_visit(t->ctx, NULL, &h),
                   PINHOLE_ERR_INVALID_ARG);
  t_ctx_del(t);
}

static void test_lookup_either_side(void **state) {
  (void)state;
  tctx *t = two_convs();
  pinhole_flow_info fi;
  memset(&fi, 0, sizeof(fi));
  fi.size = sizeof(fi);
  pinhole_endpoint a = {CLI, 40000, 0}, b = {SRV, 21, 0};
  assert_int_equal(pinhole_flow_lookup(t->ctx, PINHOLE_SIDE_INSIDE,
                                       PINHOLE_IPPROTO_TCP, &a, &b, &fi),
                   0);
  assert_int_equal(fi.conv_id, 1);
  assert_int_equal(fi.dir, PINHOLE_DIR_I);
  assert_int_equal(fi.state, PINHOLE_FLOW_WATCH);
  assert_int_equal(fi.out_src.addr, PUB);
  assert_int_equal(fi.frames, 3);
  /* the server's view of the same connection */
  pinhole_endpoint c = {SRV, 21, 0}, d = {PUB, 40000, 0};
  assert_int_equal(pinhole_flow_lookup(t->ctx, PINHOLE_SIDE_OUTSIDE,
                                       PINHOLE_IPPROTO_TCP, &c, &d, &fi),
                   0);
  assert_int_equal(fi.dir, PINHOLE_DIR_O);
  assert_int_equal(fi.frames, 2);
  assert_int_equal(fi.out_dst.addr, CLI);
  /* the wrong side, protocol or port */
  assert_int_equal(pinhole_flow_lookup(t->ctx, PINHOLE_SIDE_OUTSIDE,
                                       PINHOLE_IPPROTO_TCP, &a, &b, &fi),
                   PINHOLE_ERR_NOT_FOUND);
  assert_int_equal(pinhole_flow_lookup(t->ctx, PINHOLE_SIDE_INSIDE,
                                       PINHOLE_IPPROTO_UDP, &a, &b, &fi),
                   PINHOLE_ERR_NOT_FOUND);
  a.port = 40002;
  assert_int_equal(pinhole_flow_lookup(t->ctx, PINHOLE_SIDE_INSIDE,
                                       PINHOLE_IPPROTO_TCP, &a, &b, &fi),
                   PINHOLE_ERR_NOT_FOUND);
  fi.size = 8;
  assert_int_equal(pinhole_flow_lookup(t->ctx, PINHOLE_SIDE_OUTSIDE,
                                       PINHOLE_IPPROTO_TCP, &c, &d, &fi),
                   PINHOLE_ERR_STRUCT_SIZE);
  assert_int_equal(
      pinhole_flow_lookup(t->ctx, 7, PINHOLE_IPPROTO_TCP, &c, &d, &fi),
      PINHOLE_ERR_INVALID_ARG);
  t_ctx_del(t);
}

static void test_clear_by_filter_then_all(void **state) {
  (void)state;
  tctx *t = two_convs();
  uint64_t before[96];
  int n = pinhole_stats(t->ctx, before, 96);
  pinhole_conv_filter f;
  memset(&f, 0, sizeof(f));
  f.size = sizeof(f);
  f.alg = "ftp";
  t->nevents = 0;
  assert_int_equal(pinhole_conversations_clear(t->ctx, &f), 1);
  t_listing_is(t, UDP_CONV);
  assert_int_equal(t->nevents, 4);
  assert_string_equal(t->events[0],
                      "PINHOLE_PINHOLE_EXPIRED: conv=1 proto=TCP side=outside "
                      "198.19.0.2:0 -> 198.19.0.1:40001 nat 198.19.0.2:0 -> "
                      "198.18.0.100:40001 state=forward alg=ftp");
  /* the pinhole's mapping (the announced port) goes with it */
  assert_string_equal(t->events[1], "PINHOLE_MAPPING_RELEASED: proto=TCP "
                                    "198.18.0.100:40001 -> 198.19.0.1:40001");
  /* bytes as forwarded: SYN 40, ACK 40, the PORT line 66 -> 64 */
  assert_string_equal(
      t->events[2],
      "PINHOLE_FLOW_CLOSED: conv=1 proto=TCP side=inside "
      "198.18.0.100:40000 -> 198.19.0.2:21 nat 198.19.0.1:40000 -> "
      "198.19.0.2:21 state=watch alg=ftp reason=\"cleared\" frames=3/2 "
      "bytes=144/88");
  assert_string_equal(t->events[3], "PINHOLE_MAPPING_RELEASED: proto=TCP "
                                    "198.18.0.100:40000 -> 198.19.0.1:40000");
  /* the cleared connection's packets are new again: a stray ACK is not a
   * SYN and is dropped */
  tpkt p;
  t_tcp(&p, CLI, 40000, SRV, 21, 200, 950, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, 3 * SEC), PINHOLE_VERDICT_DROP);
  /* counters: clearing counts nothing (only the stray ACK moved some) */
  uint64_t after[96];
  assert_int_equal(pinhole_stats(t->ctx, after, 96), n);
  for (int i = 0; i < n; i++)
    if (i != PINHOLE_CNT_NEW_DISCARD && i != PINHOLE_CNT_ERR_TCP &&
        i != PINHOLE_CNT_TCP_NOT_SYN)
      assert_int_equal(after[i], before[i]);
  assert_int_equal(after[PINHOLE_CNT_TCP_NOT_SYN],
                   before[PINHOLE_CNT_TCP_NOT_SYN] + 1);
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.conversations, 1);
  assert_int_equal(u.flows, 1);
  assert_int_equal(u.pinholes, 0);
  assert_int_equal(u.mappings, 1);
  /* clear all */
  t->nevents = 0;
  assert_int_equal(pinhole_conversations_clear(t->ctx, NULL), 1);
  t_listing_is(t, "");
  assert_true(t_has_event(t, "PINHOLE_FLOW_CLOSED: conv=2 proto=UDP"));
  assert_true(t_has_event(t, "reason=\"cleared\" frames=1/1 bytes=29/34"));
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.conversations, 0);
  assert_int_equal(u.flows, 0);
  assert_int_equal(u.mappings, 0);
  assert_int_equal(pinhole_conversations_clear(t->ctx, NULL), 0);
  assert_int_equal(pinhole_conversations_clear(NULL, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  t_ctx_del(t);
}

static void test_timeout_set(void **state) {
  (void)state;
  tctx *t = two_convs();
  assert_int_equal(pinhole_timeout_set(t->ctx, PINHOLE_TIMEOUT_UDP, 0),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(
      pinhole_timeout_set(t->ctx, PINHOLE_TIMEOUT_UDP, 30u * 86400u + 1),
      PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_timeout_set(t->ctx, 0, 5), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_timeout_set(t->ctx, 7, 5), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_timeout_set(NULL, PINHOLE_TIMEOUT_UDP, 5),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(
      pinhole_timeout_set(t->ctx, PINHOLE_TIMEOUT_PINHOLE, 86400001u),
      PINHOLE_ERR_RANGE);
  /* UDP idle timeout 300 s -> 5 s: the UDP flow (last packet at 2 s) is
   * dead at 8 s, the TCP connection lives on */
  assert_int_equal(pinhole_timeout_set(t->ctx, PINHOLE_TIMEOUT_UDP, 5), 0);
  pinhole_flow_info fi;
  memset(&fi, 0, sizeof(fi));
  fi.size = sizeof(fi);
  pinhole_endpoint a = {CLI2, 41000, 0}, b = {PEER, 5000, 0};
  pinhole_tick(t->ctx, 6 * SEC);
  assert_int_equal(pinhole_flow_lookup(t->ctx, PINHOLE_SIDE_INSIDE,
                                       PINHOLE_IPPROTO_UDP, &a, &b, &fi),
                   0);
  pinhole_tick(t->ctx, 8 * SEC);
  assert_int_equal(pinhole_flow_lookup(t->ctx, PINHOLE_SIDE_INSIDE,
                                       PINHOLE_IPPROTO_UDP, &a, &b, &fi),
                   PINHOLE_ERR_NOT_FOUND);
  /* dead at use: the peer's next datagram meets it expired */
  tpkt p;
  t_udp(&p, PEER, 5000, PUB, 41000, "late");
  assert_int_equal(t_out(t, &p, 8 * SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "PINHOLE_FLOW_CLOSED: conv=2 proto=UDP"));
  /* pinhole lifetime 10 s -> 2 s: the next PORT's pinhole says so */
  assert_int_equal(pinhole_timeout_set(t->ctx, PINHOLE_TIMEOUT_PINHOLE, 2000),
                   0);
  t_ctx_del(t);
}

/* The whole statistics listing, pinned: labels, sections, grouping. */
static const char stats_want[] =
    "Interface: ms-1/3/0, Service set: sset1\n"
    "  New flows:\n"
    "    Accepts: 2, Discards: 0, Rejects: 0\n"
    "  Existing flows:\n"
    "    Accepts: 5, Discards: 0, Rejects: 0\n"
    "  Drops:\n"
    "    IP option: 0, TCP SYN defense: 0\n"
    "    NAT ports exhausted: 0\n"
    "  Errors:\n"
    "    IP: 0, TCP: 0\n"
    "    UDP: 0, ICMP: 0\n"
    "    Non-IP packets: 0, ALG: 0\n"
    "  IP errors:\n"
    "    IP packet length inconsistencies: 0\n"
    "    Minimum IP header length check failures: 0\n"
    "    Reassembled packet exceeds maximum IP length: 0\n"
    "    Illegal source address: 0\n"
    "    Illegal destination address: 0\n"
    "    TTL zero errors: 0\n"
    "    Illegal IP protocol number (0 or 255): 0\n"
    "    Land attack: 0\n"
    "    Non-IPv4 packets: 0\n"
    "    Bad checksum: 0\n"
    "    Illegal IP fragment length: 0\n"
    "    IP fragment overlap: 0\n"
    "    IP fragment reassembly timeout: 0\n"
    "    Unknown: 0\n"
    "  TCP errors:\n"
    "    TCP header length inconsistencies: 0\n"
    "    Source or destination port number is zero: 0\n"
    "    Illegal sequence number and flag combinations: 0\n"
    "    SYN attack (multiple SYN messages seen for the same flow): 0\n"
    "    First packet not a SYN message: 0\n"
    "    TCP port scan (TCP handshake, RST seen from server for SYN): 0\n"
    "    Bad SYN cookie response: 0\n"
    "  UDP errors:\n"
    "    IP data length less than minimum UDP header length (8 bytes): 0\n"
    "    Source or destination port is zero: 0\n"
    "    UDP port scan (ICMP error seen for UDP flow): 0\n"
    "  ICMP errors:\n"
    "    IP data length less than minimum ICMP header length (8 bytes): 0\n"
    "    ICMP error length inconsistencies: 0\n"
    "    Duplicate ping sequence number: 0\n"
    "    Mismatched ping sequence number: 0\n"
    "  ALG errors:\n"
    "    BOOTP: 0, DCE-RPC: 0, DCE-RPC portmap: 0\n"
    "    DNS: 0, Exec: 0, FTP: 0\n"
    "    H323: 0, ICMP: 0, IIOP: 0\n"
    "    Login: 0, NetBIOS: 0, NetShow: 0\n"
    "    Real Audio: 0, RPC: 0, RPC portmap: 0\n"
    "    RTSP: 0, Shell: 0, SIP: 0\n"
    "    SNMP: 0, SQLNet: 0, TFTP: 0\n"
    "    Traceroute: 0\n"
    "  Other:\n"
    "    UDP length inconsistencies: 0\n"
    "    Flow table full: 0\n"
    "    Pinhole limit reached: 0\n"
    "    No matching rule: 0\n"
    "    Rewrite exceeds packet buffer: 0\n"
    "    Pinholes created: 1\n"
    "    Pinholes used: 0\n"
    "    Pinholes expired: 0\n"
    "    Flows expired: 0\n"
    "    Fragments not matched to a datagram: 0\n"
    "    Per-host port limit reached: 0\n"
    "    ALG split message withheld: 0\n"
    "    ALG message dropped untranslated: 0\n"
    "    ALG control connection desynchronised: 0\n"
    "    TCP RST in window, not exact (RFC 5961): 0\n"
    "    ALG quick teardown: 0\n"
    "    PPTP ALG errors: 0\n"
    "    GRE packets for no known call: 0\n"
    "    Port blocks allocated: 0\n"
    "    Port blocks released: 0\n"
    "    Port block quota exceeded: 0\n"
    "    NAT pool removed: 0\n"
    "    Port block and address interim records: 0\n"
    "    NAT addresses bound: 0\n"
    "    NAT addresses released: 0\n"
    "    NAT addresses exhausted: 0\n"
    "    Reassembly: messages held: 0\n"
    "    Reassembly: messages completed: 0\n"
    "    Reassembly: messages timed out: 0\n"
    "    Reassembly: pool or share full: 0\n"
    "    Reassembly: message too large: 0\n"
    "    Reassembly: held or merged bytes resent: 0\n"
    "    Reassembly: resent bytes differ: 0\n"
    "    Reassembly: segments past a held message: 0\n"
    "    UDP over IPv6 with zero checksum: 0\n"
    "    IPv6 fragments (not tracked): 0\n"
    "    NAT64 translations: 0\n"
    "    NAT64 destinations refused: 0\n"
    "    NAT64 translation failures: 0\n"
    "    NAT64 packets exceeding the buffer: 0\n"
    "    NAT64 fragments (not translated): 0\n"
    "    Reassembly: segments after a gap: 0\n"
    "    TCP connection slots full: 0\n";

static void test_stats_whole_listing(void **state) {
  (void)state;
  tctx *t = two_convs();
  assert_int_equal(pinhole_labels_set(t->ctx, "ms-1/3/0", "sset1"), 0);
  int n = pinhole_stats_format(t->ctx, NULL, 0);
  assert_true(n > 0);
  char *s = malloc((size_t)n + 1);
  assert_int_equal(pinhole_stats_format(t->ctx, s, (size_t)n + 1), n);
  const char *want = stats_want;
  if (strcmp(s, want) != 0) {
    fprintf(stderr, "statistics:\n%s---- want:\n%s----\n", s, want);
    free(s);
    fail();
  }
  free(s);
  t_ctx_del(t);
}

static char *json_listing(tctx *t, const pinhole_conv_filter *f) {
  int n = pinhole_conversations_format_json(t->ctx, f, NULL, 0);
  assert_true(n >= 0);
  char *s = malloc((size_t)n + 1);
  assert_int_equal(
      pinhole_conversations_format_json(t->ctx, f, s, (size_t)n + 1), n);
  return s;
}

static int on_json_event(const pinhole_event *ev, char *out, size_t len) {
  return pinhole_event_format_json(ev, out, len);
}

static void test_json(void **state) {
  (void)state;
  tctx *t = two_convs();
  pinhole_conv_filter f;
  memset(&f, 0, sizeof(f));
  f.size = sizeof(f);
  f.alg = "ftp";
  char *s = json_listing(t, &f);
  assert_string_equal(
      s,
      "{\"conversation\":1,\"alg\":\"ftp\",\"proto\":6,\"state\":\"Watch\","
      "\"dir\":\"I\",\"src\":\"198.18.0.100\",\"src_port\":40000,"
      "\"dst\":\"198.19.0.2\",\"dst_port\":21,\"nat_src\":\"198.19.0.1\","
      "\"nat_src_port\":40000,\"nat_dst\":\"198.19.0.2\",\"nat_dst_port\":21,"
      "\"frames\":3,\"bytes\":144,\"pending\":false}\n"
      "{\"conversation\":1,\"alg\":\"ftp\",\"proto\":6,\"state\":\"Watch\","
      "\"dir\":\"O\",\"src\":\"198.19.0.2\",\"src_port\":21,"
      "\"dst\":\"198.19.0.1\",\"dst_port\":40000,\"nat_src\":\"198.19.0.2\","
      "\"nat_src_port\":21,\"nat_dst\":\"198.18.0.100\",\"nat_dst_port\":40000,"
      "\"frames\":2,\"bytes\":88,\"pending\":false}\n"
      "{\"conversation\":1,\"alg\":\"ftp\",\"proto\":6,\"state\":\"Forward\","
      "\"dir\":\"O\",\"src\":\"198.19.0.2\",\"src_port\":0,"
      "\"dst\":\"198.19.0.1\",\"dst_port\":40001,\"nat_src\":\"198.19.0.2\","
      "\"nat_src_port\":0,\"nat_dst\":\"198.18.0.100\",\"nat_dst_port\":40001,"
      "\"frames\":0,\"bytes\":0,\"pending\":true}\n");
  free(s);
  s = json_listing(t, NULL); /* five lines: 3 + the UDP conversation's 2 */
  int lines = 0;
  for (char *p = s; *p; p++)
    lines += *p == '\n';
  assert_int_equal(lines, 5);
  free(s);
  f.prefix = 40;
  assert_int_equal(pinhole_conversations_format_json(t->ctx, &f, NULL, 0),
                   PINHOLE_ERR_RANGE);
  /* counters: one line, stable keys */
  char buf[4096];
  int n = pinhole_stats_format_json(t->ctx, buf, sizeof(buf));
  assert_true(n > 0 && (size_t)n < sizeof(buf));
  static const char head[] = "{\"NEW_ACCEPT\":2,\"NEW_DISCARD\":0,";
  assert_int_equal(strncmp(buf, head, sizeof(head) - 1), 0);
  assert_non_null(strstr(buf, ",\"PINHOLE_CREATED\":1,"));
  assert_string_equal(buf + n - 2, "}\n");
  assert_ptr_equal(strchr(buf, '\n'), buf + n - 1); /* one line */
  /* an event, with a name to escape */
  pinhole_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.size = sizeof(ev);
  ev.type = PINHOLE_EVENT_FLOW_CLOSED;
  ev.time_ns = 5;
  ev.conv_id = 7;
  ev.proto = 17;
  ev.side = PINHOLE_SIDE_OUTSIDE;
  ev.src = (pinhole_endpoint){PEER, 5000, 0};
  ev.dst = (pinhole_endpoint){PUB, 41000, 0};
  ev.nat_src = ev.src;
  ev.nat_dst = (pinhole_endpoint){CLI2, 41000, 0};
  ev.rule = "a\"b\\c\x01\xe9";
  ev.reason = "idle timeout";
  ev.frames_i = 1;
  ev.frames_o = 2;
  ev.bytes_i = 30;
  ev.bytes_o = 60;
  n = on_json_event(&ev, buf, sizeof(buf));
  assert_string_equal(
      buf, "{\"event\":\"FLOW_CLOSED\",\"time_ns\":5,\"conversation\":7,"
           "\"proto\":17,\"side\":\"outside\",\"src\":\"198.19.0.9\","
           "\"src_port\":5000,\"dst\":\"198.19.0.1\",\"dst_port\":41000,"
           "\"nat_src\":\"198.19.0.9\",\"nat_src_port\":5000,"
           "\"nat_dst\":\"198.18.0.7\",\"nat_dst_port\":41000,\"state\":null,"
           "\"rule\":\"a\\\"b\\\\c\\u0001\\u00e9\",\"alg\":null,"
           "\"reason\":\"idle timeout\",\"frames_i\":1,\"frames_o\":2,"
           "\"bytes_i\":30,\"bytes_o\":60}");
  assert_int_equal(n, (int)strlen(buf));
  /* truncated: the length needed, NUL-terminated */
  char small[10];
  assert_int_equal(on_json_event(&ev, small, sizeof(small)), n);
  assert_int_equal(strlen(small), sizeof(small) - 1);
  t_ctx_del(t);
}

/* ---- the system-log flavour (pinhole_event_format_syslog) ---------- */

static pinhole_event mk_event(int type) {
  pinhole_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.size = sizeof(ev);
  ev.type = type;
  ev.time_ns = 3 * SEC + 42000000u;
  ev.conv_id = 4;
  ev.proto = 6;
  ev.side = PINHOLE_SIDE_INSIDE;
  ev.src = (pinhole_endpoint){IP4(198, 18, 0, 2), 35595, 0};
  ev.dst = (pinhole_endpoint){OUT_HOST, 554, 0};
  ev.nat_src = (pinhole_endpoint){PUB, 40123, 0};
  ev.nat_dst = ev.dst;
  ev.rule = "allow_rtsp";
  ev.alg = "rtsp";
  return ev;
}

static const struct {
  int type;
  const char *want;
} syslog_want[] = {
    {PINHOLE_EVENT_RULE_ACCEPT,
     "RULE_ACCEPT: proto 6 (TCP) application: rtsp, ms-1/3/0:198.18.0.2:35595 "
     "-> 198.19.0.2:554, Match SFW accept rule-set: , rule: allow_rtsp, "
     "term: 0"},
    {PINHOLE_EVENT_FLOW_CREATED,
     "CREATE_ACCEPT_FLOW: proto 6 (TCP) application: rtsp, "
     "ms-1/3/0:198.18.0.2:35595 -> 198.19.0.2:554, creating forward or watch "
     "flow"},
    {PINHOLE_EVENT_NO_RULE_DROP,
     "NO_RULE_DROP: proto 6 (TCP), ms-1/3/0:198.18.0.2:35595 -> "
     "198.19.0.2:554, No matching SFW rule"},
    {PINHOLE_EVENT_PINHOLE_CREATED,
     "PINHOLE_CREATED: proto 6 (TCP) application: rtsp, "
     "ms-1/3/0:198.18.0.2:35595 -> 198.19.0.2:554, opening forward pinhole to "
     "198.19.0.2:554"},
    {PINHOLE_EVENT_PINHOLE_USED,
     "PINHOLE_USED: proto 6 (TCP) application: rtsp, ms-1/3/0:198.18.0.2:35595 "
     "-> 198.19.0.2:554, pinhole used"},
    {PINHOLE_EVENT_PINHOLE_EXPIRED,
     "PINHOLE_EXPIRED: proto 6 (TCP) application: rtsp, "
     "ms-1/3/0:198.18.0.2:35595 -> 198.19.0.2:554, pinhole expired"},
    {PINHOLE_EVENT_NAT_PORTS_EXHAUSTED,
     "NAT_PORTS_EXHAUSTED: proto 6 (TCP) application: rtsp, "
     "ms-1/3/0:198.18.0.2:35595 -> 198.19.0.2:554, NAT ports exhausted, "
     "limit: 9"},
    {PINHOLE_EVENT_ALG_ERROR,
     "ALG_ERROR: proto 6 (TCP) application: rtsp, ms-1/3/0:198.18.0.2:35595 "
     "-> 198.19.0.2:554, ALG error, reason: bad?port"},
    {PINHOLE_EVENT_UNANNOUNCED_DATA,
     "UNANNOUNCED_DATA: proto 6 (TCP) application: rtsp, "
     "ms-1/3/0:198.18.0.2:35595 -> 198.19.0.2:554, data flow not announced "
     "by its control flow"},
    {PINHOLE_EVENT_RULE_DISCARD,
     "RULE_DISCARD: proto 6 (TCP) application: rtsp, "
     "ms-1/3/0:198.18.0.2:35595 -> 198.19.0.2:554, Match SFW discard "
     "rule-set: , rule: allow_rtsp, term: 0"},
    {PINHOLE_EVENT_RULE_REJECT,
     "RULE_REJECT: proto 6 (TCP) application: rtsp, ms-1/3/0:198.18.0.2:35595 "
     "-> 198.19.0.2:554, Match SFW reject rule-set: , rule: allow_rtsp, "
     "term: 0"},
    {PINHOLE_EVENT_TABLE_FULL,
     "TABLE_FULL: proto 6 (TCP) application: rtsp, ms-1/3/0:198.18.0.2:35595 "
     "-> 198.19.0.2:554, flow table full"},
    {PINHOLE_EVENT_FLOW_CLOSED,
     "FLOW_CLOSED: proto 6 (TCP) application: rtsp, ms-1/3/0:198.18.0.2:35595 "
     "-> 198.19.0.2:554, closing flow, frames: 5/4, bytes: 300/2000"},
    {PINHOLE_EVENT_MAPPING_CREATED,
     "MAPPING_CREATED: proto 6 (TCP), 198.18.0.2:35595 -> 198.19.0.1:40123, "
     "NAT mapping created"},
    {PINHOLE_EVENT_MAPPING_RELEASED,
     "MAPPING_RELEASED: proto 6 (TCP), 198.18.0.2:35595 -> 198.19.0.1:40123, "
     "NAT mapping released"},
    {PINHOLE_EVENT_PORT_BLOCK_ALLOCATED,
     "PORT_BLOCK_ALLOCATED: subscriber 198.18.0.2, public 198.19.0.1, ports "
     "40448-40959, port block allocated"},
    {PINHOLE_EVENT_PORT_BLOCK_RELEASED,
     "PORT_BLOCK_RELEASED: subscriber 198.18.0.2, public 198.19.0.1, ports "
     "40448-40959, port block released"},
    {PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED,
     "PORT_BLOCK_EXHAUSTED: subscriber 198.18.0.2, public 198.19.0.1, proto 6 "
     "(TCP), port block quota exceeded, limit: 9"},
    {PINHOLE_EVENT_PORT_BLOCK_ACTIVE,
     "PORT_BLOCK_ACTIVE: subscriber 198.18.0.2, public 198.19.0.1, ports "
     "40448-40959, port block active"},
    {PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED,
     "NAT_ADDRESSES_EXHAUSTED: proto 6 (TCP) application: rtsp, "
     "ms-1/3/0:198.18.0.2:35595 -> 198.19.0.2:554, NAT addresses exhausted, "
     "pool: 2"},
    {PINHOLE_EVENT_ADDRESS_BOUND,
     "ADDRESS_BOUND: subscriber 198.18.0.2, public 198.19.0.1, address bound"},
    {PINHOLE_EVENT_ADDRESS_RELEASED,
     "ADDRESS_RELEASED: subscriber 198.18.0.2, public 198.19.0.1, address "
     "released"},
    {PINHOLE_EVENT_ADDRESS_ACTIVE,
     "ADDRESS_ACTIVE: subscriber 198.18.0.2, public 198.19.0.1, address "
     "binding active"},
};

static void test_syslog_every_event(void **state) {
  (void)state;
  tctx *t = t_ctx();
  assert_int_equal(pinhole_labels_set(t->ctx, "ms-1/3/0", "sset1"), 0);
  size_t n = sizeof(syslog_want) / sizeof(syslog_want[0]);
  assert_int_equal(n, PINHOLE_EVENT_ADDRESS_ACTIVE); /* every type */
  for (size_t i = 0; i < n; i++) {
    pinhole_event ev = mk_event(syslog_want[i].type);
    if (ev.type == PINHOLE_EVENT_ALG_ERROR)
      ev.reason = "bad\nport";
    if (ev.type == PINHOLE_EVENT_NAT_PORTS_EXHAUSTED ||
        ev.type == PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED)
      ev.limit = 9;
    if (ev.type == PINHOLE_EVENT_FLOW_CLOSED) {
      ev.frames_i = 5;
      ev.frames_o = 4;
      ev.bytes_i = 300;
      ev.bytes_o = 2000;
    }
    ev.port_lo = 40448;
    ev.port_hi = 40959;
    if (ev.type == PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED)
      ev.pool_id = 2;
    char buf[512];
    int r =
        pinhole_event_format_syslog(t->ctx, &ev, 0, 0, NULL, buf, sizeof(buf));
    assert_string_equal(buf, syslog_want[i].want);
    assert_int_equal(r, (int)strlen(syslog_want[i].want));
  }
  t_ctx_del(t);
}

static void test_syslog_flags(void **state) {
  (void)state;
  tctx *t = t_ctx();
  pinhole_event ev = mk_event(PINHOLE_EVENT_NO_RULE_DROP);
  ev.proto = 17;
  ev.side = PINHOLE_SIDE_OUTSIDE;
  ev.src = (pinhole_endpoint){IP4(198, 19, 0, 9), 1334, 0};
  ev.dst = (pinhole_endpoint){PUB, 1334, 0};
  char buf[512];
  /* no labels, no ctx: the side names the source */
  pinhole_event_format_syslog(t->ctx, &ev, 0, 0, NULL, buf, sizeof(buf));
  assert_string_equal(buf, "NO_RULE_DROP: proto 17 (UDP), "
                           "outside:198.19.0.9:1334 -> 198.19.0.1:1334, No "
                           "matching SFW rule");
  ev.side = PINHOLE_SIDE_INSIDE;
  pinhole_event_format_syslog(NULL, &ev, 0, 0, NULL, buf, sizeof(buf));
  assert_string_equal(buf, "NO_RULE_DROP: proto 17 (UDP), "
                           "inside:198.19.0.9:1334 -> 198.19.0.1:1334, No "
                           "matching SFW rule");
  /* the documented tags, the service set, an RFC 5424 header */
  assert_int_equal(pinhole_labels_set(t->ctx, "ge-2/0/3.0", "sset1"), 0);
  int n = pinhole_event_format_syslog(
      t->ctx, &ev, PINHOLE_SYSLOG_RFC5424 | PINHOLE_SYSLOG_ASP_TAGS,
      1796392800ull * SEC, "gw1", buf, sizeof(buf));
  static const char want[] =
      "<134>1 2026-12-04T14:00:03.042Z gw1 pinhole - ASP_SFW_NO_RULE_DROP - "
      "{sset1}[FWNAT]: ASP_SFW_NO_RULE_DROP: proto 17 (UDP), "
      "ge-2/0/3.0:198.19.0.9:1334 -> 198.19.0.1:1334, No matching SFW rule";
  assert_string_equal(buf, want);
  assert_int_equal(n, (int)sizeof(want) - 1);
  /* pinhole's own tags keep their names; warning severity for exhaustion */
  ev = mk_event(PINHOLE_EVENT_TABLE_FULL);
  pinhole_event_format_syslog(t->ctx, &ev,
                              PINHOLE_SYSLOG_RFC5424 | PINHOLE_SYSLOG_ASP_TAGS,
                              0, NULL, buf, sizeof(buf));
  assert_string_equal(buf, "<132>1 1970-01-01T00:00:03.042Z - pinhole - "
                           "TABLE_FULL - {sset1}[FWNAT]: TABLE_FULL: proto 6 "
                           "(TCP) application: rtsp, ge-2/0/3.0:198.18.0.2:"
                           "35595 -> 198.19.0.2:554, flow table full");
  /* truncation at every length: the length needed, always NUL-ended */
  for (size_t len = 0; len <= sizeof(want); len++) {
    char small[sizeof(want) + 1];
    memset(small, 'x', sizeof(small));
    ev = mk_event(PINHOLE_EVENT_NO_RULE_DROP);
    ev.proto = 17;
    ev.side = PINHOLE_SIDE_INSIDE;
    ev.src = (pinhole_endpoint){IP4(198, 19, 0, 9), 1334, 0};
    ev.dst = (pinhole_endpoint){PUB, 1334, 0};
    ev.time_ns = 3 * SEC + 42000000u;
    int r = pinhole_event_format_syslog(
        t->ctx, &ev, PINHOLE_SYSLOG_RFC5424 | PINHOLE_SYSLOG_ASP_TAGS,
        1796392800ull * SEC, "gw1", len ? small : NULL, len);
    assert_int_equal(r, n);
    if (len) {
      assert_int_equal(strlen(small), len - 1);
      assert_int_equal(strncmp(small, want, len - 1), 0);
    }
  }
  /* bad arguments */
  assert_int_equal(
      pinhole_event_format_syslog(t->ctx, NULL, 0, 0, NULL, buf, sizeof(buf)),
      PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(
      pinhole_event_format_syslog(t->ctx, &ev, 4, 0, NULL, buf, sizeof(buf)),
      PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_event_format_syslog(t->ctx, &ev,
                                               PINHOLE_SYSLOG_RFC5424, 0, "g w",
                                               buf, sizeof(buf)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(
      pinhole_event_format_syslog(t->ctx, &ev, 0, 0, NULL, NULL, 5),
      PINHOLE_ERR_INVALID_ARG);
  t_ctx_del(t);
}

static pinhole_rule inside_rule(const char *name, int pool) {
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "%s", name);
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = pool;
  return r;
}

/* A context whose events are written in the system-log flavour. */
typedef struct slog {
  tctx t; /* first: the helpers' allocator callbacks see a tctx */
  char lines[16][256];
  int n;
} slog;

static void on_syslog(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  slog *l = user;
  if (l->n < 16)
    pinhole_event_format_syslog(ctx, ev, 0, 0, NULL, l->lines[l->n++], 256);
}

static void test_syslog_live(void **state) {
  (void)state;
  slog *l = calloc(1, sizeof(*l));
  assert_non_null(l);
  pinhole_config cfg;
  t_cfg(&cfg);
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.alloc = t_alloc;
  cb.free = t_free;
  cb.event = on_syslog;
  assert_int_equal(pinhole_ctx_new(&l->t.ctx, &cfg, &cb, l), 0);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = PUB;
  int pi = pinhole_pool_add(l->t.ctx, &pool);
  assert_true(pi >= 0);
  pinhole_rule r = inside_rule("allow_rtsp", pi);
  assert_int_equal(pinhole_rule_add(l->t.ctx, &r), 0);
  assert_int_equal(pinhole_labels_set(l->t.ctx, "ms-1/3/0", "sset1"), 0);
  tpkt p;
  t_tcp(&p, IP4(198, 18, 0, 2), 35595, OUT_HOST, 554, 77, 0, PINHOLE_TCP_SYN,
        NULL);
  assert_int_equal(t_in(&l->t, &p, SEC), 0);
  t_udp(&p, IP4(198, 19, 0, 9), 1334, PUB, 1334, "x");
  assert_true(t_out(&l->t, &p, SEC) != 0);
  int ra = -1, cf = -1, nr = -1;
  for (int i = 0; i < l->n; i++) {
    if (strncmp(l->lines[i], "RULE_ACCEPT:", 12) == 0)
      ra = i;
    if (strncmp(l->lines[i], "CREATE_ACCEPT_FLOW:", 19) == 0)
      cf = i;
    if (strncmp(l->lines[i], "NO_RULE_DROP:", 13) == 0)
      nr = i;
  }
  assert_true(ra >= 0 && cf > ra && nr > cf);
  assert_string_equal(l->lines[ra],
                      "RULE_ACCEPT: proto 6 (TCP) application: rtsp, "
                      "ms-1/3/0:198.18.0.2:35595 -> 198.19.0.2:554, Match SFW "
                      "accept rule-set: , rule: allow_rtsp, term: 0");
  assert_string_equal(l->lines[cf],
                      "CREATE_ACCEPT_FLOW: proto 6 (TCP) application: rtsp, "
                      "ms-1/3/0:198.18.0.2:35595 -> 198.19.0.2:554, creating "
                      "forward or watch flow");
  assert_string_equal(l->lines[nr],
                      "NO_RULE_DROP: proto 17 (UDP), ms-1/3/0:198.19.0.9:1334 "
                      "-> 198.19.0.1:1334, No matching SFW rule");
  t_ctx_del(&l->t);
}

/* ---- removing one rule (pinhole_rule_del) ------------------------- */

static void test_rule_del_keeps_flows(void **state) {
  (void)state;
  tctx *t = two_convs(); /* both conversations accepted by rule 0 */
  uint64_t drops = t_cnt(t, PINHOLE_CNT_DROP_NO_RULE);
  t->nevents = 0;
  assert_int_equal(pinhole_rule_del(t->ctx, 0, 0), 0);
  assert_int_equal(t->nevents, 0); /* nothing cleared, nothing said */
  /* the accepted connections go on, both ways */
  tpkt p;
  t_udp(&p, CLI2, 41000, PEER, 5000, "q2");
  assert_int_equal(t_in(t, &p, 3 * SEC), 0);
  t_udp(&p, PEER, 5000, PUB, 41000, "answer2");
  assert_int_equal(t_out(t, &p, 3 * SEC), 0);
  /* a new connection meets no rule */
  t_udp(&p, CLI2, 41001, PEER, 5001, "new");
  assert_int_equal(t_in(t, &p, 3 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_NO_RULE), drops + 1);
  assert_true(t_has_event(t, "PINHOLE_NO_RULE_DROP: conv=0 proto=UDP "
                             "side=inside 198.18.0.7:41001 -> "
                             "198.19.0.9:5001"));
  /* gone: no second removal, no allow list */
  assert_int_equal(pinhole_rule_del(t->ctx, 0, 0), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_alg_allow(t->ctx, 0, "100024"),
                   PINHOLE_ERR_INVALID_ARG);
  /* the index is not reused; a new rule accepts again */
  pinhole_rule r = inside_rule("again", t->pool);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  assert_int_equal(t_in(t, &p, 4 * SEC), 0);
  assert_true(t_has_event(t, "PINHOLE_RULE_ACCEPT: conv=3 proto=UDP "));
  assert_true(t_has_event(t, "rule=again"));
  /* bad arguments */
  assert_int_equal(pinhole_rule_del(NULL, 1, 0), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_del(t->ctx, 2, 0), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_del(t->ctx, -1, 0), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_del(t->ctx, 1, 2), PINHOLE_ERR_INVALID_ARG);
  /* after pinhole_rules_clear the indices start again at 0 */
  pinhole_rules_clear(t->ctx);
  assert_int_equal(pinhole_rule_del(t->ctx, 0, 0), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 0);
  t_ctx_del(t);
}

static void test_rule_del_flush(void **state) {
  (void)state;
  tctx *t = two_convs(); /* rule 0: the FTP and the UDP conversation */
  pinhole_rule r = inside_rule("second", t->pool);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1); /* after rule 0 */
  assert_int_equal(pinhole_rule_del(t->ctx, 0, 0), 0);
  /* a third conversation, accepted by rule 1 */
  tpkt p;
  t_udp(&p, IP4(198, 18, 0, 9), 42000, PEER, 5353, "m");
  assert_int_equal(t_in(t, &p, 3 * SEC), 0);
  uint64_t before[128];
  int n = pinhole_stats(t->ctx, before, 128);
  t->nevents = 0;
  assert_int_equal(pinhole_rule_del(t->ctx, 1, PINHOLE_RULE_DEL_FLUSH), 1);
  assert_int_equal(t->nevents, 2);
  assert_string_equal(
      t->events[0],
      "PINHOLE_FLOW_CLOSED: conv=3 proto=UDP side=inside 198.18.0.9:42000 -> "
      "198.19.0.9:5353 nat 198.19.0.1:42000 -> 198.19.0.9:5353 "
      "state=forward reason=\"cleared\" frames=1/0 bytes=29/0");
  assert_string_equal(t->events[1], "PINHOLE_MAPPING_RELEASED: proto=UDP "
                                    "198.18.0.9:42000 -> 198.19.0.1:42000");
  /* rule 0's conversations (kept when it went) are untouched */
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.conversations, 2);
  assert_int_equal(u.pinholes, 1);
  /* counters: removing counts nothing */
  uint64_t after[128];
  assert_int_equal(pinhole_stats(t->ctx, after, 128), n);
  for (int i = 0; i < n; i++)
    assert_int_equal(after[i], before[i]);
  t_ctx_del(t);
}

/* rules_gen has 15 bits: after 32,768 pinhole_rules_clear() calls it is
 * back at the generation the old conversations carry, and a rule added
 * at their old index must still not count as theirs */
static void test_rule_del_flush_after_gen_wraps(void **state) {
  (void)state;
  tctx *t = two_convs(); /* rule 0 accepted both conversations */
  for (uint32_t i = 0; i < 32768; i++)
    pinhole_rules_clear(t->ctx);
  pinhole_rule r = inside_rule("new-0", t->pool);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 0); /* the old index */
  t->nevents = 0;
  /* a flush of the new rule 0 clears nothing it did not accept */
  assert_int_equal(pinhole_rule_del(t->ctx, 0, PINHOLE_RULE_DEL_FLUSH), 0);
  assert_int_equal(t->nevents, 0);
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.conversations, 2);
  /* and the old flows go on both ways */
  tpkt p;
  t_udp(&p, CLI2, 41000, PEER, 5000, "q2");
  assert_int_equal(t_in(t, &p, 3 * SEC), 0);
  t_udp(&p, PEER, 5000, PUB, 41000, "answer2");
  assert_int_equal(t_out(t, &p, 3 * SEC), 0);
  /* one more wrap with a conversation the new generation accepted: a
   * rule of that generation is told too */
  r = inside_rule("gen-1", t->pool);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  t_udp(&p, IP4(198, 18, 0, 9), 42000, PEER, 5353, "m");
  assert_int_equal(t_in(t, &p, 4 * SEC), 0);
  for (uint32_t i = 0; i < 32768; i++)
    pinhole_rules_clear(t->ctx);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 0);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  assert_int_equal(pinhole_rule_del(t->ctx, 1, PINHOLE_RULE_DEL_FLUSH), 0);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.conversations, 3);
  t_ctx_del(t);
}

/* ---- removing one pool (pinhole_pool_del) ------------------------- */

static void events_dump(tctx *t) {
  for (int i = 0; i < t->nevents; i++)
    fprintf(stderr, "event %d: %s\n", i, t->events[i]);
}

static void test_pool_del_keeps_flows(void **state) {
  (void)state;
  tctx *t = two_convs(); /* rule 0 -> pool 0 (198.19.0.1) */
  t->nevents = 0;
  assert_int_equal(pinhole_pool_del(t->ctx, t->pool, 0), 0);
  assert_int_equal(t->nevents, 0); /* nothing cleared, nothing said */
  tpkt p;
  /* the kept UDP flow goes on both ways, through its kept mapping */
  t_udp(&p, CLI2, 41000, PEER, 5000, "q2");
  assert_int_equal(t_in(t, &p, 3 * SEC), 0);
  t_udp(&p, PEER, 5000, PUB, 41000, "answer2");
  assert_int_equal(t_out(t, &p, 3 * SEC), 0);
  /* the FTP pinhole (its mapping already made) still lets data in */
  t_tcp(&p, SRV, 20, PUB, 40001, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 3 * SEC), 0);
  /* a new connection of the rule that names the pool: fails closed, even
   * from an endpoint whose mapping exists */
  t_udp(&p, CLI2, 41001, PEER, 5001, "new");
  assert_int_equal(t_in(t, &p, 3 * SEC), PINHOLE_VERDICT_DROP);
  t_udp(&p, CLI2, 41000, IP4(198, 19, 0, 10), 5000, "other peer");
  assert_int_equal(t_in(t, &p, 3 * SEC), PINHOLE_VERDICT_DROP);
  if (t->nevents != 4)
    events_dump(t);
  assert_int_equal(t->nevents, 4);
  assert_string_equal(t->events[2],
                      "PINHOLE_RULE_DISCARD: conv=0 proto=UDP side=inside "
                      "198.18.0.7:41001 -> 198.19.0.9:5001 rule=inside-out "
                      "reason=\"NAT pool removed\"");
  assert_string_equal(t->events[3],
                      "PINHOLE_RULE_DISCARD: conv=0 proto=UDP side=inside "
                      "198.18.0.7:41000 -> 198.19.0.10:5000 rule=inside-out "
                      "reason=\"NAT pool removed\"");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_NEW_DISCARD, 2,
             PINHOLE_CNT_EXIST_ACCEPT, 7, PINHOLE_CNT_PINHOLE_CREATED, 1,
             PINHOLE_CNT_PINHOLE_USED, 1, PINHOLE_CNT_NAT_POOL_REMOVED, 2, -1);
  t_listing_is(
      t, "Conversation: ALG protocol: ftp\n"
         "  Number of initiators: 2, Number of responders: 2\n"
         "Flow                                          State    Dir  Frm "
         "count\n"
         "TCP 198.18.0.100:40000 -> 198.19.0.2:21       Watch    I          3\n"
         "    NAT source 198.18.0.100:40000 -> 198.19.0.1:40000\n"
         "TCP 198.18.0.100:40001 -> 198.19.0.2:20       Forward  I          0\n"
         "    NAT source 198.18.0.100:40001 -> 198.19.0.1:40001\n"
         "TCP 198.19.0.2:21 -> 198.19.0.1:40000         Watch    O          2\n"
         "    NAT dest 198.19.0.1:40000 -> 198.18.0.100:40000\n"
         "TCP 198.19.0.2:20 -> 198.19.0.1:40001         Forward  O          1\n"
         "    NAT dest 198.19.0.1:40001 -> 198.18.0.100:40001\n"
         "Conversation: ALG protocol: none\n"
         "  Number of initiators: 1, Number of responders: 1\n"
         "Flow                                          State    Dir  Frm "
         "count\n"
         "UDP 198.18.0.7:41000 -> 198.19.0.9:5000       Forward  I          2\n"
         "    NAT source 198.18.0.7:41000 -> 198.19.0.1:41000\n"
         "UDP 198.19.0.9:5000 -> 198.19.0.1:41000       Forward  O          2\n"
         "    NAT dest 198.19.0.1:41000 -> 198.18.0.7:41000\n");
  /* gone: no second removal, no new rule naming it */
  assert_int_equal(pinhole_pool_del(t->ctx, t->pool, 0),
                   PINHOLE_ERR_INVALID_ARG);
  pinhole_rule r = inside_rule("again", t->pool);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  /* another pool: its id is new; a rule before the failing one works */
  pinhole_pool pl;
  memset(&pl, 0, sizeof(pl));
  pl.size = sizeof(pl);
  pl.addr_lo = pl.addr_hi = IP4(198, 19, 0, 50);
  int id = pinhole_pool_add(t->ctx, &pl);
  assert_int_equal(id, t->pool + 1);
  assert_int_equal(pinhole_rule_del(t->ctx, 0, 0), 0);
  r = inside_rule("again", id);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  t_udp(&p, CLI2, 41001, PEER, 5001, "new");
  assert_int_equal(t_in(t, &p, 4 * SEC), 0);
  pinhole_pkt_view v;
  t_view(&p, &v);
  assert_int_equal(v.src, IP4(198, 19, 0, 50));
  /* bad arguments */
  assert_int_equal(pinhole_pool_del(NULL, 0, 0), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pool_del(t->ctx, -1, 0), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pool_del(t->ctx, id + 1, 0),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pool_del(t->ctx, id, 2), PINHOLE_ERR_INVALID_ARG);
  t_ctx_del(t);
}

static void test_pool_del_flush(void **state) {
  (void)state;
  tctx *t = two_convs(); /* pool 0: the FTP and the UDP conversation */
  pinhole_pool pl;
  memset(&pl, 0, sizeof(pl));
  pl.size = sizeof(pl);
  pl.addr_lo = pl.addr_hi = IP4(198, 19, 0, 50);
  int id = pinhole_pool_add(t->ctx, &pl);
  assert_int_equal(pinhole_rule_del(t->ctx, 0, 0), 0);
  pinhole_rule r = inside_rule("p1", id);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  tpkt p;
  t_udp(&p, IP4(198, 18, 0, 9), 42000, PEER, 5353, "m");
  assert_int_equal(t_in(t, &p, 3 * SEC), 0);
  uint64_t before[128];
  int n = pinhole_stats(t->ctx, before, 128);
  t->nevents = 0;
  assert_int_equal(pinhole_pool_del(t->ctx, t->pool, PINHOLE_POOL_DEL_FLUSH),
                   2);
  if (t->nevents != 6)
    events_dump(t);
  assert_int_equal(t->nevents, 6);
  const char *want[] = {
      "PINHOLE_PINHOLE_EXPIRED: conv=1 proto=TCP side=outside 198.19.0.2:0 "
      "-> 198.19.0.1:40001 nat 198.19.0.2:0 -> 198.18.0.100:40001 "
      "state=forward alg=ftp",
      "PINHOLE_MAPPING_RELEASED: proto=TCP 198.18.0.100:40001 -> "
      "198.19.0.1:40001",
      "PINHOLE_FLOW_CLOSED: conv=1 proto=TCP side=inside "
      "198.18.0.100:40000 -> 198.19.0.2:21 nat 198.19.0.1:40000 -> "
      "198.19.0.2:21 state=watch alg=ftp reason=\"cleared\" frames=3/2 "
      "bytes=144/88",
      "PINHOLE_MAPPING_RELEASED: proto=TCP 198.18.0.100:40000 -> "
      "198.19.0.1:40000",
      "PINHOLE_FLOW_CLOSED: conv=2 proto=UDP side=inside 198.18.0.7:41000 "
      "-> 198.19.0.9:5000 nat 198.19.0.1:41000 -> 198.19.0.9:5000 "
      "state=forward reason=\"cleared\" frames=1/1 bytes=29/34",
      "PINHOLE_MAPPING_RELEASED: proto=UDP 198.18.0.7:41000 -> "
      "198.19.0.1:41000",
  };
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
    assert_string_equal(t->events[i], want[i]);
  /* pool 1's conversation is untouched */
  t_listing_is(
      t, "Conversation: ALG protocol: none\n"
         "  Number of initiators: 1, Number of responders: 1\n"
         "Flow                                          State    Dir  Frm "
         "count\n"
         "UDP 198.18.0.9:42000 -> 198.19.0.9:5353       Forward  I          1\n"
         "    NAT source 198.18.0.9:42000 -> 198.19.0.50:42000\n"
         "UDP 198.19.0.9:5353 -> 198.19.0.50:42000      Forward  O          0\n"
         "    NAT dest 198.19.0.50:42000 -> 198.18.0.9:42000\n");
  /* removing counts nothing */
  uint64_t after[128];
  assert_int_equal(pinhole_stats(t->ctx, after, 128), n);
  for (int i = 0; i < n; i++)
    assert_int_equal(after[i], before[i]);
  /* the flushed pool's public endpoint is not reachable any more */
  t_udp(&p, PEER, 5000, PUB, 41000, "late");
  assert_int_equal(t_out(t, &p, 4 * SEC), PINHOLE_VERDICT_DROP);
  t_ctx_del(t);
}

/* PBA: the subscriber's block stays while its mapping lives, gives no
 * new port, and goes back (PORT_BLOCK_RELEASED) after the hold. */
static void test_pool_del_pba(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_port_blocks = 8;
  cfg.udp_timeout_s = 30;
  pinhole_pool pl;
  memset(&pl, 0, sizeof(pl));
  pl.size = sizeof(pl);
  pl.addr_lo = pl.addr_hi = IP4(198, 19, 0, 7);
  pl.port_lo = 4096;
  pl.port_hi = 4159;
  pl.mode = PINHOLE_POOL_PBA;
  pl.block_size = 16;
  pl.max_blocks = 2;
  pl.block_hold_ms = 5000;
  tctx *t = t_ctx_spec(&cfg, &pl);
  tpkt p;
  t_udp(&p, CLI2, 41000, PEER, 5000, "q");
  assert_int_equal(t_in(t, &p, SEC), 0);
  assert_int_equal(pinhole_pool_del(t->ctx, t->pool, 0), 0);
  t_udp(&p, CLI2, 41001, PEER, 5000, "q");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_udp(&p, CLI2, 41000, PEER, 5000, "q again");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t->nevents = 0;
  while (pinhole_tick(t->ctx, 32 * SEC) == PINHOLE_TICK_BUDGET)
    ;
  while (pinhole_tick(t->ctx, 38 * SEC) == PINHOLE_TICK_BUDGET)
    ;
  if (t->nevents != 3)
    events_dump(t);
  assert_int_equal(t->nevents, 3);
  assert_non_null(strstr(t->events[0], "PINHOLE_FLOW_CLOSED: conv=1 "));
  assert_non_null(strstr(t->events[1], "PINHOLE_MAPPING_RELEASED: "));
  assert_string_equal(t->events[2],
                      "PINHOLE_PORT_BLOCK_RELEASED: subscriber=198.18.0.7 "
                      "public=198.19.0.7 ports=4096-4111");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 1, PINHOLE_CNT_FLOWS_EXPIRED, 1,
             PINHOLE_CNT_PBA_BLOCK_ALLOC, 1, PINHOLE_CNT_PBA_BLOCK_RELEASE, 1,
             PINHOLE_CNT_NAT_POOL_REMOVED, 1, -1);
  /* no block is allocated from it again */
  t_udp(&p, CLI2, 41002, PEER, 5000, "q");
  assert_int_equal(t_in(t, &p, 40 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PBA_BLOCK_ALLOC), 1);
  t_ctx_del(t);
}

/* DETERMINISTIC: the same fail-closed refusal. */
static void test_pool_del_deterministic(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  pinhole_pool pl;
  memset(&pl, 0, sizeof(pl));
  pl.size = sizeof(pl);
  pl.addr_lo = pl.addr_hi = IP4(198, 19, 0, 8);
  pl.port_lo = 2048;
  pl.port_hi = 4095;
  pl.mode = PINHOLE_POOL_DETERMINISTIC;
  pl.inside_addr = IP4(198, 18, 0, 0);
  pl.inside_plen = 24;
  tctx *t = t_ctx_spec(&cfg, &pl);
  tpkt p;
  t_udp(&p, CLI2, 41000, PEER, 5000, "q");
  assert_int_equal(t_in(t, &p, SEC), 0);
  assert_int_equal(pinhole_pool_del(t->ctx, t->pool, PINHOLE_POOL_DEL_FLUSH),
                   1);
  t_udp(&p, CLI2, 41000, PEER, 5000, "q");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_NAT_POOL_REMOVED), 1);
  assert_true(t_has_event(t, "reason=\"NAT pool removed\""));
  t_ctx_del(t);
}

/* A kept conversation's ALG gets no new port from the removed pool: the
 * second PORT opens nothing, is counted, and is dropped (it would carry
 * the inside address out: fail closed, as when a pool has no free port). */
static void test_pool_del_alg_gets_no_port(void **state) {
  (void)state;
  tctx *t = two_convs();
  assert_int_equal(pinhole_pool_del(t->ctx, t->pool, 0), 0);
  t->nevents = 0;
  tpkt p;
  t_tcp(&p, CLI, 40000, SRV, 21, 127, 909, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,66\r\n");
  assert_int_equal(t_in(t, &p, 3 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t->nevents, 2);
  assert_string_equal(t->events[0],
                      "PINHOLE_NAT_PORTS_EXHAUSTED: conv=1 proto=TCP "
                      "side=inside 198.18.0.100:40000 -> 198.19.0.2:21 nat "
                      "198.19.0.1:40000 -> 198.19.0.2:21 state=watch alg=ftp "
                      "reason=\"NAT pool removed\"");
  assert_string_equal(t->events[1],
                      "PINHOLE_ALG_ERROR: conv=1 proto=TCP side=inside "
                      "198.18.0.100:40000 -> 198.19.0.2:21 nat "
                      "198.19.0.1:40000 -> 198.19.0.2:21 state=watch alg=ftp "
                      "reason=\"no public port for the data connection\"");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 5,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_PINHOLE_CREATED, 1,
             PINHOLE_CNT_NAT_POOL_REMOVED, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_FTP, 1, PINHOLE_CNT_ALG_UNTRANSLATED, 1, -1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_listing_labels_and_pending_pinholes),
      cmocka_unit_test(test_filters),
      cmocka_unit_test(test_pending_pinholes),
      cmocka_unit_test(test_lookup_either_side),
      cmocka_unit_test(test_clear_by_filter_then_all),
      cmocka_unit_test(test_timeout_set),
      cmocka_unit_test(test_stats_whole_listing),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_syslog_every_event),
      cmocka_unit_test(test_syslog_flags),
      cmocka_unit_test(test_syslog_live),
      cmocka_unit_test(test_rule_del_keeps_flows),
      cmocka_unit_test(test_rule_del_flush),
      cmocka_unit_test(test_rule_del_flush_after_gen_wraps),
      cmocka_unit_test(test_pool_del_keeps_flows),
      cmocka_unit_test(test_pool_del_flush),
      cmocka_unit_test(test_pool_del_pba),
      cmocka_unit_test(test_pool_del_deterministic),
      cmocka_unit_test(test_pool_del_alg_gets_no_port),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
