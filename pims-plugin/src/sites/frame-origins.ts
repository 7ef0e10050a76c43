import { eq, isNotNull } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { sites } from '../db/schema.js';

/**
 * Which PIMS pages may show a site's chart panel and viewer in an iframe (`frame-ancestors`): the
 * site's own list when it has one, else the plugin-wide LIGHTBOX_PIMS_ORIGINS. Read from the
 * database on every page, a primary-key lookup, so that every plugin on the same database answers
 * the same at once after a change.
 */
export class FrameOrigins {
  constructor(
    private readonly database: Database,
    private readonly fallback: readonly string[],
  ) {}

  async of(siteId: string): Promise<readonly string[]> {
    const [row] = await this.database.db
      .select({ json: sites.pimsOriginsJson })
      .from(sites)
      .where(eq(sites.id, siteId));
    return row?.json ? parseOrigins(row.json) : this.fallback;
  }

  /**
   * Every origin any site allows: for the page that refuses a link, whose site is not known. It
   * shows nothing of anyone, and letting each PIMS frame it shows the vet "link expired" instead of
   * a browser error.
   */
  async any(): Promise<readonly string[]> {
    const rows = await this.database.db
      .select({ json: sites.pimsOriginsJson })
      .from(sites)
      .where(isNotNull(sites.pimsOriginsJson));
    return [...new Set([...this.fallback, ...rows.flatMap((r) => parseOrigins(r.json ?? '[]'))])];
  }

  /** The site's own list (null: it follows the plugin-wide setting) and what is in effect. */
  async settingsOf(siteId: string): Promise<{ pimsOrigins: string[] | null; effective: readonly string[] }> {
    const [row] = await this.database.db
      .select({ json: sites.pimsOriginsJson })
      .from(sites)
      .where(eq(sites.id, siteId));
    const own = row?.json ? parseOrigins(row.json) : null;
    return { pimsOrigins: own, effective: own ?? this.fallback };
  }
}

function parseOrigins(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
