/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * H.323 ALG, pure part: a bounded ASN.1 aligned-PER walker (X.691) and
 * the ASN.1 it walks, to find every IPv4 TransportAddress in H.225.0 RAS,
 * H.225.0 call signalling (Q.931 in TPKT, H323-UserInformation) and H.245
 * (OpenLogicalChannel, OpenLogicalChannelAck).
 *
 * Specs: ITU-T X.691 (aligned PER), H.225.0 (12/2009) module
 * H323-MESSAGES, H.245 module MULTIMEDIA-SYSTEM-CONTROL, Q.931 section 4
 * (message header and information elements; H.225.0 7.2.2: the
 * user-user element's length is two octets), RFC 1006 (TPKT).
 *
 * The ASN.1 is transcribed below as const tables (ph_asn): for each type
 * its kind, bounds, extensibility and components. Extension additions the
 * ALG does not need are listed as NULL and skipped by their open-type
 * length; root components and alternatives whose type is not transcribed
 * are PH_K_TODO and make the message unsupported (never guessed past).
 * Work is bounded: PINHOLE_H323_MAX_DEPTH nesting, PINHOLE_H323_MAX_STEPS
 * values, lengths checked against the enclosing open type or buffer.
 */
#include <pinhole/h323.h>

#include <string.h>

#include "alg/text.h"

/* ---- the ASN.1 tables --------------------------------------------------- */

enum ph_kind {
  PH_K_NULL,
  PH_K_BOOL,
  PH_K_INT,     /* INTEGER(lb..ub), ext: with an extension marker */
  PH_K_UINT,    /* unconstrained INTEGER: length and octets */
  PH_K_OCTETS,  /* OCTET STRING (SIZE(lb..ub)) */
  PH_K_STR,     /* character string, w bits a character */
  PH_K_OID,     /* OBJECT IDENTIFIER */
  PH_K_SEQ,     /* SEQUENCE: n root components, then nx known additions */
  PH_K_SEQOF,   /* SEQUENCE (SIZE(lb..ub)) OF of */
  PH_K_CHOICE,  /* CHOICE: n root alternatives, then nx known additions */
  PH_K_IPV4,    /* SEQUENCE {OCTET STRING (SIZE(4)), INTEGER(0..65535)} */
  PH_K_CONTAIN, /* OCTET STRING holding an encoding of type of */
  PH_K_STOP,    /* a message not walked further: the walk ends here */
  PH_K_TODO     /* a type not transcribed: unsupported */
};

#define PH_UNB 0xffffffffu /* no upper bound */

/* What a choice index tells about the message (outermost level only). */
enum ph_cap { PH_CAP_NONE, PH_CAP_SET, PH_CAP_CAT, PH_CAP_ADD };

typedef struct ph_asn ph_asn;
typedef struct ph_fld {
  const ph_asn *t; /* NULL: an addition skipped by its length */
  uint8_t opt;
  uint8_t mark; /* 0: inherit; else pinhole_h323_kind + 1 */
} ph_fld;

struct ph_asn {
  uint8_t kind;
  uint8_t ext;
  uint8_t w;   /* PH_K_STR: bits a character */
  uint8_t cap; /* enum ph_cap */
  uint32_t lb, ub;
  uint16_t n, nx;
  const ph_fld *f;
  const ph_asn *of;
};

#define M_OTHER (PINHOLE_H323_ADDR_OTHER + 1)
#define M_RAS (PINHOLE_H323_ADDR_RAS + 1)
#define M_SIG (PINHOLE_H323_ADDR_SIGNAL + 1)
#define M_H245 (PINHOLE_H323_ADDR_H245 + 1)
#define M_MEDIA (PINHOLE_H323_ADDR_MEDIA + 1)
#define M_MCTRL (PINHOLE_H323_ADDR_MEDIA_CTRL + 1)

#define NF(a) (uint16_t)(sizeof(a) / sizeof(a[0]))
#define PH_SEQ(name, ext, nroot, flds)                                         \
  static const ph_asn name = {                                                 \
      PH_K_SEQ, ext, 0, 0, 0, 0, nroot, (uint16_t)(NF(flds) - nroot),          \
      flds,     NULL}
#define PH_CHOICE(name, ext, nroot, flds, cap)                                 \
  static const ph_asn name = {                                                 \
      PH_K_CHOICE, ext, 0, cap, 0, 0, nroot, (uint16_t)(NF(flds) - nroot),     \
      flds,        NULL}
#define PH_OF(name, lb, ub, of)                                                \
  static const ph_asn name = {PH_K_SEQOF, 0, 0, 0, lb, ub, 0, 0, NULL, &of}
#define PH_SIMPLE(name, kind, ext, w, lb, ub)                                  \
  static const ph_asn name = {kind, ext, w, 0, lb, ub, 0, 0, NULL, NULL}

/* -- primitives -- */
PH_SIMPLE(T_NULL, PH_K_NULL, 0, 0, 0, 0);
PH_SIMPLE(T_BOOL, PH_K_BOOL, 0, 0, 0, 0);
PH_SIMPLE(T_OID, PH_K_OID, 0, 0, 0, 0);
PH_SIMPLE(T_TODO, PH_K_TODO, 0, 0, 0, 0);
PH_SIMPLE(T_STOP, PH_K_STOP, 0, 0, 0, 0);
PH_SIMPLE(T_INT8, PH_K_INT, 0, 0, 0, 255);
PH_SIMPLE(T_INT16, PH_K_INT, 0, 0, 0, 65535);
PH_SIMPLE(T_SEQNUM, PH_K_INT, 0, 0, 1, 65535);
PH_SIMPLE(T_BW, PH_K_INT, 0, 0, 0, PH_UNB);
PH_SIMPLE(T_INT127, PH_K_INT, 0, 0, 0, 127);
PH_SIMPLE(T_INT256, PH_K_INT, 0, 0, 1, 256);
PH_SIMPLE(T_OCT2, PH_K_OCTETS, 0, 0, 2, 2);
PH_SIMPLE(T_OCT4, PH_K_OCTETS, 0, 0, 4, 4);
PH_SIMPLE(T_OCT6, PH_K_OCTETS, 0, 0, 6, 6);
PH_SIMPLE(T_OCT16, PH_K_OCTETS, 0, 0, 16, 16);
PH_SIMPLE(T_OCT20, PH_K_OCTETS, 0, 0, 1, 20);
PH_SIMPLE(T_OCT131, PH_K_OCTETS, 0, 0, 1, 131);
PH_SIMPLE(T_OCT256, PH_K_OCTETS, 0, 0, 1, 256);
PH_SIMPLE(T_OCTS, PH_K_OCTETS, 0, 0, 0, PH_UNB);
PH_SIMPLE(T_BMP128, PH_K_STR, 0, 16, 1, 128);
PH_SIMPLE(T_BMP256, PH_K_STR, 0, 16, 1, 256);
PH_SIMPLE(T_DIGITS, PH_K_STR, 0, 4, 1, 128); /* FROM("0123456789#*,") */
PH_SIMPLE(T_IA5_512, PH_K_STR, 0, 8, 1, 512);
PH_SIMPLE(T_IPV4, PH_K_IPV4, 0, 0, 0, 0);
PH_SIMPLE(T_IPV4X, PH_K_IPV4, 1, 0, 0, 0);

/* a CHOICE of NULLs (reasons, call types) */
#define PH_NULLS(name, nroot)                                                  \
  static const ph_asn name = {PH_K_CHOICE, 1,     0, 0,       0,               \
                              0,           nroot, 0, F_NULLS, NULL}
static const ph_fld F_NULLS[] = {
    {&T_NULL, 0, 0}, {&T_NULL, 0, 0}, {&T_NULL, 0, 0}, {&T_NULL, 0, 0},
    {&T_NULL, 0, 0}, {&T_NULL, 0, 0}, {&T_NULL, 0, 0}, {&T_NULL, 0, 0},
    {&T_NULL, 0, 0}, {&T_NULL, 0, 0}, {&T_NULL, 0, 0}, {&T_NULL, 0, 0}};
PH_NULLS(T_NULLS2, 2);
PH_NULLS(T_NULLS3, 3);
PH_NULLS(T_NULLS4, 4);
PH_NULLS(T_NULLS6, 6);
PH_NULLS(T_NULLS8, 8);
PH_NULLS(T_NULLS12, 12);

/* -- H.225.0 common elements -- */
static const ph_fld F_H221[] = {
    {&T_INT8, 0, 0}, {&T_INT8, 0, 0}, {&T_INT16, 0, 0}};
PH_SEQ(T_H221, 1, 3, F_H221);
static const ph_fld F_NSID[] = {{&T_OID, 0, 0}, {&T_H221, 0, 0}};
PH_CHOICE(T_NSID, 1, 2, F_NSID, PH_CAP_NONE);
static const ph_fld F_NSP[] = {{&T_NSID, 0, 0}, {&T_OCTS, 0, 0}};
PH_SEQ(T_NSP, 0, 2, F_NSP);

PH_OF(T_ROUTE, 0, PH_UNB, T_OCT4);
static const ph_fld F_SRCROUTE[] = {
    {&T_OCT4, 0, 0}, {&T_INT16, 0, 0}, {&T_ROUTE, 0, 0}, {&T_NULLS2, 0, 0}};
PH_SEQ(T_SRCROUTE, 1, 4, F_SRCROUTE);
static const ph_fld F_IPX[] = {
    {&T_OCT6, 0, 0}, {&T_OCT4, 0, 0}, {&T_OCT2, 0, 0}};
PH_SEQ(T_IPX, 0, 3, F_IPX);
static const ph_fld F_IP6[] = {{&T_OCT16, 0, 0}, {&T_INT16, 0, 0}};
PH_SEQ(T_IP6, 1, 2, F_IP6);
static const ph_fld F_TA[] = {
    {&T_IPV4, 0, 0},  {&T_SRCROUTE, 0, 0}, {&T_IPX, 0, 0}, {&T_IP6, 0, 0},
    {&T_OCT16, 0, 0}, {&T_OCT20, 0, 0},    {&T_NSP, 0, 0}};
PH_CHOICE(T_TA, 1, 7, F_TA, PH_CAP_NONE);
PH_OF(T_TAS, 0, PH_UNB, T_TA);

static const ph_fld F_ALIAS[] = {{&T_DIGITS, 0, 0},
                                 {&T_BMP256, 0, 0},
                                 {&T_IA5_512, 0, 0},
                                 {&T_TA, 0, M_OTHER}};
PH_CHOICE(T_ALIAS, 1, 2, F_ALIAS, PH_CAP_NONE);
PH_OF(T_ALIASES, 0, PH_UNB, T_ALIAS);

static const ph_fld F_VENDOR[] = {
    {&T_H221, 0, 0}, {&T_OCT256, 1, 0}, {&T_OCT256, 1, 0}};
PH_SEQ(T_VENDOR, 1, 3, F_VENDOR);
static const ph_fld F_NSONLY[] = {{&T_NSP, 1, 0}};
PH_SEQ(T_NSONLY, 1, 1, F_NSONLY); /* TerminalInfo, GatekeeperInfo, McuInfo,
                                     H310Caps ... VoiceCaps, T120OnlyCaps */
static const ph_fld F_SUPPROTO[] = {
    {&T_NSP, 0, 0},    {&T_NSONLY, 0, 0}, {&T_NSONLY, 0, 0},
    {&T_NSONLY, 0, 0}, {&T_NSONLY, 0, 0}, {&T_NSONLY, 0, 0},
    {&T_NSONLY, 0, 0}, {&T_NSONLY, 0, 0}, {&T_NSONLY, 0, 0}};
PH_CHOICE(T_SUPPROTO, 1, 9, F_SUPPROTO, PH_CAP_NONE);
PH_OF(T_SUPPROTOS, 0, PH_UNB, T_SUPPROTO);
static const ph_fld F_GWINFO[] = {{&T_SUPPROTOS, 1, 0}, {&T_NSP, 1, 0}};
PH_SEQ(T_GWINFO, 1, 2, F_GWINFO);
static const ph_fld F_EPTYPE[] = {
    {&T_NSP, 1, 0},    {&T_VENDOR, 1, 0}, {&T_NSONLY, 1, 0}, {&T_GWINFO, 1, 0},
    {&T_NSONLY, 1, 0}, {&T_NSONLY, 1, 0}, {&T_BOOL, 0, 0},   {&T_BOOL, 0, 0}};
PH_SEQ(T_EPTYPE, 1, 8, F_EPTYPE);

static const ph_fld F_Q954[] = {{&T_BOOL, 0, 0}, {&T_BOOL, 0, 0}};
PH_SEQ(T_Q954, 1, 2, F_Q954);
static const ph_fld F_QSER[] = {
    {&T_BOOL, 0, 0}, {&T_BOOL, 0, 0}, {&T_BOOL, 0, 0}, {&T_BOOL, 0, 0},
    {&T_BOOL, 0, 0}, {&T_BOOL, 0, 0}, {&T_BOOL, 0, 0}, {&T_Q954, 0, 0}};
PH_SEQ(T_QSER, 1, 8, F_QSER);
static const ph_fld F_CALLID[] = {{&T_OCT16, 0, 0}};
PH_SEQ(T_CALLID, 1, 1, F_CALLID);
PH_OF(T_CRVS, 0, PH_UNB, T_INT16);

/* Endpoint (alternates); tokens are H.235 types, not transcribed */
static const ph_fld F_ENDPOINT[] = {{&T_NSP, 1, 0},     {&T_ALIASES, 1, 0},
                                    {&T_TAS, 1, M_SIG}, {&T_TAS, 1, M_RAS},
                                    {&T_EPTYPE, 1, 0},  {&T_TODO, 1, 0},
                                    {&T_TODO, 1, 0},    {&T_INT127, 1, 0},
                                    {&T_ALIASES, 1, 0}, {&T_ALIASES, 1, 0}};
PH_SEQ(T_ENDPOINT, 1, 10, F_ENDPOINT);
PH_OF(T_ENDPOINTS, 0, PH_UNB, T_ENDPOINT);
static const ph_fld F_ALTGK[] = {
    {&T_TA, 0, M_RAS}, {&T_BMP128, 1, 0}, {&T_BOOL, 0, 0}, {&T_INT127, 0, 0}};
PH_SEQ(T_ALTGK, 1, 4, F_ALTGK);
PH_OF(T_ALTGKS, 0, PH_UNB, T_ALTGK);
static const ph_fld F_ALTGKINFO[] = {{&T_ALTGKS, 0, 0}, {&T_BOOL, 0, 0}};
PH_SEQ(T_ALTGKINFO, 1, 2, F_ALTGKINFO);
static const ph_fld F_ALTTA[] = {{&T_TAS, 1, M_SIG}, {&T_TAS, 1, M_SIG}};
PH_SEQ(T_ALTTA, 1, 1, F_ALTTA);

/* -- H.245 (declared ahead: fastStart and h245Control carry it) -- */
static const ph_asn T_OLC;
static const ph_asn T_MSCM;
static const ph_asn T_CONTAIN_OLC = {PH_K_CONTAIN, 0, 0, 0,    0,
                                     PH_UNB,       0, 0, NULL, &T_OLC};
static const ph_asn T_CONTAIN_MSCM = {PH_K_CONTAIN, 0, 0, 0,    0,
                                      PH_UNB,       0, 0, NULL, &T_MSCM};
PH_OF(T_FASTSTART, 0, PH_UNB, T_CONTAIN_OLC);
PH_OF(T_H245CONTROL, 0, PH_UNB, T_CONTAIN_MSCM);

/* -- RAS messages -- */
static const ph_fld F_GRQ[] = {{&T_SEQNUM, 0, 0},    {&T_OID, 0, 0},
                               {&T_NSP, 1, 0},       {&T_TA, 0, M_RAS},
                               {&T_EPTYPE, 0, 0},    {&T_BMP128, 1, 0},
                               {&T_QSER, 1, 0},      {&T_ALIASES, 1, 0},
                               {&T_ENDPOINTS, 1, 0}, /* alternateEndpoints */
                               {NULL, 1, 0},         {NULL, 1, 0},
                               {NULL, 1, 0},         {NULL, 1, 0},
                               {NULL, 1, 0},         {NULL, 1, 0},
                               {NULL, 1, 0},         {NULL, 1, 0},
                               {NULL, 1, 0},         {NULL, 1, 0},
                               {&T_ALTGK, 1, 0}}; /* assignedGatekeeper */
PH_SEQ(T_GRQ, 1, 8, F_GRQ);
static const ph_fld F_GCF[] = {
    {&T_SEQNUM, 0, 0}, {&T_OID, 0, 0},    {&T_NSP, 1, 0},  {&T_BMP128, 1, 0},
    {&T_TA, 0, M_RAS}, {&T_ALTGKS, 1, 0}, {NULL, 1, 0},    {NULL, 1, 0},
    {NULL, 1, 0},      {NULL, 1, 0},      {NULL, 1, 0},    {NULL, 1, 0},
    {NULL, 1, 0},      {NULL, 1, 0},      {&T_ALTGK, 1, 0}};
PH_SEQ(T_GCF, 1, 5, F_GCF);
static const ph_fld F_GRJ[] = {{&T_SEQNUM, 0, 0}, {&T_OID, 0, 0},
                               {&T_NSP, 1, 0},    {&T_BMP128, 1, 0},
                               {&T_NULLS4, 0, 0}, {&T_ALTGKINFO, 1, 0}};
PH_SEQ(T_GRJ, 1, 5, F_GRJ);
static const ph_fld F_RRQ[] = {
    {&T_SEQNUM, 0, 0}, {&T_OID, 0, 0},       {&T_NSP, 1, 0},
    {&T_BOOL, 0, 0},   {&T_TAS, 0, M_SIG},   {&T_TAS, 0, M_RAS},
    {&T_EPTYPE, 0, 0}, {&T_ALIASES, 1, 0},   {&T_BMP128, 1, 0},
    {&T_VENDOR, 0, 0}, {&T_ENDPOINTS, 1, 0}, {NULL, 1, 0},
    {NULL, 1, 0},      {NULL, 1, 0},         {NULL, 1, 0},
    {NULL, 0, 0},      {NULL, 1, 0},         {NULL, 0, 0},
    {NULL, 0, 0},      {&T_ALTTA, 1, 0},     {NULL, 1, 0},
    {NULL, 1, 0},      {NULL, 1, 0},         {NULL, 1, 0},
    {NULL, 1, 0},      {NULL, 1, 0},         {NULL, 1, 0},
    {NULL, 1, 0},      {NULL, 1, 0},         {NULL, 1, 0},
    {NULL, 1, 0},      {NULL, 1, 0},         {NULL, 1, 0},
    {NULL, 0, 0},      {&T_ALTGK, 1, 0}};
PH_SEQ(T_RRQ, 1, 10, F_RRQ);
static const ph_fld F_RCF[] = {
    {&T_SEQNUM, 0, 0},  {&T_OID, 0, 0},     {&T_NSP, 1, 0},
    {&T_TAS, 0, M_SIG}, {&T_ALIASES, 1, 0}, {&T_BMP128, 1, 0},
    {&T_BMP128, 0, 0},  {&T_ALTGKS, 1, 0},  {NULL, 1, 0},
    {NULL, 1, 0},       {NULL, 1, 0},       {NULL, 1, 0},
    {NULL, 0, 0},       {NULL, 1, 0},       {NULL, 0, 0},
    {NULL, 1, 0},       {NULL, 1, 0},       {NULL, 1, 0},
    {NULL, 1, 0},       {NULL, 1, 0},       {NULL, 1, 0},
    {NULL, 1, 0},       {NULL, 1, 0},       {NULL, 1, 0},
    {&T_ALTGK, 1, 0}};
PH_SEQ(T_RCF, 1, 7, F_RCF);
static const ph_fld F_RRJREASON[] = {
    {&T_NULL, 0, 0},    {&T_NULL, 0, 0}, {&T_NULL, 0, 0}, {&T_NULL, 0, 0},
    {&T_ALIASES, 0, 0}, {&T_NULL, 0, 0}, {&T_NULL, 0, 0}, {&T_NULL, 0, 0}};
PH_CHOICE(T_RRJREASON, 1, 8, F_RRJREASON, PH_CAP_NONE);
static const ph_fld F_RRJ[] = {{&T_SEQNUM, 0, 0}, {&T_OID, 0, 0},
                               {&T_NSP, 1, 0},    {&T_RRJREASON, 0, 0},
                               {&T_BMP128, 1, 0}, {&T_ALTGKINFO, 1, 0}};
PH_SEQ(T_RRJ, 1, 5, F_RRJ);
static const ph_fld F_URQ[] = {
    {&T_SEQNUM, 0, 0}, {&T_TAS, 0, M_SIG},   {&T_ALIASES, 1, 0}, {&T_NSP, 1, 0},
    {&T_BMP128, 1, 0}, {&T_ENDPOINTS, 1, 0}, {NULL, 1, 0},       {NULL, 1, 0},
    {NULL, 1, 0},      {NULL, 1, 0},         {NULL, 1, 0},       {NULL, 1, 0},
    {NULL, 1, 0},      {&T_ALTGKS, 1, 0}};
PH_SEQ(T_URQ, 1, 5, F_URQ);
static const ph_fld F_UCF[] = {{&T_SEQNUM, 0, 0}, {&T_NSP, 1, 0}};
PH_SEQ(T_UCF, 1, 2, F_UCF);
static const ph_fld F_URJ[] = {
    {&T_SEQNUM, 0, 0}, {&T_NULLS3, 0, 0}, {&T_NSP, 1, 0}, {&T_ALTGKINFO, 1, 0}};
PH_SEQ(T_URJ, 1, 3, F_URJ);
static const ph_fld F_ARQ[] = {
    {&T_SEQNUM, 0, 0},    {&T_NULLS4, 0, 0},   {&T_NULLS2, 1, 0},
    {&T_BMP128, 0, 0},    {&T_ALIASES, 1, 0},  {&T_TA, 1, M_SIG},
    {&T_ALIASES, 1, 0},   {&T_ALIASES, 0, 0},  {&T_TA, 1, M_SIG},
    {&T_BW, 0, 0},        {&T_INT16, 0, 0},    {&T_NSP, 1, 0},
    {&T_QSER, 1, 0},      {&T_OCT16, 0, 0},    {&T_BOOL, 0, 0},
    {&T_BOOL, 0, 0},      {NULL, 0, 0},        {NULL, 0, 0},
    {&T_ENDPOINTS, 1, 0}, {&T_ENDPOINTS, 1, 0}};
PH_SEQ(T_ARQ, 1, 16, F_ARQ);
static const ph_fld F_ACF[] = {
    {&T_SEQNUM, 0, 0}, {&T_BW, 0, 0},  {&T_NULLS2, 0, 0},    {&T_TA, 0, M_SIG},
    {&T_SEQNUM, 1, 0}, {&T_NSP, 1, 0}, {NULL, 1, 0},         {NULL, 1, 0},
    {NULL, 1, 0},      {NULL, 1, 0},   {&T_ENDPOINTS, 1, 0}, {NULL, 1, 0},
    {NULL, 1, 0},      {NULL, 1, 0},   {NULL, 1, 0},         {NULL, 0, 0},
    {NULL, 0, 0},      {NULL, 1, 0},   {&T_ALTTA, 1, 0}};
PH_SEQ(T_ACF, 1, 6, F_ACF);
static const ph_fld F_ARJ[] = {{&T_SEQNUM, 0, 0}, {&T_NULLS8, 0, 0},
                               {&T_NSP, 1, 0},    {&T_ALTGKINFO, 1, 0},
                               {NULL, 1, 0},      {NULL, 1, 0},
                               {&T_TAS, 1, M_SIG}};
PH_SEQ(T_ARJ, 1, 3, F_ARJ);
static const ph_fld F_BRQ[] = {
    {&T_SEQNUM, 0, 0}, {&T_BMP128, 0, 0}, {&T_OCT16, 0, 0}, {&T_INT16, 0, 0},
    {&T_NULLS4, 1, 0}, {&T_BW, 0, 0},     {&T_NSP, 1, 0}};
PH_SEQ(T_BRQ, 1, 7, F_BRQ);
static const ph_fld F_BCF[] = {
    {&T_SEQNUM, 0, 0}, {&T_BW, 0, 0}, {&T_NSP, 1, 0}};
PH_SEQ(T_BCF, 1, 3, F_BCF);
static const ph_fld F_BRJ[] = {{&T_SEQNUM, 0, 0},
                               {&T_NULLS6, 0, 0},
                               {&T_BW, 0, 0},
                               {&T_NSP, 1, 0},
                               {&T_ALTGKINFO, 1, 0}};
PH_SEQ(T_BRJ, 1, 4, F_BRJ);
static const ph_fld F_DRQ[] = {{&T_SEQNUM, 0, 0}, {&T_BMP128, 0, 0},
                               {&T_OCT16, 0, 0},  {&T_INT16, 0, 0},
                               {&T_NULLS3, 0, 0}, {&T_NSP, 1, 0}};
PH_SEQ(T_DRQ, 1, 6, F_DRQ);
PH_SEQ(T_DCF, 1, 2, F_UCF); /* same root as UCF */
static const ph_fld F_DRJ[] = {
    {&T_SEQNUM, 0, 0}, {&T_NULLS2, 0, 0}, {&T_NSP, 1, 0}, {&T_ALTGKINFO, 1, 0}};
PH_SEQ(T_DRJ, 1, 3, F_DRJ);
static const ph_fld F_LRQ[] = {{&T_SEQNUM, 0, 0},
                               {&T_BMP128, 1, 0},
                               {&T_ALIASES, 0, 0},
                               {&T_NSP, 1, 0},
                               {&T_TA, 0, M_RAS}};
PH_SEQ(T_LRQ, 1, 5, F_LRQ);
static const ph_fld F_LCF[] = {
    {&T_SEQNUM, 0, 0},    {&T_TA, 0, M_SIG}, {&T_TA, 0, M_RAS}, {&T_NSP, 1, 0},
    {NULL, 1, 0},         {NULL, 1, 0},      {NULL, 1, 0},      {NULL, 1, 0},
    {&T_ENDPOINTS, 1, 0}, {NULL, 1, 0},      {NULL, 1, 0},      {NULL, 1, 0},
    {&T_ALTTA, 1, 0}};
PH_SEQ(T_LCF, 1, 4, F_LCF);
static const ph_fld F_LRJ[] = {
    {&T_SEQNUM, 0, 0}, {&T_NULLS4, 0, 0}, {&T_NSP, 1, 0}, {&T_ALTGKINFO, 1, 0}};
PH_SEQ(T_LRJ, 1, 3, F_LRJ);
static const ph_fld F_IRQ[] = {
    {&T_SEQNUM, 0, 0}, {&T_INT16, 0, 0}, {&T_NSP, 1, 0}, {&T_TA, 1, M_RAS}};
PH_SEQ(T_IRQ, 1, 4, F_IRQ);
static const ph_fld F_RAS[] = {
    {&T_GRQ, 0, 0}, {&T_GCF, 0, 0}, {&T_GRJ, 0, 0},  {&T_RRQ, 0, 0},
    {&T_RCF, 0, 0}, {&T_RRJ, 0, 0}, {&T_URQ, 0, 0},  {&T_UCF, 0, 0},
    {&T_URJ, 0, 0}, {&T_ARQ, 0, 0}, {&T_ACF, 0, 0},  {&T_ARJ, 0, 0},
    {&T_BRQ, 0, 0}, {&T_BCF, 0, 0}, {&T_BRJ, 0, 0},  {&T_DRQ, 0, 0},
    {&T_DCF, 0, 0}, {&T_DRJ, 0, 0}, {&T_LRQ, 0, 0},  {&T_LCF, 0, 0},
    {&T_LRJ, 0, 0}, {&T_IRQ, 0, 0}, {&T_TODO, 0, 0}, {&T_TODO, 0, 0},
    {&T_TODO, 0, 0}};
PH_CHOICE(T_RAS, 1, 25, F_RAS, PH_CAP_SET);

/* -- call signalling (H323-UserInformation) -- */
static const ph_fld F_SECMODE[] = {
    {&T_NSP, 0, 0}, {&T_NULL, 0, 0}, {&T_NULL, 0, 0}};
PH_CHOICE(T_SECMODE, 1, 3, F_SECMODE, PH_CAP_NONE);
static const ph_fld F_SECCAPS[] = {
    {&T_NSP, 1, 0}, {&T_SECMODE, 0, 0}, {&T_SECMODE, 0, 0}, {&T_SECMODE, 0, 0}};
PH_SEQ(T_SECCAPS, 1, 4, F_SECCAPS);
static const ph_fld F_H245SEC[] = {
    {&T_NSP, 0, 0}, {&T_NULL, 0, 0}, {&T_SECCAPS, 0, 0}, {&T_SECCAPS, 0, 0}};
PH_CHOICE(T_H245SEC, 1, 4, F_H245SEC, PH_CAP_NONE);

static const ph_fld F_SETUP[] = {
    {&T_OID, 0, 0},     {&T_TA, 1, M_H245},  {&T_ALIASES, 1, 0},
    {&T_EPTYPE, 0, 0},  {&T_ALIASES, 1, 0},  {&T_TA, 1, M_SIG},
    {&T_ALIASES, 1, 0}, {&T_CRVS, 1, 0},     {&T_BOOL, 0, 0},
    {&T_OCT16, 0, 0},   {&T_NULLS3, 0, 0},   {&T_QSER, 1, 0},
    {&T_NULLS4, 0, 0},  {&T_TA, 1, M_SIG},   {NULL, 1, 0},
    {NULL, 0, 0},       {NULL, 1, 0},        {NULL, 1, 0},
    {NULL, 1, 0},       {&T_FASTSTART, 1, 0}};
PH_SEQ(T_SETUP, 1, 13, F_SETUP);
/* CallProceeding and Alerting share their root and first additions */
static const ph_fld F_PROCEED[] = {{&T_OID, 0, 0},     {&T_EPTYPE, 0, 0},
                                   {&T_TA, 1, M_H245}, {NULL, 0, 0},
                                   {NULL, 1, 0},       {NULL, 1, 0},
                                   {NULL, 1, 0},       {&T_FASTSTART, 1, 0}};
PH_SEQ(T_PROCEED, 1, 3, F_PROCEED);
static const ph_fld F_CONNECT[] = {
    {&T_OID, 0, 0},   {&T_TA, 1, M_H245}, {&T_EPTYPE, 0, 0},
    {&T_OCT16, 0, 0}, {NULL, 0, 0},       {NULL, 1, 0},
    {NULL, 1, 0},     {NULL, 1, 0},       {&T_FASTSTART, 1, 0}};
PH_SEQ(T_CONNECT, 1, 4, F_CONNECT);
static const ph_fld F_INFO[] = {{&T_OID, 0, 0},
                                {NULL, 0, 0},
                                {NULL, 1, 0},
                                {NULL, 1, 0},
                                {&T_FASTSTART, 1, 0}};
PH_SEQ(T_INFO, 1, 1, F_INFO);
static const ph_fld F_RELEASE[] = {{&T_OID, 0, 0}, {&T_NULLS12, 1, 0}};
PH_SEQ(T_RELEASE, 1, 2, F_RELEASE);
static const ph_fld F_FACILITY[] = {
    {&T_OID, 0, 0},      {&T_TA, 1, M_SIG}, {&T_ALIASES, 1, 0},
    {&T_OCT16, 1, 0},    {&T_NULLS4, 0, 0}, {NULL, 0, 0},
    {NULL, 1, 0},        {NULL, 1, 0},      {NULL, 1, 0},
    {NULL, 1, 0},        {NULL, 1, 0},      {&T_TA, 1, M_H245},
    {&T_FASTSTART, 1, 0}};
PH_SEQ(T_FACILITY, 1, 5, F_FACILITY);
static const ph_fld F_PROGRESS[] = {{&T_OID, 0, 0},     {&T_EPTYPE, 0, 0},
                                    {&T_TA, 1, M_H245}, {&T_CALLID, 0, 0},
                                    {&T_H245SEC, 1, 0}, {&T_TODO, 1, 0},
                                    {&T_TODO, 1, 0},    {&T_FASTSTART, 1, 0}};
PH_SEQ(T_PROGRESS, 1, 8, F_PROGRESS);
static const ph_fld F_BODY[] = {{&T_SETUP, 0, 0},    {&T_PROCEED, 0, 0},
                                {&T_CONNECT, 0, 0},  {&T_PROCEED, 0, 0},
                                {&T_INFO, 0, 0},     {&T_RELEASE, 0, 0},
                                {&T_FACILITY, 0, 0}, {&T_PROGRESS, 0, 0}};
PH_CHOICE(T_BODY, 1, 7, F_BODY, PH_CAP_SET);
static const ph_fld F_UUPDU[] = {{&T_BODY, 0, 0},
                                 {&T_NSP, 1, 0},
                                 {NULL, 1, 0}, /* h4501SupplementaryService */
                                 {NULL, 0, 0}, /* h245Tunnelling */
                                 {&T_H245CONTROL, 1, 0}};
PH_SEQ(T_UUPDU, 1, 2, F_UUPDU);
static const ph_fld F_USERDATA[] = {{&T_INT8, 0, 0}, {&T_OCT131, 0, 0}};
PH_SEQ(T_USERDATA, 1, 2, F_USERDATA);
static const ph_fld F_UUINFO[] = {{&T_UUPDU, 0, 0}, {&T_USERDATA, 1, 0}};
PH_SEQ(T_UUINFO, 1, 2, F_UUINFO);

/* -- H.245 -- */
static const ph_fld F_H245H221[] = {
    {&T_INT8, 0, 0}, {&T_INT8, 0, 0}, {&T_INT16, 0, 0}};
PH_SEQ(T_H245H221, 0, 3, F_H245H221);
static const ph_fld F_H245NSID[] = {{&T_OID, 0, 0}, {&T_H245H221, 0, 0}};
PH_CHOICE(T_H245NSID, 0, 2, F_H245NSID, PH_CAP_NONE);
static const ph_fld F_H245NSP[] = {{&T_H245NSID, 0, 0}, {&T_OCTS, 0, 0}};
PH_SEQ(T_H245NSP, 0, 2, F_H245NSP);
PH_OF(T_H245NSPS, 0, PH_UNB, T_H245NSP);

static const ph_fld F_G7231[] = {{&T_INT256, 0, 0}, {&T_BOOL, 0, 0}};
PH_SEQ(T_G7231, 0, 2, F_G7231);
static const ph_fld F_AUDIO[] = {
    {&T_H245NSP, 0, 0}, {&T_INT256, 0, 0}, {&T_INT256, 0, 0}, {&T_INT256, 0, 0},
    {&T_INT256, 0, 0},  {&T_INT256, 0, 0}, {&T_INT256, 0, 0}, {&T_INT256, 0, 0},
    {&T_G7231, 0, 0},   {&T_INT256, 0, 0}, {&T_INT256, 0, 0}, {&T_INT256, 0, 0},
    {&T_TODO, 0, 0},    {&T_TODO, 0, 0}};
PH_CHOICE(T_AUDIO, 1, 14, F_AUDIO, PH_CAP_NONE);
PH_SIMPLE(T_MPI, PH_K_INT, 0, 0, 1, 4);
PH_SIMPLE(T_H261RATE, PH_K_INT, 0, 0, 1, 19200);
static const ph_fld F_H261[] = {{&T_MPI, 1, 0},
                                {&T_MPI, 1, 0},
                                {&T_BOOL, 0, 0},
                                {&T_H261RATE, 0, 0},
                                {&T_BOOL, 0, 0}};
PH_SEQ(T_H261, 1, 5, F_H261);
static const ph_fld F_VIDEO[] = {{&T_H245NSP, 0, 0},
                                 {&T_H261, 0, 0},
                                 {&T_TODO, 0, 0},
                                 {&T_TODO, 0, 0},
                                 {&T_TODO, 0, 0}};
PH_CHOICE(T_VIDEO, 1, 5, F_VIDEO, PH_CAP_NONE);
static const ph_fld F_DATATYPE[] = {{&T_H245NSP, 0, 0}, {&T_NULL, 0, 0},
                                    {&T_VIDEO, 0, 0},   {&T_AUDIO, 0, 0},
                                    {&T_TODO, 0, 0},    {&T_TODO, 0, 0}};
PH_CHOICE(T_DATATYPE, 1, 6, F_DATATYPE, PH_CAP_NONE);

static const ph_fld F_H245IP6[] = {{&T_OCT16, 0, 0}, {&T_INT16, 0, 0}};
PH_SEQ(T_H245IP6, 1, 2, F_H245IP6);
static const ph_fld F_H245IPX[] = {
    {&T_OCT6, 0, 0}, {&T_OCT4, 0, 0}, {&T_OCT2, 0, 0}};
PH_SEQ(T_H245IPX, 1, 3, F_H245IPX);
static const ph_asn T_NULLS2X = {
    PH_K_CHOICE, 0, 0, 0,       0,
    0,           2, 0, F_NULLS, NULL}; /* strict, loose: not extensible */
static const ph_fld F_H245ROUTE2[] = {
    {&T_NULLS2X, 0, 0}, {&T_OCT4, 0, 0}, {&T_INT16, 0, 0}, {&T_ROUTE, 0, 0}};
PH_SEQ(T_H245ROUTE, 1, 4, F_H245ROUTE2);
static const ph_fld F_UNICAST[] = {{&T_IPV4X, 0, 0},
                                   {&T_H245IPX, 0, 0},
                                   {&T_H245IP6, 0, 0},
                                   {&T_OCT16, 0, 0},
                                   {&T_H245ROUTE, 0, 0}};
PH_CHOICE(T_UNICAST, 1, 5, F_UNICAST, PH_CAP_NONE);
static const ph_fld F_MIP4[] = {{&T_OCT4, 0, 0}, {&T_INT16, 0, 0}};
PH_SEQ(T_MIP4, 1, 2, F_MIP4); /* multicast: no NAT, not reported */
static const ph_fld F_MULTICAST[] = {{&T_MIP4, 0, 0}, {&T_H245IP6, 0, 0}};
PH_CHOICE(T_MULTICAST, 1, 2, F_MULTICAST, PH_CAP_NONE);
static const ph_fld F_H245TA[] = {{&T_UNICAST, 0, 0}, {&T_MULTICAST, 0, 0}};
PH_CHOICE(T_H245TA, 1, 2, F_H245TA, PH_CAP_NONE);

PH_SIMPLE(T_MCU, PH_K_INT, 0, 0, 0, 192);
static const ph_fld F_LABEL[] = {{&T_MCU, 0, 0}, {&T_MCU, 0, 0}};
PH_SEQ(T_LABEL, 1, 2, F_LABEL);
PH_SIMPLE(T_SESSION, PH_K_INT, 0, 0, 0, 255);
PH_SIMPLE(T_SESSION1, PH_K_INT, 0, 0, 1, 255);
PH_SIMPLE(T_DYNPT, PH_K_INT, 0, 0, 96, 127);
static const ph_fld F_PACKETIZATION[] = {{&T_NULL, 0, 0}};
PH_CHOICE(T_PACKETIZATION, 1, 1, F_PACKETIZATION, PH_CAP_NONE);
static const ph_fld F_H2250[] = {
    {&T_H245NSPS, 1, 0},     {&T_SESSION, 0, 0},      {&T_SESSION1, 1, 0},
    {&T_H245TA, 1, M_MEDIA}, {&T_BOOL, 1, 0},         {&T_H245TA, 1, M_MCTRL},
    {&T_BOOL, 1, 0},         {&T_BOOL, 1, 0},         {&T_LABEL, 1, 0},
    {&T_DYNPT, 1, 0},        {&T_PACKETIZATION, 1, 0}};
PH_SEQ(T_H2250, 1, 11, F_H2250);
static const ph_fld F_FWDMUX[] = {{&T_TODO, 0, 0},
                                  {&T_TODO, 0, 0},
                                  {&T_TODO, 0, 0},
                                  {&T_H2250, 0, 0},
                                  {&T_NULL, 0, 0}};
PH_CHOICE(T_FWDMUX, 1, 3, F_FWDMUX, PH_CAP_NONE);
static const ph_fld F_FWDPARAMS[] = {
    {&T_INT16, 1, 0}, {&T_DATATYPE, 0, 0}, {&T_FWDMUX, 0, 0}};
PH_SEQ(T_FWDPARAMS, 1, 3, F_FWDPARAMS);
static const ph_fld F_REVMUX[] = {
    {&T_TODO, 0, 0}, {&T_TODO, 0, 0}, {&T_H2250, 0, 0}};
PH_CHOICE(T_REVMUX, 1, 2, F_REVMUX, PH_CAP_NONE);
static const ph_fld F_REVPARAMS[] = {{&T_DATATYPE, 0, 0}, {&T_REVMUX, 1, 0}};
PH_SEQ(T_REVPARAMS, 1, 2, F_REVPARAMS);
static const ph_fld F_OLC[] = {
    {&T_SEQNUM, 0, 0}, {&T_FWDPARAMS, 0, 0}, {&T_REVPARAMS, 1, 0}};
PH_SEQ(T_OLC, 1, 3, F_OLC);

static const ph_fld F_ACKMUX[] = {{&T_TODO, 0, 0}, {&T_H2250, 0, 0}};
PH_CHOICE(T_ACKMUX, 1, 1, F_ACKMUX, PH_CAP_NONE);
static const ph_fld F_ACKREV[] = {
    {&T_SEQNUM, 0, 0}, {&T_INT16, 1, 0}, {&T_ACKMUX, 1, 0}};
PH_SEQ(T_ACKREV, 1, 3, F_ACKREV);
static const ph_fld F_H2250ACK[] = {{&T_H245NSPS, 1, 0},
                                    {&T_SESSION1, 1, 0},
                                    {&T_H245TA, 1, M_MEDIA},
                                    {&T_H245TA, 1, M_MCTRL},
                                    {&T_DYNPT, 1, 0}};
PH_SEQ(T_H2250ACK, 1, 5, F_H2250ACK);
static const ph_fld F_FWDACK[] = {{&T_H2250ACK, 0, 0}};
PH_CHOICE(T_FWDACK, 1, 1, F_FWDACK, PH_CAP_NONE);
static const ph_fld F_OLCACK[] = {{&T_SEQNUM, 0, 0},
                                  {&T_ACKREV, 1, 0},
                                  {NULL, 1, 0}, /* separateStack */
                                  {&T_FWDACK, 1, 0}};
PH_SEQ(T_OLCACK, 1, 2, F_OLCACK);

static const ph_fld F_REQUEST[] = {
    {&T_STOP, 0, 0}, {&T_STOP, 0, 0}, {&T_STOP, 0, 0}, {&T_OLC, 0, 0},
    {&T_STOP, 0, 0}, {&T_STOP, 0, 0}, {&T_STOP, 0, 0}, {&T_STOP, 0, 0},
    {&T_STOP, 0, 0}, {&T_STOP, 0, 0}, {&T_STOP, 0, 0}};
PH_CHOICE(T_REQUEST, 1, 11, F_REQUEST, PH_CAP_ADD);
static const ph_fld F_RESPONSE[] = {
    {&T_STOP, 0, 0}, {&T_STOP, 0, 0},   {&T_STOP, 0, 0}, {&T_STOP, 0, 0},
    {&T_STOP, 0, 0}, {&T_OLCACK, 0, 0}, {&T_STOP, 0, 0}, {&T_STOP, 0, 0},
    {&T_STOP, 0, 0}, {&T_STOP, 0, 0},   {&T_STOP, 0, 0}, {&T_STOP, 0, 0},
    {&T_STOP, 0, 0}, {&T_STOP, 0, 0},   {&T_STOP, 0, 0}, {&T_STOP, 0, 0},
    {&T_STOP, 0, 0}, {&T_STOP, 0, 0},   {&T_STOP, 0, 0}};
PH_CHOICE(T_RESPONSE, 1, 19, F_RESPONSE, PH_CAP_ADD);
static const ph_fld F_MSCM[] = {
    {&T_REQUEST, 0, 0}, {&T_RESPONSE, 0, 0}, {&T_STOP, 0, 0}, {&T_STOP, 0, 0}};
PH_CHOICE(T_MSCM, 1, 4, F_MSCM, PH_CAP_CAT);

/* ---- the bit cursor ------------------------------------------------------ */

typedef struct ph_per {
  const uint8_t *p;
  size_t bit, end; /* in bits from p[0]; end never past the buffer */
  pinhole_h323_msg *m;
  unsigned steps;
  uint8_t nested, stop;
} ph_per;

static int ph_per_bits(ph_per *c, unsigned n, uint32_t *v) {
  if (n > 32 || c->end - c->bit < n)
    return PINHOLE_ERR_PARSE;
  uint32_t x = 0;
  for (unsigned i = 0; i < n; i++, c->bit++)
    x = x << 1 | (uint32_t)(c->p[c->bit >> 3] >> (7 - (c->bit & 7)) & 1u);
  *v = x;
  return 0;
}

static int ph_per_align(ph_per *c) {
  size_t b = (c->bit + 7) & ~(size_t)7;
  if (b > c->end)
    return PINHOLE_ERR_PARSE;
  c->bit = b;
  return 0;
}

static int ph_per_skip(ph_per *c, size_t n) {
  if (c->end - c->bit < n)
    return PINHOLE_ERR_PARSE;
  c->bit += n;
  return 0;
}

static unsigned ph_bits_for(uint64_t range) {
  unsigned b = 0;
  while (b < 32 && ((uint64_t)1 << b) < range)
    b++;
  return b;
}

/* A constrained whole number lb..ub (X.691 10.5, aligned variant). */
static int ph_per_cint(ph_per *c, uint32_t lb, uint32_t ub, uint32_t *v) {
  uint64_t range = (uint64_t)ub - lb + 1;
  uint32_t x = 0;
  int rc = 0;
  if (range <= 255) {
    rc = ph_per_bits(c, ph_bits_for(range), &x);
  } else if (range <= 65536) {
    if ((rc = ph_per_align(c)) == 0)
      rc = ph_per_bits(c, range == 256 ? 8 : 16, &x);
  } else {
    uint32_t nb; /* octets: a length 1..4 in 2 bits */
    if ((rc = ph_per_bits(c, 2, &nb)) == 0 && (rc = ph_per_align(c)) == 0)
      rc = ph_per_bits(c, 8 * (nb + 1), &x);
  }
  if (rc != 0 || x > ub - lb)
    return PINHOLE_ERR_PARSE;
  *v = lb + x;
  return 0;
}

/* An unconstrained length determinant (X.691 10.9.3.5-7); fragmented
 * lengths (16K and more) are refused. */
static int ph_per_glen(ph_per *c, uint32_t *len) {
  uint32_t b, b2;
  if (ph_per_align(c) != 0 || ph_per_bits(c, 8, &b) != 0)
    return PINHOLE_ERR_PARSE;
  if (b < 0x80) {
    *len = b;
    return 0;
  }
  if ((b & 0xc0) == 0xc0 || ph_per_bits(c, 8, &b2) != 0)
    return PINHOLE_ERR_PARSE;
  *len = (b & 0x3f) << 8 | b2;
  return 0;
}

/* A length determinant for SIZE(lb..ub). */
static int ph_per_len(ph_per *c, uint32_t lb, uint32_t ub, uint32_t *len) {
  if (lb == ub) {
    *len = lb;
    return 0;
  }
  if (ub < 65536)
    return ph_per_cint(c, lb, ub, len);
  int rc = ph_per_glen(c, len);
  return rc == 0 && *len < lb ? PINHOLE_ERR_PARSE : rc;
}

/* A normally small non-negative whole number (X.691 10.6). */
static int ph_per_nsnn(ph_per *c, uint32_t *v) {
  uint32_t big;
  if (ph_per_bits(c, 1, &big) != 0)
    return PINHOLE_ERR_PARSE;
  if (!big)
    return ph_per_bits(c, 6, v);
  uint32_t len;
  if (ph_per_glen(c, &len) != 0 || len == 0 || len > 2)
    return PINHOLE_ERR_PARSE; /* an index past 65535: not ours */
  return ph_per_bits(c, 8 * len, v);
}

/* ---- the walker ---------------------------------------------------------- */

static int ph_walk(ph_per *c, const ph_asn *t, uint8_t mark, unsigned depth);

/* An open type of `len` octets at the cursor (aligned): walked as t when
 * t is not NULL (its encoding must stay inside), then skipped whole. */
static int ph_open(ph_per *c, const ph_asn *t, uint8_t mark, unsigned depth) {
  uint32_t len;
  if (ph_per_glen(c, &len) != 0 || c->end - c->bit < (size_t)len * 8)
    return PINHOLE_ERR_PARSE;
  size_t start = c->bit, end = c->end;
  int rc = 0;
  if (t != NULL) {
    c->end = start + (size_t)len * 8;
    rc = ph_walk(c, t, mark, depth + 1);
    c->end = end;
  }
  c->bit = start + (size_t)len * 8;
  return rc;
}

/* Extension additions: a bitmap, then each one present as an open type. */
static int ph_additions(ph_per *c, const ph_asn *t, uint8_t mark,
                        unsigned depth) {
  uint32_t n, bit, big;
  if (ph_per_bits(c, 1, &big) != 0 || big || ph_per_bits(c, 6, &n) != 0)
    return PINHOLE_ERR_PARSE; /* more than 64 additions: not these types */
  n += 1;
  uint64_t present = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (ph_per_bits(c, 1, &bit) != 0)
      return PINHOLE_ERR_PARSE;
    present |= (uint64_t)bit << i;
  }
  for (uint32_t i = 0; i < n && !c->stop; i++) {
    if (!(present >> i & 1))
      continue;
    const ph_fld *f = t && i < t->nx ? &t->f[t->n + i] : NULL;
    int rc = ph_open(c, f ? f->t : NULL, f && f->mark ? f->mark : mark, depth);
    if (rc != 0)
      return rc;
  }
  return 0;
}

