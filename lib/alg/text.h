/*
 * Small character helpers shared by the text-protocol parsers (pure
 * layer): ASCII only, never locale-dependent.
 */
#ifndef PH_ALG_TEXT_H
#define PH_ALG_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int ph_is_digit(uint8_t c) {
  return c >= '0' && c <= '9';
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

/* Could p[0..len) be the beginning of a text message whose first word is
 * a method or protocol token (RTSP, SIP): optional empty lines, then a
 * letter, then token characters up to a space, at most 32 of them? Used to
 * decide whether a partial message is worth withholding. */
static inline int ph_start_plausible(const uint8_t *p, size_t len) {
  size_t i = 0;
  while (i < len && (p[i] == '\r' || p[i] == '\n'))
    i++;
  if (i == len)
    return 1;
  uint8_t c = ph_lower(p[i]);
  if (c < 'a' || c > 'z')
    return 0;
  for (size_t n = 0; i < len; i++, n++) {
    c = ph_lower(p[i]);
    if (c == ' ')
      return 1;
    if (n >= 32 || !((c >= 'a' && c <= 'z') || ph_is_digit(c) || c == '-' ||
                     c == '.' || c == '/' || c == '_'))
      return 0;
  }
  return 1;
}

#endif /* PH_ALG_TEXT_H */
