/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reassembly of a Watch connection's UDP datagram that arrives in IPv4
 * fragments (core/frag_reasm.c, docs/reassembly.md "IP fragments"), and
 * the parts of the fragment table (core/frag.c) it shares.
 */
#ifndef PH_CORE_FRAG_REASM_H
#define PH_CORE_FRAG_REASM_H

#include "core/engine.h"

#include <pinhole/ipv6.h>

/* ph_frag.mode */
enum ph_frag_mode {
  PH_FRAG_VIRTUAL = 0, /* forwarded piece by piece with the first
                          fragment's translation (core/frag.c) */
  PH_FRAG_REASM = 1,   /* pieces held until the datagram is whole */
  PH_FRAG_DEAD = 2     /* its datagram was dropped: the rest is too */
};

/* What the fragments of one datagram share: the addresses as they arrive
 * (IPv6: their keyed folds, pinhole__fold6, with the full addresses in
 * src6/dst6), the identification (IPv4: 16 bits, IPv6: 32) and the
 * protocol (IPv6: the fragment header's next header). */
typedef struct ph_frag_key {
  uint32_t src, dst;
  uint32_t id;
  uint8_t proto;
  uint8_t v6;
  const uint8_t *src6, *dst6; /* v6 only */
} ph_frag_key;

/* The key of an IPv4 fragment. */
static inline void ph_frag_key4(ph_frag_key *k, const pinhole_pkt_view *v) {
  k->src = v->src;
  k->dst = v->dst;
  k->id = v->ip_id;
  k->proto = v->proto;
  k->v6 = 0;
  k->src6 = k->dst6 = NULL;
}

/* An IPv6 fragment that is reassembled: its fragment header follows the
 * 40-byte IPv6 header (the header kept from its first fragment is both). */
#define PH_FRAG6_HL 48u
/* The longest IPv6 header kept from a first fragment: the IPv6 header,
 * the extension headers before the fragment header (RFC 8200 sec. 4.5's
 * per-fragment headers, at most PH_REFRAG6_UMAX bytes with the IPv6
 * header) and the fragment header. */
#define PH_FRAG6_HL_MAX 248u
/* The IPv6 minimum MTU (RFC 8200 sec. 5). */
#define PH_FRAG6_MIN_MTU 1280u

/* The key of IPv6 fragment v6 (pkt: its bytes): the folds of its
 * addresses, the 32-bit identification, the fragment header's next
 * header, the full addresses beside. */
static inline void ph_frag_key6(const pinhole_ctx *ctx, ph_frag_key *k,
                                const uint8_t *pkt,
                                const pinhole_pkt6_view *v6) {
  k->src = pinhole__fold6(ctx, v6->src);
  k->dst = pinhole__fold6(ctx, v6->dst);
  k->id = v6->frag_id;
  k->proto = pkt[v6->frag_hdr_off]; /* the fragment header's next header */
  k->v6 = 1;
  k->src6 = v6->src;
  k->dst6 = v6->dst;
}

/* frag.c: the entry for (side, key) that has not passed its deadline, or
 * PH_NIL. An IPv6 entry matches only the same full addresses. */
ph_ref pinhole__frag_find(const pinhole_ctx *ctx, int side,
                          const ph_frag_key *k);
/* frag.c: a free entry for that key, hashed and armed for timeout_ms, its
 * mode PH_FRAG_VIRTUAL and no connection; PH_NIL when the table is full. */
ph_ref pinhole__frag_new(pinhole_ctx *ctx, int side, const ph_frag_key *k,
                         uint32_t timeout_ms);
/* frag.c: unhashes and frees an entry (nothing counted, nothing held). */
void pinhole__frag_release(pinhole_ctx *ctx, ph_ref ref);
/* frag.c: records [lo, hi) as passed in a PH_FRAG_VIRTUAL entry; -1 when
 * it overlaps what passed. */
int pinhole__frag_mark(ph_frag *f, uint32_t lo, uint32_t hi);

