/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * An outside program: built against the installed tree with only the
 * flags `pkg-config pinhole` gives, then run by tests/install/check-install.sh.
 */
#include <pinhole/pinhole.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  const char *v = pinhole_version();
  printf("version %s\n", v);
  printf("header %s %d\n", PINHOLE_VERSION_STRING, PINHOLE_VERSION_NUM);
  printf("strerror %s\n", pinhole_strerror(PINHOLE_ERR_INVALID_ARG));
  printf("fatal %d\n", pinhole_err_is_fatal(PINHOLE_ERR_NOMEM) != 0);
  return strcmp(v, PINHOLE_VERSION_STRING) == 0 ? 0 : 1;
}
