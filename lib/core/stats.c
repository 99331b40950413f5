/*
 * Counters: names, snapshot and the "statistics extensive" formatter.
 */
#include "core/engine.h"

#include <string.h>

typedef struct ph_cnt_desc {
  const char *section; /* non-NULL: a section starts at this counter */
  const char *name;
} ph_cnt_desc;

static const ph_cnt_desc ph_cnt[] = {
    [PINHOLE_CNT_NEW_ACCEPT] = {"New flows", "Accepts"},
    [PINHOLE_CNT_NEW_DISCARD] = {NULL, "Discards"},
    [PINHOLE_CNT_NEW_REJECT] = {NULL, "Rejects"},
    [PINHOLE_CNT_EXIST_ACCEPT] = {"Existing flows", "Accepts"},
    [PINHOLE_CNT_EXIST_DISCARD] = {NULL, "Discards"},
    [PINHOLE_CNT_EXIST_REJECT] = {NULL, "Rejects"},
    [PINHOLE_CNT_DROP_IP_OPTION] = {"Drops", "IP option"},
    [PINHOLE_CNT_DROP_SYN_DEFENSE] = {NULL, "TCP SYN defense"},
    [PINHOLE_CNT_DROP_NAT_PORTS] = {NULL, "NAT ports exhausted"},
    [PINHOLE_CNT_ERR_IP] = {"Errors", "IP"},
    [PINHOLE_CNT_ERR_TCP] = {NULL, "TCP"},
    [PINHOLE_CNT_ERR_UDP] = {NULL, "UDP"},
    [PINHOLE_CNT_ERR_ICMP] = {NULL, "ICMP"},
    [PINHOLE_CNT_ERR_NON_IP] = {NULL, "Non-IP packets"},
    [PINHOLE_CNT_ERR_ALG] = {NULL, "ALG"},
    [PINHOLE_CNT_IP_LEN] = {"IP errors", "IP packet length inconsistencies"},
    [PINHOLE_CNT_IP_MIN_HDR] = {NULL,
                                "Minimum IP header length check failures"},
    [PINHOLE_CNT_IP_MAX_LEN] = {NULL,
                                "Reassembled packet exceeds maximum IP length"},
    [PINHOLE_CNT_IP_SRC] = {NULL, "Illegal source address"},
    [PINHOLE_CNT_IP_DST] = {NULL, "Illegal destination address"},
    [PINHOLE_CNT_IP_TTL_ZERO] = {NULL, "TTL zero errors"},
    [PINHOLE_CNT_IP_PROTO] = {NULL, "Illegal IP protocol number (0 or 255)"},
    [PINHOLE_CNT_IP_LAND] = {NULL, "Land attack"},
    [PINHOLE_CNT_IP_NON_IPV4] = {NULL, "Non IPv4 packets"},
    [PINHOLE_CNT_IP_CKSUM] = {NULL, "Bad checksum"},
    [PINHOLE_CNT_IP_FRAG_LEN] = {NULL, "Illegal IP fragment length"},
    [PINHOLE_CNT_IP_FRAG_OVERLAP] = {NULL, "IP fragment overlap"},
    [PINHOLE_CNT_IP_FRAG_TIMEOUT] = {NULL, "IP fragment reassembly timed out"},
    [PINHOLE_CNT_IP_UNKNOWN] = {NULL, "Unknown"},
    [PINHOLE_CNT_TCP_HDR_LEN] = {"TCP errors",
                                 "TCP header length inconsistencies"},
    [PINHOLE_CNT_TCP_PORT_ZERO] = {NULL,
                                   "Source or destination port number is zero"},
    [PINHOLE_CNT_TCP_FLAGS] = {NULL,
                               "Illegal sequence number and flag combinations"},
    [PINHOLE_CNT_TCP_SYN_ATTACK] =
        {NULL, "SYN attack (multiple SYNs seen for the same flow)"},
    [PINHOLE_CNT_TCP_NOT_SYN] = {NULL, "First packet not a SYN packet"},
    [PINHOLE_CNT_TCP_PORT_SCAN] =
        {NULL, "TCP port scan (RST seen from server for SYN)"},
    [PINHOLE_CNT_TCP_SYN_COOKIE] = {NULL, "Bad SYN cookie response"},
    [PINHOLE_CNT_UDP_SHORT] = {"UDP errors",
                               "UDP header length check failures"},
    [PINHOLE_CNT_UDP_PORT_ZERO] = {NULL, "Source or destination port is zero"},
    [PINHOLE_CNT_UDP_PORT_SCAN] =
        {NULL, "UDP port scan (ICMP error seen for UDP flow)"},
    [PINHOLE_CNT_ICMP_SHORT] = {"ICMP errors",
                                "ICMP header length check failures"},
    [PINHOLE_CNT_ICMP_ERR_LEN] = {NULL, "ICMP packet length check failures"},
    [PINHOLE_CNT_ICMP_DUP_SEQ] = {NULL, "Duplicate ping sequence number"},
    [PINHOLE_CNT_ICMP_MISMATCH_SEQ] = {NULL, "Mismatched ping sequence number"},
    [PINHOLE_CNT_ALG_BOOTP] = {"ALG errors", "BOOTP"},
    [PINHOLE_CNT_ALG_DCERPC] = {NULL, "DCE-RPC"},
    [PINHOLE_CNT_ALG_DCERPC_PORTMAP] = {NULL, "DCE-RPC portmap"},
    [PINHOLE_CNT_ALG_DNS] = {NULL, "DNS"},
    [PINHOLE_CNT_ALG_EXEC] = {NULL, "Exec"},
    [PINHOLE_CNT_ALG_FTP] = {NULL, "FTP"},
    [PINHOLE_CNT_ALG_H323] = {NULL, "H323"},
    [PINHOLE_CNT_ALG_ICMP] = {NULL, "ICMP"},
    [PINHOLE_CNT_ALG_IIOP] = {NULL, "IIOP"},
    [PINHOLE_CNT_ALG_LOGIN] = {NULL, "Login"},
    [PINHOLE_CNT_ALG_NETBIOS] = {NULL, "NetBIOS"},
    [PINHOLE_CNT_ALG_NETSHOW] = {NULL, "NetShow"},
    [PINHOLE_CNT_ALG_REALAUDIO] = {NULL, "Real Audio"},
    [PINHOLE_CNT_ALG_RPC] = {NULL, "RPC"},
    [PINHOLE_CNT_ALG_RPC_PORTMAP] = {NULL, "RPC portmap"},
    [PINHOLE_CNT_ALG_RTSP] = {NULL, "RTSP"},
    [PINHOLE_CNT_ALG_SHELL] = {NULL, "Shell"},
    [PINHOLE_CNT_ALG_SIP] = {NULL, "SIP"},
    [PINHOLE_CNT_ALG_SNMP] = {NULL, "SNMP"},
    [PINHOLE_CNT_ALG_SQLNET] = {NULL, "SQLNet"},
    [PINHOLE_CNT_ALG_TFTP] = {NULL, "TFTP"},
    [PINHOLE_CNT_ALG_TRACEROUTE] = {NULL, "Traceroute"},
    [PINHOLE_CNT_UDP_LEN] = {"Other", "UDP length inconsistencies"},
    [PINHOLE_CNT_DROP_FLOW_FULL] = {NULL, "Flow table full"},
    [PINHOLE_CNT_DROP_PINHOLE_FULL] = {NULL, "Pinhole limit reached"},
    [PINHOLE_CNT_DROP_NO_RULE] = {NULL, "No matching rule"},
    [PINHOLE_CNT_DROP_TOO_BIG] = {NULL, "Rewrite exceeds packet buffer"},
    [PINHOLE_CNT_PINHOLE_CREATED] = {NULL, "Pinholes created"},
    [PINHOLE_CNT_PINHOLE_USED] = {NULL, "Pinholes used"},
    [PINHOLE_CNT_PINHOLE_EXPIRED] = {NULL, "Pinholes expired"},
    [PINHOLE_CNT_FLOWS_EXPIRED] = {NULL, "Flows expired"},
    [PINHOLE_CNT_FRAGMENTS] = {NULL, "Non-first fragments dropped"},
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

int pinhole_stats(const pinhole_ctx *ctx, uint64_t *out, size_t n) {
  if (ctx == NULL || (out == NULL && n != 0))
    return PINHOLE_ERR_INVALID_ARG;
  size_t k = n < (size_t)PH_NCNT ? n : (size_t)PH_NCNT;
  memcpy(out, ctx->cnt, k * sizeof(uint64_t));
  return (int)k;
}

void pinhole_stats_reset(pinhole_ctx *ctx) {
  if (ctx != NULL)
    memset(ctx->cnt, 0, sizeof(ctx->cnt));
}

int pinhole_stats_format(const pinhole_ctx *ctx, char *buf, size_t len) {
  if (ctx == NULL || (buf == NULL && len != 0))
    return PINHOLE_ERR_INVALID_ARG;
  ph_out o = {buf, len, 0};
  if (len)
    buf[0] = '\0';
  for (int i = 0; i < PH_NCNT; i++) {
    if (ph_cnt[i].section)
      pinhole__printf(&o, "  %s:\n", ph_cnt[i].section);
    pinhole__printf(&o, "    %-52s %llu\n", ph_cnt[i].name,
                    (unsigned long long)ctx->cnt[i]);
  }
  return o.used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)o.used;
}
