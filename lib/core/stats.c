/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Counters: names, snapshot and the "statistics extensive" formatter.
 */
#include "core/engine.h"

#include <string.h>

typedef struct ph_cnt_desc {
  const char *section; /* non-NULL: a section starts at this counter */
  const char *name;
  const char *key; /* the enumerator's stem: stable, unique */
} ph_cnt_desc;

#define C(stem, section, name) [PINHOLE_CNT_##stem] = {section, name, #stem}

static const ph_cnt_desc ph_cnt[] = {
    C(NEW_ACCEPT, "New flows", "Accepts"),
    C(NEW_DISCARD, NULL, "Discards"),
    C(NEW_REJECT, NULL, "Rejects"),
    C(EXIST_ACCEPT, "Existing flows", "Accepts"),
    C(EXIST_DISCARD, NULL, "Discards"),
    C(EXIST_REJECT, NULL, "Rejects"),
    C(DROP_IP_OPTION, "Drops", "IP option"),
    C(DROP_SYN_DEFENSE, NULL, "TCP SYN defense"),
    C(DROP_NAT_PORTS, NULL, "NAT ports exhausted"),
    C(ERR_IP, "Errors", "IP"),
    C(ERR_TCP, NULL, "TCP"),
    C(ERR_UDP, NULL, "UDP"),
    C(ERR_ICMP, NULL, "ICMP"),
    C(ERR_NON_IP, NULL, "Non-IP packets"),
    C(ERR_ALG, NULL, "ALG"),
    C(IP_LEN, "IP errors", "IP packet length inconsistencies"),
    C(IP_MIN_HDR, NULL, "Minimum IP header length check failures"),
    C(IP_MAX_LEN, NULL, "Reassembled packet exceeds maximum IP length"),
    C(IP_SRC, NULL, "Illegal source address"),
    C(IP_DST, NULL, "Illegal destination address"),
    C(IP_TTL_ZERO, NULL, "TTL zero errors"),
    C(IP_PROTO, NULL, "Illegal IP protocol number (0 or 255)"),
    C(IP_LAND, NULL, "Land attack"),
    C(IP_NON_IPV4, NULL, "Non-IPv4 packets"),
    C(IP_CKSUM, NULL, "Bad checksum"),
    C(IP_FRAG_LEN, NULL, "Illegal IP fragment length"),
    C(IP_FRAG_OVERLAP, NULL, "IP fragment overlap"),
    C(IP_FRAG_TIMEOUT, NULL, "IP fragment reassembly timeout"),
    C(IP_UNKNOWN, NULL, "Unknown"),
    C(TCP_HDR_LEN, "TCP errors", "TCP header length inconsistencies"),
    C(TCP_PORT_ZERO, NULL, "Source or destination port number is zero"),
    C(TCP_FLAGS, NULL, "Illegal sequence number and flag combinations"),
    C(TCP_SYN_ATTACK, NULL,
      "SYN attack (multiple SYN messages seen for the same flow)"),
    C(TCP_NOT_SYN, NULL, "First packet not a SYN message"),
    C(TCP_PORT_SCAN, NULL,
      "TCP port scan (TCP handshake, RST seen from server for SYN)"),
    C(TCP_SYN_COOKIE, NULL, "Bad SYN cookie response"),
    C(UDP_SHORT, "UDP errors",
      "IP data length less than minimum UDP header length (8 bytes)"),
    C(UDP_PORT_ZERO, NULL, "Source or destination port is zero"),
    C(UDP_PORT_SCAN, NULL, "UDP port scan (ICMP error seen for UDP flow)"),
    C(ICMP_SHORT, "ICMP errors",
      "IP data length less than minimum ICMP header length (8 bytes)"),
    C(ICMP_ERR_LEN, NULL, "ICMP error length inconsistencies"),
    C(ICMP_DUP_SEQ, NULL, "Duplicate ping sequence number"),
    C(ICMP_MISMATCH_SEQ, NULL, "Mismatched ping sequence number"),
    C(ALG_BOOTP, "ALG errors", "BOOTP"),
    C(ALG_DCERPC, NULL, "DCE-RPC"),
    C(ALG_DCERPC_PORTMAP, NULL, "DCE-RPC portmap"),
    C(ALG_DNS, NULL, "DNS"),
    C(ALG_EXEC, NULL, "Exec"),
    C(ALG_FTP, NULL, "FTP"),
    C(ALG_H323, NULL, "H323"),
    C(ALG_ICMP, NULL, "ICMP"),
    C(ALG_IIOP, NULL, "IIOP"),
    C(ALG_LOGIN, NULL, "Login"),
    C(ALG_NETBIOS, NULL, "NetBIOS"),
    C(ALG_NETSHOW, NULL, "NetShow"),
    C(ALG_REALAUDIO, NULL, "Real Audio"),
    C(ALG_RPC, NULL, "RPC"),
    C(ALG_RPC_PORTMAP, NULL, "RPC portmap"),
    C(ALG_RTSP, NULL, "RTSP"),
    C(ALG_SHELL, NULL, "Shell"),
    C(ALG_SIP, NULL, "SIP"),
    C(ALG_SNMP, NULL, "SNMP"),
    C(ALG_SQLNET, NULL, "SQLNet"),
    C(ALG_TFTP, NULL, "TFTP"),
    C(ALG_TRACEROUTE, NULL, "Traceroute"),
    C(UDP_LEN, "Other", "UDP length inconsistencies"),
    C(DROP_FLOW_FULL, NULL, "Flow table full"),
    C(DROP_PINHOLE_FULL, NULL, "Pinhole limit reached"),
    C(DROP_NO_RULE, NULL, "No matching rule"),
    C(DROP_TOO_BIG, NULL, "Rewrite exceeds packet buffer"),
    C(PINHOLE_CREATED, NULL, "Pinholes created"),
    C(PINHOLE_USED, NULL, "Pinholes used"),
    C(PINHOLE_EXPIRED, NULL, "Pinholes expired"),
    C(FLOWS_EXPIRED, NULL, "Flows expired"),
    C(FRAGMENTS, NULL, "Fragments not matched to a datagram"),
    C(DROP_HOST_LIMIT, NULL, "Per-host port limit reached"),
    C(ALG_WITHHELD, NULL, "ALG split message withheld"),
    C(ALG_UNTRANSLATED, NULL, "ALG message dropped untranslated"),
    C(ALG_DESYNC, NULL, "ALG control connection desynchronised"),
    C(TCP_RST_IN_WINDOW, NULL, "TCP RST in window, not exact (RFC 5961)"),
    C(ALG_QUICK_CLOSE, NULL, "ALG quick teardown"),
    C(ALG_PPTP, NULL, "PPTP ALG errors"),
    C(GRE_NO_CALL, NULL, "GRE packets for no known call"),
    C(PBA_BLOCK_ALLOC, NULL, "Port blocks allocated"),
    C(PBA_BLOCK_RELEASE, NULL, "Port blocks released"),
    C(PBA_QUOTA, NULL, "Port block quota exceeded"),
    C(NAT_POOL_REMOVED, NULL, "NAT pool removed"),
    C(CGN_INTERIM, NULL, "Port block and address interim records"),
    C(ADDR_BIND, NULL, "NAT addresses bound"),
    C(ADDR_RELEASE, NULL, "NAT addresses released"),
    C(DROP_NAT_ADDRS, NULL, "NAT addresses exhausted"),
    C(REASM_HELD, NULL, "Reassembly: messages held"),
    C(REASM_COMPLETED, NULL, "Reassembly: messages completed"),
    C(REASM_TIMEOUT, NULL, "Reassembly: messages timed out"),
    C(REASM_OVERFLOW, NULL, "Reassembly: pool or share full"),
    C(REASM_TOO_BIG, NULL, "Reassembly: message too large"),
    C(REASM_RESENT, NULL, "Reassembly: held or merged bytes resent"),
    C(REASM_CONFLICT, NULL, "Reassembly: resent bytes differ"),
    C(REASM_OUT_OF_ORDER, NULL, "Reassembly: segments past a held message"),
    C(UDP6_CKSUM_ZERO, NULL, "UDP over IPv6 with zero checksum"),
    C(IP6_FRAGMENT, NULL, "IPv6 fragments (not tracked)"),
    C(NAT64_XLAT, NULL, "NAT64 translations"),
    C(NAT64_DST, NULL, "NAT64 destinations refused"),
    C(NAT64_FAIL, NULL, "NAT64 translation failures"),
    C(NAT64_NOBUF, NULL, "NAT64 packets exceeding the buffer"),
    C(NAT64_FRAGMENT, NULL, "NAT64 fragments (not translated)"),
    C(REASM_GAP, NULL, "Reassembly: segments after a gap"),
    C(DROP_TCP_FULL, NULL, "TCP connection slots full"),
};