/* frag.c: marks f complete when the ranges that passed join into its
 * whole datagram (its last piece seen): it then ends at its deadline
 * without a timeout counted, and checks resent pieces until then. */
void pinhole__frag_seen_whole(ph_frag *f);

/* frag.c: frees PH_FRAG_VIRTUAL entry r when the ranges that passed join
 * into its whole datagram (its last piece seen). */
void pinhole__frag_settle(pinhole_ctx *ctx, ph_ref r);

/* frag.c: entry r's connection when it is still the one its first
 * fragment matched (a connection past its deadline is expired here), or
 * NULL (no first fragment yet, or the connection is gone). */
ph_conn *pinhole__frag_conn(pinhole_ctx *ctx, ph_ref r);
/* frag.c: piece [lo, hi) of entry r's datagram (last: M/MF clear),
 * ip_len bytes, passes: recorded and counted in its connection's frames,
 * which is returned with its direction in *dir (the entry is freed when
 * the datagram is complete). NULL when it is dropped (an overlap, or the
 * connection gone; counted, the verdict not). An IPv6 overlap or an end
 * that disagrees drops the whole datagram (RFC 5722): the entry stays,
 * PH_FRAG_DEAD. */
ph_conn *pinhole__frag_pass(pinhole_ctx *ctx, ph_ref r, uint32_t lo,
                            uint32_t hi, int last, uint32_t ip_len, int *dir);
/* frag.c: a later fragment of PH_FRAG_VIRTUAL entry r: translated like
 * its first fragment, or dropped (overlap, connection gone). Returns the
 * verdict, counted. */
int pinhole__frag_forward(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                          pinhole_pkt_view *v);

/* A first fragment of Watch connection c's UDP datagram from direction
 * dir (ph_existing's checks done): held, or the datagram it completes
 * processed whole and sent on. Returns the packet's verdict (its reasons
 * counted; the verdict itself by the caller). */
int pinhole__reasm_first(pinhole_ctx *ctx, pinhole_pkt *pkt,
                         pinhole_pkt_view *v, ph_conn *c, int dir, int side);
/* A later fragment with entry r in PH_FRAG_REASM mode: held, or the
 * datagram completed. Returns the verdict, counted. */
int pinhole__reasm_later(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                         pinhole_pkt_view *v);
/* A later UDP fragment that found no entry: held as an orphan until its
 * first fragment says what it belongs to. Returns the verdict (HELD), or
 * -1 when it cannot be held (the caller goes on as without reassembly). */
int pinhole__reasm_orphan(pinhole_ctx *ctx, pinhole_pkt *pkt,
                          const pinhole_pkt_view *v, int side);
/* The first fragment of a connection that is not reassembled (not a Watch
 * UDP one) found orphan entry r: the pieces held are translated and sent
 * on through emit, and r becomes a PH_FRAG_VIRTUAL entry of c. */
void pinhole__reasm_release_virtual(pinhole_ctx *ctx, ph_ref r,
                                    const uint8_t *first, ph_conn *c, int dir);
/* Entry r's datagram ends dropped (its reason counted): its held pieces
 * freed, the entry PH_FRAG_DEAD until its deadline so that the rest of
 * its fragments are dropped too (as not matched). */
void pinhole__reasm_dead(pinhole_ctx *ctx, ph_ref r);

/* IPv6 (docs/reassembly.md "IPv6"): a first fragment of Watch connection
 * c's UDP datagram from dir, v6 its parse and v its folded view
 * (process6.c), with the entry core/frag6.c keeps for it in
 * ctx->frag6_cur: held, or the datagram it completes processed whole and
 * sent on; the entry is taken (frag6_cur PH_NIL). Returns the verdict
 * (not counted); -1 when it goes on unparsed (the entry now virtual,
 * its ALG error counted); -2 when it is not reassembled (a header before
 * the fragment header, no entry, nothing held): the caller's old way. */
