/**
 * A UID as it may be used in a file name: digits and dots, at most 64 characters, no empty
 * component. Anything else (`../../x`, a drive letter, a NUL) is refused before it reaches a path.
 * Leading zeros in a component are not refused: they break PS3.5 9.1 but real consoles send them,
 * and they are harmless in a file name.
 */
const UID_PATTERN = /^[0-9]+(\.[0-9]+)*$/;

export function isSafeUid(value: string): boolean {
  return value.length > 0 && value.length <= 64 && UID_PATTERN.test(value);
}

/** UI values are padded with a NUL (sometimes a space, from sloppy writers) to an even length. */
export function trimUid(value: string | undefined): string {
  return (value ?? '').replace(/[\0 ]+$/, '').replace(/^ +/, '');
}