#define PH_NCNT ((int)(sizeof(ph_cnt) / sizeof(ph_cnt[0])))

_Static_assert(sizeof(ph_cnt) / sizeof(ph_cnt[0]) <=
                   sizeof(((pinhole_ctx *)0)->cnt) / sizeof(uint64_t),
               "counter array holds every counter");

int pinhole_counter_count(void) {
  return PH_NCNT;
}

const char *pinhole_counter_name(int i) {
  return i >= 0 && i < PH_NCNT ? ph_cnt[i].name : NULL;
}

const char *pinhole_counter_key(int i) {
  return i >= 0 && i < PH_NCNT ? ph_cnt[i].key : NULL;
}

int pinhole_stats(const pinhole_ctx *ctx, uint64_t *out, size_t n) {
  if (ctx == NULL || (out == NULL && n != 0))
    return PINHOLE_ERR_INVALID_ARG;
  size_t k = n < (size_t)PH_NCNT ? n : (size_t)PH_NCNT;
  if (k > 0)
    memcpy(out, ctx->cnt, k * sizeof(uint64_t));
  return (int)k;
}

void pinhole_stats_reset(pinhole_ctx *ctx) {
  if (ctx != NULL)
    memset(ctx->cnt, 0, sizeof(ctx->cnt));
}

