// Node's Buffer has fast, undocumented latin1Slice(start, end): the hot path
// turns request bytes into latin1 strings with it (no UTF-8 decoding).
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
  }
}
export {};
