/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one cursor and the character and number helpers every ALG parser
 * uses (pure layer): ASCII only, never locale-dependent, every read
 * bounded by what is left.
 *
 * Text parsers (FTP, RTSP, SIP, SQLNet, rsh ...) read with ph_cur and the
 * ph_cur_* text helpers; binary parsers (Sun RPC, DNS, H.323, PPTP ...)
 * with the ph_cur_u8/be16/be32/le16/le32/skip/take helpers. A fetch that
 * does not fit leaves the cursor where it was and says so: 0 on success,
 * -1 when too short. Whole-field helpers (ph_dec, ph_dec_range,
 * ph_ipv4_text) take a span and accept it only when all of it matches.
 * Formatters (ph_fmt_*) write into a small caller buffer; ph_wr appends
 * to a bounded output and says when it did not fit.
 */
#ifndef PH_ALG_TEXT_H
#define PH_ALG_TEXT_H

#include <pinhole/ipv6.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- characters ---------------------------------------------------- */

static inline int ph_is_digit(uint8_t c) {
  return c >= '0' && c <= '9';
}

static inline int ph_is_alpha(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int ph_is_alnum(uint8_t c) {
  return ph_is_digit(c) || ph_is_alpha(c);
}

static inline int ph_is_xdigit(uint8_t c) {
  return ph_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* SP or HT. */
static inline int ph_is_ws(uint8_t c) {
  return c == ' ' || c == '\t';
}

/* Linear white space: SP, HT, and the CR and LF of a folded header line
 * (inside a header value already checked line by line). */
static inline int ph_is_lws(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A byte of a host name or IPv4 literal: letter, digit, '-', '.', '_'. */
static inline int ph_is_host_char(uint8_t c) {
  return ph_is_alnum(c) || c == '-' || c == '.' || c == '_';
}

static inline uint8_t ph_lower(uint8_t c) {
  return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* p[0..len) equals s, ignoring ASCII case. */
static inline int ph_ieq(const uint8_t *p, size_t len, const char *s) {
  size_t slen = strlen(s);
  if (len != slen)
    return 0;
  for (size_t i = 0; i < len; i++)
    if (ph_lower(p[i]) != ph_lower((uint8_t)s[i]))
      return 0;
  return 1;
}

/* p[0..len) equals s exactly. */
static inline int ph_eq(const uint8_t *p, size_t len, const char *s) {
  return len == strlen(s) && memcmp(p, s, len) == 0;
}

/* p[0..len) is a prefix of s (or s a prefix of p), ignoring ASCII case:
 * the bytes both have agree. Used to ask whether a partial line could
 * still become s. */
static inline int ph_iprefix(const uint8_t *p, size_t len, const char *s) {
  for (size_t i = 0; i < len && s[i] != '\0'; i++)
    if (ph_lower(p[i]) != ph_lower((uint8_t)s[i]))
      return 0;
  return 1;
}

/* Trims ph_is_lws bytes from both ends of p[*off..*end). */
static inline void ph_trim(const uint8_t *p, size_t *off, size_t *end) {
  while (*off < *end && ph_is_lws(p[*off]))
    (*off)++;
  while (*end > *off && ph_is_lws(p[*end - 1]))
    (*end)--;
}

/* names[i] when 0 <= i < n, else "unknown": the reason and kind names of
 * the parsers' *_name() functions. */
static inline const char *ph_name_at(const char *const *names, size_t n,
                                     int i) {
  return i < 0 || (size_t)i >= n ? "unknown" : names[i];
}

/* ---- the cursor ------------------------------------------------------ */

/* A read cursor over p[pos..end). */
typedef struct ph_cur {
  const uint8_t *p;
  size_t pos;
  size_t end;
} ph_cur;

static inline ph_cur ph_cur_make(const uint8_t *p, size_t len) {
  ph_cur c = {p, 0, len};
  return c;
}

static inline size_t ph_cur_left(const ph_cur *c) {
  return c->end - c->pos;
}

/* The next byte, or -1 at the end. */
static inline int ph_cur_peek(const ph_cur *c) {
  return c->pos < c->end ? c->p[c->pos] : -1;
}

/* Consumes ch if it is next; returns whether it did. */
static inline int ph_cur_eat(ph_cur *c, int ch) {
  if (ph_cur_peek(c) != ch)
    return 0;
  c->pos++;
  return 1;
}

/* Skips SP and HT; returns how many. */
static inline size_t ph_cur_skip_ws(ph_cur *c) {
  size_t n = c->pos;
  while (c->pos < c->end && ph_is_ws(c->p[c->pos]))
    c->pos++;
  return c->pos - n;
}

/* Consumes bytes while pred holds; returns how many. */
static inline size_t ph_cur_span(ph_cur *c, int (*pred)(uint8_t)) {
  size_t n = c->pos;
  while (c->pos < c->end && pred(c->p[c->pos]))
    c->pos++;
  return c->pos - n;
}

/* Consumes the literal s (ASCII case ignored) if it is next. */
static inline int ph_cur_eat_word(ph_cur *c, const char *s) {
  size_t n = strlen(s);
  if (ph_cur_left(c) < n || !ph_ieq(c->p + c->pos, n, s))
    return 0;
  c->pos += n;
  return 1;
}

/* Reads a run of decimal digits into *v, saturating at UINT32_MAX (never
 * overflows); returns the number of digits, 0 when none (nothing read). */
static inline size_t ph_cur_number(ph_cur *c, uint32_t *v) {
  uint64_t x = 0;
  size_t n = c->pos;
  while (c->pos < c->end && ph_is_digit(c->p[c->pos])) {
    x = x * 10u + (uint64_t)(c->p[c->pos] - '0');
    if (x > UINT32_MAX)
      x = (uint64_t)UINT32_MAX + 1u; /* saturated; stays > UINT32_MAX */
    c->pos++;
  }
  *v = x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
  return c->pos - n;
}

/* Consumes a quoted-string: '"', bytes with backslash escapes, '"'.
 * Returns 0, or -1 (cursor unchanged) when the next byte is not '"' or
 * the closing quote is missing. */
static inline int ph_cur_quoted(ph_cur *c) {
  if (ph_cur_peek(c) != '"')
    return -1;
  for (size_t i = c->pos + 1; i < c->end; i++) {
    if (c->p[i] == '\\') {
      i++;
      continue;
    }
    if (c->p[i] == '"') {
      c->pos = i + 1;
      return 0;
    }
  }
  return -1;
}

/* ---- binary fetches (network order unless named le) ----------------- */

static inline int ph_cur_skip(ph_cur *c, size_t n) {
  if (ph_cur_left(c) < n)
    return -1;
  c->pos += n;
  return 0;
}

/* Points *out at the next n bytes and consumes them. */
static inline int ph_cur_take(ph_cur *c, size_t n, const uint8_t **out) {
  if (ph_cur_left(c) < n)
    return -1;
  *out = c->p + c->pos;
  c->pos += n;
  return 0;
}

/* Points *sub at the next n bytes (same base, so offsets stay those of
 * the whole buffer) and consumes them: a bounded view of one field, TLV
 * value or section. */
static inline int ph_cur_sub(ph_cur *c, size_t n, ph_cur *sub) {
  if (ph_cur_left(c) < n)
    return -1;
  sub->p = c->p;
  sub->pos = c->pos;
  sub->end = c->pos + n;
  c->pos += n;
  return 0;
}

static inline int ph_cur_u8(ph_cur *c, uint8_t *v) {
  if (ph_cur_left(c) < 1)
    return -1;
  *v = c->p[c->pos++];
  return 0;
}

static inline int ph_cur_be16(ph_cur *c, uint16_t *v) {
  if (ph_cur_left(c) < 2)
    return -1;
  const uint8_t *q = c->p + c->pos;
  *v = (uint16_t)(q[0] << 8 | q[1]);
  c->pos += 2;
  return 0;
}

static inline int ph_cur_be32(ph_cur *c, uint32_t *v) {
  if (ph_cur_left(c) < 4)
    return -1;
  const uint8_t *q = c->p + c->pos;
  *v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
  c->pos += 4;
  return 0;
}

static inline int ph_cur_le16(ph_cur *c, uint16_t *v) {
  if (ph_cur_left(c) < 2)
    return -1;
  const uint8_t *q = c->p + c->pos;
  *v = (uint16_t)(q[1] << 8 | q[0]);
  c->pos += 2;
  return 0;
}

static inline int ph_cur_le32(ph_cur *c, uint32_t *v) {
  if (ph_cur_left(c) < 4)
    return -1;
  const uint8_t *q = c->p + c->pos;
  *v = (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
  c->pos += 4;
  return 0;
}

/* Skips the padding that brings c->pos to a multiple of n (a power of two,
 * counted from c->p): XDR pads to 4 after opaque data, NDR aligns each
 * primitive to its size. With zero set the padding must be zero bytes
 * (XDR); NDR padding is ignored. Returns 0, or -1 (cursor unmoved) when
 * too short or, with zero, a padding byte is not 0. */
static inline int ph_cur_align(ph_cur *c, size_t n, int zero) {
  size_t pad = (n - (c->pos & (n - 1))) & (n - 1);
  if (ph_cur_left(c) < pad)
    return -1;
  for (size_t i = 0; zero && i < pad; i++)
    if (c->p[c->pos + i] != 0)
      return -1;
  c->pos += pad;
  return 0;
}

/* A NUL-terminated string (TFTP, rsh, rexec): *off and *len get where it
 * starts and its length without the NUL, and the NUL is consumed. -1 when
 * no NUL is left (the cursor stays). */
static inline int ph_cur_cstr(ph_cur *c, size_t *off, size_t *len) {
  if (ph_cur_left(c) == 0)
    return -1;
  const uint8_t *z = memchr(c->p + c->pos, 0, ph_cur_left(c));
  if (z == NULL)
    return -1;
  *off = c->pos;
  *len = (size_t)(z - (c->p + c->pos));
  c->pos += *len + 1;
  return 0;
}

/* ---- whole fields ---------------------------------------------------- */

/* p[0..len) is 1*DIGIT with value in min..max (64 bits; never
 * overflows). Returns 0 with *v set; -1 when it is not 1*DIGIT (empty, or
 * a byte other than a digit anywhere); -2 when it is, but the value is
 * outside min..max. The syntax is judged first: "99999999999999999999x"
 * is -1. */
static inline int ph_dec_range(const uint8_t *p, size_t len, uint64_t min,
                               uint64_t max, uint64_t *v) {
  uint64_t x = 0;
  int over = 0;
  if (len == 0)
    return -1;
  for (size_t i = 0; i < len; i++) {
    if (!ph_is_digit(p[i]))
      return -1;
    uint64_t d = (uint64_t)(p[i] - '0');
    if (x > (UINT64_MAX - d) / 10u)
      over = 1;
    else
      x = x * 10u + d;
  }
  if (over || x < min || x > max)
    return -2;
  *v = x;
  return 0;
}

/* p[0..len) is 1*DIGIT with value <= max. Returns 0, or -1. */
static inline int ph_dec(const uint8_t *p, size_t len, uint32_t max,
                         uint32_t *v) {
  uint64_t x;
  if (ph_dec_range(p, len, 0, max, &x) != 0)
    return -1;
  *v = (uint32_t)x;
  return 0;
}

/* p[0..len) is 1*DIGIT; *v gets its value saturated at UINT32_MAX
 * (delta-seconds and the like). Returns 0, or -1. */
static inline int ph_dec_sat(const uint8_t *p, size_t len, uint32_t *v) {
  ph_cur c = ph_cur_make(p, len);
  return len > 0 && ph_cur_number(&c, v) == len ? 0 : -1;
}

/* Reads the syntax of a dotted quad at the cursor: four runs of digits
 * joined by '.', none with a leading zero ("0" alone is fine). Returns 0
 * with *addr set; -2 when the syntax holds but a part is above 255 (the
 * cursor is advanced past it all the same, so the caller can see what
 * follows); -1 on a syntax fault, the cursor left where it was. */
static inline int ph_cur_quad(ph_cur *c, uint32_t *addr) {
  ph_cur t = *c;
  uint32_t a = 0;
  int big = 0;
  for (int part = 0; part < 4; part++) {
    if (part > 0 && !ph_cur_eat(&t, '.'))
      return -1;
    size_t s = t.pos;
    uint32_t v;
    size_t n = ph_cur_number(&t, &v);
    if (n == 0 || (n > 1 && t.p[s] == '0'))
      return -1;
    big |= v > 255;
    a = a << 8 | (v & 0xffu);
  }
  *c = t;
  if (big)
    return -2;
  *addr = a;
  return 0;
}

/* Reads a canonical dotted quad (four parts 0..255, 1..3 digits, no
 * leading zero) at the cursor. Returns 0 and advances, or -1 and leaves
 * the cursor where it was. What follows is the caller's business. */
static inline int ph_cur_ipv4(ph_cur *c, uint32_t *addr) {
  ph_cur t = *c;
  if (ph_cur_quad(&t, addr) != 0)
    return -1;
  *c = t;
  return 0;
}

/* p[0..len) is exactly a canonical dotted quad. Returns 0 with *addr
 * set, or -1 with *addr untouched. */
static inline int ph_ipv4_text(const uint8_t *p, size_t len, uint32_t *addr) {
  ph_cur c = ph_cur_make(p, len);
  uint32_t a;
  if (ph_cur_ipv4(&c, &a) != 0 || c.pos != len)
    return -1;
  *addr = a;
  return 0;
}

/* Longest IPv6 text address (INET6_ADDRSTRLEN - 1). */
#define PH_IP6_TEXT_MAX 45

/* Reads an IPv6 address at the cursor: the run of hex digits, ':' and
 * '.' there (at most PH_IP6_TEXT_MAX bytes), which must be exactly an RFC
 * 4291 text address (pinhole_addr6_parse). Returns 0 and advances with
 * addr[16] set, or -1 and leaves the cursor where it was. */
static inline int ph_cur_ipv6(ph_cur *c, uint8_t addr[16]) {
  size_t n = 0, left = ph_cur_left(c);
  while (n < left && n <= PH_IP6_TEXT_MAX &&
         (ph_is_xdigit(c->p[c->pos + n]) || c->p[c->pos + n] == ':' ||
          c->p[c->pos + n] == '.'))
    n++;
  if (n < 2 || n > PH_IP6_TEXT_MAX ||
      pinhole_addr6_parse((const char *)c->p + c->pos, n, addr) != 0)
    return -1;
  c->pos += n;
  return 0;
}

/* p[0..len) is exactly an IPv6 text address. Returns 0 with addr[16]
 * set, or -1. */
static inline int ph_ipv6_text(const uint8_t *p, size_t len, uint8_t addr[16]) {
  ph_cur c = ph_cur_make(p, len);
  return ph_cur_ipv6(&c, addr) == 0 && c.pos == len ? 0 : -1;
}

/* p[0..len) holds the IPv4 address addr as four network-order octets
 * anywhere (a binary message that may still carry an inside address). */
static inline int ph_has_ipv4_bin(const uint8_t *p, size_t len, uint32_t addr) {
  const uint8_t a[4] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16),
                        (uint8_t)(addr >> 8), (uint8_t)addr};
  for (size_t i = 0; i + 4 <= len; i++)
    if (p[i] == a[0] && memcmp(p + i, a, 4) == 0)
      return 1;
  return 0;
}

/* ---- formatting (the caller's buffer holds 10 / 15 bytes) ------------ */

/* Writes v in decimal; returns the length (1..10). */
static inline size_t ph_fmt_u32(uint8_t *b, uint32_t v) {
  uint8_t t[10];
  size_t n = 0;
  do {
    t[n++] = (uint8_t)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; i++)
    b[i] = t[n - 1 - i];
  return n;
}

/* Writes a dotted quad; returns the length (7..15). */
static inline size_t ph_fmt_ipv4(uint8_t *b, uint32_t a) {
  size_t n = 0;
  for (int sh = 24; sh >= 0; sh -= 8) {
    n += ph_fmt_u32(b + n, (a >> sh) & 0xff);
    if (sh)
      b[n++] = '.';
  }
  return n;
}

/* ---- finding an address in text ------------------------------------- */

/* Does p[0..len) write addr as four decimal octets joined by sep ('.' as
 * in 198.18.0.2, ',' as in FTP's 198,18,0,2), not run into other digits on
 * either side (so 198.18.0.2 is not found in 198.18.0.25)? Leading zeros
 * are not recognised (no parser here accepts them). Bounded: one pass. */
static inline int ph_has_ipv4(const uint8_t *p, size_t len, uint32_t addr,
                              uint8_t sep) {
  uint8_t want[15];
  size_t n = ph_fmt_ipv4(want, addr);
  if (sep != '.')
    for (size_t i = 0; i < n; i++)
      if (want[i] == '.')
        want[i] = sep;
  for (size_t i = 0; i + n <= len; i++) {
    if (p[i] != want[0] || memcmp(p + i, want, n) != 0)
      continue;
    if ((i > 0 && ph_is_digit(p[i - 1])) ||
        (i + n < len && ph_is_digit(p[i + n])))
      continue;
    return 1;
  }
  return 0;
}

/* ---- host tokens ----------------------------------------------------- */

/* Finds the next host token equal to t[0..tlen) (an address as text) in
 * the cursor's span: the whole of a maximal run of ph_is_host_char bytes,
 * one trailing '.' aside, or such a run after a "%XX" escape (whose two
 * hex digits the run starts with). So "198.18.0.2" is found in
 * "@198.18.0.2:5060", "198.18.0.2." and "%40198.18.0.2", not in
 * "198.18.0.25", "1198.18.0.2" or "198.18.0.2.example.com". Start the
 * cursor at the beginning of a run (or between runs). Sets *at, moves
 * the cursor past the run and returns 1; returns 0 at the end. Linear. */
static inline int ph_cur_host_token(ph_cur *c, const uint8_t *t, size_t tlen,
                                    size_t *at) {
  const uint8_t *p = c->p;
  while (c->pos < c->end) {
    if (!ph_is_host_char(p[c->pos])) {
      c->pos++;
      continue;
    }
    size_t s = c->pos;
    ph_cur_span(c, ph_is_host_char);
    size_t e = c->pos;
    if (e - s > tlen && p[e - 1] == '.')
      e--;
    if (e - s == tlen + 2 && s > 0 && p[s - 1] == '%' && ph_is_xdigit(p[s]) &&
        ph_is_xdigit(p[s + 1]))
      s += 2;
    if (e - s == tlen && memcmp(p + s, t, tlen) == 0) {
      *at = s;
      return 1;
    }
  }
  return 0;
}

/* A bounded writer over b[0..cap). A put that does not fit is counted in
 * len but not written (nor is anything after it), so len > cap at the end
 * says the output did not fit, and len is the size it needs. */
typedef struct ph_wr {
  uint8_t *b;
  size_t cap;
  size_t len;
} ph_wr;

static inline void ph_wr_put(ph_wr *w, const uint8_t *s, size_t n) {
  if (n > 0 && w->len <= w->cap && n <= w->cap - w->len)
    memcpy(w->b + w->len, s, n);
  w->len += n;
}

static inline void ph_wr_ch(ph_wr *w, uint8_t ch) {
  ph_wr_put(w, &ch, 1);
}

static inline void ph_wr_u32(ph_wr *w, uint32_t v) {
  uint8_t t[10];
  ph_wr_put(w, t, ph_fmt_u32(t, v));
}

static inline void ph_wr_ipv4(ph_wr *w, uint32_t a) {
  uint8_t t[15];
  ph_wr_put(w, t, ph_fmt_ipv4(t, a));
}

/* The next IPv6 text token at the cursor: a maximal run of hex digits,
 * ':' and '.' holding a ':' that reads as an IPv6 address (any RFC 4291
 * form, so "2001:DB8::0:2" too), addr when addr is not NULL. Returns 1
 * with [*s, *e) and the cursor past it, or 0 with the cursor at the end.
 * Linear: each byte is looked at a bounded number of times. */
static inline int ph_cur_ipv6_token(ph_cur *c, const uint8_t *addr, size_t *s,
                                    size_t *e) {
  while (c->pos < c->end) {
    size_t i = c->pos, j = i;
    int colon = 0;
    while (j < c->end &&
           (ph_is_xdigit(c->p[j]) || c->p[j] == ':' || c->p[j] == '.')) {
      colon |= c->p[j] == ':';
      j++;
    }
    c->pos = j > i ? j : i + 1;
    uint8_t a[16];
    if (colon && ph_ipv6_text(c->p + i, j - i, a) == 0 &&
        (addr == NULL || memcmp(a, addr, 16) == 0)) {
      *s = i;
      *e = j;
      return 1;
    }
  }
  return 0;
}

/* p[0..len) holds the IPv6 address addr[16] as text, in any form (a
 * message that may still name an inside IPv6 host). */
static inline int ph_has_ipv6(const uint8_t *p, size_t len,
                              const uint8_t addr[16]) {
  ph_cur c = ph_cur_make(p, len);
  size_t s, e;
  return ph_cur_ipv6_token(&c, addr, &s, &e);
}

/* ---- output sink for rewriters --------------------------------------- */

/* Writes a copy of src with some ranges replaced, in increasing source
 * order, through a bounded writer (ph_wr: what does not fit is counted in
 * w.len, not written, so a pass with cap 0 measures the output). */
typedef struct ph_sink {
  ph_wr w;
  const uint8_t *src;
  size_t pos; /* next source byte not yet copied or replaced */
} ph_sink;

/* Copies src[pos..off); nothing when off is not ahead. */
static inline void ph_sink_copy_to(ph_sink *o, size_t off) {
  if (off <= o->pos)
    return;
  ph_wr_put(&o->w, o->src + o->pos, off - o->pos);
  o->pos = off;
}

/* Writes t[0..n) in place of src[s..e); ignored (returns -1) when s is
 * behind what was already written. */
static inline int ph_sink_replace(ph_sink *o, size_t s, size_t e,
                                  const uint8_t *t, size_t n) {
  if (s < o->pos || e < s)
    return -1;
  ph_sink_copy_to(o, s);
  ph_wr_put(&o->w, t, n);
  o->pos = e;
  return 0;
}

#endif /* PH_ALG_TEXT_H */
