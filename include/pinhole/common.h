/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole: shared definitions for every public header.
 *
 * Export macro, error codes and the small value types that the pure layer
 * and the context API both use. Includes only <stddef.h> and <stdint.h>.
 */
#ifndef PINHOLE_COMMON_H
#define PINHOLE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define PINHOLE_EXTERN
#elif defined(__GNUC__) || defined(__clang__)
#define PINHOLE_EXTERN __attribute__((visibility("default")))
#else
#define PINHOLE_EXTERN
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Error codes. Every public function that can fail returns one of these
 * (negative) or a non-negative result. Values are stable across releases.
 */
enum pinhole_error {
  /** Success. */
  PINHOLE_OK = 0,
  /** An argument is NULL, out of range, or a struct size is unknown. */
  PINHOLE_ERR_INVALID_ARG = -1,
  /** The host allocator returned NULL (context creation only). */
  PINHOLE_ERR_NOMEM = -2,
  /** A bounded table (flows, pinholes, rules, pools) is full. */
  PINHOLE_ERR_FULL = -3,
  /** The object looked up does not exist. */
  PINHOLE_ERR_NOT_FOUND = -4,
  /** The object to add exists already. */
  PINHOLE_ERR_EXISTS = -5,
  /** The caller's output buffer is too small. */
  PINHOLE_ERR_NOBUF = -6,
  /** Input is malformed (a parser rejected it). */
  PINHOLE_ERR_PARSE = -7,
  /** Input ends before the message does (no line end yet). */
  PINHOLE_ERR_PARTIAL = -8,
  /** Input is well formed but names something not supported (e.g. IPv6). */
  PINHOLE_ERR_UNSUPPORTED = -9,
  /** A number in the input is out of its allowed range. */
  PINHOLE_ERR_RANGE = -10,
  /** A struct's unknown trailing bytes are not zero (newer caller). */
  PINHOLE_ERR_STRUCT_SIZE = -11,
  /** The input is not a message this parser handles (not an error). */
  PINHOLE_ERR_NOMATCH = -12,
  /** Policy refused the request (e.g. pinhole to a foreign address). */
  PINHOLE_ERR_POLICY = -13,
  /** An address that cannot be a host's here: 0.0.0.0/8, loopback
   *  127.0.0.0/8, multicast 224.0.0.0/4 or reserved 240.0.0.0/4 (with
   *  255.255.255.255). @since 0.2 */
  PINHOLE_ERR_ADDRESS = -14
};

/**
 * Returns a static, human-readable string for an error code, or
 * "unknown error" for a value that is not one.
 * @since 0.1.0
 */
PINHOLE_EXTERN const char *pinhole_strerror(int err);

/**
 * Returns non-zero when the error leaves the object unusable (only
 * PINHOLE_ERR_NOMEM during creation); zero otherwise.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_err_is_fatal(int err);

/**
 * An IPv4 transport endpoint. Addresses and ports are host byte order
 * numbers (198.18.0.1 is 0xC6120001).
 */
typedef struct pinhole_endpoint {
  uint32_t addr;
  uint16_t port;
  uint16_t pad_; /**< zero */
} pinhole_endpoint;

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_COMMON_H */
