/** The FileSource's interface and its checkpoint. */

/** Where a followed file was read up to. */
export interface FileCheckpoint {
  ino: number;
  dev: number;
  /** Byte offset just after the last complete line stored. */
  offset: number;
}

/** Follows one Tetragon JSON export file on disk. */
export interface FileSource {
  readonly id: string;
  /** Reads whatever was appended since the last poll. Returns the number of lines stored. */
  poll(signal?: AbortSignal): Promise<number>;
}
