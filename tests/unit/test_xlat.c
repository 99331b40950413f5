/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>
int main(void) { return 0; }
