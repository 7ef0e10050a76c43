import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import dimse from 'dcmjs-dimse';
import type { WlItem } from '@lightbox/protocol';

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/**
 * The folder layout DCMTK's `wlmscpfs -dfp <root>` serves: one subfolder per called AE title holding
 * the `.wl` files, and a `lockfile` it takes before reading them.
 */
export function worklistFolder(root: string, calledAe: string): string {
  const dir = path.join(root, calledAe);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'lockfile'), '');
  return dir;
}

/**
 * Writes one worklist item as a `.wl` file with dcmjs (through dcmjs-dimse's Dataset): the same
 * attributes the agent serves, declared UTF-8 because dcmjs always writes UTF-8.
 */
export function writeWorklistFile(dir: string, name: string, attributes: WlItem): Promise<void> {
  const dataset = new dimse.Dataset(
    { SpecificCharacterSet: 'ISO_IR 192', ...attributes },
    EXPLICIT_VR_LITTLE_ENDIAN,
  );
  return new Promise((resolve, reject) =>
    dataset.toFile(path.join(dir, `${name}.wl`), (err) => (err ? reject(err) : resolve())),
  );
}
