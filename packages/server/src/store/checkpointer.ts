/**
 * The SQLite checkpointer: a worker thread with its own connection that copies the write-ahead
 * log back into the database file every `intervalMs`, so that the server's thread never does.
 *
 * SQLite otherwise checkpoints on whichever commit crosses `wal_autocheckpoint` (1,000 pages), and
 * a checkpoint is the only write with `synchronous = NORMAL` that waits for the disk: on a
 * machine claiming a thousand sessions a second (about 9 pages each) that was an fsync every
 * ~100 claims, on the event loop, about a third of a claim's time on average and every request's
 * p99. PASSIVE never waits for readers or writers: it copies what it can and leaves the rest for
 * the next round; the next commit after a complete one starts the log from its beginning again.
 *
 * Run by {@link startCheckpointer}; the module is the worker's entry point.
 */
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

interface Settings {
  readonly file: string;
  readonly intervalMs: number;
}

if (parentPort) {
  const { file, intervalMs } = workerData as Settings;
  const port = parentPort;
  const database = new SqliteDatabase(file);
  const timer = setInterval(() => {
    try {
      database.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      // Busy or gone for a moment: the next round tries again, and the server's own
      // wal_autocheckpoint stays as the backstop.
      port.postMessage({ failed: String(error) });
    }
  }, intervalMs);
  port.once('message', () => {
    clearInterval(timer);
    database.close();
    port.close();
  });
}
