import type { Position } from "./types.js";

/** Keeps the device's {@link Position} across restarts of the app (a file, IndexedDB, localStorage...). */
export interface PositionStore {
  /** The position saved last, or null for a device that has none yet. */
  load(): Promise<Position | null>;
  /** Called after every notification the app's handler took, and after each `Subscribe` answer. */
  save(position: Position): Promise<void>;
}

/** The default store: the position lives as long as the process (a restarted app starts as a new device). */
export class InMemoryPositionStore implements PositionStore {
  private position: Position | null;

  constructor(initial: Position | null = null) {
    this.position = initial ? { ...initial } : null;
  }

  load(): Promise<Position | null> {
    return Promise.resolve(this.position ? { ...this.position } : null);
  }

  save(position: Position): Promise<void> {
    this.position = { ...position };
    return Promise.resolve();
  }
}
