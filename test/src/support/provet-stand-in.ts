import { multipartForm, str, VendorStandIn, type StandInRequest } from './vendor-stand-in.js';

/**
 * A stand-in for Provet Cloud, for tests only: Provet's servers cannot be reached from here. It does
 * what Provet's published developer pages say, and refuses what they say Provet refuses; each
 * behaviour names its page:
 *
 * - [RIS] https://developers.provetcloud.com/restapi/howto_ris.html (RIS / diagnostic imaging
 *   referrals integration: the "Diagnostic imaging workflow" webhook with diagnosticimagingworklist_id,
 *   provet_id and provet_url; GET diagnosticimaging_worklist/[id]/ for modality, requesting user,
 *   patient/client and target areas; GET diagnosticimaging_referral/[id] for remarks and the
 *   consultation; GET consultation/[id]/?expose_patients; the entry's status updated over REST)
 * - [WH] https://developers.provetcloud.com/restapi/webhooks.html (webhooks are HTTP POSTs of form
 *   data such as `consultation_id=123`; anything but HTTP 200 is retried, up to 10 times)
 * - [RL] https://developers.provetcloud.com/restapi/ratelimit.html (429 Too Many Requests with
 *   Retry-After in seconds)
 *
 * REST calls need `Authorization: Token <token>` [RIS, REST API authentication]; Provet's REST API is
 * Django REST framework, so refusals are `{ "detail": ... }` and lists `{ count, next, previous,
 * results }`, as its pages show.
 */
export class ProvetStandIn extends VendorStandIn {
  readonly worklists = new Map<string, Record<string, unknown>>();
  readonly referrals = new Map<string, Record<string, unknown>>();
  readonly consultations = new Map<string, Record<string, unknown>>();
  readonly patients = new Map<string, Record<string, unknown>>();
  readonly attachments: {
    id: number;
    consultation: string;
    name: string;
    description: string;
    bytes: Buffer;
  }[] = [];
  /** Status and link changes to worklist entries, in the order they arrived. */
  readonly patches: { worklistId: string; body: Record<string, unknown> }[] = [];

  constructor(
    readonly apiToken: string,
    readonly provetId: string,
  ) {
    super();
  }

  /** A referral as a veterinarian creates it in Provet: the entry, its referral, consultation and patient. */
  addReferral(
    worklistId: string,
    opts: { patientName?: string; modality?: string; status?: string } = {},
  ): void {
    const patientId = `${worklistId}1`;
    const consultationId = `${worklistId}2`;
    const referralId = `${worklistId}3`;
    const api = `${this.url}/api/0.1`;
    this.patients.set(patientId, {
      id: Number(patientId),
      name: opts.patientName ?? 'Bella',
      species: 'Feline',
      breed: 'Siamese',
      gender: 2,
      date_of_birth: '2020-02-29',
      microchip: '985112345678901',
    });
    this.consultations.set(consultationId, {
      id: Number(consultationId),
      client: { id: 77, firstname: 'Oona', lastname: 'Virtanen' },
      patients: [`${api}/patient/${patientId}/`],
    });
    this.referrals.set(referralId, {
      id: Number(referralId),
      remarks: 'Coughing for two weeks',
      internal_notes: '',
      consultation: `${api}/consultation/${consultationId}/`,
      appointment: null,
    });
    this.worklists.set(worklistId, {
      id: Number(worklistId),
      status: opts.status ?? 'requested',
      modality: { id: 1, name: opts.modality ?? 'X-ray' },
      requesting_user: { id: 5, name: 'Dr Aino Laine' },
      patient: `${api}/patient/${patientId}/`,
      referral: `${api}/diagnosticimaging_referral/${referralId}/`,
      target_areas: [{ id: 3, name: 'Thorax' }],
    });
  }

  patientOf(worklistId: string): Record<string, unknown> {
    return this.patients.get(`${worklistId}1`)!;
  }

  consultationOf(worklistId: string): string {
    return `${worklistId}2`;
  }

