/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Deterministic NAT (RFC 7422): the fixed layout of a deterministic pool.
 *
 * Inside address number i of the prefix owns public address
 * addr_lo + i / per_addr and the port range starting at
 * port_lo + (i % per_addr) * ports. per_addr = ceil(inside / addresses);
 * ports = block_size, or all the ports divide into per_addr ranges. Both
 * directions are arithmetic on the configuration alone, so the engine and
 * an operator's lookup tool compute the same answer (RFC 7422 sec. 2:
 * the algorithm needs no per-connection log).
 */
#include <pinhole/pinhole.h>

#include <string.h>

/* 0/8, 127/8, 224/4 and 240/4 are never a host's address (as ctx.c's
 * check for pools and rules). */
static int ph_det_usable(uint32_t addr) {
  uint32_t a = addr >> 24;
  return a != 0 && a != 127 && a < 224;
}

/* The caller's pool as a full struct (older sizes zero-filled). */
static int ph_det_pool_in(pinhole_pool *p, const pinhole_pool *pool) {
  if (pool == NULL || pool->size < sizeof(size_t))
    return PINHOLE_ERR_INVALID_ARG;
  if (pool->size > sizeof(*p)) {
    const uint8_t *tail = (const uint8_t *)pool + sizeof(*p);
    for (size_t i = 0; i < pool->size - sizeof(*p); i++)
      if (tail[i] != 0)
        return PINHOLE_ERR_STRUCT_SIZE;
  }
  memset(p, 0, sizeof(*p));
  memcpy(p, pool, pool->size < sizeof(*p) ? pool->size : sizeof(*p));
  return 0;
}

int pinhole__det_check(const pinhole_pool *p, pinhole_det_layout *l);
int pinhole__det_check(const pinhole_pool *p, pinhole_det_layout *l) {
  if (p->mode != PINHOLE_POOL_DETERMINISTIC || p->addr_hi < p->addr_lo ||
      p->port_lo == 0 || p->port_lo > p->port_hi || p->pad_ != 0 ||
      p->max_blocks != 0 || p->block_hold_ms != 0)
    return PINHOLE_ERR_INVALID_ARG;
  if (p->addr_hi - p->addr_lo >= 16 || p->inside_plen < 8 ||
      p->inside_plen > 32)
    return PINHOLE_ERR_RANGE;
  uint32_t host = p->inside_plen == 32 ? 0 : 0xFFFFFFFFu >> p->inside_plen;
  if ((p->inside_addr & host) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  if (!ph_det_usable(p->addr_lo) || !ph_det_usable(p->addr_hi) ||
      !ph_det_usable(p->inside_addr) || !ph_det_usable(p->inside_addr | host))
    return PINHOLE_ERR_ADDRESS;
  uint32_t naddrs = p->addr_hi - p->addr_lo + 1;
  uint32_t nports = (uint32_t)p->port_hi - p->port_lo + 1;
  uint32_t count = host + 1; /* plen >= 8: at most 2^24 */
  uint32_t per_addr = (count + naddrs - 1) / naddrs;
  if (per_addr > nports)
    return PINHOLE_ERR_RANGE;
  uint32_t ports = p->block_size ? p->block_size : nports / per_addr;
  if ((uint64_t)ports * per_addr > nports)
    return PINHOLE_ERR_RANGE;
  l->inside_count = count;
  l->per_addr = per_addr;
  l->ports = ports;
  l->pad_ = 0;
  return 0;
}

int pinhole_det_layout_get(const pinhole_pool *pool, pinhole_det_layout *out) {
  pinhole_pool p;
  pinhole_det_layout l;
  int rv = ph_det_pool_in(&p, pool);
  if (rv == 0)
    rv = pinhole__det_check(&p, &l);
  if (rv == 0 && out != NULL)
    *out = l;
  return rv;
}

int pinhole_det_forward(const pinhole_pool *pool, uint32_t inside,
                        uint32_t *paddr, uint16_t *port_lo, uint16_t *port_hi) {
  pinhole_pool p;
  pinhole_det_layout l;
  if (paddr == NULL || port_lo == NULL || port_hi == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  int rv = ph_det_pool_in(&p, pool);
  if (rv < 0 || (rv = pinhole__det_check(&p, &l)) < 0)
    return rv;
  uint32_t i = inside - p.inside_addr;
  if (inside < p.inside_addr || i >= l.inside_count)
    return PINHOLE_ERR_NOT_FOUND;
  uint32_t lo = p.port_lo + (i % l.per_addr) * l.ports;
  *paddr = p.addr_lo + i / l.per_addr;
  *port_lo = (uint16_t)lo;
  *port_hi = (uint16_t)(lo + l.ports - 1);
  return 0;
}

int pinhole_det_reverse(const pinhole_pool *pool, uint32_t paddr,
                        uint16_t pport, uint32_t *inside) {
  pinhole_pool p;
  pinhole_det_layout l;
  if (inside == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  int rv = ph_det_pool_in(&p, pool);
  if (rv < 0 || (rv = pinhole__det_check(&p, &l)) < 0)
    return rv;
  if (paddr < p.addr_lo || paddr > p.addr_hi || pport < p.port_lo ||
      pport > p.port_hi)
    return PINHOLE_ERR_NOT_FOUND;
  uint32_t slot = ((uint32_t)pport - p.port_lo) / l.ports;
  if (slot >= l.per_addr)
    return PINHOLE_ERR_NOT_FOUND;
  uint64_t i = (uint64_t)(paddr - p.addr_lo) * l.per_addr + slot;
  if (i >= l.inside_count)
    return PINHOLE_ERR_NOT_FOUND;
  *inside = p.inside_addr + (uint32_t)i;
  return 0;
}
