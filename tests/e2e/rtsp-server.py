# SPDX-License-Identifier: BSD-2-Clause
"""A small RTSP server for the e2e tests: GStreamer's gst-rtsp-server.

usage: /usr/bin/python3 rtsp-server.py ADDR PORT PATH LAUNCH

Serves the GStreamer launch line LAUNCH (payloaders named pay0, pay1, ...)
at rtsp://ADDR:PORT/PATH, a new pipeline per client (not shared), over
RTP/UDP or interleaved in the RTSP connection, whichever the client asks.
Prints "ready" once listening; runs until killed.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    addr, port, path, launch = sys.argv[1:5]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(addr)
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(False)
    server.get_mount_points().add_factory("/" + path, factory)
    if server.attach(None) == 0:
        sys.exit("cannot listen on %s:%s" % (addr, port))
    print("ready", flush=True)
    GLib.MainLoop().run()


main()
