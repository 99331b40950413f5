/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: the RealAudio client's hello (Progressive Networks
 * Audio, PNA, TCP 7070), for the Real Audio ALG.
 *
 * No specification of PNA was ever published as a document of its own;
 * what is publicly known of the hello comes from Progressive Networks'
 * firewall notes as restated by the NATs that implemented it (docs/
 * realaudio.md lists the sources and what the parser assumes). The client
 * opens its connection with the hello:
 *
 *   "PNA"                       3 bytes
 *   version                     16-bit big-endian, at most 255
 *   fields, each:
 *     tag                       16-bit big-endian, nonzero
 *     length                    16-bit big-endian
 *     value                     length bytes
 *   end tag 0x0000              2 bytes (no length follows)
 *
 * Tag 0x0001 carries the client's UDP port for the audio data, tag 0x0007
 * its UDP port for the "robust UDP" error-correction packets, each as a
 * 16-bit big-endian value (length 2); 0 means none. The server sends UDP
 * to the client's address at those ports. Other tags are skipped by their
 * length.
 *
 * pinhole_pna_hello_parse() reads a hello and says where each port is;
 * a rewrite is two bytes in place, so no rewriter is needed.
 *
 * All offsets are from the first byte passed in. Nothing here allocates,
 * keeps state or reads past the length it is given.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_PNA_H
#define PINHOLE_PNA_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest hello the parser accepts, end tag included: it fits in one
 *  segment of the smallest IPv4 MSS (536). */
#define PINHOLE_PNA_MAX_HELLO 512u
/** Highest hello version understood. */
#define PINHOLE_PNA_MAX_VERSION 255u
/** The tag that ends the field list. */
#define PINHOLE_PNA_TAG_END 0x0000u
/** The tag of the client's UDP data port. */
#define PINHOLE_PNA_TAG_UDP_PORT 0x0001u
/** The tag of the client's robust UDP (error correction) port. */
#define PINHOLE_PNA_TAG_ROBUST_PORT 0x0007u

/** A client's hello. Filled by pinhole_pna_hello_parse(). */
typedef struct pinhole_pna_hello {
  uint16_t version;       /**< as sent, 0..PINHOLE_PNA_MAX_VERSION */
  uint16_t udp_port;      /**< tag 0x0001's value; 0: none or no tag */
  uint16_t robust_port;   /**< tag 0x0007's value; 0: none or no tag */
  uint16_t nfields;       /**< fields before the end tag */
  size_t udp_port_off;    /**< the 2 bytes of tag 0x0001's value; 0: no tag */
  size_t robust_port_off; /**< the same for tag 0x0007; 0: no tag */
  size_t total_len;       /**< through the end tag: where the rest begins */
} pinhole_pna_hello;

/**
 * Parses the hello a RealAudio client sends first on its PNA connection.
 *
 * Checked, each as soon as its bytes are held: the magic "PNA" (exact
 * case), the version (at most PINHOLE_PNA_MAX_VERSION), each field's
 * length within PINHOLE_PNA_MAX_HELLO, tags 0x0001 and 0x0007 with length
 * 2 and at most once each, and the end tag within PINHOLE_PNA_MAX_HELLO.
 * Values of other tags are not looked at, nor are bytes after the end
 * tag. A PARTIAL answer is the prefix test: these bytes can still become
 * a hello the parser accepts.
 *
 * @param p    stream bytes from its first byte (borrowed, read only).
 * @param len  bytes at p.
 * @param h    out: filled on 0; zeroed otherwise.
 * @return 0 when the hello is complete and valid;
 *   PINHOLE_ERR_PARTIAL when the bytes so far are a valid beginning (len 0
 *     included): wait for more;
 *   PINHOLE_ERR_NOMATCH when the bytes do not begin with "PNA" (as far as
 *     they go): not a PNA hello;
 *   PINHOLE_ERR_UNSUPPORTED for a version above PINHOLE_PNA_MAX_VERSION;
 *   PINHOLE_ERR_PARSE for a port tag whose length is not 2 or that comes
 *     twice, or a field or end tag that would end past
 *     PINHOLE_PNA_MAX_HELLO;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or h is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_pna_hello_parse(const uint8_t *p, size_t len,
                                           pinhole_pna_hello *h);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_PNA_H */