static int ph_seq(ph_per *c, const ph_asn *t, uint8_t mark, unsigned depth) {
  uint32_t ext = 0, bit;
  if (t->ext && ph_per_bits(c, 1, &ext) != 0)
    return PINHOLE_ERR_PARSE;
  uint64_t present = 0;
  for (uint16_t i = 0; i < t->n; i++) {
    bit = 1;
    if (t->f[i].opt && ph_per_bits(c, 1, &bit) != 0)
      return PINHOLE_ERR_PARSE;
    present |= (uint64_t)bit << i;
  }
  for (uint16_t i = 0; i < t->n && !c->stop; i++) {
    if (!(present >> i & 1))
      continue;
    const ph_fld *f = &t->f[i];
    int rc = ph_walk(c, f->t, f->mark ? f->mark : mark, depth + 1);
    if (rc != 0)
      return rc;
  }
  return ext && !c->stop ? ph_additions(c, t, mark, depth) : 0;
}

static void ph_capture(ph_per *c, const ph_asn *t, uint32_t idx) {
  if (c->nested)
    return;
  if (t->cap == PH_CAP_SET)
    c->m->type = (uint16_t)idx;
  else if (t->cap == PH_CAP_CAT)
    c->m->type = (uint16_t)(idx * 100);
  else if (t->cap == PH_CAP_ADD)
    c->m->type = (uint16_t)(c->m->type + idx);
}

