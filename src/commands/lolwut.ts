// LOLWUT (Redis 7.0 lolwut.c, lolwut5.c, lolwut6.c); WAIT is in replication.ts.
//
// LOLWUT VERSION 5 draws Georg Nees's "Schotter" in braille characters,
// VERSION 6 a skyline in terminal colours; both are random (Redis seeds rand()
// per process), except the first two rows of squares, which never move. The
// arithmetic follows Redis's floats (Math.fround) so the fixed part matches.

import type { Family } from './table.js';
import type { Client } from '../server/client.js';
import { VERSION } from '../server/server.js';
import { ERR } from './errors.js';
import { parseI64, parseLong } from '../util/numbers.js';

const RAND_MAX = 2147483647;
function rand(): number {
  return Math.floor(Math.random() * (RAND_MAX + 1));
}
const f = Math.fround;

class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    bg: number,
  ) {
    this.pixels = new Uint8Array(width * height).fill(bg);
  }
  draw(x: number, y: number, color: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    this.pixels[x + y * this.width] = color;
  }
  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0;
    return this.pixels[x + y * this.width];
  }
  /** Bresenham, as lwDrawLine. */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1);
    const dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1;
    const sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.draw(x1, y1, color);
      if (x1 === x2 && y1 === y2) break;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }
  /** lwDrawSquare: centre x,y, float size and angle. */
  square(x: number, y: number, size: number, angle: number, color: number): void {
    size = f(size / 1.4142135623);
    size = f(cround(size));
    let k = f(Math.PI / 4 + angle);
    const px: number[] = [];
    const py: number[] = [];
    for (let j = 0; j < 4; j++) {
      px.push(cround(Math.sin(k) * size + x));
      py.push(cround(Math.cos(k) * size + y));
      k = f(k + Math.PI / 2);
    }
    for (let j = 0; j < 4; j++) this.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
  }
}

/** C round(): halves away from zero. */
function cround(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

function schotter(cols: number, perRow: number, perCol: number): Canvas {
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = f(f(width - padding * 2) / f(perRow));
  const height = Math.trunc(f(f(side * perCol) + padding * 2));
  const cv = new Canvas(width, height, 0);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = Math.trunc(f(f(f(x * side) + f(side / 2)) + padding));
      let sy = Math.trunc(f(f(f(y * side) + f(side / 2)) + padding));
      let angle = 0;
      if (y > 1) {
        let r1 = f(f(f(f(rand()) / f(RAND_MAX)) / perCol) * y);
        let r2 = f(f(f(f(rand()) / f(RAND_MAX)) / perCol) * y);
        let r3 = f(f(f(f(rand()) / f(RAND_MAX)) / perCol) * y);
        if (rand() % 2) r1 = -r1;
        if (rand() % 2) r2 = -r2;
        if (rand() % 2) r3 = -r3;
        angle = r1;
        sx = Math.trunc(f(sx + f(f(r2 * side) / 3)));
        sy = Math.trunc(f(sy + f(f(r3 * side) / 3)));
      }
      cv.square(sx, sy, side, angle, 1);
    }
  }
  return cv;
}

