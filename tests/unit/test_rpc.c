/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: Sun RPC pure layer. Messages are built by hand from the
 * layouts of RFC 5531 (call/reply, record marking) and RFC 1833 (portmap
 * v2 mapping, rpcbind rpcb), the way rpcinfo, mount and rpcbind send them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/rpc.h>

#define U8(s) ((const uint8_t *)(s))

/* rpcinfo -> portmapper, UDP: GETPORT(100003 NFS, v3, TCP, 0). */
static const uint8_t getport_call[] = {
    0x5f, 0x3a, 0x1c, 0x01,                         /* xid */
    0x00, 0x00, 0x00, 0x00,                         /* CALL */
    0x00, 0x00, 0x00, 0x02,                         /* rpcvers 2 */
    0x00, 0x01, 0x86, 0xa0,                         /* prog 100000 */
    0x00, 0x00, 0x00, 0x02,                         /* vers 2 */
    0x00, 0x00, 0x00, 0x03,                         /* proc GETPORT */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* cred AUTH_NONE */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* verf AUTH_NONE */
    0x00, 0x01, 0x86, 0xa3,                         /* prog 100003 */
    0x00, 0x00, 0x00, 0x03,                         /* vers 3 */
    0x00, 0x00, 0x00, 0x06,                         /* prot TCP */
    0x00, 0x00, 0x00, 0x00,                         /* port 0 */
};

/* Its reply: accepted, SUCCESS, port 2049. */
static const uint8_t getport_reply[] = {
    0x5f, 0x3a, 0x1c, 0x01,                         /* xid */
    0x00, 0x00, 0x00, 0x01,                         /* REPLY */
    0x00, 0x00, 0x00, 0x00,                         /* MSG_ACCEPTED */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* verf AUTH_NONE */
    0x00, 0x00, 0x00, 0x00,                         /* SUCCESS */
    0x00, 0x00, 0x08, 0x01,                         /* port 2049 */
};

/* rpcinfo -> rpcbind v4, TCP body: GETADDR(100005 mountd, v3, "tcp",
 * "", "superuser"), AUTH_SYS credential. */
static const uint8_t getaddr_call[] = {
    0x29, 0x7c, 0x00, 0x42, /* xid */
    0x00, 0x00, 0x00, 0x00, /* CALL */
    0x00, 0x00, 0x00, 0x02, /* rpcvers */
    0x00, 0x01, 0x86, 0xa0, /* prog 100000 */
    0x00, 0x00, 0x00, 0x04, /* vers 4 */
    0x00, 0x00, 0x00, 0x03, /* proc GETADDR */
    0x00, 0x00, 0x00, 0x01, /* cred AUTH_SYS */
    0x00, 0x00, 0x00, 0x1c, /* length 28 */
    0x65, 0x1f, 0x00, 0x10, /* stamp */
    0x00, 0x00, 0x00, 0x06, 'c',  'l',  'i',  'e',  'n', 't', 0,   0, /* name */
    0x00, 0x00, 0x00, 0x00,                         /* uid 0 */
    0x00, 0x00, 0x00, 0x00,                         /* gid 0 */
    0x00, 0x00, 0x00, 0x00,                         /* no gids */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* verf */
    0x00, 0x01, 0x86, 0xa5,                         /* 100005 */
    0x00, 0x00, 0x00, 0x03,                         /* v3 */
    0x00, 0x00, 0x00, 0x03, 't',  'c',  'p',  0,    /* netid */
    0x00, 0x00, 0x00, 0x00,                         /* addr "" */
    0x00, 0x00, 0x00, 0x09, 's',  'u',  'p',  'e',  'r', 'u', 's', 'e',
    'r',  0,    0,    0, /* owner */
};

/* Its reply: the universal address 198.18.0.10 port 1000. */
static const uint8_t getaddr_reply[] = {
    0x29, 0x7c, 0x00, 0x42,                         /* xid */
    0x00, 0x00, 0x00, 0x01,                         /* REPLY */
    0x00, 0x00, 0x00, 0x00,                         /* accepted */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* verf */
    0x00, 0x00, 0x00, 0x00,                         /* SUCCESS */
    0x00, 0x00, 0x00, 0x11, '1',  '9',  '8',  '.',  '1', '8', '.', '0',
    '.',  '1',  '0',  '.',  '3',  '.',  '2',  '3',  '2', 0,   0,   0,
};

/* rpc.statd on the inside registers with rpcbind v3: SET(100024, 1,
 * "udp", "0.0.0.0.132.45", "superuser"). */
static const uint8_t set_call[] = {
    0x00, 0x00, 0x30, 0x39,                         /* xid */
    0x00, 0x00, 0x00, 0x00,                         /* CALL */
    0x00, 0x00, 0x00, 0x02,                         /* rpcvers */
    0x00, 0x01, 0x86, 0xa0,                         /* 100000 */
    0x00, 0x00, 0x00, 0x03,                         /* v3 */
    0x00, 0x00, 0x00, 0x01,                         /* SET */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* cred */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* verf */
    0x00, 0x01, 0x86, 0xb8,                         /* 100024 status */
    0x00, 0x00, 0x00, 0x01,                         /* v1 */
    0x00, 0x00, 0x00, 0x03, 'u',  'd',  'p',  0,    0x00, 0x00,
    0x00, 0x0e, '0',  '.',  '0',  '.',  '0',  '.',  '0',  '.',
    '1',  '3',  '2',  '.',  '4',  '5',  0,    0, /* addr */
    0x00, 0x00, 0x00, 0x09, 's',  'u',  'p',  'e',  'r',  'u',
    's',  'e',  'r',  0,    0,    0, /* owner */
};

