// Scratch space for the benchmark: one temp dir (removed when the process exits, however it exits), and big
// input files written from a random 8 MiB block repeated — never held in memory, and incompressible (a repeated
// block is nothing any step here exploits: nothing on the path compresses or deduplicates).
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BLOCK = 8 << 20;

export class Scratch {
  constructor(prefix = 'abc-bench-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.files = new Map();
    const clean = () => rmSync(this.dir, { recursive: true, force: true });
    process.once('exit', clean);
    for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { clean(); process.exit(130); });
  }

  /** A file of `size` random bytes (cached by size until `drop`). */
  async file(size) {
    let p = this.files.get(size);
    if (!p) {
      this.needDisk(size, `a ${size >> 20} MiB input file`);
      p = join(this.dir, `input-${size}.bin`);
      const block = randomFillSync(Buffer.alloc(Math.min(BLOCK, size)));
      const fh = await open(p, 'w');
      try {
        for (let at = 0; at < size; at += block.length) {
          await fh.write(block, 0, Math.min(block.length, size - at));
        }
      } finally {
        await fh.close();
      }
      this.files.set(size, p);
    }
    return p;
  }

  /** Removes the file of `size` (the GiB inputs go as soon as their rows are done). */
  drop(size) {
    const p = this.files.get(size);
    if (p) rmSync(p, { force: true });
    this.files.delete(size);
  }

  /**
   * Throws unless the temp dir's disk has room for `bytes` more and a GiB to spare: a row that would fill a disk
   * other work shares reports an error instead.
   */
  needDisk(bytes, what) {
    const fs = statfsSync(this.dir);
    const free = fs.bavail * fs.bsize;
    if (free < bytes + (1 << 30)) {
      throw new Error(`${what} needs ${(bytes / 2 ** 30).toFixed(1)} GiB of disk and 1 GiB to spare; ${(free / 2 ** 30).toFixed(1)} GiB free in ${this.dir}`);
    }
  }

  path(name) {
    return join(this.dir, name);
  }
}

/** `n` distinct 1 MiB chunks of random bytes, for the in-memory hashing rows. */
export function randomChunks(n, size = 1 << 20) {
  return Array.from({ length: n }, () => randomFillSync(new Uint8Array(size)));
}