/** The canvas as braille characters (UTF-8 bytes as latin1), 2x4 pixels each. */
function renderBraille(cv: Canvas): string {
  let text = '';
  for (let y = 0; y < cv.height; y += 4) {
    for (let x = 0; x < cv.width; x += 2) {
      let byte = 0;
      if (cv.get(x, y)) byte |= 1 << 0;
      if (cv.get(x, y + 1)) byte |= 1 << 1;
      if (cv.get(x, y + 2)) byte |= 1 << 2;
      if (cv.get(x + 1, y)) byte |= 1 << 3;
      if (cv.get(x + 1, y + 1)) byte |= 1 << 4;
      if (cv.get(x + 1, y + 2)) byte |= 1 << 5;
      if (cv.get(x, y + 3)) byte |= 1 << 6;
      if (cv.get(x + 1, y + 3)) byte |= 1 << 7;
      const code = 0x2800 + byte;
      text += String.fromCharCode(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
    if (y !== cv.height - 1) text += '\n';
  }
  return text;
}

/** Optional long arguments 1..n of the (shifted) argv; null after an error reply. */
function longArgs(c: Client, argv: string[], defaults: number[]): number[] | null {
  const out = defaults.slice();
  for (let i = 0; i < defaults.length; i++) {
    if (argv.length > i + 1) {
      const v = parseLong(argv[i + 1]);
      if (v === null) {
        c.error(ERR.notInt);
        return null;
      }
      out[i] = v;
    }
  }
  return out;
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

function lolwut5(c: Client, argv: string[]): void {
  const a = longArgs(c, argv, [66, 8, 12]);
  if (a === null) return;
  const cv = schotter(clamp(a[0], 1, 1000), clamp(a[1], 1, 200), clamp(a[2], 1, 200));
  c.verbatim(renderBraille(cv) + '\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ' + VERSION + '\n');
}

interface Skyscraper {
  xoff: number;
  width: number;
  height: number;
  windows: boolean;
  color: number;
}

function skyscraper(cv: Canvas, si: Skyscraper): void {
  const starty = cv.height - 1;
  const endy = starty - si.height + 1;
  for (let y = starty; y >= endy; y--) {
    for (let x = si.xoff; x < si.xoff + si.width; x++) {
      if (y === endy && (x <= si.xoff + 1 || x >= si.xoff + si.width - 2)) continue;
      let color = si.color;
      if (si.windows && x > si.xoff + 1 && x < si.xoff + si.width - 2 && y > endy + 1 && y < starty - 1) {
        const relx = x - (si.xoff + 1);
        const rely = y - (endy + 1);
        if (Math.trunc(relx / 2) % 2 && rely % 2) {
          do color = 1 + (rand() % 2);
          while (color === si.color);
          if (relx % 2) color = cv.get(x - 1, y);
        }
      }
      cv.draw(x, y, color);
    }
  }
}

function skyline(cv: Canvas): void {
  const h = cv.height;
  const si: Skyscraper = { xoff: 0, width: 0, height: 0, windows: false, color: 0 };
  for (let color = 2; color >= 1; color--) {
    si.color = color;
    for (let offset = -10; offset < cv.width; ) {
      offset += rand() % 8;
      si.xoff = offset;
      si.width = 10 + (rand() % 9);
      // C precedence: (rand() % h) / 2 and (rand() % h) / 3
      si.height = Math.trunc(h / 2) + Math.trunc((rand() % h) / (color === 2 ? 2 : 3));
      si.windows = false;
      skyscraper(cv, si);
      offset += color === 2 ? Math.trunc(si.width / 2) : si.width + 1;
    }
  }
  si.color = 0;
  for (let offset = -10; offset < cv.width; ) {
    offset += rand() % 8;
    si.xoff = offset;
    si.width = 5 + (rand() % 14);
    if (si.width % 4) si.width += si.width % 3;
    si.height = Math.trunc(h / 3) + Math.trunc((rand() % h) / 2);
    si.windows = true;
    skyscraper(cv, si);
    offset += si.width + 5;
  }
}

const COLORS = ['0;30;40m', '0;90;100m', '0;37;47m', '0;97;107m'];

function lolwut6(c: Client, argv: string[]): void {
  const a = longArgs(c, argv, [80, 20]);
  if (a === null) return;
  const cv = new Canvas(clamp(a[0], 1, 1000), clamp(a[1], 1, 1000), 3);
  skyline(cv);
  let text = '';
  for (let y = 0; y < cv.height; y++) {
    for (let x = 0; x < cv.width; x++) text += '\x1b[' + (COLORS[cv.get(x, y)] ?? COLORS[0]) + ' \x1b[0m';
    if (y !== cv.height - 1) text += '\n';
  }
  c.verbatim(
    text +
      '\nDedicated to the 8 bit game developers of past and present.\n' +
      'Original 8 bit image from Plaguemon by hikikomori. Redis ver. ' +
      VERSION +
      '\n',
  );
}

function lolwut(c: Client, argv: string[]): void {
  let v = VERSION;
  if (argv.length >= 3 && argv[1].toLowerCase() === 'version') {
    const ver = parseI64(argv[2]);
    if (ver === null) return c.error(ERR.notInt);
    v = BigInt.asUintN(32, ver).toString() + '.0.0'; // snprintf("%u.0.0", (unsigned int)ver)
    argv = argv.slice(2);
  }
  if ((v[0] === '5' && v[1] === '.' && v[2] !== '9') || (v[0] === '4' && v[1] === '.' && v[2] === '9')) lolwut5(c, argv);
  else if ((v[0] === '6' && v[1] === '.' && v[2] !== '9') || (v[0] === '5' && v[1] === '.' && v[2] === '9')) lolwut6(c, argv);
  else c.verbatim('Redis ver. ' + VERSION + '\n');
}

export const commands: Family = { lolwut };
