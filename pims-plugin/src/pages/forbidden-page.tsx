import type { PageAssets } from './page-assets.js';
import { htmlResponse } from './html-response.js';
import { PageShell } from './page-shell.js';

/**
 * The answer to a link that is not valid (changed, expired, for another patient or site, revoked):
 * the same plain page whatever the reason, naming no patient, so a wrong link learns nothing.
 */
export function forbiddenPage(assets: PageAssets, frameAncestors: readonly string[] = []): Promise<Response> {
  return htmlResponse(
    <PageShell assets={assets} title="Link not valid · Lightbox" bodyClass="page-message">
      <main class="message">
        <h1>This link is not valid</h1>
        <p>It may have expired or been revoked. Open the images again from the patient's record.</p>
      </main>
    </PageShell>,
    // Framable where the page it stands in for is, so the PIMS shows this text, not a browser error.
    { status: 403, frameAncestors },
  );
}
