// Resume stores: where the URLs of an interrupted tus upload are kept, so that it continues after a page reload or
// a process restart. Every store has the same three async methods over plain records:
//   find(fingerprint) -> records with that fingerprint; save(record) (by record.key); remove(key).
// Records hold no file name and no token: a fingerprint (a SHA-256), the transfer id, sizes and upload paths.

function copy(record) {
  return JSON.parse(JSON.stringify(record));
}

/** Records in this realm's memory: survives a new client in the same page or worker, not a reload. */
export function memoryStore() {
  const records = new Map();
  return {
    kind: 'memory',
    async find(fingerprint) {
      return [...records.values()].filter((r) => r.fingerprint === fingerprint).map(copy);
    },
    async save(record) {
      records.set(record.key, copy(record));
    },
    async remove(key) {
      records.delete(key);
    },
  };
}

let shared;
/** The one memory store of this realm (the default where nothing persistent exists). */
export function sharedMemoryStore() {
  shared ??= memoryStore();
  return shared;
}

/** Node's built-in modules without an `import` statement, so bundlers for browsers never see one. */
function builtin(name) {
  const p = globalThis.process;
  if (p && typeof p.getBuiltinModule === 'function') return p.getBuiltinModule(name);
  throw new Error('a file resume store needs Node 20.16 or later (process.getBuiltinModule)');
}

/** One JSON file per record in `dir` (created on first save). Node, Deno and Bun. */
export function fileStore(dir) {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('fileResumeStore needs a directory path');
  const fs = builtin('node:fs/promises');
  const path = builtin('node:path');
  const fileOf = (key) => path.join(dir, `${String(key).replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  return {
    kind: 'file',
    async find(fingerprint) {
      let names;
      try {
        names = await fs.readdir(dir);
      } catch (e) {
        if (e && e.code === 'ENOENT') return [];
        throw e;
      }
      const out = [];
      for (const n of names) {
        if (!n.startsWith(`${fingerprint}.`) || !n.endsWith('.json')) continue;
        try {
          out.push(JSON.parse(await fs.readFile(path.join(dir, n), 'utf8')));
        } catch {
          // A record cut by a crash mid-write is no record; the rename below makes that rare.
        }
      }
      return out;
    },
    async save(record) {
      await fs.mkdir(dir, { recursive: true });
      const file = fileOf(record.key);
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, JSON.stringify(record));
      await fs.rename(tmp, file);
    },
    async remove(key) {
      try {
        await fs.unlink(fileOf(key));
      } catch (e) {
        if (!e || e.code !== 'ENOENT') throw e;
      }
    },
  };
}

/** An IndexedDB object store (browsers, pages and workers alike). */
export function indexedDbStore(name) {
  const dbName = name || 'altinn-broker-client';
  let opening;
  const open = () => {
    opening ??= new Promise((resolve, reject) => {
      const req = globalThis.indexedDB.open(dbName, 1);
      req.onupgradeneeded = () => {
        const s = req.result.createObjectStore('uploads', { keyPath: 'key' });
        s.createIndex('fingerprint', 'fingerprint');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return opening;
  };
  const run = async (mode, f) => {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction('uploads', mode);
      const r = f(t.objectStore('uploads'));
      t.oncomplete = () => resolve(r.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  };
  return {
    kind: 'indexeddb',
    async find(fingerprint) {
      return (await run('readonly', (s) => s.index('fingerprint').getAll(fingerprint))) || [];
    },
    async save(record) {
      await run('readwrite', (s) => s.put(copy(record)));
    },
    async remove(key) {
      await run('readwrite', (s) => s.delete(key));
    },
  };
}

/** IndexedDB in a browser page, this realm's memory elsewhere (workers, Node without a directory, workerd). */
export function defaultStore() {
  if (typeof window !== 'undefined' && globalThis.indexedDB) return indexedDbStore();
  return sharedMemoryStore();
}