/* How many counters of a section share one line in the grouped layout
 * (the documented "Accepts: 1347, Discards: 0, Rejects: 0"). */
static int ph_per_line(const char *section) {
  static const struct {
    const char *section;
    int n;
  } groups[] = {{"New flows", 3},
                {"Existing flows", 3},
                {"Drops", 2},
                {"Errors", 2},
                {"ALG errors", 3}};
  for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
    if (strcmp(section, groups[i].section) == 0)
      return groups[i].n;
  return 1;
}

int pinhole_stats_format(const pinhole_ctx *ctx, char *buf, size_t len) {
  if (ctx == NULL || (buf == NULL && len != 0))
    return PINHOLE_ERR_INVALID_ARG;
  ph_out o = {buf, len, 0};
  if (len)
    buf[0] = '\0';
  pinhole__labels_header(ctx, &o);
  int per = 1, col = 0;
  for (int i = 0; i < PH_NCNT; i++) {
    if (ph_cnt[i].section) {
      if (col)
        pinhole__printf(&o, "\n");
      pinhole__printf(&o, "  %s:\n", ph_cnt[i].section);
      per = ph_per_line(ph_cnt[i].section);
      col = 0;
    }
    pinhole__printf(&o, "%s%s: %llu", col ? ", " : "    ", ph_cnt[i].name,
                    (unsigned long long)ctx->cnt[i]);
    if (++col == per) {
      pinhole__printf(&o, "\n");
      col = 0;
    }
  }
  if (col)
    pinhole__printf(&o, "\n");
  return o.used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)o.used;
}