int pinhole__reasm6_first(pinhole_ctx *ctx, pinhole_pkt *pkt,
                          const pinhole_pkt6_view *v6, pinhole_pkt_view *v,
                          ph_conn *c, int dir, int side);
/* A later IPv6 fragment with entry r in PH_FRAG_REASM mode: held, or the
 * datagram completed. Returns the verdict, counted. */
int pinhole__reasm6_later(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                          const pinhole_pkt6_view *v6);
/* A later IPv6 fragment whose fragment header names UDP and that found
 * no entry (its first fragment not come yet: reordering): held as an
 * orphan as IPv4's are. Returns the verdict (HELD, or DROP with its
 * reason counted), or -1 when it cannot be held (REASM_OVERFLOW counted:
 * the caller drops it as not matched). */
int pinhole__reasm6_orphan(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           const pinhole_pkt6_view *v6, int side);
/* The first fragment pkt (parsed as v6) of orphan entry r's datagram,
 * before its connection is looked up: 0 when its piece may join what is
 * held; -1 when it overlaps a held piece, disagrees with the datagram's
 * end (RFC 5722) or makes it longer than 65535 bytes (RFC 8200 sec.
 * 4.5): counted, the entry dead (the whole datagram dropped). */
int pinhole__reasm6_adopt(pinhole_ctx *ctx, ph_ref r, const uint8_t *pkt,
                          const pinhole_pkt6_view *v6);
/* Orphan entry r's first fragment passed for connection c from dir, which
 * is not reassembled: the pieces held are rebuilt with its headers hdr
 * (hl bytes, the fragment header's included) and sent on through emit
 * (NAT64: translated to IPv4), r becomes a PH_FRAG_VIRTUAL entry of c
 * with the first piece (plen bytes) passed, and is freed when that
 * completes the datagram. */
void pinhole__reasm6_release_virtual(pinhole_ctx *ctx, ph_ref r,
                                     const uint8_t *hdr, size_t hl,
                                     uint32_t plen, ph_conn *c, int dir);
/* frag6.c: a later IPv6 fragment of PH_FRAG_VIRTUAL entry r: passed
 * (translated on NAT64) or dropped. Returns the verdict, counted. */
int pinhole__frag6_follow(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                          const pinhole_pkt6_view *v6);
/* process6.c: a reassembled IPv6 datagram pkt (whole) of connection c
 * from dir, as an unfragmented one: parsed, its ALG run, NAT64's
 * translation (pkt then holds the IPv4 packet). Returns the verdict (not
 * counted). */
int pinhole__existing6_whole(pinhole_ctx *ctx, pinhole_pkt *pkt, ph_conn *c,
                             int dir, int side);
/* nat64.c: the IPv4 server's reassembled datagram w of NAT64 connection
 * c: its ALG run, translated to IPv6 (RFC 7915 sec. 4) in ctx->scratch,
 * *olen bytes. Returns FORWARD, or the verdict that ends it (counted). */
int pinhole__nat64_whole4(pinhole_ctx *ctx, pinhole_pkt *w, ph_conn *c,
                          int side, size_t *olen);
/* nat64.c: IPv6 fragment b[0..len) of NAT64 connection c translated to
 * IPv4 (RFC 7915 sec. 5.1.1) and sent through emit: 0, or -1 (counted). */
int pinhole__nat64_emit6(pinhole_ctx *ctx, const uint8_t *b, size_t len,
                         const ph_conn *c);

/* hold.c: held datagram message h ended without completing (ph_hold_why:
 * timeout or evicted); called before h is freed. */
void pinhole__frag_hold_lost(pinhole_ctx *ctx, ph_ref h, int why);

/* process.c: a reassembled datagram pkt (whole, not a fragment) of
 * connection c from dir, as ph_existing would handle an unfragmented one:
 * parsed (a failed check counted), its ALG run, translated. Returns the
 * verdict (not counted). */
int pinhole__existing_whole(pinhole_ctx *ctx, pinhole_pkt *pkt, ph_conn *c,
                            int dir, int side);

#endif /* PH_CORE_FRAG_REASM_H */
