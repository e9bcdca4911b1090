// Re-reading /changes after a Resync, in two passes (pure: the page reader is passed in).
//
// Seqs are assigned under a per-identity lock, so once pass 1 has read every drive to its end, every seq up
// to H (the highest pass 1 saw) is visible. Pass 2 reads every drive again from the cursor and raises the
// changes with cursor < seq <= H merged across drives in seq order. One pass would not do: a file changed
// again after its drive was read (but before a later drive's read raised H) would be listed at its new
// seq, which the single pass never saw, and the cursor would then move past it.

import type { ChangeEntry, ChangesPage } from "./types.js";

/** Reads one page of a drive's changes after `cursor` (exclusive). */
export type ChangesPageReader = (driveId: string, cursor: number) => Promise<ChangesPage>;

/** A change re-read from a drive. */
export interface DriveChange {
  driveId: string;
  change: ChangeEntry;
}

/** Every change of one drive after `cursor`, in seq order, following `cursor` until `hasMore` is false. */
export async function* readDriveChanges(driveId: string, cursor: number, readPage: ChangesPageReader): AsyncGenerator<ChangeEntry> {
  let next = cursor;
  for (;;) {
    const page = await readPage(driveId, next);
    for (const change of page.changes) {
      yield change;
    }

    if (!page.hasMore) {
      return;
    }

    const cursorNow = Number(page.cursor);
    if (!(cursorNow > next)) {
      throw new Error(`the changes of drive ${driveId} did not move past cursor ${next}`);
    }

    next = cursorNow;
  }
}

/** Pass 1: the highest seq any of the drives lists after `cursor` (`cursor` itself when none does). */
export async function highestChangeSeq(driveIds: readonly string[], cursor: number, readPage: ChangesPageReader): Promise<number> {
  let highest = cursor;
  for (const driveId of new Set(driveIds)) {
    for await (const change of readDriveChanges(driveId, cursor, readPage)) {
      highest = Math.max(highest, Number(change.seq));
    }
  }

  return highest;
}

/**
 * Pass 2: every change with `cursor < seq <= through` of all the drives, merged in seq order (each drive's
 * feed is in seq order; one page per drive is held at a time). `raise` is awaited before the next change.
 */
export async function mergeChanges(
  driveIds: readonly string[],
  cursor: number,
  through: number,
  readPage: ChangesPageReader,
  raise: (change: DriveChange) => Promise<void>,
): Promise<void> {
  interface Head {
    driveId: string;
    feed: AsyncGenerator<ChangeEntry>;
    change: ChangeEntry;
  }

  const heads: Head[] = [];
  const advance = async (driveId: string, feed: AsyncGenerator<ChangeEntry>): Promise<Head | null> => {
    for (;;) {
      const next = await feed.next();
      if (next.done) {
        return null;
      }

      const seq = Number(next.value.seq);
      if (seq > through) {
        await feed.return(undefined); // the feed is in seq order: nothing after this is wanted now
        return null;
      }

      if (seq > cursor) {
        return { driveId, feed, change: next.value };
      }
    }
  };

  try {
    for (const driveId of new Set(driveIds)) {
      const feed = readDriveChanges(driveId, cursor, readPage);
      const head = await advance(driveId, feed);
      if (head) heads.push(head);
    }

    let last = cursor;
    while (heads.length > 0) {
      let lowest = 0;
      for (let i = 1; i < heads.length; i++) {
        if (Number(heads[i].change.seq) < Number(heads[lowest].change.seq)) lowest = i;
      }

      const head = heads[lowest];
      const seq = Number(head.change.seq);
      if (seq > last) {
        await raise({ driveId: head.driveId, change: head.change });
        last = seq;
      }

      const next = await advance(head.driveId, head.feed);
      if (next) {
        heads[lowest] = next;
      } else {
        heads.splice(lowest, 1);
      }
    }
  } finally {
    for (const head of heads) {
      await head.feed.return(undefined);
    }
  }
}

/**
 * Both passes: raises every change after `cursor` up to H in seq order and returns H, the seq the device's
 * cursor may move to once all of them were raised.
 */
export async function resyncChanges(
  driveIds: readonly string[],
  cursor: number,
  readPage: ChangesPageReader,
  raise: (change: DriveChange) => Promise<void>,
): Promise<number> {
  const highest = await highestChangeSeq(driveIds, cursor, readPage);
  if (highest > cursor) {
    await mergeChanges(driveIds, cursor, highest, readPage, raise);
  }

  return highest;
}
