/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udp-flood ADDR PORT COUNT: sends COUNT datagrams of 18 bytes to
 * ADDR:PORT from one socket (one flow), 64 per sendmmsg() call, and prints
 * "sent N in S s: R pps". A send the kernel refuses (full queue) is
 * retried; COUNT bounds the run. For tests/e2e/afpacket.sh's flood.
 */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64u

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  struct sockaddr_in to;
  memset(&to, 0, sizeof(to));
  to.sin_family = AF_INET;
  if (argc != 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
    fprintf(stderr, "usage: udp-flood ADDR PORT COUNT\n");
    return 2;
  }
  to.sin_port = htons((uint16_t)strtoul(argv[2], NULL, 10));
  unsigned long count = strtoul(argv[3], NULL, 10);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
    perror("udp-flood");
    return 1;
  }
  static char payload[] = "pinhole-afpacket!!";
  struct iovec iov = {payload, sizeof(payload) - 1};
  struct mmsghdr msg[BATCH];
  memset(msg, 0, sizeof(msg));
  for (unsigned i = 0; i < BATCH; i++) {
    msg[i].msg_hdr.msg_iov = &iov;
    msg[i].msg_hdr.msg_iovlen = 1;
  }
  unsigned long sent = 0, retries = 0;
  double t0 = now_s();
  while (sent < count && retries < 1000000u) {
    unsigned n = count - sent < BATCH ? (unsigned)(count - sent) : BATCH;
    int r = sendmmsg(fd, msg, n, 0);
    if (r > 0)
      sent += (unsigned long)r;
    else if (r < 0 && errno != ENOBUFS && errno != EAGAIN) {
      perror("udp-flood: sendmmsg");
      return 1;
    } else
      retries++;
  }
  double t = now_s() - t0;
  printf("sent %lu in %.3f s: %.0f pps\n", sent, t,
         t > 0 ? (double)sent / t : 0.0);
  close(fd);
  return sent == count ? 0 : 1;
}
