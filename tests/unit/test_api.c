/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The public API as a language binding meets it: every exported function
 * given NULL for each pointer it takes returns its documented error or
 * neutral value (never a crash, run under ASan), and configurations,
 * pools and NAT rules that cannot be right are refused with the reason
 * in the error code.
 */
#include "helpers.h"

static pinhole_ctx *ctx_small(void) {
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  pinhole_ctx *ctx = NULL;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), 0);
  return ctx;
}

static void test_api_hash_null(void **state) {
  (void)state;
  pinhole_hash_key key = {1, 2};
  pinhole_flow_key fk = {IN_HOST, OUT_HOST, 1, 2, 6, {0, 0, 0}};
  uint8_t data[8] = {0};
  assert_int_equal(pinhole_siphash13(NULL, data, sizeof(data)), 0);
  assert_int_equal(pinhole_siphash13(&key, NULL, 8), 0);
  /* an empty input is valid, NULL or not */
  assert_int_equal(pinhole_siphash13(&key, NULL, 0),
                   pinhole_siphash13(&key, data, 0));
  assert_true(pinhole_siphash13(&key, data, 0) != 0);
  assert_int_equal(pinhole_flow_hash(NULL, &fk), 0);
  assert_int_equal(pinhole_flow_hash(&key, NULL), 0);
  assert_int_equal(pinhole_flow_hash_sym(NULL, &fk), 0);
  assert_int_equal(pinhole_flow_hash_sym(&key, NULL), 0);
  assert_true(pinhole_flow_hash(&key, &fk) != 0);
}

static void test_api_cksum_null(void **state) {
  (void)state;
  /* NULL data adds nothing */
  assert_int_equal(pinhole_cksum_add(0x1234, NULL, 100), 0x1234);
  assert_int_equal(pinhole_cksum(NULL, 100), 0xffff);
}

