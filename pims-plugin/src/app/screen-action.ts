import type { Context } from 'hono';
import { LightboxError } from '@lightbox/runtime';
import { httpStatusOf } from '../errors.js';
import type { AppEnv } from '../http/app-env.js';
import type { PageAssets } from '../pages/page-assets.js';
import { messagePage } from './message-page.js';

/**
 * Runs a screen's action; a refusal (not found, conflict, bad input) becomes a page that says why
 * and that nothing changed, instead of the API's problem document.
 */
export async function screenAction(
  c: Context<AppEnv>,
  assets: PageAssets,
  back: string,
  action: () => Promise<Response>,
): Promise<Response> {
  try {
    return await action();
  } catch (err) {
    if (!(err instanceof LightboxError)) throw err;
    c.get('log').info('staff action refused', { code: err.code, path: c.req.path });
    return messagePage(assets, httpStatusOf(err), 'Not done', `${err.message}. Nothing was changed.`, {
      href: back,
      label: 'Back',
    });
  }
}

/** A posted form field as text, or null: a file or a missing field is no text. */
export function field(form: Record<string, unknown>, name: string): string | null {
  const v = form[name];
  return typeof v === 'string' ? v : null;
}
