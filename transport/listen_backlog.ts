/**
 * The listen backlog of either transport. Both accept on the JavaScript thread, and the runtimes' default, 511,
 * fills in a quarter of a second at 2,000 connects/s while the loop is busy (boot commits, GC): the kernel then
 * drops SYNs (retried 1, 3, 7 s later: slow boots) and handshake ACKs, and resets connections whose SYN cookie
 * no longer checks out (stations get "connection error"; bench/README.md, "Transport default"). The kernel caps
 * it at net.core.somaxconn (4096 by default since Linux 5.4).
 */
export const LISTEN_BACKLOG = 65_535;