static void test_rpc_getport_call(void **state) {
  (void)state;
  pinhole_rpc_msg m;
  assert_int_equal(
      pinhole_rpc_msg_parse(getport_call, sizeof(getport_call), &m), 0);
  assert_int_equal(m.xid, 0x5f3a1c01);
  assert_int_equal(m.type, PINHOLE_RPC_MSG_CALL);
  assert_int_equal(m.rpcvers, 2);
  assert_int_equal(m.prog, PINHOLE_RPC_PROG_PORTMAP);
  assert_int_equal(m.vers, 2);
  assert_int_equal(m.proc, 3);
  assert_int_equal(m.cred_flavor, 0);
  assert_int_equal(m.cred_off, 32);
  assert_int_equal(m.cred_len, 0);
  assert_int_equal(m.verf_off, 40);
  assert_int_equal(m.body_off, 40);
  assert_int_equal(pinhole_rpc_pmap_op(m.vers, m.proc), PINHOLE_RPC_OP_GETPORT);
  assert_string_equal(pinhole_rpc_op_name(PINHOLE_RPC_OP_GETPORT), "GETPORT");

  pinhole_rpc_mapping mp;
  assert_int_equal(pinhole_rpc_pmap_mapping_parse(
                       getport_call, sizeof(getport_call), m.body_off, &mp),
                   0);
  assert_int_equal(mp.prog, 100003);
  assert_int_equal(mp.vers, 3);
  assert_int_equal(mp.prot, 6);
  assert_int_equal(mp.port, 0);
  assert_int_equal(mp.off, 40);
}

