import { ApiError } from '../../src/api/errors';
import { type HttpRequest, type HttpResponse, type Transport } from '../../src/api/transport';

export type Route = (req: HttpRequest) => HttpResponse | ApiError | Promise<HttpResponse | ApiError>;

/** A scripted transport: routes by "METHOD /path", records every request. */
export class FakeTransport {
  readonly requests: HttpRequest[] = [];
  private readonly routes = new Map<string, Route | Route[]>();

  on(key: string, route: Route | Route[]): this {
    this.routes.set(key, route);
    return this;
  }

  readonly transport: Transport = async (req) => {
    this.requests.push(req);
    if (req.signal?.aborted) {
      throw new ApiError('aborted', 'Cancelled');
    }
    const key = `${req.method} ${new URL(req.url).pathname}`;
    const r = this.routes.get(key);
    const route = Array.isArray(r) ? (r.length > 1 ? r.shift() : r[0]) : r;
    if (!route) {
      return {
        status: 404,
        body: JSON.stringify({ errors: [{ code: 1006, title: 'Resource not found', details: key }] }),
      };
    }
    const res = await route(req);
    if (res instanceof ApiError) {
      throw res;
    }
    return res;
  };

  count(key: string): number {
    return this.requests.filter((r) => `${r.method} ${new URL(r.url).pathname}` === key).length;
  }
}

export const json = (status: number, body: unknown): HttpResponse => ({ status, body: JSON.stringify(body) });
