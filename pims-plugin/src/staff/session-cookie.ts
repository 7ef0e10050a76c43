import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/**
 * The session cookie. Behind TLS (or a public https URL) it is `Secure` with the `__Host-` prefix,
 * which the browser enforces: no Domain, path `/`, sent over https only. HttpOnly always; SameSite
 * Lax, so a form posted from another site carries no session (and the CSRF token guards the rest).
 */
export class SessionCookie {
  readonly name: string;

  constructor(readonly secure: boolean) {
    this.name = secure ? '__Host-lightbox_session' : 'lightbox_session';
  }

  read(c: Context): string | undefined {
    return getCookie(c, this.name);
  }

  write(c: Context, value: string, expiresAt: Date): void {
    setCookie(c, this.name, value, {
      path: '/',
      httpOnly: true,
      secure: this.secure,
      sameSite: 'Lax',
      expires: expiresAt,
    });
  }

  clear(c: Context): void {
    deleteCookie(c, this.name, { path: '/', secure: this.secure });
  }
}
