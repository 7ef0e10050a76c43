import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LightboxError } from '@lightbox/runtime';

const KEY_FILE = 'secret.key';
const PREFIX = 'sb1';

/**
 * Secrets kept at rest (webhook and connector secrets, embed signing keys) are sealed with
 * AES-256-GCM: a copied database file alone does not give them away. The key comes from the
 * environment or from `secret.key` in the data folder, made on first start, owner-only.
 * `context` binds a sealed value to what it is for, so one cannot be swapped for another row's.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static withKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error('a secret box key is 32 bytes');
    return new SecretBox(key);
  }

  /** The configured key, else the data folder's key file, made now if absent. */
  static open(configured: Buffer | undefined, dataDir: string): SecretBox {
    if (configured) return SecretBox.withKey(configured);
    const file = path.join(dataDir, KEY_FILE);
    if (!existsSync(file)) {
      // 'wx': two processes starting at once never overwrite each other's key.
      try {
        writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    chmodSync(file, 0o600);
    const text = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${file} does not hold a 64-hex-digit key`);
    return SecretBox.withKey(Buffer.from(text, 'hex'));
  }

  /** Whether a stored value is already sealed (values from before sealing are in the clear). */
  isSealed(stored: string): boolean {
    return stored.startsWith(`${PREFIX}.`);
  }

  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  unseal(sealed: string, context = ''): string {
    const [prefix, ivText, bodyText, ...rest] = sealed.split('.');
    if (prefix !== PREFIX || !ivText || !bodyText || rest.length > 0) {
      throw new LightboxError('secret_unreadable', 'a stored secret is not in the sealed format');
    }
    const body = Buffer.from(bodyText, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(ivText, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new LightboxError(
        'secret_unreadable',
        'a stored secret cannot be opened with this key: is LIGHTBOX_SECRET_KEY the one it was sealed with?',
      );
    }
  }
}
