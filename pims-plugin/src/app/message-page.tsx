import { htmlResponse } from '../pages/html-response.js';
import type { PageAssets } from '../pages/page-assets.js';
import { PageShell } from '../pages/page-shell.js';

/** A staff screen that only says something: refused, signed out, not found. */
export function messagePage(
  assets: PageAssets,
  status: number,
  title: string,
  text: string,
  link: { href: string; label: string } = { href: '/app/orders', label: 'Back to the imaging board' },
): Promise<Response> {
  return htmlResponse(
    <PageShell assets={assets} title={`${title} · Lightbox`} styles={['app.css']} bodyClass="page-message">
      <main class="message">
        <h1>{title}</h1>
        <p>{text}</p>
        <p>
          <a href={link.href}>{link.label}</a>
        </p>
      </main>
    </PageShell>,
    { status },
  );
}