static int ph_choice(ph_per *c, const ph_asn *t, uint8_t mark, unsigned depth) {
  uint32_t ext = 0, idx;
  if (t->ext && ph_per_bits(c, 1, &ext) != 0)
    return PINHOLE_ERR_PARSE;
  if (ext) {
    if (ph_per_nsnn(c, &idx) != 0)
      return PINHOLE_ERR_PARSE;
    ph_capture(c, t, t->n + (idx < 1000 ? idx : 1000));
    const ph_fld *f = idx < t->nx ? &t->f[t->n + idx] : NULL;
    return ph_open(c, f ? f->t : NULL, f && f->mark ? f->mark : mark, depth);
  }
  if (ph_per_cint(c, 0, t->n - 1u, &idx) != 0)
    return PINHOLE_ERR_PARSE;
  ph_capture(c, t, idx);
  const ph_fld *f = &t->f[idx];
  return ph_walk(c, f->t, f->mark ? f->mark : mark, depth + 1);
}

static int ph_ipv4(ph_per *c, const ph_asn *t, uint8_t mark, unsigned depth) {
  uint32_t ext = 0, addr, port;
  if (t->ext && ph_per_bits(c, 1, &ext) != 0)
    return PINHOLE_ERR_PARSE;
  if (ph_per_align(c) != 0)
    return PINHOLE_ERR_PARSE;
  size_t off = c->bit / 8;
  if (ph_per_bits(c, 32, &addr) != 0 || ph_per_align(c) != 0)
    return PINHOLE_ERR_PARSE;
  size_t port_off = c->bit / 8;
  if (ph_per_bits(c, 16, &port) != 0)
    return PINHOLE_ERR_PARSE;
  pinhole_h323_msg *m = c->m;
  if (m->naddrs >= PINHOLE_H323_MAX_ADDRS)
    return PINHOLE_ERR_RANGE;
  pinhole_h323_addr *a = &m->addr[m->naddrs++];
  a->off = off;
  a->port_off = port_off;
  a->addr = addr;
  a->port = (uint16_t)port;
  a->kind = (uint8_t)(mark ? mark - 1 : PINHOLE_H323_ADDR_OTHER);
  a->nested = c->nested;
  return ext ? ph_additions(c, NULL, mark, depth) : 0;
}

