// The per-command hook lists (authorize, precheck, afterCall) and the one
// function each is called through.
//
// A loop over a list calls every hook from a single call site that sees a
// different function each time: a megamorphic call V8 cannot inline, paid
// per hook per command even when the hook's first test returns (about 80 ns
// a command with the default features installed, a fifth of PING's CPU).
// `compose` builds a closure with one call site per hook instead, so V8
// inlines each hook's early return. It is rebuilt when the list changes,
// which HookList notices on push and splice (the only ways features change
// these lists).
//
// A hook with nothing to do in some state (MONITOR with no monitors, client
// tracking with no tracking client) is switched off with `setActive` and is
// not called at all; it keeps its place in the order.

type Fn = (...args: never[]) => unknown;

/** Whether a hook is called; shared by every composition of its list. */
export interface Gate {
  on: boolean;
}
const OFF: Gate = { on: false };
const ALWAYS: Gate = { on: true };

export class HookList<T extends Fn> extends Array<T> {
  /** Bumped on every change; compared by the owner of the composed function. */
  version = 0;
  private readonly gates = new Map<T, Gate>();

  gate(fn: T): Gate {
    let g = this.gates.get(fn);
    if (g === undefined) this.gates.set(fn, (g = { on: true }));
    return g;
  }

  /** Turns a hook off (skipped, not called) or on again; cheap enough to call on every state change. */
  setActive(fn: T, on: boolean): void {
    this.gate(fn).on = on;
  }

  // Array methods that build new arrays (map, filter, slice) construct this
  // class: give them plain arrays instead.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  override push(...items: T[]): number {
    this.version++;
    return super.push(...items);
  }

  override splice(start: number, deleteCount?: number, ...items: T[]): T[] {
    this.version++;
    return deleteCount === undefined ? super.splice(start) : super.splice(start, deleteCount, ...items);
  }

  override unshift(...items: T[]): number {
    this.version++;
    return super.unshift(...items);
  }

  override pop(): T | undefined {
    this.version++;
    return super.pop();
  }

  override shift(): T | undefined {
    this.version++;
    return super.shift();
  }
}

export type CheckHook<A, B, C> = (a: A, b: B, c: C) => string | null;
export type NotifyHook<A, B, C, D, E> = (a: A, b: B, c: C, d: D, e: E) => void;

const noCheck = (): null => null;
const noNotify = (): void => {};

/** Calls each hook in order; the first non-null result wins. */
function gateOf<T extends Fn>(list: readonly T[], i: number): Gate {
  if (i >= list.length) return OFF;
  return list instanceof HookList ? (list as HookList<T>).gate(list[i]) : ALWAYS;
}

export function composeChecks<A, B, C>(list: readonly CheckHook<A, B, C>[], from = 0): CheckHook<A, B, C> {
  if (list.length <= from) return noCheck;
  const f0 = list[from];
  const f1 = list[from + 1] ?? noCheck;
  const f2 = list[from + 2] ?? noCheck;
  const f3 = list[from + 3] ?? noCheck;
  const f4 = list[from + 4] ?? noCheck;
  const f5 = list[from + 5] ?? noCheck;
  const g0 = gateOf(list, from);
  const g1 = gateOf(list, from + 1);
  const g2 = gateOf(list, from + 2);
  const g3 = gateOf(list, from + 3);
  const g4 = gateOf(list, from + 4);
  const g5 = gateOf(list, from + 5);
  const rest = list.length > from + 6 ? composeChecks(list, from + 6) : noCheck;
  return (a, b, c) => {
    let r: string | null;
    if (g0.on && (r = f0(a, b, c)) !== null) return r;
    if (g1.on && (r = f1(a, b, c)) !== null) return r;
    if (g2.on && (r = f2(a, b, c)) !== null) return r;
    if (g3.on && (r = f3(a, b, c)) !== null) return r;
    if (g4.on && (r = f4(a, b, c)) !== null) return r;
    if (g5.on && (r = f5(a, b, c)) !== null) return r;
    return rest(a, b, c);
  };
}

/** Calls each hook in order. */
export function composeNotify<A, B, C, D, E>(list: readonly NotifyHook<A, B, C, D, E>[], from = 0): NotifyHook<A, B, C, D, E> {
  if (list.length <= from) return noNotify;
  const f0 = list[from];
  const f1 = list[from + 1] ?? noNotify;
  const f2 = list[from + 2] ?? noNotify;
  const f3 = list[from + 3] ?? noNotify;
  const f4 = list[from + 4] ?? noNotify;
  const f5 = list[from + 5] ?? noNotify;
  const f6 = list[from + 6] ?? noNotify;
  const f7 = list[from + 7] ?? noNotify;
  const g0 = gateOf(list, from);
  const g1 = gateOf(list, from + 1);
  const g2 = gateOf(list, from + 2);
  const g3 = gateOf(list, from + 3);
  const g4 = gateOf(list, from + 4);
  const g5 = gateOf(list, from + 5);
  const g6 = gateOf(list, from + 6);
  const g7 = gateOf(list, from + 7);
  const rest = list.length > from + 8 ? composeNotify(list, from + 8) : noNotify;
  return (a, b, c, d, e) => {
    if (g0.on) f0(a, b, c, d, e);
    if (g1.on) f1(a, b, c, d, e);
    if (g2.on) f2(a, b, c, d, e);
    if (g3.on) f3(a, b, c, d, e);
    if (g4.on) f4(a, b, c, d, e);
    if (g5.on) f5(a, b, c, d, e);
    if (g6.on) f6(a, b, c, d, e);
    if (g7.on) f7(a, b, c, d, e);
    rest(a, b, c, d, e);
  };
}
