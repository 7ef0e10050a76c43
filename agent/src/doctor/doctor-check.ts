/** One line of `doctor`: what was checked, what was found, and what to do when it failed. */
export interface CheckLine {
  status: 'ok' | 'FAIL' | 'skip';
  name: string;
  detail: string;
  /** What a field engineer does about a failure. */
  fix?: string;
}

export const ok = (name: string, detail: string): CheckLine => ({ status: 'ok', name, detail });
export const fail = (name: string, detail: string, fix: string): CheckLine => ({
  status: 'FAIL',
  name,
  detail,
  fix,
});
export const skip = (name: string, detail: string): CheckLine => ({ status: 'skip', name, detail });

export function formatLine(line: CheckLine): string {
  const head = `${line.status.padEnd(4)}  ${line.name.padEnd(24)} ${line.detail}`;
  return line.fix ? `${head} -> ${line.fix}` : head;
}