  /**
   * Provet calling the webhook [WH]: form data; anything but 200 is sent again (here after
   * `retryDelayMs`), up to 10 times. Returns every answer's status.
   */
  async sendWebhook(
    url: string,
    worklistId: string,
    opts: { provetId?: string; retryDelayMs?: number; maxAttempts?: number } = {},
  ): Promise<{ status: number; body: string }[]> {
    const answers: { status: number; body: string }[] = [];
    for (let i = 0; i < (opts.maxAttempts ?? 10); i++) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          diagnosticimagingworklist_id: worklistId,
          provet_id: opts.provetId ?? this.provetId,
          provet_url: this.url,
        }).toString(),
      });
      answers.push({ status: res.status, body: await res.text() });
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 200));
    }
    return answers;
  }

  protected errorBody(message: string): unknown {
    return { detail: message };
  }

  protected async route(request: StandInRequest): Promise<boolean> {
    const { req, raw, url, send } = request;
    // [RIS] REST API authentication: `Authorization: Token <token>`.
    const token = /^Token (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return send(401, { detail: 'Authentication credentials were not provided.' });
    if (token !== this.apiToken) return send(401, { detail: 'Invalid token.' });

    const m = /^\/api\/0\.1\/([a-z_]+)\/(?:(\d+)\/?)?$/.exec(url.pathname);
    if (!m) return send(404, { detail: 'Not found.' });
    const [, resource, id] = m;
    const notFound = () => send(404, { detail: 'Not found.' });
    if (req.method === 'GET' && id) {
      const table = {
        diagnosticimaging_worklist: this.worklists,
        diagnosticimaging_referral: this.referrals,
        consultation: this.consultations,
        patient: this.patients,
      }[resource!];
      const item = table?.get(id);
      if (!item) return notFound();
      if (resource === 'consultation' && !url.searchParams.has('expose_patients')) {
        const { patients: _p, ...rest } = item;
        return send(200, rest);
      }
      return send(200, item);
    }
    if (req.method === 'GET' && resource === 'diagnosticimaging_worklist') {
      return send(200, {
        count: this.worklists.size,
        next: null,
        previous: null,
        results: [...this.worklists.values()],
      });
    }
    if (req.method === 'PATCH' && resource === 'diagnosticimaging_worklist' && id) {
      const item = this.worklists.get(id);
      if (!item) return notFound();
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      const statuses = ['requested', 'in_progress', 'completed', 'discontinued', 'cancelled'];
      if (body.status !== undefined && !statuses.includes(str(body.status))) {
        return send(400, { status: [`"${str(body.status)}" is not a valid choice.`] });
      }
      Object.assign(item, body);
      this.patches.push({ worklistId: id, body });
      return send(200, item);
    }
    if (resource === 'attachment' && req.method === 'GET' && !id) {
      const results = this.attachments
        .filter(
          (a) =>
            (!url.searchParams.get('consultation') ||
              a.consultation === url.searchParams.get('consultation')) &&
            (!url.searchParams.get('name') || a.name === url.searchParams.get('name')),
        )
        .map(({ bytes: _b, ...a }) => a);
      return send(200, { count: results.length, next: null, previous: null, results });
    }
    if (resource === 'attachment' && req.method === 'POST' && !id) {
      const form = await multipartForm(request);
      const file = form.get('file');
      const errors: Record<string, string[]> = {};
      if (!this.consultations.has(str(form.get('consultation'))))
        errors.consultation = ['Invalid pk - object does not exist.'];
      if (!(file instanceof Blob)) errors.file = ['No file was submitted.'];
      if (Object.keys(errors).length > 0) return send(400, errors);
      const a = {
        id: this.attachments.length + 1,
        consultation: str(form.get('consultation')),
        name: str(form.get('name')),
        description: str(form.get('description')),
        bytes: Buffer.from(await (file as Blob).arrayBuffer()),
      };
      this.attachments.push(a);
      // Stored, but the answer never arrives.
      if (this.answerLost(req, url.pathname)) return false;
      return send(201, { id: a.id, name: a.name });
    }
    return notFound();
  }
}
