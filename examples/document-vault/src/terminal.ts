/** The little the demo needs to print: a progress bar, aligned tables, sizes and times. */

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * On a terminal, one line redrawn in place: `[#######.......]  4/9  invoice.pdf`. Elsewhere
 * (a log, a pipe, a test) one plain line per step, so the output reads the same afterwards.
 */
export class ProgressBar {
  readonly #out: Output;
  readonly #total: number;
  readonly #width = 24;
  #done = 0;

  constructor(out: Output, total: number) {
    this.#out = out;
    this.#total = total;
  }

  /** Ends a bar left unfinished (the work failed), so what is printed next starts a line. */
  end(): void {
    if (this.#out.isTTY === true && this.#done > 0 && this.#done < this.#total) {
      this.#out.write('\n');
    }
  }

  tick(label: string): void {
    this.#done += 1;
    const count = `${String(this.#done).padStart(String(this.#total).length)}/${this.#total}`;
    if (this.#out.isTTY === true) {
      const filled = Math.round((this.#done / this.#total) * this.#width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(this.#width - filled)}]`;
      const line = `  ${bar} ${count}  ${label}`.slice(0, (this.#out.columns ?? 80) - 1);
      this.#out.write(`\r\x1b[2K${line}`);
      if (this.#done === this.#total) this.#out.write('\n');
    } else {
      this.#out.write(`  ${count}  ${label}\n`);
    }
  }
}

/** Rows as aligned columns; `right` lists the columns aligned to the right (numbers). */
export function table(rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, column) => {
          const width = widths[column] ?? 0;
          return right.includes(column) ? cell.padStart(width) : cell.padEnd(width);
        })
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `  ${line}\n`)
    .join('');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${milliseconds.toFixed(milliseconds < 10 ? 1 : 0)} ms`;
  return `${(milliseconds / 1000).toFixed(2)} s`;
}

export function formatPercent(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${((part / whole) * 100).toFixed(1)} %`;
}
