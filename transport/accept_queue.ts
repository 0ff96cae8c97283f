/**
 * How many connections the kernel holds for this process's listening socket on a port (Linux): the rx_queue
 * of its LISTEN line in /proc/net/tcp or tcp6. Other processes listening on the same port (WORKERS=N,
 * SO_REUSEPORT) have their own sockets and queues: ours is the one whose inode one of our descriptors holds.
 *
 * The tables are opened once and read again from the start at each reading, so a process out of descriptors
 * can still read them; listening sockets come first in them, so a reading stops at the first other line.
 */

const TABLES = ["/proc/net/tcp", "/proc/net/tcp6"];
const LISTEN = "0A";
const CHUNK_BYTES = 16 * 1024;

/** One LISTEN line: its local port, the connections waiting to be accepted and the socket's inode. */
export interface ListenLine {
  port: number;
  queued: number;
  inode: string;
}

/**
 * The LISTEN lines at the start of a /proc/net/tcp table's text; `complete` is false while the text may end
 * before the listening sockets do (read more).
 */
export function listenLines(text: string): { lines: ListenLine[]; complete: boolean } {
  const lines: ListenLine[] = [];
  const rows = text.split("\n");
  // The last row may be cut short unless the text ended with a newline.
  const last = text.endsWith("\n") ? rows.length : rows.length - 1;
  for (let i = 1; i < last; i++) {
    const fields = (rows[i] as string).trim().split(/\s+/);
    if (fields.length < 10) continue;
    if (fields[3] !== LISTEN) return { lines, complete: true };
    const port = parseInt((fields[1] as string).split(":").at(-1) as string, 16);
    const queued = parseInt((fields[4] as string).split(":")[1] as string, 16);
    lines.push({ port, queued, inode: fields[9] as string });
  }
  return { lines, complete: false };
}

/** The socket inodes among this process's descriptors. */
async function ownSocketInodes(): Promise<Set<string>> {
  const inodes = new Set<string>();
  for await (const entry of Deno.readDir("/proc/self/fd")) {
    try {
      const target = await Deno.readLink(`/proc/self/fd/${entry.name}`);
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1] as string);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

export class AcceptQueue {
  private constructor(
    private readonly tables: Deno.FsFile[],
    private readonly inode: string,
    private readonly port: number,
  ) {}

  /**
   * The queue of this process's listener on `port`, or null where it cannot be found (no /proc: not Linux).
   * Called right after listening, while the process holds few descriptors and no other listener on the port.
   */
  static async open(port: number): Promise<AcceptQueue | null> {
    const tables: Deno.FsFile[] = [];
    try {
      const inodes = await ownSocketInodes();
      for (const path of TABLES) {
        let file: Deno.FsFile;
        try {
          file = await Deno.open(path);
        } catch {
          continue;
        }
        tables.push(file);
        for (const line of await readListenLines(file)) {
          if (line.port === port && inodes.has(line.inode)) return new AcceptQueue(tables, line.inode, port);
        }
      }
    } catch {
      // No /proc.
    }
    for (const file of tables) file.close();
    return null;
  }

  /** Connections waiting to be accepted; null when the listener is gone from the tables (or they are closed). */
  async queued(): Promise<number | null> {
    try {
      for (const table of this.tables) {
        for (const line of await readListenLines(table)) {
          if (line.port === this.port && line.inode === this.inode) return line.queued;
        }
      }
    } catch {
      // Closed by shutdown during a reading.
    }
    return null;
  }

  close(): void {
    for (const file of this.tables) file.close();
  }
}

/** The listening sockets of one table, read from its start. */
async function readListenLines(file: Deno.FsFile): Promise<ListenLine[]> {
  await file.seek(0, Deno.SeekMode.Start);
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(CHUNK_BYTES);
  let text = "";
  for (;;) {
    const n = await file.read(buffer);
    if (n === null) return listenLines(text.endsWith("\n") ? text : `${text}\n`).lines;
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
    const { lines, complete } = listenLines(text);
    if (complete) return lines;
  }
}
