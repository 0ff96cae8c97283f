/**
 * A small disk of its own for a test: a tmpfs mounted on a fresh folder (root only), filled to the last byte
 * with a filler file when the test says so, and freed again. The writes on it then fail the way they fail on
 * a real full disk (ENOSPC; SQLite: "database or disk is full"), not through a stand-in.
 */

export interface SmallDisk {
  /** The mounted folder. */
  path: string;
  /** Writes a filler file until the disk refuses (ENOSPC); how many bytes it took. */
  fill(): Promise<number>;
  /** Deletes the filler file. */
  free(): Promise<void>;
  /** Unmounts the disk and deletes its folder. */
  remove(): Promise<void>;
}

/** Why no small disk can be mounted here (not root, no mount), or null when it can. */
export async function smallDiskUnavailable(): Promise<string | null> {
  try {
    const disk = await mountSmallDisk(1);
    await disk.remove();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Mounts a tmpfs of `megabytes` on a fresh folder. */
export async function mountSmallDisk(megabytes: number): Promise<SmallDisk> {
  const path = await Deno.makeTempDir({ prefix: "csms-small-disk-" });
  const mounted = await run("mount", ["-t", "tmpfs", "-o", `size=${megabytes}m`, "tmpfs", path]);
  if (mounted !== null) {
    await Deno.remove(path);
    throw new Error(`Cannot mount a tmpfs on ${path}: ${mounted}`);
  }
  const filler = `${path}/filler`;
  return {
    path,
    async fill() {
      const file = await Deno.open(filler, { write: true, create: true, append: true });
      const chunk = new Uint8Array(64 * 1024);
      let written = 0;
      try {
        // Smaller and smaller writes, so the last free block goes too.
        for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
          for (;;) {
            try {
              written += await file.write(chunk.subarray(0, size));
            } catch (error) {
              if (!String(error).includes("os error 28")) throw error;
              break;
            }
          }
        }
      } finally {
        file.close();
      }
      return written;
    },
    async free() {
      await Deno.remove(filler).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    },
    async remove() {
      const failed = await run("umount", [path]);
      if (failed !== null) throw new Error(`Cannot unmount ${path}: ${failed}`);
      await Deno.remove(path);
    },
  };
}

/** Runs a command; null when it succeeded, else its stderr. */
async function run(command: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).output();
    return out.success ? null : new TextDecoder().decode(out.stderr).trim() || `exit code ${out.code}`;
  } catch (error) {
    return String(error);
  }
}
