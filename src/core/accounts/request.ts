/** One management request with the user's bearer token, its failure turned into a typed error. */
import type { HttpClient, HttpRequest } from '../http/client.js';
import { type FailureContext, managementError } from './errors.js';

/** A management request: the HTTP request plus what to say when it fails. */
export interface ManagementRequest extends Omit<HttpRequest, 'headers' | 'what'> {
  context: FailureContext;
}

/** Sends `request` with `token`; returns the parsed JSON body (`undefined` for an empty one) of a 2xx answer. */
export async function managementCall(http: HttpClient, token: string, request: ManagementRequest): Promise<unknown> {
  const { context, ...rest } = request;
  const res = await http.request({
    ...rest,
    headers: { authorization: `Bearer ${token}` },
    what: `management request (${context.action})`,
  });
  if (res.status < 200 || res.status > 299) throw managementError(res, context);
  if (res.status === 204 || res.text.trim() === '') return undefined;
  return res.json();
}
