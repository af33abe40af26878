import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatPercent, ProgressBar, table } from './terminal.js';

function recorder(isTTY: boolean): {
  write(text: string): void;
  isTTY: boolean;
  columns: number;
  text: string;
} {
  return {
    isTTY,
    columns: 60,
    text: '',
    write(text: string) {
      this.text += text;
    },
  };
}

describe('ProgressBar', () => {
  it('redraws one line on a terminal and ends it after the last step', () => {
    const out = recorder(true);
    const bar = new ProgressBar(out, 4);
    bar.tick('a.pdf');
    expect(out.text).toBe(`\r\x1b[2K  [######..................] 1/4  a.pdf`);
    bar.tick('b');
    bar.tick('c');
    bar.tick('d');
    expect(out.text.endsWith(`\r\x1b[2K  [########################] 4/4  d\n`)).toBe(true);
  });

  it('cuts a long label to the terminal width', () => {
    const out = recorder(true);
    new ProgressBar(out, 1).tick('x'.repeat(200));
    expect(out.text.replace('\r\x1b[2K', '').replace('\n', '')).toHaveLength(59);
  });

  it('prints one plain line per step elsewhere, counts aligned', () => {
    const out = recorder(false);
    const bar = new ProgressBar(out, 10);
    bar.tick('first');
    for (let step = 2; step <= 10; step++) bar.tick(`file ${step}`);
    expect(out.text.split('\n')[0]).toBe('   1/10  first');
    expect(out.text.split('\n')[9]).toBe('  10/10  file 10');
    expect(out.text).not.toContain('\r');
  });
});

describe('table', () => {
  it('aligns columns, numbers to the right, without trailing spaces', () => {
    expect(
      table(
        [
          ['step', 'items', 'time'],
          ['import', '9', '12 ms'],
          ['total', '', '1.20 s'],
        ],
        [1, 2],
      ),
    ).toBe('  step    items    time\n  import      9   12 ms\n  total          1.20 s\n');
  });
});

describe('formats', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [18_000, '17.6 KiB'],
    [5 * 2 ** 20, '5.0 MiB'],
  ])('formatBytes(%d) is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([
    [2.345, '2.3 ms'],
    [94.4, '94 ms'],
    [999, '999 ms'],
    [5003, '5.00 s'],
  ])('formatDuration(%d) is %s', (milliseconds, text) => {
    expect(formatDuration(milliseconds)).toBe(text);
  });

  it('formatPercent', () => {
    expect(formatPercent(18, 27)).toBe('66.7 %');
    expect(formatPercent(0, 0)).toBe('n/a');
  });
});