static void test_api_packet_null(void **state) {
  (void)state;
  tpkt p;
  pinhole_pkt_view v;
  t_udp(&p, IN_HOST, 1000, OUT_HOST, 53, "q");
  assert_int_equal(pinhole_pkt_parse(NULL, 20, &v), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pkt_parse(p.b, p.p.len, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pkt_parse(p.b, p.p.len, &v), 0);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(NULL, &v), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(p.b, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pkt_fix_cksums(NULL, &v), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pkt_fix_cksums(p.b, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_non_null(pinhole_pkt_reason_name(-5));
}

static void test_api_alg_parsers_null(void **state) {
  (void)state;
  pinhole_ftp_msg fm;
  assert_int_equal(pinhole_ftp_line_len(NULL, 10), 0);
  assert_true(pinhole_ftp_parse(NULL, 10, 0, &fm) < 0);
  assert_true(pinhole_ftp_parse((const uint8_t *)"PORT", 4, 0, NULL) < 0);
  assert_int_equal(pinhole_ftp_format(NULL, IN_HOST, 1, NULL, 0),
                   PINHOLE_ERR_INVALID_ARG);
  assert_non_null(pinhole_ftp_kind_name(99));
  pinhole_rtsp_msg rm;
  assert_true(pinhole_rtsp_frame(NULL, 10, &rm) < 0);
  assert_true(pinhole_rtsp_frame((const uint8_t *)"x", 1, NULL) < 0);
  pinhole_rtsp_transport rt;
  assert_true(pinhole_rtsp_transport_parse(NULL, 10, &rt) < 0);
  assert_true(pinhole_rtsp_transport_parse((const uint8_t *)"x", 1, NULL) < 0);
  assert_true(pinhole_rtsp_transport_rewrite(NULL, 10, NULL, NULL, 0) < 0);
  pinhole_sip_msg sm;
  assert_true(pinhole_sip_parse(NULL, 10, 0, &sm) < 0);
  assert_true(pinhole_sip_parse((const uint8_t *)"x", 1, 0, NULL) < 0);
  pinhole_sdp sdp;
  assert_true(pinhole_sip_sdp_parse(NULL, 10, &sdp) < 0);
  assert_true(pinhole_sip_sdp_parse((const uint8_t *)"x", 1, NULL) < 0);
  assert_int_equal(pinhole_sip_nat_default(NULL, sizeof(pinhole_sip_nat)),
                   PINHOLE_ERR_INVALID_ARG);
  pinhole_sip_rewrite_result res;
  assert_true(pinhole_sip_rewrite(NULL, 10, NULL, NULL, 0, &res) < 0);
  assert_true(pinhole_sip_rewrite(NULL, 0, NULL, NULL, 0, NULL) < 0);
  pinhole_tftp_msg tm;
  assert_true(pinhole_tftp_parse(NULL, 10, &tm) < 0);
  assert_true(pinhole_tftp_parse((const uint8_t *)"x", 1, NULL) < 0);
}

static void test_api_wheel_null(void **state) {
  (void)state;
  assert_int_equal(pinhole_wheel_init(NULL, NULL, 0, 0, 0, 0, 24),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_wheel_arm(NULL, 0, 0), PINHOLE_ERR_INVALID_ARG);
  pinhole_wheel_cancel(NULL, 0);
  assert_int_equal(pinhole_wheel_armed(NULL, 0), 0);
  assert_int_equal(pinhole_wheel_advance(NULL, 0, 10, NULL, NULL), 0);
  assert_int_equal(pinhole_wheel_pending(NULL, 0), 0);
  pinhole_wheel w;
  assert_int_equal(pinhole_wheel_init(&w, NULL, 64, 0, 4, 0, 24),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_api_context_null(void **state) {
  (void)state;
  pinhole_ctx *ctx = ctx_small();
  char buf[64];
  uint64_t cnt[4];
  tpkt p;
  t_udp(&p, IN_HOST, 1000, OUT_HOST, 53, "q");
  assert_int_equal(pinhole_config_default(NULL, sizeof(pinhole_config)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_ctx_new(NULL, NULL, NULL, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  pinhole_ctx_del(NULL);
  assert_int_equal(pinhole_process(NULL, &p.p, 0, 1), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_process(ctx, NULL, 0, 1), PINHOLE_ERR_INVALID_ARG);
  pinhole_pkt nodata = {NULL, 20, 20};
  assert_int_equal(pinhole_process(ctx, &nodata, 0, 1),
                   PINHOLE_ERR_INVALID_ARG);
  uint8_t vd[1];
  assert_int_equal(pinhole_process_burst(NULL, &p.p, 1, 0, 1, vd),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_process_burst(ctx, NULL, 1, 0, 1, vd),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_process_burst(ctx, &p.p, 1, 0, 1, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_process_burst(ctx, NULL, 0, 0, 1, NULL), 0);
  assert_int_equal(pinhole_tick(NULL, 1), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pool_add(NULL, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pool_add(ctx, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_add(NULL, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rule_add(ctx, NULL), PINHOLE_ERR_INVALID_ARG);
  pinhole_rules_clear(NULL);
  assert_int_equal(pinhole_stats(NULL, cnt, 4), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_stats(ctx, NULL, 4), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_stats(ctx, NULL, 0), 0);
  pinhole_stats_reset(NULL);
  assert_int_equal(pinhole_stats_format(NULL, buf, sizeof(buf)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_stats_format(ctx, NULL, 10),
                   PINHOLE_ERR_INVALID_ARG);
  assert_true(pinhole_stats_format(ctx, NULL, 0) > 0);
  assert_int_equal(pinhole_usage_get(NULL, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_usage_get(ctx, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_flows_visit(NULL, NULL, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_flows_visit(ctx, NULL, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_conversations_format(NULL, buf, sizeof(buf)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_conversations_format(ctx, NULL, 10),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_event_format(NULL, buf, sizeof(buf)),
                   PINHOLE_ERR_INVALID_ARG);
  pinhole_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.size = sizeof(ev);
  assert_int_equal(pinhole_event_format(&ev, NULL, 10),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_trace_format(NULL, buf, sizeof(buf)),
                   PINHOLE_ERR_INVALID_ARG);
  pinhole_trace tr;
  memset(&tr, 0, sizeof(tr));
  tr.size = sizeof(tr);
  assert_int_equal(pinhole_trace_format(&tr, NULL, 10),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_addr_format(IN_HOST, NULL, 16), PINHOLE_ERR_NOBUF);
  uint32_t a;
  assert_int_equal(pinhole_addr_parse(NULL, &a), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_addr_parse("198.18.0.1", NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_non_null(pinhole_strerror(-999));
  assert_null(pinhole_counter_name(-1));
  assert_null(pinhole_counter_key(-1));
  assert_int_equal(pinhole_struct_size(0), 0);
  pinhole_ctx_del(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_api_hash_null),
      cmocka_unit_test(test_api_cksum_null),
      cmocka_unit_test(test_api_packet_null),
      cmocka_unit_test(test_api_alg_parsers_null),
      cmocka_unit_test(test_api_wheel_null),
      cmocka_unit_test(test_api_context_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
