/**
 * Settings, parsed once from the environment with zod into a typed Config. Nothing else reads `Deno.env`.
 */
import { z } from "zod";

const bool = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) =>
  ["true", "1", "yes"].includes(v)
);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z.object({
  PORT: int(0, 65535).default(3001),
  HOSTNAME: z.string().default("0.0.0.0"),
  /** Embedded store file; unset on Deno Deploy, whose KV is built in. */
  KV_PATH: z.string().default("./data/csms.kv"),
  /**
   * `on`: on a local KV file, the meter values of stations that send often (4 MeterValues per 1.5 s, in group
   * commits of 100 MeterValues or more) go through an append-only journal applied in batches; the others'
   * straight into their lists (bench/README.md, "KV meter journal, adaptive"). `off` (the default): every
   * group straight into its station's list; ~10% less at saturation, a steadier tail at 5,000 msgs/s
   * (bench/README.md, "Twenty-first round").
   */
  KV_METER_JOURNAL: z.enum(["on", "off"]).default("off"),
  /** When set, PostgreSQL is the store. */
  DATABASE_URL: z.string().url().optional(),
  /**
   * PostgreSQL group commits in flight at once: what arrives while they all are waits for the next one
   * (bench/README.md, "PostgreSQL: one commit in flight").
   */
  PG_COMMITS_IN_FLIGHT: int(1, 8).default(2),
  /** What BootNotification answers a station we do not know yet. */
  REGISTRATION_POLICY: z.enum(["Accepted", "Pending", "Rejected"]).default("Accepted"),
  /** Heartbeat interval (seconds) given in BootNotification.conf. */
  HEARTBEAT_INTERVAL_S: int(1, 86_400).default(300),
  /** Retry interval (seconds) given to Pending/Rejected stations. */
  BOOT_RETRY_INTERVAL_S: int(1, 86_400).default(60),
  /** How long a CS->CP CALL waits for its answer. */
  CALL_TIMEOUT_MS: int(100, 600_000).default(30_000),
  MAX_FRAME_BYTES: int(1024, 16 * 1024 * 1024).default(64 * 1024),
  /**
   * The limit for transaction data (StopTransaction with its readings, MeterValues, TransactionEvent): a long
   * session's stop is far bigger than any other frame, and refusing it would lose the transaction.
   */
  MAX_TRANSACTION_FRAME_BYTES: int(1024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
  /**
   * Bad frames tolerated before the connection is closed with 1002: the count leaks MAX_BAD_FRAMES per
   * BAD_FRAMES_WINDOW_S, so only that many within about the window close it (a flood), not a malformed frame
   * now and then over a connection of weeks.
   */
  MAX_BAD_FRAMES: int(1, 1_000_000).default(10),
  BAD_FRAMES_WINDOW_S: int(1, 7 * 86_400).default(600),
  /** Idle sockets are pinged this often; a peer that does not pong in time is dropped. 0 disables. */
  PING_INTERVAL_S: int(0, 3600).default(60),
  /**
   * The dialect a station offering both `ocpp2.0.1` and `ocpp1.6` gets (a station offering one gets that
   * one). Written as the version: "2.0.1" or "1.6".
   */
  PREFERRED_OCPP: z.enum(["2.0.1", "1.6", "ocpp2.0.1", "ocpp1.6"]).default("2.0.1")
    .transform((v) => (v.startsWith("ocpp") ? v : `ocpp${v}`) as "ocpp2.0.1" | "ocpp1.6"),
  /** Accept stations that offer no WebSocket subprotocol at all (some old firmware). */
  ALLOW_MISSING_SUBPROTOCOL: bool.default(false),
  /**
   * A station's lastSeen is stored with every snapshot write, otherwise at most this often (seconds): a
   * Heartbeat is answered without a write. A connected station's lastSeen in the API is always current; the
   * stored one may lag by this much until the station disconnects. 0 stores it with every CALL.
   */
  LAST_SEEN_INTERVAL_S: z.coerce.number().min(0).max(3600).default(5),
  /** Answer ConcurrentTx for an idTag already charging elsewhere. */
  SINGLE_USE_ID_TAGS: bool.default(false),
  /**
   * Upgrades beyond this many station sockets (open or being upgraded) get 503. The process may hold 20,000
   * open files, and the API, the store and the files need some: at start-up the ceiling is also lowered to
   * the soft RLIMIT_NOFILE minus 512 (or 75% of it, when that is more), see security/open_files.ts.
   */
  MAX_CONNECTIONS: int(1, 1_000_000).default(15_000),
  /**
   * Station security profile (OCPP 1.6 Security Whitepaper) for stations without their own setting:
   * 0 none, 1 Basic auth, 2 Basic auth over TLS, 3 TLS client certificate (through a trusted proxy).
   */
  SECURITY_PROFILE: z.coerce.number().int().min(0).max(3).default(0).transform((v) => v as 0 | 1 | 2 | 3),
  /** PEM certificate (chain) and key: when both are set the server itself serves https/wss. */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /**
   * Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For / X-Real-IP /
   * X-Forwarded-Proto and client-certificate headers are believed. Empty: no proxy is trusted.
   */
  TRUSTED_PROXIES: z.string().default(""),
  /** Comma-separated addresses or CIDRs stations may connect from. Empty: any. */
  ALLOWED_IPS: z.string().default(""),
  /** Set by the trusted proxy: "SUCCESS" when it verified the client certificate (nginx $ssl_client_verify). */
  CLIENT_CERT_VERIFY_HEADER: z.string().min(1).default("x-ssl-client-verify"),
  /** Set by the trusted proxy: the verified certificate's subject DN (nginx $ssl_client_s_dn). */
  CLIENT_CERT_DN_HEADER: z.string().min(1).default("x-ssl-client-s-dn"),
  /**
   * Set by the trusted proxy: the verified certificate, URL-encoded PEM (nginx $ssl_client_escaped_cert). A
   * certificate we issued to the station whose delivery is not known yet is then recorded as installed.
   */
  CLIENT_CERT_HEADER: z.string().min(1).default("x-ssl-client-cert"),
  /** Failed station auths or operator logins per source address or id before back-off starts. */
  AUTH_FREE_FAILURES: int(0, 1000).default(5),
  /** First back-off after the free failures (seconds); doubles with every further failure. */
  AUTH_BACKOFF_BASE_S: z.coerce.number().min(0.001).max(3600).default(1),
  /** Longest back-off (seconds). */
  AUTH_BACKOFF_MAX_S: z.coerce.number().min(0.001).max(86_400).default(900),
  /**
   * Operator password checks one source (an IPv4 address, an IPv6 /48) may have running at once; more are
   * answered 429 uncounted. A check is 300 ms of a core and new usernames escape the back-off.
   */
  LOGIN_CHECKS_PER_SOURCE: int(1, 10_000).default(2),
  /**
   * Node listener (HTTP_SERVER=node): TCP connections one source (an IPv4 address, an IPv6 /64; its /48 16
   * times that) may hold whose request (headers, then body) did not arrive within 2 s; more are closed
   * (slowloris, or a body trickled a byte now and then). Sources in TRUSTED_PROXIES are exempt: cap them in the
   * proxy (nginx `limit_conn`).
   */
  UNREAD_REQUESTS_PER_SOURCE: int(1, 1_000_000).default(256),
  /**
   * Node listener: seconds a request's headers may take to arrive; then 408 and closed. With TLS_CERT_FILE, a
   * connection's TLS handshake gets as long; then it is closed.
   */
  HEADERS_TIMEOUT_S: z.coerce.number().min(1).max(300).default(30),
  /**
   * Station key checks (Basic auth, 10,000 PBKDF2 rounds) one source (an IPv4 address, an IPv6 /64; its /48
   * 16 times that) may have running at once, and its budget of failed ones: a burst, then a rate per second
   * (ids a source never repeats escape the per-id back-off). Past either, 429 before anything is hashed.
   */
  STATION_AUTH_CHECKS_PER_SOURCE: int(1, 10_000).default(4),
  STATION_AUTH_FAILURE_BURST: int(1, 1_000_000).default(30),
  STATION_AUTH_FAILURE_RATE: z.coerce.number().min(0).max(10_000).default(0.5),
  /**
   * Hours a pending AuthorizationKey (sent to a station, its acceptance not known yet) lets the station in and
   * may still become its key by a handshake; after that the gate refuses it and the record drops it at its
   * next change. Long enough for a station that answered RebootRequired to reboot once idle (a vehicle may
   * stay plugged in over a weekend), short enough that a key the station never took does not stay valid.
   */
  PENDING_AUTHORIZATION_KEY_TTL_H: z.coerce.number().positive().max(24 * 365).default(72),
  /** Frames per second a station may send on average (0 disables the limit). */
  STATION_MSG_RATE: z.coerce.number().min(0).max(100_000).default(20),
  /**
   * Frames a station may send at once above the rate. Large enough for a station flushing its offline queue
   * one CALL at a time (a few hundred frames).
   */
  STATION_MSG_BURST: int(1, 1_000_000).default(500),
  /** Frames refused for rate (decaying at STATION_MSG_RATE) before the socket is closed with 1008. */
  STATION_FLOOD_CLOSE_AFTER: int(1, 1_000_000).default(200),
  /**
   * Refused WebSocket handshakes per source (address, IPv6 /64) that are logged one by one, at once, and their
   * average rate per second; past that a source's refusals are summarised and the cheap ones answered 429.
   * An IPv6 /48 has 16 times both, shared by its /64s (security/auth_backoff.ts PREFIX_48_SHARE).
   */
  HANDSHAKE_REFUSAL_BURST: int(1, 1_000_000).default(20),
  HANDSHAKE_REFUSAL_RATE: z.coerce.number().min(0).max(10_000).default(0.5),
  /**
   * A station's quota in the security event log: the events its own messages cause (SecurityEventNotification,
   * a refused CSR) stored at most this many per sliding window of STATION_SECURITY_EVENT_WINDOW_S seconds,
   * and as many critical ones besides (0: no quota); past it they are counted, and reported as one
   * `station_events_dropped` event at most every STATION_SECURITY_EVENT_REPORT_S seconds.
   */
  STATION_SECURITY_EVENT_MAX: int(0, 1_000_000).default(60),
  STATION_SECURITY_EVENT_WINDOW_S: int(1, 7 * 86_400).default(3600),
  STATION_SECURITY_EVENT_REPORT_S: int(1, 86_400).default(60),
  /**
   * Our own security events about one source address (an IPv6 /64) nobody vouches for (failed station auths
   * and logins, refused handshakes and files) kept one by one at once, and their average rate per second
   * after that; past it they are counted in one `source_events_suppressed` event a minute. An IPv6 /48 has
   * 16 times both, shared by its /64s.
   */
  SECURITY_EVENT_SOURCE_BURST: int(1, 1_000_000).default(100),
  SECURITY_EVENT_SOURCE_RATE: z.coerce.number().min(0).max(10_000).default(0.05),
  /** The security event log keeps at most this many events, the oldest pruned first (every process alike). */
  SECURITY_EVENT_KEEP: int(1000, 100_000_000).default(100_000),
  /** ...and none older than this many days. */
  SECURITY_EVENT_KEEP_DAYS: int(1, 36_500).default(90),
  /**
   * Server processes `deno task start` runs on the same port (SO_REUSEPORT, Linux), one cluster on
   * DATABASE_URL; above 1 DATABASE_URL is required.
   */
  WORKERS: int(1, 256).default(1),
  /**
   * How long the WORKERS supervisor waits, once it sent SIGTERM, before it SIGKILLs a worker still running.
   * A worker's own stop waits for the security deliveries in flight (at most 5 s), a webhook call in flight
   * and the store (until SHUTDOWN_DEADLINE_S, below this) and its listener (at most 2 s).
   */
  WORKER_STOP_GRACE_S: z.coerce.number().min(0.5).max(3600).default(30),
  /**
   * The longest a graceful stop takes (shutdown_deadline.ts): its waits on outside parties (a webhook
   * receiver's answer) end a second before it, its waits on the store (a hung database) at it; what it then
   * leaves unwritten is logged, a line per kind, and the process exits with EXIT_ABANDONED. Unset: two thirds of
   * WORKER_STOP_GRACE_S, so a worker's stop ends before its supervisor's SIGKILL.
   */
  SHUTDOWN_DEADLINE_S: z.coerce.number().min(0.1).max(3600).optional(),
  /**
   * Set by the WORKERS supervisor for its workers: stdin is a pipe the supervisor holds open while it lives.
   * Its end (the supervisor died, even by SIGKILL) stops this process gracefully, as SIGTERM would.
   */
  SUPERVISED: bool.default(false),
  /**
   * How long a node's presence lasts without renewal (seconds; renewed every third of it). A node that dies
   * loses its stations after this: they show offline and commands to them fail at once until they reconnect.
   */
  PRESENCE_LEASE_S: z.coerce.number().min(0.3).max(600).default(15),
  /**
   * With DATABASE_URL, this process joins the cluster of the processes sharing the database (default); off:
   * a single process that knows only its own stations.
   */
  CLUSTER: z.enum(["on", "off"]).default("on"),
  /**
   * The HTTP server and station sockets: `node` (node:http with npm `ws`; the default: about half the memory per
   * idle station, the same boot and CPU per message; an accept watchdog reading /proc makes it exit 70 when it
   * stops accepting) or `deno` (Deno.serve and Deno's own WebSocket, whose native state alone outweighs an
   * ocpp-rpc station). Unset on Deno Deploy: `deno`, the server Deploy runs (see `httpServerOf`).
   */
  HTTP_SERVER: z.enum(["node", "deno"]).optional(),
  /** Listen with SO_REUSEPORT (set by the WORKERS supervisor for its workers). */
  REUSE_PORT: bool.default(false),
  /** Set by Deno Deploy, whose KV is built in (KV_PATH is then ignored). */
  DENO_DEPLOYMENT_ID: z.string().optional(),
  /** OCPP frames kept per station for troubleshooting (0 keeps none). */
  FRAME_LOG_SIZE: int(0, 1000).default(10),
  /** Stations whose frames are kept; the least recently active are forgotten first. */
  FRAME_LOG_STATIONS: int(1, 1_000_000).default(20_000),
  /** Most virtual stations an admin may start from the dashboard (0: the button is refused). */
  SIMULATOR_MAX_STATIONS: int(0, 10_000).default(50),
  /** Where those virtual stations connect; default this process's own address (ws://127.0.0.1:PORT/ocpp). */
  SIMULATOR_URL: z.string().regex(/^wss?:\/\/\S+$/, "must be a ws:// or wss:// URL").optional(),
  /** The overview's "needs attention" strip lists stations offline longer than this (minutes). */
  ATTENTION_OFFLINE_MIN: int(1, 10_080).default(10),
  /**
   * How long a connected station may send no StatusNotification after its boot (or its connection, when
   * later) before the dashboard shows it "connected, not reporting" instead of "starting up" (seconds).
   */
  STATUS_GRACE_S: int(1, 3600).default(120),
  /**
   * Id tags stations presented that are not stored (answered Invalid), kept for operators to add: the most
   * recently presented this many.
   */
  UNKNOWN_ID_TAGS_KEEP: int(1, 100_000).default(500),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /**
   * The Central System's public http(s) origin, e.g. `https://csms.example.com`: upload and firmware URLs
   * given to stations start with it. Unset: the origin the operator's API request came to.
   */
  PUBLIC_URL: z.string().url().regex(/^https?:\/\//, "must be an http(s) URL").optional(),
  /**
   * The operator's station CA: PEM certificate (then its issuers, for an intermediate) and PKCS #8 PEM key.
   * Unset: a CA is generated at first start and kept in the store.
   */
  PKI_CA_CERT_FILE: z.string().min(1).optional(),
  PKI_CA_KEY_FILE: z.string().min(1).optional(),
  /** Validity of the station certificates we sign (SignCertificate). */
  PKI_CERT_VALIDITY_DAYS: int(1, 3650).default(365),
  /** Renewal (ExtendedTriggerMessage SignChargePointCertificate) is asked this long before expiry. */
  PKI_RENEW_BEFORE_DAYS: int(1, 3650).default(30),
  /**
   * How often each process scans its connected stations for renewal; a trigger that got no answer is sent
   * again at the next scan.
   */
  PKI_RENEW_SCAN_S: int(1, 86_400).default(600),
  /** Smallest RSA key accepted in a station's CSR (EC P-256, P-384 and P-521 are always accepted). */
  PKI_MIN_RSA_BITS: int(1024, 16384).default(2048),
  /** A station gets at most one certificate this often: a SignCertificate sooner is Rejected (0: no limit). */
  PKI_MIN_REISSUE_S: int(0, 86_400).default(60),
  /**
   * A certificate whose delivery is still pending this long after it was signed (its server stopped before the
   * station answered CertificateSigned) is recorded undelivered. More than `commandAnswerBoundMs()`: no node
   * can still be waiting for the answer then. Unset: 600, or that bound and a minute when it is longer.
   */
  PKI_PENDING_SETTLE_S: int(1, 7 * 86_400).optional(),
  /** Folder for uploaded diagnostics, logs and firmware images. Unset: they are kept in the store. */
  UPLOAD_DIR: z.string().min(1).optional(),
  /** Largest diagnostics or log file a station may upload. */
  UPLOAD_MAX_BYTES: int(1024, 2 ** 40).default(50 * 1024 * 1024),
  /** How long a one-time upload URL (GetDiagnostics, GetLog) stays usable. */
  UPLOAD_URL_TTL_MIN: int(1, 7 * 24 * 60).default(60),
  /**
   * Station uploads streaming in at once, per process; beyond it a station is answered 503 with Retry-After.
   * Each holds only a few hundred KiB in memory (the bytes stream to storage), so the bound is for the
   * storage's write load and for open connections, not for memory.
   */
  UPLOAD_MAX_CONCURRENT: int(1, 10_000).default(32),
  /**
   * A station upload that sends no bytes for this long is cut off and its URL reopened for a retry. Cellular
   * links pause for seconds, not half a minute; a client that stalls longer only holds the URL hostage.
   */
  UPLOAD_IDLE_TIMEOUT_S: int(1, 3600).default(30),
  /**
   * Days an uploaded diagnostics or log file is kept (its record and bytes), then retention deletes it; 0
   * keeps them for ever. Expired upload and download URLs are pruned a day after they expire, whatever this.
   */
  UPLOAD_RETENTION_DAYS: int(0, 36_500).default(30),
  /** Largest firmware image an operator may upload. */
  FIRMWARE_MAX_BYTES: int(1024, 2 ** 40).default(512 * 1024 * 1024),
  /** How long a firmware download URL works. */
  FIRMWARE_URL_TTL_H: int(1, 24 * 365).default(72),
  /** Downloads per firmware URL (the station's retries). */
  FIRMWARE_URL_MAX_DOWNLOADS: int(1, 1000).default(5),
  /**
   * Firmware uploads streaming in at once, per process; beyond it an admin is answered 503 with Retry-After.
   * Each holds a connection and up to FIRMWARE_MAX_BYTES of staged storage (the bytes stream to storage, so
   * little memory); uploading images is rare admin work, one or two at a time, and four also leaves room for
   * a script that uploads a few variants at once while bounding the worst case at four half-written images.
   */
  FIRMWARE_MAX_CONCURRENT: int(1, 1000).default(4),
  /**
   * A firmware upload that sends no bytes for this long is cut off (408) and its staged bytes dropped; one
   * still sending after this plus FIRMWARE_MAX_BYTES at 64 KiB/s is cut off too, and staged bytes older
   * than that (a crash) are deleted by retention.
   */
  FIRMWARE_IDLE_TIMEOUT_S: int(1, 3600).default(30),
  /** The first operator admin, created at start-up only when there are no users at all. */
  ADMIN_USER: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/).optional(),
  /** Its password (at least 8 characters); never a built-in default. */
  ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").max(1024).optional(),
  /** The password for `deno task users add|passwd`; read from stdin when unset. */
  USER_PASSWORD: z.string().min(8, "must be at least 8 characters").max(1024).optional(),
  /** How long an operator's login session lasts. */
  SESSION_TTL_H: z.coerce.number().positive().max(24 * 365).default(12),
  /**
   * How often a live event stream checks that its login or token still works. Changes made in this process
   * (logout, disable, revoke) end streams at once; this bounds how long one made by another process takes.
   */
  EVENT_STREAM_RECHECK_S: z.coerce.number().min(0.1).max(3600).default(30),
  /** Secure flag of the session cookie: auto sets it when the request came over https (or X-Forwarded-Proto). */
  COOKIE_SECURE: z.enum(["auto", "always", "never"]).default("auto"),
  /** Load management: the least current an EV charges with (IEC 61851-1: 6 A); below it a session waits at 0 A. */
  ENERGY_MIN_CURRENT_A: z.coerce.number().min(0).max(100).default(6),
  /** Load management: an EV drawing clearly less than its limit keeps its draw plus this; the rest goes to others. */
  ENERGY_HEADROOM_A: z.coerce.number().min(0.2).max(100).default(2),
  /** Load management: current measurements older than this (seconds) are ignored. */
  ENERGY_MEASUREMENT_MAX_AGE_S: int(1, 86_400).default(180),
  /** Load management: changes smaller than this (amps) are not sent, while the site can afford it. */
  ENERGY_MIN_CHANGE_A: z.coerce.number().min(0).max(100).default(1),
  /** Load management: an offline station's last limit stays counted this long (seconds) after it was last seen. */
  ENERGY_OFFLINE_LEASE_S: int(0, 7 * 86_400).default(900),
  /** Load management: every site is divided again this often (seconds), with fresh measurements. */
  ENERGY_REBALANCE_INTERVAL_S: z.coerce.number().min(0.05).max(3600).default(60),
  /**
   * Load management: the TxDefaultProfile limit (amps) installed on every station of a site, what a new
   * transaction may draw until its own TxProfile arrives; `none` installs none.
   */
  ENERGY_TX_DEFAULT_A: z.union([z.literal("none").transform(() => null), z.coerce.number().min(0).max(1000)])
    .default(0),
  /** Load management: the stack level of its profiles (an operator's TxProfile above it wins). */
  ENERGY_STACK_LEVEL: int(0, 1000).default(1),
  /**
   * Load management: its profile ids, `base` (TxDefaultProfile, connector 0), `base + N` (TxProfile on
   * connector N), `base + 100 + N` (TxDefaultProfile on connector N for stations without TxProfiles).
   */
  ENERGY_PROFILE_ID_BASE: int(1, 2 ** 31 - 1000).default(900_000),
  /** Stations one job may have. */
  JOB_MAX_STATIONS: int(1, 1_000_000).default(10_000),
  /** Stations of one job with a command in flight at once: the default, and the most a job may ask for. */
  JOB_DEFAULT_CONCURRENCY: int(1, 10_000).default(10),
  JOB_MAX_CONCURRENCY: int(1, 10_000).default(100),
  /**
   * How long a job task's claim lasts without renewal (seconds); renewed while the command waits. After this, a
   * task whose process died is pending again when its command never left (marked as it leaves), else reported
   * as timed out (never sent again by itself).
   */
  JOB_CLAIM_S: z.coerce.number().min(1).max(3600).default(120),
  /** How long a firmware campaign follows the status notifications (hours), unless the job says. */
  FIRMWARE_CAMPAIGN_HOURS: z.coerce.number().min(0.001).max(24 * 30).default(24),
  /** Webhooks may be delivered to loopback addresses (tests, a relay on the same machine). */
  WEBHOOK_ALLOW_LOOPBACK: bool.default(false),
  /** Comma-separated addresses or CIDRs webhooks may be delivered to although not public (internal receivers). */
  WEBHOOK_ALLOWED_NETWORKS: z.string().default(""),
  /** How long one webhook attempt may take. */
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** Attempts before a delivery is failed; retries wait WEBHOOK_BACKOFF_BASE_S, doubling up to _MAX_S. */
  WEBHOOK_MAX_ATTEMPTS: int(1, 100).default(8),
  WEBHOOK_BACKOFF_BASE_S: z.coerce.number().min(0.01).max(86_400).default(10),
  WEBHOOK_BACKOFF_MAX_S: z.coerce.number().min(0.01).max(7 * 86_400).default(3600),
  /** How often job and webhook workers look for work other processes queued (ms). */
  FLEET_POLL_MS: int(10, 60_000).default(1000),
  /** How often reservations past their expiry are ended (seconds). */
  RESERVATION_SWEEP_S: z.coerce.number().min(0.05).max(3600).default(5),
  /** How often connected stations whose local list is behind are synced (seconds). */
  LOCAL_LIST_SYNC_S: z.coerce.number().min(0.05).max(86_400).default(300),
  /** How often old data is pruned (seconds); what is kept is set at run time (PUT /api/v1/fleet-settings). */
  RETENTION_INTERVAL_S: z.coerce.number().min(0.05).max(86_400).default(600),
});

export type Config =
  & Omit<
    z.infer<typeof ConfigSchema>,
    "HTTP_SERVER" | "PKI_PENDING_SETTLE_S" | "SHUTDOWN_DEADLINE_S"
  >
  & {
    HTTP_SERVER: "node" | "deno";
    PKI_PENDING_SETTLE_S: number;
    SHUTDOWN_DEADLINE_S: number;
  };

/**
 * The transport when HTTP_SERVER is unset: `node` (bench/README.md, "Idle station memory"), except on Deno
 * Deploy, which serves through Deno.serve and has no /proc for the node listener's accept watchdog.
 */
export function httpServerOf(
  settings: { HTTP_SERVER?: "node" | "deno" | undefined; DENO_DEPLOYMENT_ID?: string | undefined },
): "node" | "deno" {
  return settings.HTTP_SERVER ?? (settings.DENO_DEPLOYMENT_ID ? "deno" : "node");
}

/**
 * Parses settings from an env-like record; throws one readable error naming every bad variable.
 *
 * @example
 * ```ts
 * const config = parseConfig({ PORT: "3001" });
 * ```
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // `DATABASE_URL=` (set but empty) means unset, as shells and .env files write it.
  const set = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = ConfigSchema.safeParse(set);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid settings: ${lines.join("; ")}`);
  }
  if (result.data.WORKERS > 1 && !result.data.DATABASE_URL) {
    throw new Error(
      `Invalid settings: WORKERS=${result.data.WORKERS} needs DATABASE_URL (the workers share one PostgreSQL ` +
        "database; Deno KV is one process's store)",
    );
  }
  if (result.data.WORKERS > 1 && result.data.CLUSTER === "off") {
    throw new Error(
      `Invalid settings: WORKERS=${result.data.WORKERS} needs CLUSTER=on (the workers are one cluster)`,
    );
  }
  const answerBoundS = commandAnswerBoundMs(result.data.CALL_TIMEOUT_MS) / 1000;
  const settleS = result.data.PKI_PENDING_SETTLE_S ?? Math.max(600, Math.ceil(answerBoundS) + 60);
  if (settleS <= answerBoundS) {
    throw new Error(
      `Invalid settings: PKI_PENDING_SETTLE_S=${settleS} must be more than ` +
        `${answerBoundS} s, the longest a CertificateSigned waits for its answer with ` +
        `CALL_TIMEOUT_MS=${result.data.CALL_TIMEOUT_MS} (twice it and 5 s): a certificate would be called ` +
        "undelivered while its station may still accept it",
    );
  }
  const graceS = result.data.WORKER_STOP_GRACE_S;
  const deadlineS = result.data.SHUTDOWN_DEADLINE_S ?? Math.round(graceS * 2 / 3 * 10) / 10;
  if ((result.data.WORKERS > 1 || result.data.SUPERVISED) && deadlineS >= graceS) {
    throw new Error(
      `Invalid settings: SHUTDOWN_DEADLINE_S=${deadlineS} must be less than WORKER_STOP_GRACE_S=${graceS}: ` +
        "a worker still stopping then is SIGKILLed before it writes what it holds",
    );
  }
  return {
    ...result.data,
    HTTP_SERVER: httpServerOf(result.data),
    PKI_PENDING_SETTLE_S: settleS,
    SHUTDOWN_DEADLINE_S: deadlineS,
  };
}

/**
 * The longest a command waits for its station's answer, a cluster hop included: it may wait behind another in
 * the station's queue (one CALL in flight), then for its own answer; the cluster's requests wait this long.
 */
export function commandAnswerBoundMs(callTimeoutMs: number): number {
  return 2 * callTimeoutMs + 5000;
}

export function loadConfig(): Config {
  return parseConfig(Deno.env.toObject());
}

/** How much of the security event log the stores keep (SECURITY_EVENT_KEEP, SECURITY_EVENT_KEEP_DAYS). */
export function securityEventRetention(config: Config): { maxEvents: number; maxAgeMs: number } {
  return { maxEvents: config.SECURITY_EVENT_KEEP, maxAgeMs: config.SECURITY_EVENT_KEEP_DAYS * 86_400_000 };
}