static int ph_seqof(ph_per *c, const ph_asn *t, uint8_t mark, unsigned depth) {
  uint32_t n;
  if (ph_per_len(c, t->lb, t->ub, &n) != 0)
    return PINHOLE_ERR_PARSE;
  for (uint32_t i = 0; i < n && !c->stop; i++) {
    int rc = ph_walk(c, t->of, mark, depth + 1);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* An octet string holding a whole H.245 encoding: walked in a bounded
 * view; a message not walked ends only its own walk. */
static int ph_contain(ph_per *c, const ph_asn *t, uint8_t mark,
                      unsigned depth) {
  uint8_t nested = c->nested;
  c->nested = 1;
  c->m->h245_count++;
  int rc = ph_open(c, t->of, mark, depth);
  c->nested = nested;
  c->stop = 0;
  return rc;
}

/* A string of `bits`-wide units, SIZE(lb..ub); contents aligned unless
 * they fit in 16 bits at most (X.691 16, 17, 27). */
static int ph_units(ph_per *c, const ph_asn *t, unsigned bits) {
  uint32_t n;
  if (ph_per_len(c, t->lb, t->ub, &n) != 0)
    return PINHOLE_ERR_PARSE;
  if ((t->ub == PH_UNB || (uint64_t)t->ub * bits > 16) && n > 0 &&
      ph_per_align(c) != 0)
    return PINHOLE_ERR_PARSE;
  return ph_per_skip(c, (size_t)n * bits);
}

static int ph_walk(ph_per *c, const ph_asn *t, uint8_t mark, unsigned depth) {
  uint32_t v;
  if (depth > PINHOLE_H323_MAX_DEPTH || ++c->steps > PINHOLE_H323_MAX_STEPS)
    return PINHOLE_ERR_RANGE;
  switch (t->kind) {
  case PH_K_NULL:
    return 0;
  case PH_K_BOOL:
    return ph_per_bits(c, 1, &v);
  case PH_K_INT:
    return ph_per_cint(c, t->lb, t->ub, &v);
  case PH_K_UINT:
  case PH_K_OID:
    if (ph_per_glen(c, &v) != 0)
      return PINHOLE_ERR_PARSE;
    return ph_per_skip(c, (size_t)v * 8);
  case PH_K_OCTETS:
    return ph_units(c, t, 8);
  case PH_K_STR:
    return ph_units(c, t, t->w);
  case PH_K_SEQ:
    return ph_seq(c, t, mark, depth);
  case PH_K_SEQOF:
    return ph_seqof(c, t, mark, depth);
  case PH_K_CHOICE:
    return ph_choice(c, t, mark, depth);
  case PH_K_IPV4:
    return ph_ipv4(c, t, mark, depth);
  case PH_K_CONTAIN:
    return ph_contain(c, t, mark, depth);
  case PH_K_STOP:
    c->stop = 1;
    return 0;
  default:
    return PINHOLE_ERR_UNSUPPORTED;
  }
}

/* Walks t over p[off..end) into m. */
static int ph_walk_buf(const uint8_t *p, size_t off, size_t end,
                       const ph_asn *t, pinhole_h323_msg *m, uint8_t nested) {
  ph_per c;
  memset(&c, 0, sizeof(c));
  c.p = p;
  c.bit = off * 8;
  c.end = end * 8;
  c.m = m;
  c.nested = nested;
  return ph_walk(&c, t, M_OTHER, 0);
}

/* ---- messages ------------------------------------------------------------ */

static int ph_msg_init(const uint8_t *p, size_t len, pinhole_h323_msg *m,
                       uint8_t proto) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  m->proto = proto;
  return 0;
}

int pinhole_h225_ras_parse(const uint8_t *p, size_t len, pinhole_h323_msg *m) {
  int rc = ph_msg_init(p, len, m, PINHOLE_H323_RAS);
  if (rc != 0)
    return rc;
  if (len > SIZE_MAX / 8)
    return PINHOLE_ERR_PARSE;
  m->len = len;
  rc = ph_walk_buf(p, 0, len, &T_RAS, m, 0);
  if (rc == 0 && m->type >= T_RAS.n)
    rc = PINHOLE_ERR_UNSUPPORTED; /* an extension message, skipped */
  return rc;
}

int pinhole_tpkt_frame(const uint8_t *p, size_t len, size_t *tlen) {
  if (tlen == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  *tlen = 0;
  if (len >= 1 && p[0] != 3)
    return PINHOLE_ERR_PARSE;
  if (len < PINHOLE_TPKT_HEADER_LEN)
    return PINHOLE_ERR_PARTIAL;
  size_t n = (size_t)p[2] << 8 | p[3];
  if (n < PINHOLE_TPKT_HEADER_LEN)
    return PINHOLE_ERR_PARSE;
  *tlen = n;
  return n <= len ? 0 : PINHOLE_ERR_PARTIAL;
}

/* The Q.931 message of p[4..end): finds the user-user element. Returns 0
 * with *uu and *uulen (0 when there is none), or PINHOLE_ERR_PARSE. */
static int ph_q931(const uint8_t *p, size_t end, pinhole_h323_msg *m,
                   size_t *uu, size_t *uulen) {
  ph_cur c = ph_cur_make(p, end);
  uint8_t pd, crl, type, id, l8;
  c.pos = PINHOLE_TPKT_HEADER_LEN;
  *uu = *uulen = 0;
  if (ph_cur_u8(&c, &pd) != 0 || pd != 0x08 || ph_cur_u8(&c, &crl) != 0 ||
      (crl & 0xf0) != 0 || ph_cur_skip(&c, crl & 0x0f) != 0 ||
      ph_cur_u8(&c, &type) != 0 || (type & 0x80) != 0)
    return PINHOLE_ERR_PARSE;
  m->q931_type = type;
  while (ph_cur_left(&c) > 0) {
    if (ph_cur_u8(&c, &id) != 0)
      return PINHOLE_ERR_PARSE;
    if (id & 0x80)
      continue; /* a single-octet element */
    size_t n;
    if (id == 0x7e) {
      uint16_t l16;
      if (ph_cur_be16(&c, &l16) != 0)
        return PINHOLE_ERR_PARSE;
      n = l16;
    } else {
      if (ph_cur_u8(&c, &l8) != 0)
        return PINHOLE_ERR_PARSE;
      n = l8;
    }
    if (ph_cur_left(&c) < n)
      return PINHOLE_ERR_PARSE;
    if (id == 0x7e) {
      if (*uulen != 0 || n < 1 || p[c.pos] != 0x05)
        return PINHOLE_ERR_PARSE; /* one, with H.225.0's discriminator */
      *uu = c.pos + 1;
      *uulen = n - 1;
    }
    c.pos += n;
  }
  return 0;
}

int pinhole_h225_cs_parse(const uint8_t *p, size_t len, pinhole_h323_msg *m) {
  int rc = ph_msg_init(p, len, m, PINHOLE_H323_Q931);
  size_t tlen, uu, uulen;
  if (rc != 0 || (rc = pinhole_tpkt_frame(p, len, &tlen)) != 0)
    return rc;
  m->len = tlen;
  m->type = 0xffff;
  if (tlen == PINHOLE_TPKT_HEADER_LEN)
    return 0; /* an empty TPKT: a keep-alive */
  if ((rc = ph_q931(p, tlen, m, &uu, &uulen)) != 0 || uulen == 0)
    return rc;
  return ph_walk_buf(p, uu, uu + uulen, &T_UUINFO, m, 0);
}

int pinhole_h245_parse(const uint8_t *p, size_t len, pinhole_h323_msg *m) {
  int rc = ph_msg_init(p, len, m, PINHOLE_H323_H245);
  size_t tlen;
  if (rc != 0 || (rc = pinhole_tpkt_frame(p, len, &tlen)) != 0)
    return rc;
  m->len = tlen;
  ph_per c;
  memset(&c, 0, sizeof(c));
  c.p = p;
  c.bit = PINHOLE_TPKT_HEADER_LEN * 8;
  c.end = tlen * 8;
  c.m = m;
  /* one message or several, each padded to an octet */
  while (c.bit < c.end && !c.stop) {
    m->h245_count++;
    if ((rc = ph_walk(&c, &T_MSCM, M_OTHER, 0)) != 0)
      return rc;
    if (ph_per_align(&c) != 0)
      return PINHOLE_ERR_PARSE;
  }
  return 0;
}

const char *pinhole_h323_msg_name(const pinhole_h323_msg *m) {
  static const char *const ras[] = {
      "GRQ", "GCF", "GRJ", "RRQ", "RCF", "RRJ", "URQ", "UCF",
      "URJ", "ARQ", "ACF", "ARJ", "BRQ", "BCF", "BRJ", "DRQ",
      "DCF", "DRJ", "LRQ", "LCF", "LRJ", "IRQ", "IRR", "NonStandardMessage",
      "XRS"};
  static const char *const body[] = {
      "Setup",       "CallProceeding",  "Connect",       "Alerting",
      "Information", "ReleaseComplete", "Facility",      "Progress",
      "Empty",       "Status",          "StatusInquiry", "SetupAcknowledge",
      "Notify"};
  static const char *const h245[] = {"H.245 request", "H.245 response",
                                     "H.245 command", "H.245 indication"};
  if (m == NULL)
    return "unknown";
  switch (m->proto) {
  case PINHOLE_H323_RAS:
    return ph_name_at(ras, sizeof(ras) / sizeof(ras[0]), m->type);
  case PINHOLE_H323_Q931:
    if (m->type == 0xffff)
      return "Q.931";
    return ph_name_at(body, sizeof(body) / sizeof(body[0]), m->type);
  case PINHOLE_H323_H245:
    if (m->type == 3)
      return "OLC";
    if (m->type == 105)
      return "OLCAck";
    return ph_name_at(h245, 4, m->type / 100);
  default:
    return "unknown";
  }
}