static void test_rpc_getport_reply(void **state) {
  (void)state;
  pinhole_rpc_msg m;
  assert_int_equal(
      pinhole_rpc_msg_parse(getport_reply, sizeof(getport_reply), &m), 0);
  assert_int_equal(m.type, PINHOLE_RPC_MSG_REPLY);
  assert_int_equal(m.reply_stat, PINHOLE_RPC_REPLY_ACCEPTED);
  assert_int_equal(m.accept_stat, PINHOLE_RPC_ACCEPT_SUCCESS);
  assert_int_equal(m.verf_off, 20);
  assert_int_equal(m.body_off, 24);
  uint16_t port = 0;
  assert_int_equal(pinhole_rpc_pmap_port_parse(
                       getport_reply, sizeof(getport_reply), 24, &port),
                   0);
  assert_int_equal(port, 2049);

  /* Not registered: port 0 is a valid answer. */
  uint8_t r[sizeof(getport_reply)];
  memcpy(r, getport_reply, sizeof(r));
  r[26] = r[27] = 0;
  assert_int_equal(pinhole_rpc_pmap_port_parse(r, sizeof(r), 24, &port), 0);
  assert_int_equal(port, 0);
  /* Above 65535. */
  r[25] = 1;
  assert_int_equal(pinhole_rpc_pmap_port_parse(r, sizeof(r), 24, &port),
                   PINHOLE_ERR_RANGE);
  /* One byte too many or too few. */
  assert_int_equal(pinhole_rpc_pmap_port_parse(getport_reply, 27, 24, &port),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rpc_pmap_port_parse(getport_reply, 28, 20, &port),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rpc_pmap_port_parse(getport_reply, 28, 22, &port),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_rpc_getaddr_call_auth_sys(void **state) {
  (void)state;
  pinhole_rpc_msg m;
  assert_int_equal(
      pinhole_rpc_msg_parse(getaddr_call, sizeof(getaddr_call), &m), 0);
  assert_int_equal(m.vers, 4);
  assert_int_equal(m.cred_flavor, 1);
  assert_int_equal(m.cred_off, 32);
  assert_int_equal(m.cred_len, 28);
  assert_int_equal(m.verf_off, 68);
  assert_int_equal(m.body_off, 68);
  assert_int_equal(pinhole_rpc_pmap_op(4, 3), PINHOLE_RPC_OP_GETADDR);

  pinhole_rpc_rpcb r;
  assert_int_equal(pinhole_rpc_rpcb_parse(getaddr_call, sizeof(getaddr_call),
                                          m.body_off, &r),
                   0);
  assert_int_equal(r.prog, 100005);
  assert_int_equal(r.vers, 3);
  assert_int_equal(r.proto, 6);
  assert_int_equal(r.family, 4);
  assert_int_equal(r.netid.off, 76);
  assert_int_equal(r.netid.len, 3);
  assert_int_equal(r.addr.off, 84);
  assert_int_equal(r.addr.len, 0);
  assert_int_equal(r.owner.off, 88);
  assert_int_equal(r.owner.len, 9);
  assert_memory_equal(getaddr_call + r.owner.off + 4, "superuser", 9);
}

static void test_rpc_getaddr_reply(void **state) {
  (void)state;
  pinhole_rpc_msg m;
  assert_int_equal(
      pinhole_rpc_msg_parse(getaddr_reply, sizeof(getaddr_reply), &m), 0);
  assert_int_equal(m.body_off, 24);
  pinhole_rpc_string s;
  assert_int_equal(
      pinhole_rpc_rpcb_addr_parse(getaddr_reply, sizeof(getaddr_reply), 24, &s),
      0);
  assert_int_equal(s.off, 24);
  assert_int_equal(s.len, 17);
  uint32_t addr;
  uint16_t port;
  assert_int_equal(
      pinhole_rpc_uaddr_parse(getaddr_reply + 28, s.len, &addr, &port), 0);
  assert_int_equal(addr, 0xC612000A);
  assert_int_equal(port, 1000);
}

static void test_rpc_set_call(void **state) {
  (void)state;
  pinhole_rpc_msg m;
  assert_int_equal(pinhole_rpc_msg_parse(set_call, sizeof(set_call), &m), 0);
  assert_int_equal(pinhole_rpc_pmap_op(m.vers, m.proc), PINHOLE_RPC_OP_SET);
  pinhole_rpc_rpcb r;
  assert_int_equal(
      pinhole_rpc_rpcb_parse(set_call, sizeof(set_call), m.body_off, &r), 0);
  assert_int_equal(r.prog, 100024);
  assert_int_equal(r.proto, 17);
  assert_int_equal(r.addr.off, 56);
  assert_int_equal(r.addr.len, 14);
  uint32_t addr;
  uint16_t port;
  assert_int_equal(
      pinhole_rpc_uaddr_parse(set_call + 60, r.addr.len, &addr, &port), 0);
  assert_int_equal(addr, 0);
  assert_int_equal(port, 132 * 256 + 45);
}

static void test_rpc_pmap_ops(void **state) {
  (void)state;
  assert_int_equal(pinhole_rpc_pmap_op(2, 0), PINHOLE_RPC_OP_NULL);
  assert_int_equal(pinhole_rpc_pmap_op(2, 1), PINHOLE_RPC_OP_SET);
  assert_int_equal(pinhole_rpc_pmap_op(2, 2), PINHOLE_RPC_OP_UNSET);
  assert_int_equal(pinhole_rpc_pmap_op(2, 4), PINHOLE_RPC_OP_DUMP);
  assert_int_equal(pinhole_rpc_pmap_op(2, 5), PINHOLE_RPC_OP_CALLIT);
  assert_int_equal(pinhole_rpc_pmap_op(2, 6), PINHOLE_RPC_OP_OTHER);
  assert_int_equal(pinhole_rpc_pmap_op(3, 3), PINHOLE_RPC_OP_GETADDR);
  assert_int_equal(pinhole_rpc_pmap_op(3, 8), PINHOLE_RPC_OP_TADDR2UADDR);
  assert_int_equal(pinhole_rpc_pmap_op(3, 9), PINHOLE_RPC_OP_OTHER);
  assert_int_equal(pinhole_rpc_pmap_op(4, 9), PINHOLE_RPC_OP_GETVERSADDR);
  assert_int_equal(pinhole_rpc_pmap_op(4, 12), PINHOLE_RPC_OP_GETSTAT);
  assert_int_equal(pinhole_rpc_pmap_op(4, 13), PINHOLE_RPC_OP_OTHER);
  assert_int_equal(pinhole_rpc_pmap_op(1, 3), PINHOLE_RPC_OP_OTHER);
  assert_int_equal(pinhole_rpc_pmap_op(5, 3), PINHOLE_RPC_OP_OTHER);
  assert_string_equal(pinhole_rpc_op_name(PINHOLE_RPC_OP_GETVERSADDR),
                      "GETVERSADDR");
  assert_string_equal(pinhole_rpc_op_name(15), "unknown");
  assert_string_equal(pinhole_rpc_op_name(-1), "unknown");
}

static void test_rpc_reply_variants(void **state) {
  (void)state;
  pinhole_rpc_msg m;
  /* PROG_MISMATCH with low/high. */
  static const uint8_t mis[] = {0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                                0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 4};
  assert_int_equal(pinhole_rpc_msg_parse(mis, sizeof(mis), &m), 0);
  assert_int_equal(m.accept_stat, PINHOLE_RPC_ACCEPT_PROG_MISMATCH);
  assert_int_equal(m.low, 2);
  assert_int_equal(m.high, 4);
  assert_int_equal(m.body_off, 32);
  assert_int_equal(pinhole_rpc_msg_parse(mis, 28, &m), PINHOLE_ERR_PARTIAL);
  /* Denied: RPC_MISMATCH 2..2; AUTH_ERROR 1 (bad cred). */
  static const uint8_t rm[] = {0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 1,
                               0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2};
  assert_int_equal(pinhole_rpc_msg_parse(rm, sizeof(rm), &m), 0);
  assert_int_equal(m.reply_stat, PINHOLE_RPC_REPLY_DENIED);
  assert_int_equal(m.reject_stat, PINHOLE_RPC_REJECT_RPC_MISMATCH);
  assert_int_equal(m.low, 2);
  assert_int_equal(m.body_off, 24);
  static const uint8_t ae[] = {0, 0, 0, 9, 0, 0, 0, 1, 0, 0,
                               0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  assert_int_equal(pinhole_rpc_msg_parse(ae, sizeof(ae), &m), 0);
  assert_int_equal(m.auth_stat, 1);
  /* Unknown stats. */
  uint8_t b[sizeof(ae)];
  memcpy(b, ae, sizeof(b));
  b[15] = 2; /* reject_stat 2 */
  assert_int_equal(pinhole_rpc_msg_parse(b, sizeof(b), &m), PINHOLE_ERR_PARSE);
  b[11] = 2; /* reply_stat 2 */
  assert_int_equal(pinhole_rpc_msg_parse(b, sizeof(b), &m), PINHOLE_ERR_PARSE);
  uint8_t g[sizeof(getport_reply)];
  memcpy(g, getport_reply, sizeof(g));
  g[23] = 6; /* accept_stat 6 */
  assert_int_equal(pinhole_rpc_msg_parse(g, sizeof(g), &m), PINHOLE_ERR_PARSE);
  g[23] = 5; /* SYSTEM_ERR: no results */
  assert_int_equal(pinhole_rpc_msg_parse(g, sizeof(g), &m), 0);
  assert_int_equal(m.body_off, 24);
  g[7] = 2; /* msg_type 2 */
  assert_int_equal(pinhole_rpc_msg_parse(g, sizeof(g), &m), PINHOLE_ERR_PARSE);
}

static void test_rpc_call_hostile(void **state) {
  (void)state;
  pinhole_rpc_msg m;
  pinhole_rpc_mapping mp;
  /* Truncated at every length. */
  for (size_t k = 0; k < sizeof(getport_call); k++) {
    int rc = pinhole_rpc_msg_parse(getport_call, k, &m);
    assert_int_equal(rc, k < 40 ? PINHOLE_ERR_PARTIAL : 0);
    if (k >= 40)
      assert_int_equal(pinhole_rpc_pmap_mapping_parse(getport_call, k, 40, &mp),
                       PINHOLE_ERR_PARSE);
  }
  for (size_t k = 0; k < sizeof(getaddr_call); k++)
    assert_int_equal(pinhole_rpc_msg_parse(getaddr_call, k, &m),
                     k < 68 ? PINHOLE_ERR_PARTIAL : 0);
  uint8_t b[512];
  /* rpcvers 3. */
  memcpy(b, getport_call, sizeof(getport_call));
  b[11] = 3;
  assert_int_equal(pinhole_rpc_msg_parse(b, sizeof(getport_call), &m),
                   PINHOLE_ERR_UNSUPPORTED);
  assert_int_equal(m.xid, 0x5f3a1c01);
  assert_int_equal(m.rpcvers, 3);
  /* A credential length that lies: 0xffffffff, 401, 28 with 27 present. */
  memcpy(b, getaddr_call, sizeof(getaddr_call));
  b[28] = b[29] = b[30] = b[31] = 0xff;
  assert_int_equal(pinhole_rpc_msg_parse(b, sizeof(getaddr_call), &m),
                   PINHOLE_ERR_RANGE);
  b[28] = b[29] = 0;
  b[30] = 0x01;
  b[31] = 0x91;
  assert_int_equal(pinhole_rpc_msg_parse(b, sizeof(getaddr_call), &m),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_rpc_msg_parse(getaddr_call, 59, &m),
                   PINHOLE_ERR_PARTIAL);
  /* A credential of exactly 400 bytes is fine. */
  memset(b, 0, sizeof(b));
  memcpy(b, getport_call, 24);
  b[27] = 1;    /* AUTH_SYS */
  b[30] = 0x01; /* length 400 */
  b[31] = 0x90;
  size_t n = 32 + 400 + 8;
  assert_int_equal(pinhole_rpc_msg_parse(b, n, &m), 0);
  assert_int_equal(m.cred_len, 400);
  assert_int_equal(m.body_off, n);
  /* Non-zero padding after an odd-length body. */
  memcpy(b, getport_call, 24);
  memset(b + 24, 0, 16);
  b[31] = 1; /* cred length 1: one byte, three padding */
  b[32] = 0xaa;
  b[35] = 0x01;
  assert_int_equal(pinhole_rpc_msg_parse(b, 44, &m), PINHOLE_ERR_PARSE);
  b[35] = 0;
  assert_int_equal(pinhole_rpc_msg_parse(b, 44, &m), 0);
  assert_int_equal(m.cred_len, 1);
  assert_int_equal(m.body_off, 44);
  /* Other prot; port above 65535. */
  memcpy(b, getport_call, sizeof(getport_call));
  b[51] = 132; /* SCTP */
  assert_int_equal(
      pinhole_rpc_pmap_mapping_parse(b, sizeof(getport_call), 40, &mp),
      PINHOLE_ERR_UNSUPPORTED);
  assert_int_equal(mp.prot, 132);
  b[51] = 17;
  b[53] = 1;
  assert_int_equal(
      pinhole_rpc_pmap_mapping_parse(b, sizeof(getport_call), 40, &mp),
      PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_rpc_msg_parse(NULL, 4, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rpc_msg_parse(getport_call, 4, NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

/* A header cut short answers PARTIAL with what it read so far, and the
 * answers are prefix-consistent: a prefix of a message that fails for a
 * field it holds fails the same way at every longer length. */
static void test_rpc_header_partial(void **state) {
  (void)state;
  pinhole_rpc_msg m;
  assert_int_equal(pinhole_rpc_msg_parse(getaddr_call, 3, &m),
                   PINHOLE_ERR_PARTIAL);
  assert_int_equal(m.xid, 0);
  assert_int_equal(pinhole_rpc_msg_parse(getaddr_call, 7, &m),
                   PINHOLE_ERR_PARTIAL);
  assert_int_equal(m.xid, 0x297c0042);
  assert_int_equal(pinhole_rpc_msg_parse(getaddr_call, 8, &m),
                   PINHOLE_ERR_PARTIAL);
  assert_int_equal(m.xid, 0x297c0042);
  assert_int_equal(m.type, PINHOLE_RPC_MSG_CALL);
  assert_int_equal(m.prog, 0);
  assert_int_equal(pinhole_rpc_msg_parse(getaddr_call, 24, &m),
                   PINHOLE_ERR_PARTIAL);
  assert_int_equal(m.prog, PINHOLE_RPC_PROG_PORTMAP);
  assert_int_equal(m.vers, 4);
  assert_int_equal(m.proc, 3);
  assert_int_equal(pinhole_rpc_msg_parse(getport_reply, 12, &m),
                   PINHOLE_ERR_PARTIAL);
  assert_int_equal(m.type, PINHOLE_RPC_MSG_REPLY);
  /* "GET / HTTP/1.1": type "HTTP" is no RPC type at 8 bytes already */
  static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  for (size_t k = 0; k < sizeof(http) - 1; k++)
    assert_int_equal(pinhole_rpc_msg_parse(http, k, &m),
                     k < 8 ? PINHOLE_ERR_PARTIAL : PINHOLE_ERR_PARSE);
  /* a credential length of 401: RANGE from the moment it is read */
  uint8_t b[64];
  memcpy(b, getport_call, 40);
  b[30] = 0x01;
  b[31] = 0x91;
  for (size_t k = 0; k <= 40; k++)
    assert_int_equal(pinhole_rpc_msg_parse(b, k, &m),
                     k < 32 ? PINHOLE_ERR_PARTIAL : PINHOLE_ERR_RANGE);
  /* rpcvers 3: UNSUPPORTED from byte 12 on */
  memcpy(b, getport_call, 40);
  b[11] = 3;
  for (size_t k = 0; k <= 40; k++)
    assert_int_equal(pinhole_rpc_msg_parse(b, k, &m),
                     k < 12 ? PINHOLE_ERR_PARTIAL : PINHOLE_ERR_UNSUPPORTED);
}

static void test_rpc_dump(void **state) {
  (void)state;
  /* rpcinfo -p: DUMP reply body, three mappings. */
  static const uint8_t body[] = {
      0, 0, 0, 0, /* placeholder so offsets are not 0 */
      0, 0, 0, 1,   0, 1, 0x86, 0xa0, 0, 0, 0,    2,    0, 0, 0,    6,
      0, 0, 0, 111, 0, 0, 0,    1,    0, 1, 0x86, 0xa0, 0, 0, 0,    2,
      0, 0, 0, 17,  0, 0, 0,    111,  0, 0, 0,    1,    0, 1, 0x86, 0xb8,
      0, 0, 0, 1,   0, 0, 0,    17,   0, 0, 0x84, 0x2d, 0, 0, 0,    0};
  pinhole_rpc_mapping out[4];
  size_t n = 99;
  assert_int_equal(
      pinhole_rpc_pmap_dump_parse(body, sizeof(body), 4, out, 4, &n), 0);
  assert_int_equal(n, 3);
  assert_int_equal(out[0].prog, 100000);
  assert_int_equal(out[0].port, 111);
  assert_int_equal(out[1].prot, 17);
  assert_int_equal(out[2].prog, 100024);
  assert_int_equal(out[2].port, 33837);
  assert_int_equal(out[2].off, 48);
  /* Bounded: room for 2 only. */
  assert_int_equal(
      pinhole_rpc_pmap_dump_parse(body, sizeof(body), 4, out, 2, &n),
      PINHOLE_ERR_RANGE);
  /* Empty list. */
  assert_int_equal(pinhole_rpc_pmap_dump_parse(body, 4, 0, NULL, 0, &n), 0);
  assert_int_equal(n, 0);
  /* Truncated at every length; a trailing byte; a bad marker. */
  for (size_t k = 4; k < sizeof(body); k++)
    assert_int_equal(pinhole_rpc_pmap_dump_parse(body, k, 4, out, 4, &n),
                     PINHOLE_ERR_PARSE);
  uint8_t b[sizeof(body) + 4];
  memcpy(b, body, sizeof(body));
  memset(b + sizeof(body), 0, 4);
  assert_int_equal(pinhole_rpc_pmap_dump_parse(b, sizeof(b), 4, out, 4, &n),
                   PINHOLE_ERR_PARSE);
  b[27] = 2;
  assert_int_equal(pinhole_rpc_pmap_dump_parse(b, sizeof(body), 4, out, 4, &n),
                   PINHOLE_ERR_PARSE);
  b[27] = 1;
  b[41] = 1; /* second entry's port 65647 */
  assert_int_equal(pinhole_rpc_pmap_dump_parse(b, sizeof(body), 4, out, 4, &n),
                   PINHOLE_ERR_RANGE);
}

static void test_rpc_rpcb_hostile(void **state) {
  (void)state;
  pinhole_rpc_rpcb r;
  size_t len = sizeof(getaddr_call);
  /* Truncated at every length of the arguments. */
  for (size_t k = 68; k < len; k++)
    assert_int_equal(pinhole_rpc_rpcb_parse(getaddr_call, k, 68, &r),
                     PINHOLE_ERR_PARSE);
  uint8_t b[sizeof(getaddr_call) + 8];
  memcpy(b, getaddr_call, len);
  /* One more word after the owner. */
  memset(b + len, 0, 8);
  assert_int_equal(pinhole_rpc_rpcb_parse(b, len + 4, 68, &r),
                   PINHOLE_ERR_PARSE);
  /* netid length larger than what is left, and huge. */
  b[79] = 0x30;
  assert_int_equal(pinhole_rpc_rpcb_parse(b, len, 68, &r), PINHOLE_ERR_PARSE);
  b[76] = 0xff;
  assert_int_equal(pinhole_rpc_rpcb_parse(b, len, 68, &r), PINHOLE_ERR_PARSE);
  memcpy(b, getaddr_call, len);
  /* Non-zero padding; a control byte; a space in the netid. */
  b[83] = 'x';
  assert_int_equal(pinhole_rpc_rpcb_parse(b, len, 68, &r), PINHOLE_ERR_PARSE);
  b[83] = 0;
  b[81] = '\n';
  assert_int_equal(pinhole_rpc_rpcb_parse(b, len, 68, &r), PINHOLE_ERR_PARSE);
  b[81] = ' ';
  assert_int_equal(pinhole_rpc_rpcb_parse(b, len, 68, &r), PINHOLE_ERR_PARSE);
  b[81] = 'p';
  assert_int_equal(pinhole_rpc_rpcb_parse(b, len, 68, &r), 0);
  /* A netid that is not tcp/udp: local transport. */
  memcpy(b + 80, "tcq", 3);
  assert_int_equal(pinhole_rpc_rpcb_parse(b, len, 68, &r), 0);
  assert_int_equal(r.proto, 0);
  assert_int_equal(r.family, 0);
  /* Misaligned offset. */
  assert_int_equal(pinhole_rpc_rpcb_parse(b, len, 66, &r),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rpc_rpcb_parse(b, len, len + 4, &r),
                   PINHOLE_ERR_INVALID_ARG);

  /* A string of 256 bytes (with all of it present) is too long; 255 fits. */
  uint8_t big[4 + 256 + 4];
  memset(big, 'a', sizeof(big));
  big[0] = big[1] = 0;
  big[2] = 1;
  big[3] = 0;
  pinhole_rpc_string s;
  assert_int_equal(pinhole_rpc_rpcb_addr_parse(big, 260, 0, &s),
                   PINHOLE_ERR_RANGE);
  big[2] = 0;
  big[3] = 0xff;
  big[259] = 0;
  assert_int_equal(pinhole_rpc_rpcb_addr_parse(big, 260, 0, &s), 0);
  assert_int_equal(s.len, 255);
  /* Length word says 17 but only 16 bytes follow. */
  assert_int_equal(pinhole_rpc_rpcb_addr_parse(getaddr_reply, 44, 24, &s),
                   PINHOLE_ERR_PARSE);
  for (size_t k = 24; k < sizeof(getaddr_reply); k++)
    assert_int_equal(pinhole_rpc_rpcb_addr_parse(getaddr_reply, k, 24, &s),
                     PINHOLE_ERR_PARSE);
}

static void test_rpc_uaddr_parse(void **state) {
  (void)state;
  static const struct {
    const char *s;
    int rc;
    uint32_t addr;
    uint16_t port;
  } cases[] = {
      {"198.18.0.10.3.232", 0, 0xC612000A, 1000},
      {"198.19.0.200.238.72", 0, 0xC61300C8, 61000},
      {"0.0.0.0.0.111", 0, 0, 111},
      {"255.255.255.255.255.255", 0, 0xFFFFFFFF, 65535},
      {"198.18.0.1.0.1", 0, 0xC6120001, 1},
      {"", PINHOLE_ERR_NOMATCH, 0, 0},
      {"::1.3.232", PINHOLE_ERR_UNSUPPORTED, 0, 0},
      {"2001:db8::a.8.1", PINHOLE_ERR_UNSUPPORTED, 0, 0},
      {"::ffff:198.18.0.1.0.111", PINHOLE_ERR_UNSUPPORTED, 0, 0},
      {"2001:db8::a.8.256", PINHOLE_ERR_PARSE, 0, 0},
      {"2001:db8::g.8.1", PINHOLE_ERR_PARSE, 0, 0},
      {"::1", PINHOLE_ERR_PARSE, 0, 0},
      {"198.18.0.10.0.0", PINHOLE_ERR_RANGE, 0, 0},
      {"198.18.0.256.3.232", PINHOLE_ERR_RANGE, 0, 0},
      {"198.18.0.10.3.999", PINHOLE_ERR_RANGE, 0, 0},
      {"198.18.0.10.3", PINHOLE_ERR_PARSE, 0, 0},
      {"198.18.0.10.3.232.1", PINHOLE_ERR_PARSE, 0, 0},
      {"198.18.0.010.3.232", PINHOLE_ERR_PARSE, 0, 0},
      {"198.18.0.10.3.0232", PINHOLE_ERR_PARSE, 0, 0},
      {"198.18.0.10.3.232 ", PINHOLE_ERR_PARSE, 0, 0},
      {"198.18.0.10..3.232", PINHOLE_ERR_PARSE, 0, 0},
      {"198.18.0.10.3.+23", PINHOLE_ERR_PARSE, 0, 0},
      {".198.18.0.10.3", PINHOLE_ERR_PARSE, 0, 0},
      {"1000.18.0.10.3.232", PINHOLE_ERR_PARSE, 0, 0},
      {"host.example.3.232", PINHOLE_ERR_PARSE, 0, 0},
      {"/var/run/rpcbind.sock", PINHOLE_ERR_PARSE, 0, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint32_t addr = 0x12345678;
    uint16_t port = 7;
    int rc = pinhole_rpc_uaddr_parse(U8(cases[i].s), strlen(cases[i].s), &addr,
                                     &port);
    if (rc != cases[i].rc)
      fail_msg("%s: %d, want %d", cases[i].s, rc, cases[i].rc);
    if (rc == 0) {
      assert_int_equal(addr, cases[i].addr);
      assert_int_equal(port, cases[i].port);
    }
  }
}

static void test_rpc_uaddr_format(void **state) {
  (void)state;
  char out[32];
  assert_int_equal(pinhole_rpc_uaddr_format(0xC612000A, 1000, out, 32), 17);
  assert_memory_equal(out, "198.18.0.10.3.232", 17);
  assert_int_equal(pinhole_rpc_uaddr_format(0xFFFFFFFF, 65535, out, 23), 23);
  assert_memory_equal(out, "255.255.255.255.255.255", 23);
  assert_int_equal(pinhole_rpc_uaddr_format(0, 1, out, 32), 11);
  assert_memory_equal(out, "0.0.0.0.0.1", 11);
  memset(out, 'z', sizeof(out));
  assert_int_equal(pinhole_rpc_uaddr_format(0xC6130007, 4242, out, 16),
                   PINHOLE_ERR_NOBUF);
  assert_int_equal(out[0], 'z');
  assert_int_equal(pinhole_rpc_uaddr_format(0xC6130007, 4242, out, 17), 17);
  assert_memory_equal(out, "198.19.0.7.16.146", 17);
  assert_int_equal(pinhole_rpc_uaddr_format(0xC6130007, 0, out, 32),
                   PINHOLE_ERR_INVALID_ARG);
}

/* A rewrite must give exactly want (with its own length). */
static void assert_rewrite(const uint8_t *msg, size_t len,
                           const pinhole_rpc_string *s, uint32_t addr,
                           uint16_t port, const uint8_t *want,
                           size_t want_len) {
  uint8_t out[256];
  int n = pinhole_rpc_uaddr_rewrite(msg, len, s, addr, port, out, sizeof(out));
  assert_int_equal(n, (int)want_len);
  assert_memory_equal(out, want, want_len);
  /* One byte short. */
  assert_int_equal(
      pinhole_rpc_uaddr_rewrite(msg, len, s, addr, port, out, want_len - 1),
      PINHOLE_ERR_NOBUF);
}

static void test_rpc_uaddr_rewrite(void **state) {
  (void)state;
  pinhole_rpc_string s;
  assert_int_equal(
      pinhole_rpc_rpcb_addr_parse(getaddr_reply, sizeof(getaddr_reply), 24, &s),
      0);
  /* 17 -> 19 bytes: same padded length, new length word. */
  uint8_t want[64];
  memcpy(want, getaddr_reply, 24);
  static const uint8_t w1[] = {0,   0,   0,   19,  '1', '9', '8', '.',
                               '1', '9', '.', '0', '.', '2', '0', '0',
                               '.', '2', '3', '8', '.', '7', '2', 0};
  memcpy(want + 24, w1, sizeof(w1));
  assert_rewrite(getaddr_reply, sizeof(getaddr_reply), &s, 0xC61300C8, 61000,
                 want, 48);
  /* 17 -> 16 bytes: shrinks by 4, no padding. */
  static const uint8_t w2[] = {0,   0,   0,   16,  '1', '9', '8',
                               '.', '1', '9', '.', '0', '.', '7',
                               '.', '3', '.', '2', '3', '2'};
  memcpy(want + 24, w2, sizeof(w2));
  assert_rewrite(getaddr_reply, sizeof(getaddr_reply), &s, 0xC6130007, 1000,
                 want, 44);

  /* A SET call: the address sits between netid and owner, which follow
   * unchanged. "0.0.0.0.132.45" (14) -> "198.19.0.9.132.45" (17). */
  pinhole_rpc_rpcb r;
  assert_int_equal(pinhole_rpc_rpcb_parse(set_call, sizeof(set_call), 40, &r),
                   0);
  uint8_t out[128];
  int n =
      pinhole_rpc_uaddr_rewrite(set_call, sizeof(set_call), &r.addr, 0xC6130009,
                                132 * 256 + 45, out, sizeof(out));
  assert_int_equal(n, (int)sizeof(set_call) + 4);
  assert_memory_equal(out, set_call, 56);
  static const uint8_t w3[] = {0,   0,   0,   17,  '1', '9', '8', '.',
                               '1', '9', '.', '0', '.', '9', '.', '1',
                               '3', '2', '.', '4', '5', 0,   0,   0};
  assert_memory_equal(out + 56, w3, sizeof(w3));
  assert_memory_equal(out + 80, set_call + 76, sizeof(set_call) - 76);
  /* The result parses, and says the new address. */
  pinhole_rpc_rpcb r2;
  assert_int_equal(pinhole_rpc_rpcb_parse(out, (size_t)n, 40, &r2), 0);
  assert_int_equal(r2.addr.len, 17);
  assert_int_equal(r2.owner.off, 80);

  /* Any string, including empty. */
  n = pinhole_rpc_string_rewrite(set_call, sizeof(set_call), &r.addr, NULL, 0,
                                 out, sizeof(out));
  assert_int_equal(n, (int)sizeof(set_call) - 16);
  assert_memory_equal(out + 56, "\0\0\0\0", 4);
  assert_memory_equal(out + 60, set_call + 76, sizeof(set_call) - 76);

  /* A description that does not match the message. */
  pinhole_rpc_string bad = r.addr;
  bad.len = 15;
  assert_int_equal(pinhole_rpc_uaddr_rewrite(set_call, sizeof(set_call), &bad,
                                             1, 1, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  bad = s;
  assert_int_equal(pinhole_rpc_uaddr_rewrite(getaddr_reply, 40, &bad, 1, 1, out,
                                             sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  bad.off = sizeof(getaddr_reply) - 2;
  assert_int_equal(pinhole_rpc_uaddr_rewrite(getaddr_reply,
                                             sizeof(getaddr_reply), &bad, 1, 1,
                                             out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rpc_uaddr_rewrite(getaddr_reply,
                                             sizeof(getaddr_reply), &s, 1, 0,
                                             out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  uint8_t longs[256];
  memset(longs, 'a', sizeof(longs));
  assert_int_equal(pinhole_rpc_string_rewrite(getaddr_reply,
                                              sizeof(getaddr_reply), &s, longs,
                                              256, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
}

/* ---- record marking ------------------------------------------------------ */

static void test_rpc_record_single(void **state) {
  (void)state;
  /* GETPORT call over TCP: one fragment, last bit, 56 bytes; then the
   * next record's first bytes. */
  uint8_t b[4 + sizeof(getport_call) + 3];
  assert_int_equal(pinhole_rpc_record_mark(b, sizeof(getport_call), 1), 0);
  assert_memory_equal(b, "\x80\x00\x00\x38", 4);
  memcpy(b + 4, getport_call, sizeof(getport_call));
  memcpy(b + 60, "\x80\x00\x00", 3);
  pinhole_rpc_record r;
  assert_int_equal(pinhole_rpc_record_walk(b, sizeof(b), 65536, 8, &r), 0);
  assert_int_equal(r.stream_len, 60);
  assert_int_equal(r.data_len, 56);
  assert_int_equal(r.nfrags, 1);
  assert_int_equal(r.frag0_len, 56);
  /* Truncated at every length. */
  for (size_t k = 0; k < 60; k++) {
    assert_int_equal(pinhole_rpc_record_walk(b, k, 65536, 8, &r),
                     PINHOLE_ERR_PARTIAL);
    assert_int_equal(r.stream_len, k < 4 ? 0 : 60);
    assert_int_equal(r.nfrags, k < 4 ? 0 : 1);
  }
  /* The next record: a mark cut short. */
  assert_int_equal(pinhole_rpc_record_walk(b + 60, 3, 65536, 8, &r),
                   PINHOLE_ERR_PARTIAL);
  uint8_t out[64];
  assert_int_equal(pinhole_rpc_record_walk(b, sizeof(b), 65536, 8, &r), 0);
  assert_int_equal(pinhole_rpc_record_copy(b, sizeof(b), &r, out, 56), 56);
  assert_memory_equal(out, getport_call, 56);
  assert_int_equal(pinhole_rpc_record_copy(b, sizeof(b), &r, out, 55),
                   PINHOLE_ERR_NOBUF);
  assert_int_equal(pinhole_rpc_record_mark(out, 0x80000000u, 1),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_rpc_record_mark(out, 0x7fffffffu, 0), 0);
  assert_memory_equal(out, "\x7f\xff\xff\xff", 4);
}

static void test_rpc_record_fragments(void **state) {
  (void)state;
  /* The GETADDR call as three fragments of 20, 49 and 35 bytes. */
  size_t n = sizeof(getaddr_call);
  uint8_t b[256];
  size_t pos = 0;
  size_t cut[] = {0, 20, 69, n};
  for (size_t i = 0; i < 3; i++) {
    size_t fl = cut[i + 1] - cut[i];
    assert_int_equal(pinhole_rpc_record_mark(b + pos, fl, i == 2), 0);
    memcpy(b + pos + 4, getaddr_call + cut[i], fl);
    pos += 4 + fl;
  }
  pinhole_rpc_record r;
  assert_int_equal(pinhole_rpc_record_walk(b, pos, 4096, 8, &r), 0);
  assert_int_equal(r.stream_len, n + 12);
  assert_int_equal(r.data_len, n);
  assert_int_equal(r.nfrags, 3);
  assert_int_equal(r.frag0_len, 20);
  uint8_t out[256];
  assert_int_equal(pinhole_rpc_record_copy(b, pos, &r, out, sizeof(out)),
                   (int)n);
  assert_memory_equal(out, getaddr_call, n);
  pinhole_rpc_msg m;
  assert_int_equal(pinhole_rpc_msg_parse(out, n, &m), 0);
  /* Every cut: partial, with what is known so far. */
  for (size_t k = 0; k < pos; k++) {
    assert_int_equal(pinhole_rpc_record_walk(b, k, 4096, 8, &r),
                     PINHOLE_ERR_PARTIAL);
    size_t want = k < 4 ? 0 : k < 28 ? 24 : k < 81 ? 77 : pos;
    assert_int_equal(r.stream_len, want);
  }
  /* Too many fragments, too many bytes. */
  assert_int_equal(pinhole_rpc_record_walk(b, pos, 4096, 2, &r),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_rpc_record_walk(b, pos, n - 1, 8, &r),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_rpc_record_walk(b, pos, n, 3, &r), 0);
  /* An empty last fragment after data is allowed. */
  uint8_t z[16] = {0x00, 0x00, 0x00, 0x04, 1, 2, 3, 4, 0x80, 0, 0, 0};
  assert_int_equal(pinhole_rpc_record_walk(z, 12, 64, 8, &r), 0);
  assert_int_equal(r.nfrags, 2);
  assert_int_equal(r.data_len, 4);
  assert_int_equal(pinhole_rpc_record_copy(z, 12, &r, out, 4), 4);
  assert_memory_equal(out, "\x01\x02\x03\x04", 4);
  /* A description that does not match. */
  pinhole_rpc_record bad = r;
  bad.nfrags = 1;
  assert_int_equal(pinhole_rpc_record_copy(z, 12, &bad, out, 64),
                   PINHOLE_ERR_INVALID_ARG);
  bad = r;
  bad.data_len = 5;
  assert_int_equal(pinhole_rpc_record_copy(z, 12, &bad, out, 64),
                   PINHOLE_ERR_INVALID_ARG);
  bad = r;
  assert_int_equal(pinhole_rpc_record_copy(z, 11, &bad, out, 64),
                   PINHOLE_ERR_INVALID_ARG);
}

/* One mark at a time: length, last bit, the empty non-last fragment. */
static void test_rpc_fragment_mark(void **state) {
  (void)state;
  size_t n = 99;
  int last = 7;
  static const uint8_t m1[] = {0x80, 0x00, 0x01, 0x2c, 0xaa};
  static const uint8_t m2[] = {0x7f, 0xff, 0xff, 0xff};
  static const uint8_t m3[] = {0x00, 0x00, 0x00, 0x00};
  static const uint8_t m4[] = {0x80, 0x00, 0x00, 0x00};
  for (size_t k = 0; k < 4; k++)
    assert_int_equal(pinhole_rpc_fragment_mark(m1, k, &n, &last),
                     PINHOLE_ERR_PARTIAL);
  assert_int_equal(n, 99);
  assert_int_equal(pinhole_rpc_fragment_mark(m1, sizeof(m1), &n, &last), 0);
  assert_int_equal(n, 300);
  assert_int_equal(last, 1);
  assert_int_equal(pinhole_rpc_fragment_mark(m2, 4, &n, &last), 0);
  assert_int_equal(n, 0x7fffffff);
  assert_int_equal(last, 0);
  assert_int_equal(pinhole_rpc_fragment_mark(m3, 4, &n, &last),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rpc_fragment_mark(m4, 4, &n, &last), 0);
  assert_int_equal(n, 0);
  assert_int_equal(last, 1);
  assert_int_equal(pinhole_rpc_fragment_mark(NULL, 4, &n, &last),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rpc_fragment_mark(m1, 4, NULL, &last),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rpc_fragment_mark(m1, 4, &n, NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_rpc_record_hostile(void **state) {
  (void)state;
  pinhole_rpc_record r;
  /* Fragment length 0: not last; last of an empty record. */
  static const uint8_t z1[] = {0, 0, 0, 0, 0x80, 0, 0, 4, 1, 2, 3, 4};
  assert_int_equal(pinhole_rpc_record_walk(z1, sizeof(z1), 64, 8, &r),
                   PINHOLE_ERR_PARSE);
  static const uint8_t z2[] = {0x80, 0, 0, 0};
  assert_int_equal(pinhole_rpc_record_walk(z2, 4, 64, 8, &r),
                   PINHOLE_ERR_PARSE);
  /* Huge: refused as soon as the mark is read, before the bytes. */
  static const uint8_t h[] = {0xff, 0xff, 0xff, 0xff, 0, 0};
  assert_int_equal(pinhole_rpc_record_walk(h, sizeof(h), 65536, 8, &r),
                   PINHOLE_ERR_RANGE);
  static const uint8_t h2[] = {0x00, 0x00, 0x80, 0x00};
  assert_int_equal(
      pinhole_rpc_record_walk(h2, 4, PINHOLE_RPC_RECORD_LIMIT, 8, &r),
      PINHOLE_ERR_PARTIAL);
  assert_int_equal(r.stream_len, 4 + 32768);
  /* Many one-byte fragments: bounded by max_frags. */
  uint8_t many[5 * 64];
  for (size_t i = 0; i < 64; i++) {
    many[i * 5] = 0;
    many[i * 5 + 1] = 0;
    many[i * 5 + 2] = 0;
    many[i * 5 + 3] = 1;
    many[i * 5 + 4] = (uint8_t)i;
  }
  assert_int_equal(pinhole_rpc_record_walk(many, sizeof(many), 65536, 16, &r),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_rpc_record_walk(many, sizeof(many), 65536, 64, &r),
                   PINHOLE_ERR_PARTIAL);
  assert_int_equal(r.nfrags, 64);
  /* Arguments. */
  assert_int_equal(pinhole_rpc_record_walk(z2, 4, 0, 8, &r),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(
      pinhole_rpc_record_walk(z2, 4, PINHOLE_RPC_RECORD_LIMIT + 1, 8, &r),
      PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rpc_record_walk(z2, 4, 64, 0, &r),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rpc_record_walk(NULL, 0, 64, 1, &r),
                   PINHOLE_ERR_PARTIAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rpc_getport_call),
      cmocka_unit_test(test_rpc_getport_reply),
      cmocka_unit_test(test_rpc_getaddr_call_auth_sys),
      cmocka_unit_test(test_rpc_getaddr_reply),
      cmocka_unit_test(test_rpc_set_call),
      cmocka_unit_test(test_rpc_pmap_ops),
      cmocka_unit_test(test_rpc_reply_variants),
      cmocka_unit_test(test_rpc_call_hostile),
      cmocka_unit_test(test_rpc_header_partial),
      cmocka_unit_test(test_rpc_dump),
      cmocka_unit_test(test_rpc_rpcb_hostile),
      cmocka_unit_test(test_rpc_uaddr_parse),
      cmocka_unit_test(test_rpc_uaddr_format),
      cmocka_unit_test(test_rpc_uaddr_rewrite),
      cmocka_unit_test(test_rpc_record_single),
      cmocka_unit_test(test_rpc_record_fragments),
      cmocka_unit_test(test_rpc_record_hostile),
      cmocka_unit_test(test_rpc_fragment_mark),
  };
  return cmocka_run_group_tests_name("unit.rpc", tests, NULL, NULL);
}
