/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole: error strings, error classification and the version string.
 *
 * Every string returned here is a string literal: static storage, never
 * freed, safe to call from any thread.
 */
#include <pinhole/pinhole.h>
#include <pinhole/version.h>

const char *pinhole_strerror(int err) {
  switch (err) {
  case PINHOLE_OK:
    return "success";
  case PINHOLE_ERR_INVALID_ARG:
    return "invalid argument";
  case PINHOLE_ERR_NOMEM:
    return "out of memory";
  case PINHOLE_ERR_FULL:
    return "table full";
  case PINHOLE_ERR_NOT_FOUND:
    return "not found";
  case PINHOLE_ERR_EXISTS:
    return "already exists";
  case PINHOLE_ERR_NOBUF:
    return "output buffer too small";
  case PINHOLE_ERR_PARSE:
    return "malformed input";
  case PINHOLE_ERR_PARTIAL:
    return "incomplete input";
  case PINHOLE_ERR_UNSUPPORTED:
    return "not supported";
  case PINHOLE_ERR_RANGE:
    return "number out of range";
  case PINHOLE_ERR_STRUCT_SIZE:
    return "unknown non-zero struct tail";
  case PINHOLE_ERR_NOMATCH:
    return "no match";
  case PINHOLE_ERR_POLICY:
    return "refused by policy";
  case PINHOLE_ERR_ADDRESS:
    return "address not usable (this network, loopback, multicast or "
           "reserved)";
  default:
    return "unknown error";
  }
}

int pinhole_err_is_fatal(int err) {
  return err == PINHOLE_ERR_NOMEM;
}

const char *pinhole_version(void) {
  return PINHOLE_VERSION_STRING;
}
