import type { InProcessPlugin } from '../../http/test-support/in-process-plugin.js';

/**
 * A browser as far as the staff screens can tell: it keeps cookies, follows nothing by itself, and
 * posts forms the way a browser does (urlencoded). Requests go to the plugin in this process.
 */
export class StaffClient {
  readonly cookies = new Map<string, string>();

  constructor(private readonly lb: InProcessPlugin) {}

  async get(path: string): Promise<Response> {
    return this.keep(await this.lb.plugin.app.request(path, { headers: this.headers() }));
  }

  async post(path: string, fields: Record<string, string>): Promise<Response> {
    return this.keep(
      await this.lb.plugin.app.request(path, {
        method: 'POST',
        headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      }),
    );
  }

  /** Signs in through the form, as a person would; returns the answer to the form's post. */
  async signIn(username: string, password: string): Promise<Response> {
    const form = await this.get('/app/sign-in');
    const csrf = hiddenField(await form.text(), '_csrf');
    return this.post('/app/sign-in', { _csrf: csrf, username, password, next: '/app/orders' });
  }

  /** The CSRF token of the session, read from a page's forms. */
  async csrfToken(path = '/app/orders'): Promise<string> {
    return hiddenField(await (await this.get(path)).text(), '_csrf');
  }

  private headers(): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return cookie ? { cookie } : {};
  }

  private keep(res: Response): Response {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

export function hiddenField(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden field ${name} in the page`);
  return m[1]!;
}

export async function createStaff(
  lb: InProcessPlugin,
  username: string,
  role: string,
  password = 'correct horse battery staple',
): Promise<{ id: string }> {
  const res = await lb.api('POST', '/v1/staff-accounts', { username, displayName: username, role, password });
  if (res.status !== 201) throw new Error(`staff account not created: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}
